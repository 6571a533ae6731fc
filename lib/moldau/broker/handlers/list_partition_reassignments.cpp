// ListPartitionReassignments: the partitions with a reassignment in progress (replicas being
// added or removed, PartitionState), every one of them or those asked for; any broker answers
// from its image. Topics and partitions that do not exist are left out, as Kafka's controller
// leaves them out. A single node never has one in progress.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/list_partition_reassignments.h"

namespace moldau::broker::handlers {

using protocol::ListPartitionReassignmentsResponse;
using Ongoing = ListPartitionReassignmentsResponse::OngoingTopicReassignment;

namespace {

void add_if_reassigning(const TopicMetadata& t, int32_t partition, Ongoing* out) {
  const PartitionState* st = t.state(partition);
  if (!st || !st->reassigning()) return;
  Ongoing::OngoingPartitionReassignment pr;
  pr.partition_index = partition;
  pr.replicas = t.replicas[static_cast<size_t>(partition)];
  pr.adding_replicas = st->adding_replicas;
  pr.removing_replicas = st->removing_replicas;
  out->partitions.push_back(std::move(pr));
}

}  // namespace

asio::awaitable<Status> list_partition_reassignments(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ListPartitionReassignmentsRequest>();
  if (!req.ok()) co_return req.status();
  const MetadataStore& metadata = ctx.broker.metadata();
  ListPartitionReassignmentsResponse resp;
  auto add_topic = [&](Ongoing ongoing) {
    if (!ongoing.partitions.empty()) resp.topics.push_back(std::move(ongoing));
  };
  if (!req->topics) {
    for (const TopicMetadata* t : metadata.topics()) {
      Ongoing ongoing;
      ongoing.name = t->name;
      for (int32_t p = 0; p < t->partition_count(); ++p) add_if_reassigning(*t, p, &ongoing);
      add_topic(std::move(ongoing));
    }
  } else {
    for (const auto& topic : *req->topics) {
      const TopicMetadata* t = metadata.find_topic(topic.name);
      if (!t) continue;
      Ongoing ongoing;
      ongoing.name = t->name;
      for (int32_t p : topic.partition_indexes) add_if_reassigning(*t, p, &ongoing);
      add_topic(std::move(ongoing));
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
