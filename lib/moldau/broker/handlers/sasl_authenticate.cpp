// SaslAuthenticate: on a PLAINTEXT listener the connection counts as authenticated already,
// so Kafka answers ILLEGAL_SASL_STATE with this message.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/sasl_authenticate.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> sasl_authenticate(RequestContext& ctx) {
  auto req = ctx.decode<protocol::SaslAuthenticateRequest>();
  if (!req.ok()) co_return req.status();
  protocol::SaslAuthenticateResponse resp;
  resp.error_code = to_wire(ErrorCode::kIllegalSaslState);
  resp.error_message = "SaslAuthenticate request received after successful authentication";
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
