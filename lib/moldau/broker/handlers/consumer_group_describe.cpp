// ConsumerGroupDescribe (KIP-848): Moldau's groups all use the classic protocol, so every group
// is answered as Kafka 4 answers for a group that is not a consumer-protocol group:
// GROUP_ID_NOT_FOUND, "not found" for an unknown group and "is not a consumer group" for a
// classic one. Kafka's admin client then describes the group with DescribeGroups, as it does
// against Kafka.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/consumer_group_describe.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> consumer_group_describe(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ConsumerGroupDescribeRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ConsumerGroupDescribeResponse resp;
  for (const auto& id : req->group_ids) {
    protocol::ConsumerGroupDescribeResponse::DescribedGroup g;
    g.group_id = id;
    group::GroupDescription d = ctx.broker.groups().describe(id);
    if (d.error != ErrorCode::kNone) {
      g.error_code = to_wire(d.error);  // e.g. NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS
    } else {
      g.error_code = to_wire(ErrorCode::kGroupIdNotFound);
      g.error_message = d.state == "Dead" ? "Group " + id + " not found." : "Group " + id + " is not a consumer group.";
    }
    resp.groups.push_back(std::move(g));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
