// ConsumerGroupDescribe: as ConsumerGroupHeartbeat, the consumer protocol is not enabled, so
// every group asked about gets UNSUPPORTED_VERSION, as Kafka 3.9 answers by default.
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
    g.error_code = to_wire(ErrorCode::kUnsupportedVersion);
    resp.groups.push_back(std::move(g));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
