// AlterPartitionReassignments, as far as one node goes: moving a partition to the replicas it
// has is accepted (nothing to do); any other broker id is refused as Kafka's controller refuses
// a broker that is not registered; cancelling finds no reassignment in progress. Moving
// replicas between brokers belongs to the cluster work.
#include <algorithm>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_partition_reassignments.h"

namespace moldau::broker::handlers {

using protocol::AlterPartitionReassignmentsResponse;

asio::awaitable<Status> alter_partition_reassignments(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AlterPartitionReassignmentsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  AlterPartitionReassignmentsResponse resp;
  for (const auto& topic : req->topics) {
    AlterPartitionReassignmentsResponse::ReassignableTopicResponse tr;
    tr.name = topic.name;
    const TopicMetadata* t = broker.metadata().find_topic(topic.name);
    for (const auto& p : topic.partitions) {
      AlterPartitionReassignmentsResponse::ReassignableTopicResponse::ReassignablePartitionResponse pr;
      pr.partition_index = p.partition_index;
      auto fail = [&](ErrorCode code, std::string message) {
        pr.error_code = to_wire(code);
        pr.error_message = std::move(message);
      };
      if (!t || p.partition_index < 0 || p.partition_index >= t->partition_count()) {
        fail(ErrorCode::kUnknownTopicOrPartition, std::string(error_message(ErrorCode::kUnknownTopicOrPartition)));
      } else if (!p.replicas) {
        fail(ErrorCode::kNoReassignmentInProgress, std::string(error_message(ErrorCode::kNoReassignmentInProgress)));
      } else if (p.replicas->empty()) {
        fail(ErrorCode::kInvalidReplicaAssignment,
             "The manual partition assignment includes an empty replica list.");
      } else {
        std::vector<int32_t> sorted = *p.replicas;
        std::sort(sorted.begin(), sorted.end());
        for (size_t i = 0; i < sorted.size() && pr.error_code == 0; ++i) {
          if (sorted[i] != broker.config().node_id) {
            fail(ErrorCode::kInvalidReplicaAssignment,
                 "The manual partition assignment includes broker " + std::to_string(sorted[i]) +
                     ", but no such broker is registered.");
          } else if (i > 0 && sorted[i] == sorted[i - 1]) {
            fail(ErrorCode::kInvalidReplicaAssignment,
                 "The manual partition assignment includes the broker " + std::to_string(sorted[i]) +
                     " more than once.");
          }
        }
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
