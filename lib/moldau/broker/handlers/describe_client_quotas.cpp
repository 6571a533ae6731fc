// DescribeClientQuotas: no client quotas can be set on this broker (see
// alter_client_quotas.cpp), so every filter matches nothing: no entries, no error, which is
// what Kafka answers on a cluster without quotas.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_client_quotas.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> describe_client_quotas(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeClientQuotasRequest>();
  if (!req.ok()) co_return req.status();
  protocol::DescribeClientQuotasResponse resp;
  resp.entries.emplace();
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
