// Fetch: reads each partition from its leader's log as file ranges (sent with sendfile),
// honouring the partition and response byte limits (the first batch always goes, as KIP-74
// requires), and long-polls: with fewer than min_bytes available it waits, woken by appends and
// high watermark moves, until max_wait_ms. Consumers read below the high watermark (or the last
// stable offset); a follower (replica id >= 0) reads to the log end, and its fetch offset is its
// progress, which moves the high watermark; a follower whose log diverges from ours is told
// where (the diverging epoch) instead of getting records. From v7 clients may keep an
// incremental fetch session (fetch_session.h): the partitions to read then come from the
// session, and the response leaves out those with nothing new. From v13 topics are named by id
// (UNKNOWN_TOPIC_ID for an id no topic has); v15 moves the replica id into ReplicaState; v16
// answers NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH with the current leader and its
// endpoint (KIP-951), so a client need not refresh its metadata first. Fetch v0-v3 get the
// records converted to message format v0/v1 (fetch_conversion.h), as Kafka 3.x converts them.
#include <chrono>

#include "moldau/broker/broker.h"
#include "moldau/broker/fetch_conversion.h"
#include "moldau/broker/fetch_session.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/clock.h"
#include "moldau/protocol/messages/fetch.h"
#include "moldau/storage/file_util.h"

namespace moldau::broker::handlers {

using protocol::FetchRequest;
using protocol::FetchResponse;
using PartitionData = FetchResponse::FetchableTopicResponse::PartitionData;

namespace {

constexpr int8_t kReadCommitted = 1;
// Fetch's replica id of the debugging consumer (Kafka's FetchRequest.DEBUGGING_CONSUMER_ID).
constexpr int32_t kDebuggingConsumerId = -2;

// Where a follower's log diverges from ours: its last epoch ends elsewhere here, so it must
// truncate before it may append (KIP-320 / KIP-595 fetch-time truncation). An epoch we cannot
// place at all (older than our log) is OFFSET_OUT_OF_RANGE, as in Kafka.
struct Divergence {
  ErrorCode error = ErrorCode::kNone;
  PartitionData::EpochEndOffset epoch_end;  // {-1, -1}: none
  bool diverges() const { return error != ErrorCode::kNone || epoch_end.epoch >= 0; }
};
Divergence divergence(const storage::PartitionLog& log, int16_t version, const FetchPartitionParams& p) {
  Divergence out;
  if (version < 12 || p.last_fetched_epoch < 0) return out;
  auto [epoch, end] = log.end_offset_for_epoch(p.last_fetched_epoch);
  if (epoch < 0 || end < 0) {
    out.error = ErrorCode::kOffsetOutOfRange;
  } else if (epoch < p.last_fetched_epoch || end < p.fetch_offset) {
    out.epoch_end.epoch = epoch;
    out.epoch_end.end_offset = end;
  }
  return out;
}

// Reads one partition as the log is now into `pd`; returns the record bytes it holds.
// `budget` is what is left of the response's max_bytes; `first`: nothing was read before, so
// the first batch goes whatever the limits.
int64_t read_partition(Broker& broker, const FetchRequest& req, const FetchPartitionParams& p,
                       int16_t version, int64_t& budget, bool first, PartitionData& pd) {
  pd = PartitionData{};
  pd.partition_index = p.partition;
  int64_t total = 0;
  if (version >= 13 && p.topic.empty()) {
    pd.error_code = to_wire(ErrorCode::kUnknownTopicId);
    pd.high_watermark = -1;
    pd.records.data.emplace();
    return 0;
  }
  auto [partition, error] =
      broker.replicas().leader(p.topic, p.partition, version >= 9 ? p.current_leader_epoch : -1);
  // The debugging consumer (replica id -2, kafka-replica-verification) reads any replica this
  // broker holds, a follower's too, up to its high watermark: Kafka allows it so that the tool
  // can compare the replicas.
  if (!partition && req.replica_id == kDebuggingConsumerId) {
    if (auto local = broker.replicas().get(p.topic, p.partition)) {
      partition = std::move(local);
      error = ErrorCode::kNone;
    }
  }
  if (!partition) {
    pd.error_code = to_wire(error);
    pd.high_watermark = -1;
    pd.records.data.emplace();
    return 0;
  }
  storage::PartitionLog* log = &partition->log();
  const bool follower = req.replica_id >= 0;
  Divergence diverging;
  if (follower) {
    diverging = divergence(*log, version, p);
    pd.error_code = to_wire(diverging.error);
    pd.diverging_epoch = diverging.epoch_end;
  }
  const storage::LogConfig& config = log->config();
  const int8_t old_format = fetch_message_format(version);
  if (pd.error_code == 0 && config.compression_type == "zstd" && version < 10) {
    // Fetch before v10 cannot carry zstd.
    pd.error_code = to_wire(ErrorCode::kUnsupportedCompressionType);
  } else if (pd.error_code == 0 && old_format >= 0 && req.replica_id < 0 &&
             !config.message_downconversion_enable) {
    pd.error_code = to_wire(ErrorCode::kUnsupportedVersion);
  }
  int64_t hw = log->high_watermark();
  int64_t lso = log->last_stable_offset();
  const bool committed = req.isolation_level == kReadCommitted && !follower;
  // read_committed sees records below the last stable offset only; followers all of the log.
  const int64_t visible = follower ? log->log_end_offset() : committed ? lso : hw;
  pd.high_watermark = hw;
  pd.last_stable_offset = lso;
  pd.log_start_offset = log->log_start_offset();
  if (committed) pd.aborted_transactions.emplace();
  // The leader's side of a replication throttle (replication_quota.h): a throttled follower
  // gets no records while the throttled replicas' rate is over leader.replication.throttled.rate.
  const bool throttled = follower && broker.replicas().throttled(p.topic, p.partition, req.replica_id, true);
  if (pd.error_code == 0 && !diverging.diverges()) {
    int64_t offset = p.fetch_offset;
    if (offset < log->log_start_offset() || offset > log->log_end_offset()) {
      pd.error_code = to_wire(ErrorCode::kOffsetOutOfRange);
    } else if (throttled && broker.replicas().leader_quota().exceeded(broker.config().leader_replication_throttled_rate,
                                                                      wall_clock_ms())) {
      // nothing this time
    } else if (offset < visible) {
      int32_t limit = static_cast<int32_t>(
          std::min<int64_t>(p.max_bytes, std::max<int64_t>(budget, 0)));
      if (limit > 0 || first) {
        auto read = log->read(offset, std::max(limit, 1), visible, first);
        if (read.ok() && old_format >= 0 && !read->slices.empty()) {
          auto converted = down_convert_slices(read->slices, old_format, offset,
                                               static_cast<size_t>(std::max(limit, 0)));
          if (converted.ok()) {
            total += static_cast<int64_t>(converted->size());
            budget -= static_cast<int64_t>(converted->size());
            pd.records.data = std::move(*converted);
          } else {
            pd.error_code = to_wire(converted.status().code());
          }
        } else if (read.ok()) {
          if (committed && !read->slices.empty()) {
            // Kafka's collectAbortedTransactions: those overlapping the fetched range.
            for (const auto& a : log->aborted_transactions(offset, visible))
              pd.aborted_transactions->push_back({a.producer_id, a.first_offset});
          }
          pd.records.slices = std::move(read->slices);
          total += read->bytes;
          budget -= read->bytes;
        } else {
          pd.error_code = to_wire(read.status().code());
        }
      }
    }
  }
  // Before v6 clients do not know KAFKA_STORAGE_ERROR; Kafka sends them this retriable one.
  if (version <= 5 && pd.error_code == to_wire(ErrorCode::kKafkaStorageError))
    pd.error_code = to_wire(ErrorCode::kNotLeaderOrFollower);
  if (pd.records.slices.empty() && !pd.records.data) pd.records.data.emplace();
  if (throttled && total > 0) broker.replicas().leader_quota().record(total, wall_clock_ms());
  return total;
}

// Reads every partition of the fetch, in order; returns the record bytes read.
int64_t read_all(Broker& broker, const FetchRequest& req, const std::vector<FetchPartitionParams>& parts,
                 int16_t version, std::vector<PartitionData>& out) {
  out.assign(parts.size(), PartitionData{});
  int64_t total = 0;
  int64_t budget = req.max_bytes > 0 ? req.max_bytes : INT32_MAX;
  for (size_t i = 0; i < parts.size(); ++i)
    total += read_partition(broker, req, parts[i], version, budget, total == 0, out[i]);
  return total;
}

// KIP-951: a partition answered NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH carries the
// leader this broker knows of, and the response that leader's endpoint on the client's listener.
void add_current_leader(Broker& broker, const std::string& listener, const FetchPartitionParams& p,
                        PartitionData& pd, std::vector<FetchResponse::NodeEndpoint>& endpoints) {
  if (pd.error_code != to_wire(ErrorCode::kNotLeaderOrFollower) &&
      pd.error_code != to_wire(ErrorCode::kFencedLeaderEpoch))
    return;
  const TopicMetadata* topic = broker.metadata().find_topic(p.topic);
  const PartitionState* state = topic ? topic->state(p.partition) : nullptr;
  if (!state || state->leader < 0) return;
  const BrokerRegistration* leader = broker.metadata().find_broker(state->leader);
  const BrokerEndpoint* endpoint = leader ? leader->endpoint(listener) : nullptr;
  if (!endpoint) return;
  pd.current_leader.leader_id = state->leader;
  pd.current_leader.leader_epoch = state->leader_epoch;
  for (const auto& e : endpoints)
    if (e.node_id == state->leader) return;
  endpoints.push_back({state->leader, endpoint->host, endpoint->port, leader->rack});
}

// Errors and divergences are answered at once, without long-polling.
bool has_error(const std::vector<PartitionData>& parts) {
  for (const auto& p : parts)
    if (p.error_code != 0 || p.diverging_epoch.epoch >= 0) return true;
  return false;
}

}  // namespace

asio::awaitable<Status> fetch(RequestContext& ctx) {
  auto req = ctx.decode<FetchRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t version = ctx.version();
  if (version >= 15) req->replica_id = req->replica_state.replica_id;
  const bool uses_topic_ids = version >= 13;
  // v13+: the topic a fetch names by id, as this broker's metadata knows it now ("" if none).
  auto topic_name = [&](const Uuid& id) -> std::string {
    const TopicMetadata* t = broker.metadata().find_topic(id);
    return t ? t->name : std::string();
  };
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(std::max<int32_t>(req->max_wait_ms, 0));

  // Sessions exist from v7; before, every fetch is full and sessionless.
  std::vector<FetchPartitionParams> requested;
  for (const auto& t : req->topics) {
    const std::string topic = uses_topic_ids ? topic_name(t.topic_id) : t.topic;
    const Uuid topic_id = uses_topic_ids ? t.topic_id : Uuid{};
    for (const auto& p : t.partitions) {
      requested.push_back({topic, p.partition, topic_id, p.fetch_offset, p.log_start_offset,
                           p.partition_max_bytes, p.current_leader_epoch, p.last_fetched_epoch});
    }
  }
  std::vector<FetchPartitionKey> forgotten;
  for (const auto& t : req->forgotten_topics_data)
    for (int32_t p : t.partitions)
      forgotten.push_back({uses_topic_ids ? std::string() : t.topic, p, uses_topic_ids ? t.topic_id : Uuid{}});
  FetchSessionCache& sessions = broker.fetch_sessions();
  FetchContext session = sessions.new_context(version >= 7 ? req->session_id : kInvalidSessionId,
                                              version >= 7 ? req->session_epoch : kFinalEpoch,
                                              req->replica_id >= 0, std::move(requested), forgotten,
                                              storage::wall_clock_ms(), uses_topic_ids);
  // A session's partitions were named when they joined it: their ids are resolved again, so a
  // topic created since is found and one deleted since is UNKNOWN_TOPIC_ID.
  if (uses_topic_ids)
    for (auto& p : session.partitions) p.topic = topic_name(p.topic_id);

  if (req->replica_id >= 0 && session.kind != FetchContext::Kind::kError) {
    // A follower's fetch offset is its log end: the leader's record of its progress (and so the
    // high watermark and the ISR) moves with each fetch, once. A diverging follower's offset is
    // no position in our log and counts for nothing.
    for (const auto& p : session.partitions) {
      if (p.topic.empty()) continue;
      auto [partition, error] = broker.replicas().leader(p.topic, p.partition, p.current_leader_epoch);
      if (partition && !divergence(partition->log(), version, p).diverges())
        broker.replicas().follower_fetched(*partition, req->replica_id, p.fetch_offset);
    }
  }
  std::vector<PartitionData> parts;
  if (session.kind != FetchContext::Kind::kError) {
    std::vector<Purgatory::Key> keys;
    for (const auto& p : session.partitions) keys.emplace_back(p.topic, p.partition);
    for (;;) {
      int64_t bytes = read_all(broker, *req, session.partitions, version, parts);
      if (bytes >= req->min_bytes || has_error(parts) || keys.empty() ||
          std::chrono::steady_clock::now() >= deadline || broker.stopping())
        break;
      co_await broker.purgatory().wait(keys, deadline);
      if (broker.stopping()) {
        read_all(broker, *req, session.partitions, version, parts);
        break;
      }
    }
  }

  std::vector<FetchPartitionOutcome> outcomes;
  for (const auto& p : parts)
    outcomes.push_back({p.high_watermark, p.log_start_offset, p.records.size() > 0, p.error_code != 0});
  FetchResponsePlan plan = sessions.finish(session, outcomes, storage::wall_clock_ms());

  FetchResponse resp;
  resp.error_code = to_wire(plan.error);
  resp.session_id = plan.session_id;
  // Topics as Kafka groups them: consecutive partitions of one topic share an entry.
  for (size_t i = 0; i < plan.include.size(); ++i) {
    if (!plan.include[i]) continue;
    const FetchPartitionParams& p = session.partitions[i];
    if (resp.responses.empty() || resp.responses.back().topic != p.topic ||
        resp.responses.back().topic_id != p.topic_id) {
      resp.responses.emplace_back();
      resp.responses.back().topic = p.topic;
      resp.responses.back().topic_id = p.topic_id;
    }
    if (version >= 16) add_current_leader(broker, ctx.listener, p, parts[i], resp.node_endpoints);
    resp.responses.back().partitions.push_back(std::move(parts[i]));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
