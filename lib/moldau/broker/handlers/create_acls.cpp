// CreateAcls: no authorizer, so every creation gets SECURITY_DISABLED, as Kafka answers.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/create_acls.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> create_acls(RequestContext& ctx) {
  auto req = ctx.decode<protocol::CreateAclsRequest>();
  if (!req.ok()) co_return req.status();
  protocol::CreateAclsResponse resp;
  for (size_t i = 0; i < req->creations.size(); ++i) {
    protocol::CreateAclsResponse::AclCreationResult r;
    r.error_code = to_wire(ErrorCode::kSecurityDisabled);
    r.error_message = "No Authorizer is configured.";
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
