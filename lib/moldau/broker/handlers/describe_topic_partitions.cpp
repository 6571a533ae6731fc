// DescribeTopicPartitions (KIP-966): Metadata's topic part, paged. As Kafka's
// DescribeTopicPartitionsRequestHandler: an empty topic list means every topic; topics are
// answered in name order from the cursor's topic (and its partition) on, at most
// min(response_partition_limit, 2000) partitions, with a next cursor where the answer stops.
// Requested topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION
// for an invalid name). A cursor whose topic is not in the list, or with a negative partition,
// is INVALID_REQUEST. With no authorizer, every topic operation is authorized.
#include <algorithm>
#include <set>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_topic_partitions.h"

namespace moldau::broker::handlers {

using protocol::DescribeTopicPartitionsResponse;
using Topic = DescribeTopicPartitionsResponse::DescribeTopicPartitionsResponseTopic;

namespace {

constexpr int32_t kMaxRequestPartitionSizeLimit = 2000;  // max.request.partition.size.limit

// AclOperation bits READ(3), WRITE(4), CREATE(5), DELETE(6), ALTER(7), DESCRIBE(8),
// DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11): what applies to a topic.
constexpr int32_t kTopicOperations =
    (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

bool valid_topic_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 249) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

asio::awaitable<Status> describe_topic_partitions(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeTopicPartitionsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  DescribeTopicPartitionsResponse resp;

  const bool all = req->topics.empty();
  const std::string cursor_topic = req->cursor ? req->cursor->topic_name : "";
  std::set<std::string> names;  // sorted, as Kafka sorts them
  if (all) {
    for (const TopicMetadata* t : broker.metadata().topics())
      if (t->name >= cursor_topic) names.insert(t->name);
  } else {
    for (const auto& t : req->topics)
      if (t.name >= cursor_topic) names.insert(t.name);
  }
  if ((req->cursor && !all && !names.contains(req->cursor->topic_name)) ||
      (req->cursor && req->cursor->partition_index < 0)) {
    for (const auto& t : req->topics) {
      Topic out;
      out.name = t.name;
      out.error_code = to_wire(ErrorCode::kInvalidRequest);
      resp.topics.push_back(std::move(out));
    }
    ctx.respond(resp);
    co_return Status();
  }

  int32_t remaining = std::max(std::min(kMaxRequestPartitionSizeLimit, req->response_partition_limit), 1);
  for (const std::string& name : names) {
    if (remaining == 0) {
      // Every partition of the topics before fitted: the next page starts at this topic.
      resp.next_cursor.emplace();
      resp.next_cursor->topic_name = name;
      resp.next_cursor->partition_index = 0;
      break;
    }
    const TopicMetadata* t = broker.metadata().find_topic(name);
    Topic out;
    out.name = name;
    out.is_internal = is_internal_topic(name);
    if (!t) {
      if (all) continue;
      out.error_code = to_wire(valid_topic_name(name) ? ErrorCode::kUnknownTopicOrPartition
                                                      : ErrorCode::kInvalidTopicException);
      out.topic_authorized_operations = kTopicOperations;
      resp.topics.push_back(std::move(out));
      continue;
    }
    out.topic_id = t->id;
    out.is_internal = t->internal;
    out.topic_authorized_operations = kTopicOperations;
    int32_t start = req->cursor && name == cursor_topic ? req->cursor->partition_index : 0;
    int32_t p = start;
    for (; p < t->partition_count() && remaining > 0; ++p, --remaining) {
      Topic::DescribeTopicPartitionsResponsePartition part;
      part.partition_index = p;
      part.replica_nodes = t->replicas[static_cast<size_t>(p)];
      if (const PartitionState* st = t->state(p)) {
        part.leader_id = st->leader;
        part.leader_epoch = st->leader_epoch;
        part.isr_nodes = st->isr;
      }
      if (part.leader_id >= 0 && !broker.metadata().find_broker(part.leader_id)) part.leader_id = -1;
      for (int32_t r : part.replica_nodes)
        if (!broker.metadata().find_broker(r)) part.offline_replicas.push_back(r);
      part.eligible_leader_replicas.emplace();
      part.last_known_elr.emplace();
      out.partitions.push_back(std::move(part));
    }
    resp.topics.push_back(std::move(out));
    if (p < t->partition_count()) {
      resp.next_cursor.emplace();
      resp.next_cursor->topic_name = name;
      resp.next_cursor->partition_index = p;
      break;
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
