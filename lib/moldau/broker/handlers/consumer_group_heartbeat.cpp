// ConsumerGroupHeartbeat (KIP-848's consumer protocol): Kafka 3.9 runs only the classic
// protocol by default (group.coordinator.rebalance.protocols=classic) and answers
// UNSUPPORTED_VERSION; so does this broker, whose coordinator is the classic one. Clients then
// use JoinGroup/SyncGroup.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/consumer_group_heartbeat.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> consumer_group_heartbeat(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ConsumerGroupHeartbeatRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ConsumerGroupHeartbeatResponse resp;
  resp.error_code = to_wire(ErrorCode::kUnsupportedVersion);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
