// SaslHandshake: the broker's listeners are PLAINTEXT, where Kafka answers ILLEGAL_SASL_STATE
// and lists no mechanisms (KafkaApis.handleSaslHandshakeRequest: a handshake reaches the API
// layer only on a connection that is not in SASL authentication).
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/sasl_handshake.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> sasl_handshake(RequestContext& ctx) {
  auto req = ctx.decode<protocol::SaslHandshakeRequest>();
  if (!req.ok()) co_return req.status();
  protocol::SaslHandshakeResponse resp;
  resp.error_code = to_wire(ErrorCode::kIllegalSaslState);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
