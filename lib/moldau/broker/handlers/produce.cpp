// Produce: validates each partition's batch as Kafka does and appends it on the partition's
// leader (offsets assigned by rewriting the base offset). acks=all then waits until every
// in-sync replica has the batch (the high watermark covers it) or the request's timeout
// passes; all partitions are appended before any wait, so they replicate together.
// acks=0 gets no response at all. Produce v0-v2 may carry message formats v0/v1: those are
// converted to one v2 batch first (Kafka's LogValidator), then go the same way as a v2 batch.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"
#include "moldau/protocol/legacy_records.h"
#include "moldau/protocol/messages/produce.h"
#include "moldau/protocol/produced_records.h"

namespace moldau::broker::handlers {

using protocol::ProduceRequest;
using protocol::ProduceResponse;
using PartitionResponse = ProduceResponse::TopicProduceResponse::PartitionProduceResponse;

namespace {

void fail(PartitionResponse& pr, ErrorCode code, std::optional<std::string> message = std::nullopt) {
  pr.error_code = to_wire(code);
  pr.base_offset = -1;
  pr.error_message = std::move(message);
}

// What acks=all waits for: the end of the appended batch (for a retry, of the original) on every
// in-sync replica.
struct Replication {
  PartitionResponse* response;
  std::shared_ptr<replica::Partition> partition;
  int64_t end_offset;
  int32_t min_insync;
};

protocol::UpConvertOptions up_convert_options(Broker& broker, const storage::PartitionLog& log) {
  protocol::UpConvertOptions o;
  o.max_message_size = static_cast<size_t>(log.config().max_message_bytes) + protocol::kLogOverhead;
  // Kafka inflates a compressed old-format set without a bound; this one is what an
  // uncompressed producer could send in one request.
  o.max_decompressed_bytes = static_cast<size_t>(broker.config().socket_request_max_bytes);
  o.log_append_time_topic = log.config().message_timestamp_type == storage::TimestampType::kLogAppendTime;
  o.compacted_topic = log.config().cleanup_compact;
  return o;
}

// Appends one partition's records on its leader; returns what acks=all must wait for.
std::optional<Replication> append_one(RequestContext& ctx, const std::string& topic,
                                      ProduceRequest::TopicProduceData::PartitionProduceData& pd, int16_t acks,
                                      PartitionResponse& pr) {
  Broker& broker = ctx.broker;
  if (is_internal_topic(topic)) {
    fail(pr, ErrorCode::kUnknownTopicOrPartition);
    return std::nullopt;
  }
  auto [partition, error] = broker.replicas().leader(topic, pd.index);
  if (!partition) {
    fail(pr, error);
    return std::nullopt;
  }
  if (!pd.records.data || pd.records.data->empty()) {
    fail(pr, ErrorCode::kInvalidRecord, "Produce request with no records");
    return std::nullopt;
  }
  std::vector<uint8_t>* records = &*pd.records.data;  // as sent, or their v2 conversion
  if (ctx.version() <= 2 && protocol::is_legacy_message_set(*records)) {
    auto up = protocol::up_convert_message_set(*records, up_convert_options(broker, partition->log()));
    if (!up.ok()) {
      fail(pr, up.status().code(), up.status().message());
      logger("produce").debug("rejected message set for {}-{}: {}", topic, pd.index, up.status().to_string());
      return std::nullopt;
    }
    *records = std::move(*up);
  }
  const storage::LogConfig& config = partition->log().config();
  protocol::ValidateOptions opts;
  opts.max_batch_size = static_cast<size_t>(config.max_message_bytes) + protocol::kLogOverhead;
  protocol::ProducedRecordChecks checks;
  checks.create_time = config.message_timestamp_type == storage::TimestampType::kCreateTime;
  checks.now_ms = wall_clock_ms();
  checks.timestamp_before_max_ms = config.effective_timestamp_before_max_ms();
  checks.timestamp_after_max_ms = config.effective_timestamp_after_max_ms();
  checks.require_keys = config.cleanup_compact;
  auto batch = protocol::validate_produce_records(*records, ctx.version(), opts, checks);
  if (!batch.ok()) {
    fail(pr, batch.status().code(), batch.status().message());
    logger("produce").debug("rejected batch for {}-{}: {}", topic, pd.index, batch.status().to_string());
    return std::nullopt;
  }
  if (checks.create_time) {
    // The header's maxTimestamp is the client's claim; the log keeps what the records hold.
    protocol::set_create_time_max_timestamp(*records, batch->records.max_timestamp);
  }
  if (static_cast<int64_t>(batch->batch.bytes.size()) > config.segment_bytes) {
    // As Kafka's UnifiedLog.append: records that cannot fit in one segment.
    fail(pr, ErrorCode::kRecordListTooLarge,
         "Message batch size is " + std::to_string(batch->batch.bytes.size()) + " bytes in append to partition " +
             topic + "-" + std::to_string(pd.index) + " which exceeds the maximum configured segment size of " +
             std::to_string(config.segment_bytes) + ".");
    return std::nullopt;
  }
  storage::AppendOptions ao;
  ao.verify_crc = false;                       // validate_produce_records checked it
  ao.origin = storage::AppendOrigin::kClient;  // sequence checks, retries deduplicated
  // Only acks=all asks for it (a topic config lookup): the others wait for no replica.
  const int32_t min_insync = acks == -1 ? broker.replicas().min_insync_replicas(topic) : 1;
  auto info = partition->append_as_leader(*records, acks, min_insync, ao);
  if (!info.ok()) {
    if (info.status().code() == ErrorCode::kKafkaStorageError)
      logger("produce").error("append to {}-{} failed: {}", topic, pd.index, info.status().to_string());
    logger("produce").debug("append to {}-{} refused: {}", topic, pd.index, info.status().to_string());
    fail(pr, info.status().code(), info.status().message());
    return std::nullopt;
  }
  if (info->duplicate)
    logger("produce").debug("retried batch for {}-{} already at offsets {}-{}", topic, pd.index, info->first_offset,
                            info->last_offset);
  pr.base_offset = info->first_offset;
  pr.log_append_time_ms = info->log_append_time;
  pr.log_start_offset = info->log_start_offset;
  broker.purgatory().notify(topic, pd.index);
  if (acks != -1) return std::nullopt;
  return Replication{&pr, partition, info->last_offset + 1, min_insync};
}

}  // namespace

asio::awaitable<Status> produce(RequestContext& ctx) {
  auto req = ctx.decode<ProduceRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t acks = req->acks;
  const bool valid_acks = acks == -1 || acks == 0 || acks == 1;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int32_t>(req->timeout_ms, 0));

  std::vector<Replication> waiting;
  ProduceResponse resp;
  resp.responses.reserve(req->topic_data.size());
  for (auto& topic : req->topic_data) {
    ProduceResponse::TopicProduceResponse& tr = resp.responses.emplace_back();
    tr.name = topic.name;
    tr.partition_responses.reserve(topic.partition_data.size());
    for (auto& pd : topic.partition_data) {
      PartitionResponse& pr = tr.partition_responses.emplace_back();
      pr.index = pd.index;
      if (!valid_acks) {
        fail(pr, ErrorCode::kInvalidRequiredAcks);
        continue;
      }
      if (auto w = append_one(ctx, topic.name, pd, acks, pr)) waiting.push_back(*w);
    }
  }
  for (auto& w : waiting) {
    ErrorCode e = co_await broker.replicas().wait_replicated(w.partition, w.end_offset, w.min_insync, deadline);
    if (e != ErrorCode::kNone) {
      logger("produce").debug("{}-{} up to offset {} not replicated: {}", w.partition->topic(), w.partition->index(),
                              w.end_offset, error_name(e));
      fail(*w.response, e);
    }
  }
  if (acks != 0) ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
