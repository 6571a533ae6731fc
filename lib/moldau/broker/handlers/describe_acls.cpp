// DescribeAcls: no authorizer is configured (authorizer.class.name is empty, as by default in
// Kafka), so Kafka's AclApis answers SECURITY_DISABLED with this message and no resources.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_acls.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> describe_acls(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeAclsRequest>();
  if (!req.ok()) co_return req.status();
  protocol::DescribeAclsResponse resp;
  resp.error_code = to_wire(ErrorCode::kSecurityDisabled);
  resp.error_message = "No Authorizer is configured on the broker";
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
