// AlterPartitionReassignments: moves partitions to new replica lists (or cancels a move), per
// partition with Kafka's error codes and messages (ReplicationControlManager): an empty list, a
// broker named twice, or one that is not registered is INVALID_REPLICA_ASSIGNMENT; cancelling
// where nothing moves is NO_REASSIGNMENT_IN_PROGRESS. In a cluster the controller carries the
// move out (Controller::reassign); another broker forwards the request to it
// (controller_forward.h). On a single node the only list there can be is this broker: the
// partition already has it, and there is never anything to cancel.
#include <algorithm>

#include "moldau/broker/broker.h"
#include "moldau/broker/cluster/controller.h"
#include "moldau/broker/handlers/controller_forward.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_partition_reassignments.h"

namespace moldau::broker::handlers {

using protocol::AlterPartitionReassignmentsRequest;
using protocol::AlterPartitionReassignmentsResponse;
using PartitionResponse = AlterPartitionReassignmentsResponse::ReassignableTopicResponse::ReassignablePartitionResponse;

namespace {

// What is wrong with a target replica list, as Kafka's controller words it.
Status validate(const MetadataStore& metadata, const std::vector<int32_t>& replicas) {
  if (replicas.empty())
    return Status(ErrorCode::kInvalidReplicaAssignment,
                  "The manual partition assignment includes an empty replica list.");
  std::vector<int32_t> sorted = replicas;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (!metadata.find_broker(sorted[i]))
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "The manual partition assignment includes broker " + std::to_string(sorted[i]) +
                        ", but no such broker is registered.");
    if (i > 0 && sorted[i] == sorted[i - 1])
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "The manual partition assignment includes the broker " + std::to_string(sorted[i]) +
                        " more than once.");
  }
  return Status();
}

Status single_node(const MetadataStore& metadata, const std::optional<std::vector<int32_t>>& replicas,
                   bool allow_replication_factor_change) {
  if (!replicas)
    return Status(ErrorCode::kNoReassignmentInProgress, std::string(error_message(ErrorCode::kNoReassignmentInProgress)));
  if (!allow_replication_factor_change && replicas->size() != 1)
    return Status(ErrorCode::kInvalidReplicationFactor,
                  "The replication factor is changed from 1 to " + std::to_string(replicas->size()));
  return validate(metadata, *replicas);
}

PartitionResponse response_of(int32_t partition, const Status& s) {
  PartitionResponse pr;
  pr.partition_index = partition;
  pr.error_code = to_wire(s.code());
  if (!s.ok()) pr.error_message = s.message();
  return pr;
}

}  // namespace

asio::awaitable<Status> alter_partition_reassignments(RequestContext& ctx) {
  auto req = ctx.decode<AlterPartitionReassignmentsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  cluster::Controller* controller = broker.controller();
  if (controller && !controller->active()) {
    auto r = co_await forward_to_controller<AlterPartitionReassignmentsResponse>(ctx, *req, req->timeout_ms);
    AlterPartitionReassignmentsResponse resp;
    if (r.ok()) {
      resp = std::move(r).value();
    } else {
      // The whole request failed: Kafka's admin client retries NOT_CONTROLLER after a metadata
      // refresh, and reports a timeout as the call's failure.
      const ErrorCode code = r.status().code() == ErrorCode::kNotController ? ErrorCode::kNotController
                                                                             : ErrorCode::kRequestTimedOut;
      resp.error_code = to_wire(code);
      resp.error_message = r.status().message();
    }
    ctx.respond(resp);
    co_return Status();
  }
  AlterPartitionReassignmentsResponse resp;
  const bool allow_change = ctx.version() < 1 || req->allow_replication_factor_change;
  resp.allow_replication_factor_change = allow_change;
  for (const auto& topic : req->topics) {
    AlterPartitionReassignmentsResponse::ReassignableTopicResponse tr;
    tr.name = topic.name;
    const TopicMetadata* t = broker.metadata().find_topic(topic.name);
    for (const auto& p : topic.partitions) {
      Status s;
      if (!t) {
        s = Status(ErrorCode::kUnknownTopicOrPartition, "Unable to find a topic named " + topic.name + ".");
      } else if (p.partition_index < 0 || p.partition_index >= t->partition_count()) {
        s = Status(ErrorCode::kUnknownTopicOrPartition, "Unable to find partition " + topic.name + ":" +
                                                            std::to_string(p.partition_index) + ".");
      } else if (!controller) {
        s = single_node(broker.metadata(), p.replicas, allow_change);
      } else if (p.replicas && !(s = validate(broker.metadata(), *p.replicas)).ok()) {
        // refused before the controller sees it
      } else {
        s = co_await controller->reassign(topic.name, p.partition_index, p.replicas, allow_change);
      }
      tr.partitions.push_back(response_of(p.partition_index, s));
    }
    resp.responses.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
