// OffsetCommit: group members (checked against the generation) and simple consumers
// (generation -1, no member id). Accepted offsets are appended to __consumer_offsets before
// the answer goes out.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/offset_commit.h"

namespace moldau::broker::handlers {

using protocol::OffsetCommitRequest;
using protocol::OffsetCommitResponse;

asio::awaitable<Status> offset_commit(RequestContext& ctx) {
  auto req = ctx.decode<OffsetCommitRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  auto offsets = group::offsets_to_commit(req->topics, broker.metadata(), v >= 6);
  std::optional<std::string> instance;
  if (v >= 7) instance = req->group_instance_id;
  // v2-4 carry a retention time; -1 means the broker's offsets.retention.minutes.
  int64_t retention = v >= 2 && v <= 4 ? req->retention_time_ms : -1;
  broker.groups().commit_offsets(req->group_id, v >= 1 ? req->member_id : std::string(), instance,
                                 v >= 1 ? req->generation_id_or_member_epoch : -1, retention, offsets);
  // Answered once the commit is on every in-sync replica of the group's partition.
  if (ErrorCode e = co_await broker.groups().commit_replicated(); e != ErrorCode::kNone)
    for (auto& o : offsets)
      if (o.error == ErrorCode::kNone) o.error = e;

  OffsetCommitResponse resp;
  size_t i = 0;
  for (const auto& t : req->topics) {
    OffsetCommitResponse::OffsetCommitResponseTopic tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      OffsetCommitResponse::OffsetCommitResponseTopic::OffsetCommitResponsePartition pr;
      pr.partition_index = p.partition_index;
      pr.error_code = to_wire(offsets[i++].error);
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
