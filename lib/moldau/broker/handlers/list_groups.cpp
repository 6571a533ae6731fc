// ListGroups: every group this broker coordinates; v4 filters by state (case-insensitive).
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/list_groups.h"

namespace moldau::broker::handlers {

using protocol::ListGroupsRequest;
using protocol::ListGroupsResponse;

asio::awaitable<Status> list_groups(RequestContext& ctx) {
  auto req = ctx.decode<ListGroupsRequest>();
  if (!req.ok()) co_return req.status();
  ListGroupsResponse resp;
  for (auto& g : ctx.broker.groups().list_groups(ctx.version() >= 4 ? req->states_filter
                                                                    : std::vector<std::string>{})) {
    ListGroupsResponse::ListedGroup lg;
    lg.group_id = std::move(g.group_id);
    lg.protocol_type = std::move(g.protocol_type);
    lg.group_state = std::move(g.state);
    resp.groups.push_back(std::move(lg));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
