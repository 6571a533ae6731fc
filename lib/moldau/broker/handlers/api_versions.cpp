// ApiVersions: the versions of every API, straight from the dispatch table. A request of a
// version this broker does not know is answered in the v0 layout with UNSUPPORTED_VERSION and
// the list, so the client can pick a version it shares with us.
#include "moldau/broker/api_table.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/api_versions.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> api_versions(RequestContext& ctx) {
  using protocol::ApiVersionsRequest;
  using protocol::ApiVersionsResponse;
  ApiVersionsResponse resp;
  for (const auto& api : api_table()) {
    ApiVersionsResponse::ApiVersion v;
    v.api_key = api.api_key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    resp.api_keys.push_back(v);
  }
  std::sort(resp.api_keys.begin(), resp.api_keys.end(),
            [](const auto& a, const auto& b) { return a.api_key < b.api_key; });

  if (ctx.version() > ApiVersionsRequest::kMaxVersion || ctx.version() < 0) {
    resp.error_code = to_wire(ErrorCode::kUnsupportedVersion);
    protocol::encode_body(ctx.response, resp, 0);
    ctx.responded = true;
    co_return Status();
  }
  auto req = ctx.decode<ApiVersionsRequest>();
  if (!req.ok()) {
    // Kafka answers a malformed ApiVersions with INVALID_REQUEST rather than closing.
    resp.error_code = to_wire(ErrorCode::kInvalidRequest);
    resp.api_keys.clear();
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
