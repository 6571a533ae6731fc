// SyncGroup: the leader hands in the assignment, which is stored and then given to every
// member; followers wait for it. In a Stable group it returns the member's assignment.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/sync_group.h"

namespace moldau::broker::handlers {

using protocol::SyncGroupRequest;
using protocol::SyncGroupResponse;

asio::awaitable<Status> sync_group(RequestContext& ctx) {
  auto req = ctx.decode<SyncGroupRequest>();
  if (!req.ok()) co_return req.status();
  const int16_t v = ctx.version();
  group::SyncArgs args;
  args.group_id = req->group_id;
  args.generation = req->generation_id;
  args.member_id = req->member_id;
  if (v >= 3) args.instance_id = req->group_instance_id;
  if (v >= 5) {
    args.protocol_type = req->protocol_type;
    args.protocol_name = req->protocol_name;
  }
  for (auto& a : req->assignments) args.assignments[a.member_id] = std::move(a.assignment);

  group::SyncResult r = co_await ctx.broker.groups().sync(std::move(args));

  SyncGroupResponse resp;
  resp.error_code = to_wire(r.error);
  resp.protocol_type = r.protocol_type;
  resp.protocol_name = r.protocol_name;
  resp.assignment = std::move(r.assignment);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
