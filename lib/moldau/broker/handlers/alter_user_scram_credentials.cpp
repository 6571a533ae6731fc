// AlterUserScramCredentials: the broker has no SASL, so no SCRAM mechanism is supported; every
// user named by a deletion or an upsertion gets UNSUPPORTED_SASL_MECHANISM, the code Kafka
// gives a mechanism it does not support.
#include <set>

#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_user_scram_credentials.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> alter_user_scram_credentials(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AlterUserScramCredentialsRequest>();
  if (!req.ok()) co_return req.status();
  std::set<std::string> users;
  for (const auto& d : req->deletions) users.insert(d.name);
  for (const auto& u : req->upsertions) users.insert(u.name);
  protocol::AlterUserScramCredentialsResponse resp;
  for (const auto& name : users) {
    protocol::AlterUserScramCredentialsResponse::AlterUserScramCredentialsResult r;
    r.user = name;
    r.error_code = to_wire(ErrorCode::kUnsupportedSaslMechanism);
    r.error_message = "SASL/SCRAM is not supported by this broker";
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
