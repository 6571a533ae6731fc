// AlterClientQuotas: the broker enforces no quotas, so it refuses to record any rather than
// pretend: every entry gets INVALID_REQUEST (the code Kafka uses for quota requests it cannot
// apply), validate_only or not.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_client_quotas.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> alter_client_quotas(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AlterClientQuotasRequest>();
  if (!req.ok()) co_return req.status();
  protocol::AlterClientQuotasResponse resp;
  for (const auto& e : req->entries) {
    protocol::AlterClientQuotasResponse::EntryData out;
    out.error_code = to_wire(ErrorCode::kInvalidRequest);
    out.error_message = "Client quotas are not supported by this broker";
    for (const auto& entity : e.entity) out.entity.push_back({entity.entity_type, entity.entity_name});
    resp.entries.push_back(std::move(out));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
