// CreatePartitions: grows topics to `count` partitions, with optional replica assignments for
// the new ones; validate_only stops after the checks. Checks and messages follow Kafka's
// controller (duplicate names, unknown topics, no increase, assignment count, replica lists).
#include <algorithm>
#include <map>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/create_partitions.h"

namespace moldau::broker::handlers {

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;

namespace {

// Kafka's validateManualPartitionAssignment.
Status check_assignment(std::vector<int32_t> replicas, const std::vector<int32_t>& live,
                        int32_t replication_factor) {
  if (replicas.empty())
    return Status(ErrorCode::kInvalidReplicaAssignment,
                  "The manual partition assignment includes an empty replica list.");
  std::sort(replicas.begin(), replicas.end());
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (std::find(live.begin(), live.end(), replicas[i]) == live.end())
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "The manual partition assignment includes broker " +
                        std::to_string(replicas[i]) + ", but no such broker is registered.");
    if (i > 0 && replicas[i] == replicas[i - 1])
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "The manual partition assignment includes the broker " +
                        std::to_string(replicas[i]) + " more than once.");
  }
  if (static_cast<int32_t>(replicas.size()) != replication_factor)
    return Status(ErrorCode::kInvalidReplicaAssignment,
                  "The manual partition assignment includes a partition with " +
                      std::to_string(replicas.size()) +
                      " replica(s), but this is not consistent with previous partitions, which "
                      "have " +
                      std::to_string(replication_factor) + " replica(s).");
  return Status();
}

asio::awaitable<Status> create_for(Broker& broker, const CreatePartitionsRequest::CreatePartitionsTopic& t,
                                   bool validate_only) {
  const TopicMetadata* topic = broker.metadata().find_topic(t.name);
  if (!topic) co_return Status(ErrorCode::kUnknownTopicOrPartition, "");
  int32_t current = topic->partition_count();
  if (t.count == current)
    co_return Status(ErrorCode::kInvalidPartitions,
                  "Topic already has " + std::to_string(current) + " partition(s).");
  if (t.count < current)
    co_return Status(ErrorCode::kInvalidPartitions,
                  "The topic " + t.name + " currently has " + std::to_string(current) +
                      " partition(s); " + std::to_string(t.count) + " would not be an increase.");
  int32_t additional = t.count - current;
  std::vector<std::vector<int32_t>> assignments;
  if (t.assignments) {
    if (static_cast<int32_t>(t.assignments->size()) != additional)
      co_return Status(ErrorCode::kInvalidReplicaAssignment,
                    "Attempted to add " + std::to_string(additional) +
                        " additional partition(s), but only " +
                        std::to_string(t.assignments->size()) + " assignment(s) were specified.");
    auto live = broker.topics().live_brokers();
    for (const auto& a : *t.assignments) {
      MOLDAU_CO_RETURN_IF_ERROR(check_assignment(a.broker_ids, live, topic->replication_factor()));
      assignments.push_back(a.broker_ids);
    }
  }
  co_return co_await broker.topics().add_partitions(t.name, t.count, validate_only, std::move(assignments));
}

}  // namespace

asio::awaitable<Status> create_partitions(RequestContext& ctx) {
  auto req = ctx.decode<CreatePartitionsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;

  std::map<std::string, int> seen;
  for (const auto& t : req->topics) ++seen[t.name];

  CreatePartitionsResponse resp;
  for (const auto& t : req->topics) {
    CreatePartitionsResponse::CreatePartitionsTopicResult r;
    r.name = t.name;
    Status s;
    int& count = seen[t.name];
    if (count < 0) continue;  // a duplicate, already reported
    if (count > 1) {
      count = -1;
      s = Status(ErrorCode::kInvalidRequest, "Duplicate topic name.");
    } else {
      s = co_await create_for(broker, t, req->validate_only);
    }
    r.error_code = to_wire(s.code());
    if (!s.ok() && !s.message().empty()) r.error_message = s.message();
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
