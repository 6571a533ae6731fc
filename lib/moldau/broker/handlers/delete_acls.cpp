// DeleteAcls: no authorizer, so every filter gets SECURITY_DISABLED and matches nothing.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/delete_acls.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> delete_acls(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DeleteAclsRequest>();
  if (!req.ok()) co_return req.status();
  protocol::DeleteAclsResponse resp;
  for (size_t i = 0; i < req->filters.size(); ++i) {
    protocol::DeleteAclsResponse::DeleteAclsFilterResult r;
    r.error_code = to_wire(ErrorCode::kSecurityDisabled);
    r.error_message = "No Authorizer is configured.";
    resp.filter_results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
