// CreateDelegationToken: Kafka allows token requests only on authenticated (SASL, or SSL with
// a client certificate) connections; on PLAINTEXT it answers DELEGATION_TOKEN_REQUEST_NOT_ALLOWED
// with no token, the owner (the request's, else the connection's User:ANONYMOUS) and requester.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/create_delegation_token.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> create_delegation_token(RequestContext& ctx) {
  auto req = ctx.decode<protocol::CreateDelegationTokenRequest>();
  if (!req.ok()) co_return req.status();
  protocol::CreateDelegationTokenResponse resp;
  resp.error_code = to_wire(ErrorCode::kDelegationTokenRequestNotAllowed);
  const bool named = req->owner_principal_name && !req->owner_principal_name->empty();
  resp.principal_type = named ? req->owner_principal_type.value_or("User") : "User";
  resp.principal_name = named ? *req->owner_principal_name : "ANONYMOUS";
  resp.token_requester_principal_type = "User";
  resp.token_requester_principal_name = "ANONYMOUS";
  resp.issue_timestamp_ms = -1;
  resp.expiry_timestamp_ms = -1;
  resp.max_timestamp_ms = -1;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
