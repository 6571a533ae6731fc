// DeleteRecords: moves each partition's log start offset up to the requested offset (-1: the
// high watermark); the new log start is the low watermark answered. As Kafka: internal topics
// refuse (INVALID_TOPIC_EXCEPTION), a topic without cleanup.policy=delete refuses
// (POLICY_VIOLATION), an offset beyond the high watermark is OFFSET_OUT_OF_RANGE. Single node:
// no replica has to catch up, so the answer is immediate.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/log.h"
#include "moldau/protocol/messages/delete_records.h"

namespace moldau::broker::handlers {

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;

asio::awaitable<Status> delete_records(RequestContext& ctx) {
  auto req = ctx.decode<DeleteRecordsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;

  DeleteRecordsResponse resp;
  for (const auto& topic : req->topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult tr;
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      DeleteRecordsResponse::DeleteRecordsTopicResult::DeleteRecordsPartitionResult pr;
      pr.partition_index = p.partition_index;
      pr.low_watermark = -1;
      auto [partition, error] = broker.replicas().leader(topic.name, p.partition_index);
      storage::PartitionLog* log = partition ? &partition->log() : nullptr;
      if (is_internal_topic(topic.name)) {
        pr.error_code = to_wire(ErrorCode::kInvalidTopicException);
      } else if (!log) {
        pr.error_code = to_wire(error);
      } else if (!log->config().cleanup_delete) {
        pr.error_code = to_wire(ErrorCode::kPolicyViolation);
      } else {
        int64_t offset = p.offset == -1 ? log->high_watermark() : p.offset;
        auto start = log->delete_records_before(offset);
        if (start.ok()) {
          pr.low_watermark = *start;
        } else {
          pr.error_code = to_wire(start.status().code());
          if (start.status().code() != ErrorCode::kOffsetOutOfRange)
            logger("delete-records")
                .warn("deleting records of {}-{} before {}: {}", topic.name, p.partition_index,
                      offset, start.status().to_string());
        }
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
