// UnregisterBroker: only this broker is registered. For another id Kafka's controller answers
// BROKER_ID_NOT_REGISTERED; unregistering a live broker has no lasting effect in Kafka (it
// registers again with its next heartbeat), so this broker's own id is answered with success.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/unregister_broker.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> unregister_broker(RequestContext& ctx) {
  auto req = ctx.decode<protocol::UnregisterBrokerRequest>();
  if (!req.ok()) co_return req.status();
  protocol::UnregisterBrokerResponse resp;
  if (req->broker_id != ctx.broker.config().node_id) {
    resp.error_code = to_wire(ErrorCode::kBrokerIdNotRegistered);
    resp.error_message = "Broker ID " + std::to_string(req->broker_id) + " is not currently registered";
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
