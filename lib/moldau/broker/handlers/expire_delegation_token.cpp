// ExpireDelegationToken: not allowed on a PLAINTEXT connection (see create_delegation_token.cpp);
// Kafka answers DELEGATION_TOKEN_REQUEST_NOT_ALLOWED with expiry -1.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/expire_delegation_token.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> expire_delegation_token(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ExpireDelegationTokenRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ExpireDelegationTokenResponse resp;
  resp.error_code = to_wire(ErrorCode::kDelegationTokenRequestNotAllowed);
  resp.expiry_timestamp_ms = -1;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
