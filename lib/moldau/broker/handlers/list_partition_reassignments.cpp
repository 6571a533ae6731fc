// ListPartitionReassignments: no reassignment is ever in progress on one node (see
// alter_partition_reassignments.cpp), so the list is empty, as Kafka answers when none is.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/list_partition_reassignments.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> list_partition_reassignments(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ListPartitionReassignmentsRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ListPartitionReassignmentsResponse resp;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
