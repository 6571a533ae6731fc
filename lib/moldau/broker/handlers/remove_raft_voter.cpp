// RemoveRaftVoter: there is no KRaft quorum (see add_raft_voter.cpp): UNSUPPORTED_VERSION.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/remove_raft_voter.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> remove_raft_voter(RequestContext& ctx) {
  auto req = ctx.decode<protocol::RemoveRaftVoterRequest>();
  if (!req.ok()) co_return req.status();
  protocol::RemoveRaftVoterResponse resp;
  resp.error_code = to_wire(ErrorCode::kUnsupportedVersion);
  resp.error_message = "Cluster doesn't support removing voter: it has no KRaft quorum";
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
