// ListClientMetricsResources (KIP-714), ListConfigResources from v1 (KIP-1142): the resources
// that have configs, of the types asked for (all when none). This broker keeps group configs;
// client-metrics subscriptions it does not keep (none, as Kafka's when none was configured).
#include <algorithm>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/metadata/metadata_store.h"
#include "moldau/protocol/messages/list_client_metrics_resources.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> list_client_metrics_resources(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ListClientMetricsResourcesRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ListClientMetricsResourcesResponse resp;
  constexpr int8_t kGroup = 32;
  const auto& types = req->resource_types;
  bool groups = ctx.version() >= 1 && (types.empty() || std::find(types.begin(), types.end(), kGroup) != types.end());
  if (groups)
    for (const auto& g : ctx.broker.metadata().configured_groups()) resp.client_metrics_resources.push_back({g, kGroup});
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
