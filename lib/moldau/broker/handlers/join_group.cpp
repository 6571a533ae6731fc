// JoinGroup: suspends until the group's join phase completes (everyone rejoined, the
// rebalance timeout, or the initial delay), then answers with the generation; the leader gets
// every member's metadata. v4+ joins without a member id get MEMBER_ID_REQUIRED first.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/join_group.h"

namespace moldau::broker::handlers {

using protocol::JoinGroupRequest;
using protocol::JoinGroupResponse;

asio::awaitable<Status> join_group(RequestContext& ctx) {
  auto req = ctx.decode<JoinGroupRequest>();
  if (!req.ok()) co_return req.status();
  const int16_t v = ctx.version();
  group::JoinArgs args;
  args.group_id = req->group_id;
  args.member_id = req->member_id;
  if (v >= 5) args.instance_id = req->group_instance_id;
  args.require_known_member_id = v >= 4;
  args.client_id = ctx.header.client_id.value_or("");
  args.client_host = "/" + ctx.client_host;
  args.session_timeout_ms = req->session_timeout_ms;
  // v0 has no rebalance timeout: it is the session timeout.
  args.rebalance_timeout_ms = v >= 1 ? req->rebalance_timeout_ms : req->session_timeout_ms;
  args.protocol_type = req->protocol_type;
  for (auto& p : req->protocols) args.protocols.push_back({p.name, std::move(p.metadata)});

  group::JoinResult r = co_await ctx.broker.groups().join(std::move(args));

  JoinGroupResponse resp;
  resp.error_code = to_wire(r.error);
  resp.generation_id = r.generation;
  resp.protocol_type = r.protocol_type;
  // Before v7 the protocol name is a non-null string.
  resp.protocol_name = v >= 7 ? r.protocol_name : std::optional<std::string>(r.protocol_name.value_or(""));
  resp.leader = r.leader;
  resp.skip_assignment = r.skip_assignment;
  resp.member_id = r.member_id;
  for (auto& m : r.members) {
    JoinGroupResponse::JoinGroupResponseMember jm;
    jm.member_id = m.member_id;
    jm.group_instance_id = m.group_instance_id;
    jm.metadata = std::move(m.metadata);
    resp.members.push_back(std::move(jm));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
