// DescribeUserScramCredentials: the broker keeps no SCRAM credentials (it has no SASL), so as
// Kafka's ScramImage.describe answers for users without any: no users listed -> no results;
// each listed user -> RESOURCE_NOT_FOUND, or DUPLICATE_RESOURCE when listed twice.
#include <map>

#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_user_scram_credentials.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> describe_user_scram_credentials(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeUserScramCredentialsRequest>();
  if (!req.ok()) co_return req.status();
  protocol::DescribeUserScramCredentialsResponse resp;
  std::map<std::string, bool> users;  // name -> listed more than once
  if (req->users) {
    for (const auto& u : *req->users) {
      auto [it, inserted] = users.emplace(u.name, false);
      if (!inserted) it->second = true;
    }
  }
  for (const auto& [name, duplicate] : users) {
    protocol::DescribeUserScramCredentialsResponse::DescribeUserScramCredentialsResult r;
    r.user = name;
    if (duplicate) {
      r.error_code = to_wire(ErrorCode::kDuplicateResource);
      r.error_message = "Cannot describe SCRAM credentials for the same user twice in a single request: " + name;
    } else {
      r.error_code = to_wire(ErrorCode::kResourceNotFound);
      r.error_message = "Attempt to describe a user credential that does not exist: " + name;
    }
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
