// DescribeCluster: the live brokers at their advertised address for the listener the request
// came in on, the cluster id, the controller, endpoint type BROKER (v1). A request for
// another endpoint type fails as in Kafka (INVALID_REQUEST in v0). With no authorizer, the
// cluster's authorized operations are all that apply to a cluster.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_cluster.h"

namespace moldau::broker::handlers {

using protocol::DescribeClusterRequest;
using protocol::DescribeClusterResponse;

namespace {

constexpr int8_t kBrokerEndpoint = 1;
constexpr int8_t kControllerEndpoint = 2;

// AclOperation bits of CREATE(5), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9),
// DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12).
constexpr int32_t kClusterOperations =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

}  // namespace

asio::awaitable<Status> describe_cluster(RequestContext& ctx) {
  auto req = ctx.decode<DescribeClusterRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  DescribeClusterResponse resp;
  int8_t wanted = v >= 1 ? req->endpoint_type : kBrokerEndpoint;
  if (wanted != kBrokerEndpoint && wanted != kControllerEndpoint) {
    resp.error_code = to_wire(v == 0 ? ErrorCode::kInvalidRequest : ErrorCode::kUnsupportedEndpointType);
    resp.error_message = "Unsupported endpoint type " + std::to_string(wanted);
  } else if (wanted != kBrokerEndpoint) {
    resp.error_code = to_wire(v == 0 ? ErrorCode::kInvalidRequest : ErrorCode::kMismatchedEndpointType);
    resp.error_message =
        "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type "
        "CONTROLLER";
  } else {
    for (const BrokerRegistration* b : broker.metadata().brokers()) {
      const BrokerEndpoint* e = b->endpoint(ctx.listener);
      if (!e) continue;
      DescribeClusterResponse::DescribeClusterBroker db;
      db.broker_id = b->id;
      db.host = e->host;
      db.port = e->port;
      db.rack = b->rack;
      resp.brokers.push_back(std::move(db));
    }
    resp.cluster_id = broker.metadata().cluster_id();
    resp.controller_id = broker.controller_for_clients();
    resp.endpoint_type = kBrokerEndpoint;
    if (req->include_cluster_authorized_operations)
      resp.cluster_authorized_operations = kClusterOperations;
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
