// Produce: validates each partition's batch as Kafka does, appends it (offsets assigned by
// rewriting the base offset), answers per partition. acks=0 gets no response at all.
// Single node: acks=1 and acks=all are both satisfied once the leader (us) has appended;
// acks=all is refused when min.insync.replicas asks for more than this one replica.
// Produce v0-v2 may carry message formats v0/v1: those are converted to one v2 batch first
// (Kafka's LogValidator), then go the same way as a v2 batch.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/common/log.h"
#include "moldau/protocol/legacy_records.h"
#include "moldau/common/clock.h"
#include "moldau/protocol/messages/produce.h"
#include "moldau/protocol/produced_records.h"

namespace moldau::broker::handlers {

using protocol::ProduceRequest;
using protocol::ProduceResponse;

namespace {

protocol::UpConvertOptions up_convert_options(Broker& broker, const storage::PartitionLog& log) {
  protocol::UpConvertOptions o;
  o.max_message_size = static_cast<size_t>(log.config().max_message_bytes) + protocol::kLogOverhead;
  // Kafka inflates a compressed old-format set without a bound; this one is what an
  // uncompressed producer could send in one request.
  o.max_decompressed_bytes = static_cast<size_t>(broker.config().socket_request_max_bytes);
  o.log_append_time_topic =
      log.config().message_timestamp_type == storage::TimestampType::kLogAppendTime;
  o.compacted_topic = log.config().cleanup_compact;
  return o;
}

// The topic's min.insync.replicas, or the broker's default.
int32_t min_insync_replicas(Broker& broker, const TopicMetadata* meta) {
  if (meta) {
    auto it = meta->configs.find("min.insync.replicas");
    if (it != meta->configs.end()) {
      try {
        return std::stoi(it->second);
      } catch (const std::exception&) {
        // Validated when the topic was created or altered; a bad value cannot get here.
      }
    }
  }
  return broker.config().min_insync_replicas;
}

// A single node is its partitions' only replica, always in sync.
constexpr int32_t in_sync_replicas = 1;

}  // namespace

asio::awaitable<Status> produce(RequestContext& ctx) {
  auto req = ctx.decode<ProduceRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t acks = req->acks;
  const bool valid_acks = acks == -1 || acks == 0 || acks == 1;

  ProduceResponse resp;
  for (auto& topic : req->topic_data) {
    ProduceResponse::TopicProduceResponse tr;
    tr.name = topic.name;
    const TopicMetadata* meta = broker.metadata().find_topic(topic.name);
    for (auto& pd : topic.partition_data) {
      ProduceResponse::TopicProduceResponse::PartitionProduceResponse pr;
      pr.index = pd.index;
      auto fail = [&](ErrorCode code, std::optional<std::string> message = std::nullopt) {
        pr.error_code = to_wire(code);
        pr.base_offset = -1;
        pr.error_message = std::move(message);
      };
      storage::PartitionLog* log =
          meta && !is_internal_topic(topic.name) ? broker.logs().get(topic.name, pd.index) : nullptr;
      // The records to validate and append: as sent, or their v2 conversion.
      std::vector<uint8_t>* records = pd.records.data ? &*pd.records.data : nullptr;
      std::vector<uint8_t> converted;
      Status conversion;
      if (valid_acks && log && records && ctx.version() <= 2 &&
          protocol::is_legacy_message_set(*records)) {
        auto up = protocol::up_convert_message_set(*records, up_convert_options(broker, *log));
        if (up.ok()) {
          converted = std::move(*up);
          records = &converted;
        } else {
          conversion = up.status();
        }
      }
      if (!valid_acks) {
        fail(ErrorCode::kInvalidRequiredAcks);
      } else if (!log) {
        fail(ErrorCode::kUnknownTopicOrPartition);
      } else if (!records || records->empty()) {
        fail(ErrorCode::kInvalidRecord, "Produce request with no records");
      } else if (acks == -1 && in_sync_replicas < min_insync_replicas(broker, meta)) {
        // As Kafka's leader: acks=all needs min.insync.replicas in sync, and one node is
        // all there is. Nothing is appended; like Kafka, the answer carries no message.
        fail(ErrorCode::kNotEnoughReplicas);
        logger("produce").debug("acks=all to {}-{} refused: {} in-sync replica, min.insync.replicas={}",
                                topic.name, pd.index, in_sync_replicas, min_insync_replicas(broker, meta));
      } else if (!conversion.ok()) {
        fail(conversion.code(), conversion.message());
        logger("produce").debug("rejected message set for {}-{}: {}", topic.name, pd.index,
                                conversion.to_string());
      } else {
        const storage::LogConfig& config = log->config();
        protocol::ValidateOptions opts;
        opts.max_batch_size = static_cast<size_t>(config.max_message_bytes) + protocol::kLogOverhead;
        protocol::ProducedRecordChecks checks;
        checks.create_time = config.message_timestamp_type == storage::TimestampType::kCreateTime;
        checks.now_ms = wall_clock_ms();
        checks.timestamp_before_max_ms = config.effective_timestamp_before_max_ms();
        checks.timestamp_after_max_ms = config.effective_timestamp_after_max_ms();
        checks.require_keys = config.cleanup_compact;
        auto batch = protocol::validate_produce_records(*records, ctx.version(), opts, checks);
        if (batch.ok() && checks.create_time) {
          // The header's maxTimestamp is the client's claim; the log keeps what the records hold.
          protocol::set_create_time_max_timestamp(*records, batch->records.max_timestamp);
        }
        if (!batch.ok()) {
          fail(batch.status().code(), batch.status().message());
          logger("produce").debug("rejected batch for {}-{}: {}", topic.name, pd.index,
                                  batch.status().to_string());
        } else if (static_cast<int64_t>(batch->batch.bytes.size()) > config.segment_bytes) {
          // As Kafka's UnifiedLog.append: records that cannot fit in one segment.
          fail(ErrorCode::kRecordListTooLarge,
               "Message batch size is " + std::to_string(batch->batch.bytes.size()) +
                   " bytes in append to partition " + topic.name + "-" + std::to_string(pd.index) +
                   " which exceeds the maximum configured segment size of " +
                   std::to_string(config.segment_bytes) + ".");
        } else {
          storage::AppendOptions ao;
          ao.verify_crc = false;  // validate_produce_records checked it
          ao.origin = storage::AppendOrigin::kClient;  // sequence checks, retries deduplicated
          auto info = log->append(*records, broker.leader_epoch(), ao);
          if (!info.ok()) {
            logger("produce").error("append to {}-{} failed: {}", topic.name, pd.index,
                                    info.status().to_string());
            fail(info.status().code() == ErrorCode::kKafkaStorageError
                     ? ErrorCode::kKafkaStorageError
                     : info.status().code(),
                 info.status().message());
          } else {
            pr.base_offset = info->first_offset;
            pr.log_append_time_ms = info->log_append_time;
            pr.log_start_offset = info->log_start_offset;
            broker.purgatory().notify(topic.name, pd.index);
          }
        }
      }
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  if (acks != 0) ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
