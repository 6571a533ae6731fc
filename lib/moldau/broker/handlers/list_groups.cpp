// ListGroups: every group this broker coordinates; v4 filters by state, v5 by type (both
// case-insensitive). Every Moldau group is a classic group (JoinGroup/SyncGroup); v5 says so.
#include <algorithm>
#include <cctype>

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
  constexpr std::string_view kClassic = "classic";
  if (ctx.version() >= 5 && !req->types_filter.empty()) {
    bool wants_classic = std::any_of(req->types_filter.begin(), req->types_filter.end(), [&](const std::string& t) {
      return std::equal(t.begin(), t.end(), kClassic.begin(), kClassic.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    });
    if (!wants_classic) {
      ctx.respond(resp);
      co_return Status();
    }
  }
  for (auto& g : ctx.broker.groups().list_groups(ctx.version() >= 4 ? req->states_filter
                                                                    : std::vector<std::string>{})) {
    ListGroupsResponse::ListedGroup lg;
    lg.group_id = std::move(g.group_id);
    lg.protocol_type = std::move(g.protocol_type);
    lg.group_state = std::move(g.state);
    lg.group_type = std::string(kClassic);
    resp.groups.push_back(std::move(lg));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
