// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/heartbeat.h"

namespace moldau::broker::handlers {

using protocol::HeartbeatRequest;
using protocol::HeartbeatResponse;

asio::awaitable<Status> heartbeat(RequestContext& ctx) {
  auto req = ctx.decode<HeartbeatRequest>();
  if (!req.ok()) co_return req.status();
  std::optional<std::string> instance;
  if (ctx.version() >= 3) instance = req->group_instance_id;
  HeartbeatResponse resp;
  resp.error_code = to_wire(
      ctx.broker.groups().heartbeat(req->group_id, req->member_id, instance, req->generation_id));
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
