// DeleteGroups: an empty group's offsets and metadata are tombstoned; NON_EMPTY_GROUP while
// it has members, GROUP_ID_NOT_FOUND for a group that does not exist.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/delete_groups.h"

namespace moldau::broker::handlers {

using protocol::DeleteGroupsRequest;
using protocol::DeleteGroupsResponse;

asio::awaitable<Status> delete_groups(RequestContext& ctx) {
  auto req = ctx.decode<DeleteGroupsRequest>();
  if (!req.ok()) co_return req.status();
  DeleteGroupsResponse resp;
  for (const auto& id : req->groups_names) {
    DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = id;
    r.error_code = to_wire(ctx.broker.groups().delete_group(id));
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
