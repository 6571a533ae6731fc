// AddRaftVoter: there is no KRaft quorum to grow (metadata lives in the metadata store), which
// Kafka answers for a quorum that cannot be reconfigured: UNSUPPORTED_VERSION.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/add_raft_voter.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> add_raft_voter(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AddRaftVoterRequest>();
  if (!req.ok()) co_return req.status();
  protocol::AddRaftVoterResponse resp;
  resp.error_code = to_wire(ErrorCode::kUnsupportedVersion);
  resp.error_message = "Cluster doesn't support adding voter: it has no KRaft quorum";
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
