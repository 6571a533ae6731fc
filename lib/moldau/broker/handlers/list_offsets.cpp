// ListOffsets: -1 latest (the high watermark, or the last stable offset for read_committed),
// -2 earliest, -3 the record with the largest timestamp (v7), a timestamp: the first record
// at or after it. v0 answers with the old list of offsets.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/list_offsets.h"

namespace moldau::broker::handlers {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;

asio::awaitable<Status> list_offsets(RequestContext& ctx) {
  auto req = ctx.decode<ListOffsetsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  ListOffsetsResponse resp;
  for (const auto& topic : req->topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse tr;
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse pr;
      pr.partition_index = p.partition_index;
      storage::PartitionLog* log =
          broker.metadata().find_topic(topic.name) ? broker.logs().get(topic.name, p.partition_index)
                                                   : nullptr;
      if (!log) {
        pr.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
      } else if (v >= 4 && p.current_leader_epoch > broker.leader_epoch()) {
        pr.error_code = to_wire(ErrorCode::kUnknownLeaderEpoch);
      } else if (v >= 4 && p.current_leader_epoch >= 0 &&
                 p.current_leader_epoch < broker.leader_epoch()) {
        pr.error_code = to_wire(ErrorCode::kFencedLeaderEpoch);
      } else {
        int64_t offset = -1, timestamp = -1;
        // read_committed (v2+) sees up to the last stable offset.
        const int64_t visible = v >= 2 && req->isolation_level == 1 ? log->last_stable_offset()
                                                                    : log->high_watermark();
        if (p.timestamp == storage::kLatestTimestamp) {
          offset = visible;
        } else if (p.timestamp == storage::kEarliestTimestamp ||
                   p.timestamp == storage::kEarliestLocalTimestamp) {
          offset = log->log_start_offset();
        } else {
          auto found = log->offset_for_timestamp(p.timestamp);
          if (!found.ok()) {
            pr.error_code = to_wire(found.status().code());
          } else if (*found) {
            offset = (*found)->offset;
            timestamp = (*found)->timestamp;
            // Only offsets below the high watermark are visible.
            if (offset >= visible) offset = timestamp = -1;
          }
        }
        if (v == 0) {
          if (pr.error_code == 0 && offset >= 0) pr.old_style_offsets.push_back(offset);
        } else {
          pr.offset = offset;
          pr.timestamp = timestamp;
          pr.leader_epoch = offset >= 0 ? broker.leader_epoch() : -1;
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
