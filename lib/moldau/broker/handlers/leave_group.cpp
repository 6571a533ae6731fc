// LeaveGroup: one member (v0-2) or a batch of members, static ones by instance id (v3+).
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/leave_group.h"

namespace moldau::broker::handlers {

using protocol::LeaveGroupRequest;
using protocol::LeaveGroupResponse;

asio::awaitable<Status> leave_group(RequestContext& ctx) {
  auto req = ctx.decode<LeaveGroupRequest>();
  if (!req.ok()) co_return req.status();
  const int16_t v = ctx.version();
  std::vector<group::LeaveMember> members;
  if (v <= 2) {
    members.push_back({req->member_id, std::nullopt});
  } else {
    for (const auto& m : req->members) members.push_back({m.member_id, m.group_instance_id});
  }
  ErrorCode top = ctx.broker.groups().leave(req->group_id, members);
  LeaveGroupResponse resp;
  if (v <= 2) {
    resp.error_code = to_wire(top != ErrorCode::kNone ? top : members.front().error);
  } else {
    resp.error_code = to_wire(top);
    if (top == ErrorCode::kNone) {
      for (const auto& m : members) {
        LeaveGroupResponse::MemberResponse mr;
        mr.member_id = m.member_id;
        mr.group_instance_id = m.instance_id;
        mr.error_code = to_wire(m.error);
        resp.members.push_back(std::move(mr));
      }
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
