// UpdateFeatures: the broker supports no finalizable features (its ApiVersions lists none), so
// every update gets INVALID_UPDATE_VERSION, as Kafka's FeatureControlManager answers for a
// feature its controller does not support.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/update_features.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> update_features(RequestContext& ctx) {
  auto req = ctx.decode<protocol::UpdateFeaturesRequest>();
  if (!req.ok()) co_return req.status();
  protocol::UpdateFeaturesResponse resp;
  for (const auto& u : req->feature_updates) {
    protocol::UpdateFeaturesResponse::UpdatableFeatureResult r;
    r.feature = u.feature;
    r.error_code = to_wire(ErrorCode::kInvalidUpdateVersion);
    r.error_message = "Invalid update version " + std::to_string(u.max_version_level) + " for feature " +
                      u.feature + ". Local controller " + std::to_string(ctx.broker.config().node_id) +
                      " does not support this feature.";
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
