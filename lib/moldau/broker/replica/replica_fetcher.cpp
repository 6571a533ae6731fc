#include "moldau/broker/replica/replica_fetcher.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <algorithm>

#include "moldau/broker/broker.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"
#include "moldau/protocol/messages/fetch.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::broker::replica {

namespace {

using protocol::FetchRequest;
using protocol::FetchResponse;

// Fetch v12: replica fetches with the diverging epoch in the response (KIP-595's truncation).
constexpr int16_t kFetchVersion = 12;
// How soon a partition held back by the follower throttle is looked at again.
constexpr int64_t kThrottledRetryMs = 100;

spdlog::logger& fetcher_log() { return logger("replica-fetcher"); }

// Kafka's truncation point for a diverging epoch (AbstractFetcherThread): our own end offset for
// the leader's epoch when we do not have that epoch, else the smaller of the two ends.
int64_t truncation_offset(const storage::PartitionLog& log, int32_t leader_epoch, int64_t leader_end) {
  auto [epoch, end] = log.end_offset_for_epoch(leader_epoch);
  if (epoch < 0 || end < 0) return std::min(leader_end, log.log_end_offset());
  if (epoch != leader_epoch) return std::min(end, log.log_end_offset());
  return std::min({leader_end, end, log.log_end_offset()});
}

}  // namespace

ReplicaFetcher::ReplicaFetcher(Broker& broker, ReplicaManager& manager, int32_t leader_id)
    : broker_(broker),
      manager_(manager),
      leader_id_(leader_id),
      state_(std::make_shared<State>(broker.io(), "broker-" + std::to_string(broker.config().node_id) +
                                                      "-fetcher-" + std::to_string(leader_id))) {
  asio::co_spawn(broker.io(), run(broker_, manager_, leader_id_, state_), asio::detached);
}

ReplicaFetcher::~ReplicaFetcher() {
  state_->stopped = true;
  state_->conn.close();
  state_->wake.cancel();
}

void ReplicaFetcher::add(std::shared_ptr<Partition> partition) {
  auto key = std::make_pair(partition->topic(), partition->index());
  state_->partitions[key] = Followed{std::move(partition), 0};
  state_->wake.cancel();
}

void ReplicaFetcher::remove(const std::string& topic, int32_t partition) {
  state_->partitions.erase({topic, partition});
}

bool ReplicaFetcher::empty() const { return state_->partitions.empty(); }

void ReplicaFetcher::reconnect() { state_->conn.close(); }

asio::awaitable<void> ReplicaFetcher::run(Broker& broker, ReplicaManager& manager, int32_t leader_id,
                                          std::shared_ptr<State> state) {
  const BrokerConfig& config = broker.config();
  auto backoff = [&](int64_t ms) -> asio::awaitable<void> {
    state->wake.expires_after(std::chrono::milliseconds(ms));
    asio::error_code ec;
    co_await state->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  };
  while (!state->stopped && !broker.stopping()) {
    const int64_t now = wall_clock_ms();
    FetchRequest req;
    req.replica_id = config.node_id;
    req.max_wait_ms = config.replica_fetch_wait_max_ms;
    req.min_bytes = config.replica_fetch_min_bytes;
    req.max_bytes = config.replica_fetch_response_max_bytes;
    req.session_id = 0;
    req.session_epoch = -1;  // a full fetch, no session
    int64_t next_due = INT64_MAX;
    for (auto& [key, f] : state->partitions) {
      if (f.delayed_until_ms > now) {
        next_due = std::min(next_due, f.delayed_until_ms);
        continue;
      }
      Partition& p = *f.partition;
      if (p.is_leader()) continue;
      if (manager.throttled(key.first, key.second, config.node_id, false) &&
          manager.follower_quota().exceeded(config.follower_replication_throttled_rate, now)) {
        next_due = std::min(next_due, now + kThrottledRetryMs);  // sits this fetch out
        continue;
      }
      if (req.topics.empty() || req.topics.back().topic != key.first) req.topics.push_back({key.first, {}});
      FetchRequest::FetchTopic::FetchPartition fp;
      fp.partition = key.second;
      fp.current_leader_epoch = p.leader_epoch();
      fp.fetch_offset = p.log().log_end_offset();
      fp.last_fetched_epoch = p.log().latest_epoch();
      fp.log_start_offset = p.log().log_start_offset();
      fp.partition_max_bytes = config.replica_fetch_max_bytes;
      req.topics.back().partitions.push_back(fp);
    }
    if (req.topics.empty()) {
      co_await backoff(next_due == INT64_MAX ? 3600 * 1000 : std::max<int64_t>(next_due - now, 1));
      continue;
    }
    const BrokerRegistration* leader = broker.metadata().find_broker(leader_id);
    const BrokerEndpoint* endpoint = leader ? leader->endpoint(config.inter_broker_listener_name) : nullptr;
    if (!endpoint) {
      co_await backoff(config.replica_fetch_backoff_ms);
      continue;
    }
    const std::string host = endpoint->host;
    const int32_t port = endpoint->port;
    auto resp = co_await state->conn.call<FetchResponse>(
        host, port, req, kFetchVersion,
        std::chrono::milliseconds(config.replica_socket_timeout_ms + config.replica_fetch_wait_max_ms));
    if (state->stopped) co_return;
    if (!resp.ok()) {
      fetcher_log().warn("[ReplicaFetcher replicaId={}, leaderId={}] fetch failed: {}", config.node_id, leader_id,
                         resp.status().to_string());
      co_await backoff(config.replica_fetch_backoff_ms);
      continue;
    }
    if (resp->error_code != 0) {
      co_await backoff(config.replica_fetch_backoff_ms);
      continue;
    }
    const int64_t after = wall_clock_ms();
    for (auto& t : resp->responses) {
      for (auto& pd : t.partitions) {
        auto it = state->partitions.find({t.topic, pd.partition_index});
        if (it == state->partitions.end()) continue;  // no longer followed from this leader
        Followed& f = it->second;
        Partition& p = *f.partition;
        if (p.is_leader()) continue;
        auto delay = [&] { f.delayed_until_ms = after + config.replica_fetch_backoff_ms; };
        ErrorCode error = static_cast<ErrorCode>(pd.error_code);
        if (error == ErrorCode::kOffsetOutOfRange) {
          // Behind the leader's log start (retention): start over at it. Ahead of its end (an
          // unclean election): cut back to what the leader has committed.
          int64_t end = p.log().log_end_offset();
          Status s;
          if (pd.log_start_offset >= 0 && end < pd.log_start_offset) {
            fetcher_log().warn("{}-{}: log end {} is below the leader's log start {}: restarting there", t.topic,
                               pd.partition_index, end, pd.log_start_offset);
            s = p.log().truncate_fully_and_start_at(pd.log_start_offset);
          } else if (pd.high_watermark >= 0 && end > pd.high_watermark) {
            fetcher_log().warn("{}-{}: log end {} is beyond the leader's: truncating to its high watermark {}",
                               t.topic, pd.partition_index, end, pd.high_watermark);
            s = p.log().truncate_to(pd.high_watermark);
          } else {
            delay();
          }
          if (!s.ok()) {
            fetcher_log().error("{}-{}: {}", t.topic, pd.partition_index, s.to_string());
            delay();
          }
          continue;
        }
        if (error != ErrorCode::kNone) {
          // Stale metadata on either side, or the leader is moving: try again after a pause.
          delay();
          continue;
        }
        if (pd.diverging_epoch.epoch >= 0 && pd.diverging_epoch.end_offset >= 0) {
          int64_t to = truncation_offset(p.log(), pd.diverging_epoch.epoch, pd.diverging_epoch.end_offset);
          fetcher_log().info("{}-{}: diverging from the leader at epoch {} (leader ends it at {}): truncating from "
                             "{} to {}",
                             t.topic, pd.partition_index, pd.diverging_epoch.epoch, pd.diverging_epoch.end_offset,
                             p.log().log_end_offset(), to);
          Status s = p.log().truncate_to(to);
          if (!s.ok()) {
            fetcher_log().error("{}-{}: truncation failed: {}", t.topic, pd.partition_index, s.to_string());
            delay();
          }
          continue;
        }
        if (pd.records.data && !pd.records.data->empty()) {
          // Whole batches only: the response may end inside one. Batches below our end (a
          // fetch that raced an earlier one) are skipped.
          std::vector<uint8_t>& data = *pd.records.data;
          protocol::BatchIterator batches(data);
          protocol::BatchView view;
          size_t first = SIZE_MAX, end = 0;
          const int64_t log_end = p.log().log_end_offset();
          while (batches.next(&view)) {
            if (view.header.next_offset() <= log_end) continue;
            if (first == SIZE_MAX) first = view.position;
            end = view.position + view.bytes.size();
          }
          if (first != SIZE_MAX) {
            if (manager.throttled(t.topic, pd.partition_index, config.node_id, false))
              manager.follower_quota().record(static_cast<int64_t>(end - first), after);
            auto appended = p.append_as_follower(std::span(data.data() + first, end - first), pd.high_watermark);
            if (!appended.ok()) {
              fetcher_log().error("{}-{}: appending fetched batches failed: {}", t.topic, pd.partition_index,
                                  appended.status().to_string());
              delay();
              continue;
            }
          } else {
            p.follower_high_watermark(pd.high_watermark);
          }
        } else {
          p.follower_high_watermark(pd.high_watermark);
        }
        // Follow the leader's log start (DeleteRecords, retention) once our high watermark allows.
        if (pd.log_start_offset > p.log().log_start_offset() &&
            pd.log_start_offset <= p.log().high_watermark()) {
          (void)p.log().delete_records_before(pd.log_start_offset);
        }
        manager.follower_appended(p);
      }
    }
  }
}

}  // namespace moldau::broker::replica
