// ListClientMetricsResources (KIP-714): client-metrics subscriptions are configs of their own
// resource type, which this broker does not keep; the list is empty, as Kafka's is when none
// was configured.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/list_client_metrics_resources.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> list_client_metrics_resources(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ListClientMetricsResourcesRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ListClientMetricsResourcesResponse resp;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
