// OffsetFetch: committed offsets of the named partitions (-1 when none), or of every
// partition the group committed when topics is null (v2+); several groups at once in v8.
#include <map>

#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/offset_fetch.h"

namespace moldau::broker::handlers {

using protocol::OffsetFetchRequest;
using protocol::OffsetFetchResponse;

namespace {

// Fetched offsets grouped by topic, in the order topics first appear.
std::vector<std::pair<std::string, std::vector<group::FetchedOffset>>> by_topic(
    std::vector<group::FetchedOffset>& offsets) {
  std::vector<std::pair<std::string, std::vector<group::FetchedOffset>>> out;
  std::map<std::string, size_t> index;
  for (auto& o : offsets) {
    auto [it, added] = index.try_emplace(o.topic, out.size());
    if (added) out.push_back({o.topic, {}});
    out[it->second].second.push_back(std::move(o));
  }
  return out;
}

// require_stable: a partition with a transactional commit still open has no stable offset yet
// (the client retries), as Kafka answers it.
void mark_unstable(const group::GroupCoordinator& groups, const std::string& group_id,
                   std::vector<group::FetchedOffset>& offsets) {
  for (auto& o : offsets) {
    if (groups.has_pending_txn_offset(group_id, {o.topic, o.partition})) {
      o.offset = -1;
      o.error = ErrorCode::kUnstableOffsetCommit;
    }
  }
}

}  // namespace

asio::awaitable<Status> offset_fetch(RequestContext& ctx) {
  auto req = ctx.decode<OffsetFetchRequest>();
  if (!req.ok()) co_return req.status();
  auto& groups = ctx.broker.groups();
  const int16_t v = ctx.version();

  OffsetFetchResponse resp;
  if (v >= 8) {
    for (const auto& rg : req->groups) {
      std::optional<std::vector<group::TopicPartition>> wanted;
      if (rg.topics) {
        wanted.emplace();
        for (const auto& t : *rg.topics)
          for (int32_t p : t.partition_indexes) wanted->emplace_back(t.name, p);
      }
      std::vector<group::FetchedOffset> offsets;
      OffsetFetchResponse::OffsetFetchResponseGroup g;
      g.group_id = rg.group_id;
      g.error_code = to_wire(groups.fetch_offsets(rg.group_id, wanted, offsets));
      if (req->require_stable) mark_unstable(groups, rg.group_id, offsets);
      for (auto& [topic, list] : by_topic(offsets)) {
        OffsetFetchResponse::OffsetFetchResponseGroup::OffsetFetchResponseTopics t;
        t.name = topic;
        for (auto& o : list) {
          OffsetFetchResponse::OffsetFetchResponseGroup::OffsetFetchResponseTopics::OffsetFetchResponsePartitions p;
          p.partition_index = o.partition;
          p.committed_offset = o.offset;
          p.committed_leader_epoch = o.leader_epoch;
          p.metadata = o.metadata;
          p.error_code = to_wire(o.error);
          t.partitions.push_back(std::move(p));
        }
        g.topics.push_back(std::move(t));
      }
      resp.groups.push_back(std::move(g));
    }
  } else {
    std::optional<std::vector<group::TopicPartition>> wanted;
    if (req->topics) {
      wanted.emplace();
      for (const auto& t : *req->topics)
        for (int32_t p : t.partition_indexes) wanted->emplace_back(t.name, p);
    }
    std::vector<group::FetchedOffset> offsets;
    ErrorCode error = groups.fetch_offsets(req->group_id, wanted, offsets);
    if (v >= 7 && req->require_stable) mark_unstable(groups, req->group_id, offsets);
    if (error != ErrorCode::kNone && v <= 1 && wanted) {
      // No top-level error before v2: every partition carries it.
      offsets.clear();
      for (const auto& [topic, p] : *wanted) offsets.push_back({topic, p, -1, -1, "", error});
    }
    resp.error_code = to_wire(error);
    for (auto& [topic, list] : by_topic(offsets)) {
      OffsetFetchResponse::OffsetFetchResponseTopic t;
      t.name = topic;
      for (auto& o : list) {
        OffsetFetchResponse::OffsetFetchResponseTopic::OffsetFetchResponsePartition p;
        p.partition_index = o.partition;
        p.committed_offset = o.offset;
        p.committed_leader_epoch = o.leader_epoch;
        p.metadata = o.metadata;
        p.error_code = to_wire(o.error);
        t.partitions.push_back(std::move(p));
      }
      resp.topics.push_back(std::move(t));
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
