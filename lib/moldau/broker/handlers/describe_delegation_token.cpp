// DescribeDelegationToken: not allowed on a PLAINTEXT connection (see
// create_delegation_token.cpp); Kafka answers DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, no tokens.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_delegation_token.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> describe_delegation_token(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeDelegationTokenRequest>();
  if (!req.ok()) co_return req.status();
  protocol::DescribeDelegationTokenResponse resp;
  resp.error_code = to_wire(ErrorCode::kDelegationTokenRequestNotAllowed);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
