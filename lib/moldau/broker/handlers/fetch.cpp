// Fetch: reads each partition from its log as file ranges (sent with sendfile), honouring the
// partition and response byte limits (the first batch always goes, as KIP-74 requires), and
// long-polls: with fewer than min_bytes available it waits, woken by appends, until
// max_wait_ms. Fetch sessions are not kept: a session id of 0 tells clients to send full
// fetches, which every client supports. Fetch v0-v3 get the records converted to message
// format v0/v1 (fetch_conversion.h), as Kafka 3.x converts them.
#include <chrono>

#include "moldau/broker/broker.h"
#include "moldau/broker/fetch_conversion.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/fetch.h"

namespace moldau::broker::handlers {

using protocol::FetchRequest;
using protocol::FetchResponse;

namespace {

constexpr int8_t kReadCommitted = 1;

// Builds the whole response from the logs as they are now; returns the record bytes in it.
int64_t read_all(Broker& broker, const FetchRequest& req, int16_t version, FetchResponse& resp) {
  resp = FetchResponse{};
  int64_t total = 0;
  int64_t budget = req.max_bytes > 0 ? req.max_bytes : INT32_MAX;
  for (const auto& topic : req.topics) {
    FetchResponse::FetchableTopicResponse tr;
    tr.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      FetchResponse::FetchableTopicResponse::PartitionData pd;
      pd.partition_index = p.partition;
      storage::PartitionLog* log = broker.logs().get(topic.topic, p.partition);
      if (!log || !broker.metadata().find_topic(topic.topic)) {
        pd.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
        pd.high_watermark = -1;
        pd.records.data.emplace();
        tr.partitions.push_back(std::move(pd));
        continue;
      }
      if (version >= 9 && p.current_leader_epoch > broker.leader_epoch()) {
        pd.error_code = to_wire(ErrorCode::kUnknownLeaderEpoch);
      } else if (version >= 9 && p.current_leader_epoch >= 0 &&
                 p.current_leader_epoch < broker.leader_epoch()) {
        pd.error_code = to_wire(ErrorCode::kFencedLeaderEpoch);
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
      const bool committed = req.isolation_level == kReadCommitted;
      // read_committed sees records below the last stable offset only.
      const int64_t visible = committed ? lso : hw;
      pd.high_watermark = hw;
      pd.last_stable_offset = lso;
      pd.log_start_offset = log->log_start_offset();
      if (committed) pd.aborted_transactions.emplace();
      if (pd.error_code == 0) {
        int64_t offset = p.fetch_offset;
        if (offset < log->log_start_offset() || offset > log->log_end_offset()) {
          pd.error_code = to_wire(ErrorCode::kOffsetOutOfRange);
        } else if (offset < visible) {
          int32_t limit = static_cast<int32_t>(
              std::min<int64_t>(p.partition_max_bytes, std::max<int64_t>(budget, 0)));
          bool first = total == 0;
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
      tr.partitions.push_back(std::move(pd));
    }
    resp.responses.push_back(std::move(tr));
  }
  return total;
}

bool has_error(const FetchResponse& resp) {
  for (const auto& t : resp.responses)
    for (const auto& p : t.partitions)
      if (p.error_code != 0) return true;
  return false;
}

}  // namespace

asio::awaitable<Status> fetch(RequestContext& ctx) {
  auto req = ctx.decode<FetchRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(std::max<int32_t>(req->max_wait_ms, 0));
  std::vector<Purgatory::Key> keys;
  for (const auto& t : req->topics)
    for (const auto& p : t.partitions) keys.emplace_back(t.topic, p.partition);

  FetchResponse resp;
  for (;;) {
    int64_t bytes = read_all(broker, *req, ctx.version(), resp);
    if (bytes >= req->min_bytes || has_error(resp) || keys.empty() ||
        std::chrono::steady_clock::now() >= deadline || broker.stopping())
      break;
    co_await broker.purgatory().wait(keys, deadline);
    if (broker.stopping()) {
      read_all(broker, *req, ctx.version(), resp);
      break;
    }
  }
  resp.session_id = 0;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
