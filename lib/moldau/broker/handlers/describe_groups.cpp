// DescribeGroups: state, protocol and members; a Stable group also shows each member's
// subscription metadata and assignment bytes. An unknown group is described as Dead.
#include <climits>

#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_groups.h"

namespace moldau::broker::handlers {

using protocol::DescribeGroupsRequest;
using protocol::DescribeGroupsResponse;

namespace {
// READ (3), DELETE (6) and DESCRIBE (8): what a group's ACLs can grant; no authorizer here.
constexpr int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);
}  // namespace

asio::awaitable<Status> describe_groups(RequestContext& ctx) {
  auto req = ctx.decode<DescribeGroupsRequest>();
  if (!req.ok()) co_return req.status();
  DescribeGroupsResponse resp;
  for (const auto& id : req->groups) {
    group::GroupDescription d = ctx.broker.groups().describe(id);
    DescribeGroupsResponse::DescribedGroup g;
    g.error_code = to_wire(d.error);
    g.group_id = id;
    g.group_state = d.state;
    g.protocol_type = d.protocol_type;
    g.protocol_data = d.protocol;
    for (auto& m : d.members) {
      DescribeGroupsResponse::DescribedGroup::DescribedGroupMember dm;
      dm.member_id = m.member_id;
      dm.group_instance_id = m.instance_id;
      dm.client_id = m.client_id;
      dm.client_host = m.client_host;
      dm.member_metadata = std::move(m.metadata);
      dm.member_assignment = std::move(m.assignment);
      g.members.push_back(std::move(dm));
    }
    g.authorized_operations = req->include_authorized_operations ? kGroupOperations : INT32_MIN;
    resp.groups.push_back(std::move(g));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
