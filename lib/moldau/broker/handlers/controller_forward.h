#pragma once
// Requests only the controller can carry out (ElectLeaders, AlterPartitionReassignments) may
// reach any broker: Kafka's admin client sends them to the broker Metadata names as controller,
// and ours names itself (Broker::controller_for_clients). A broker that is not the controller
// forwards the request over the inter-broker listener and relays the answer. A request that was
// itself forwarded is not forwarded again: a broker that lost the controllership meanwhile
// answers NOT_CONTROLLER.

#include <algorithm>
#include <chrono>
#include <string>

#include "moldau/broker/broker.h"
#include "moldau/broker/peer/peer_connection.h"
#include "moldau/broker/request_context.h"

namespace moldau::broker::handlers {

inline constexpr const char* kControllerForwardClientPrefix = "moldau-controller-forward-";

// The controller's answer to `request`, or NOT_CONTROLLER (no controller to forward to, or the
// request was forwarded already), or the failure of the call (REQUEST_TIMED_OUT,
// NETWORK_EXCEPTION). `timeout_ms` is the request's own timeout; the call allows five seconds
// more.
template <class Response, class Request>
asio::awaitable<Result<Response>> forward_to_controller(RequestContext& ctx, Request request, int32_t timeout_ms) {
  Broker& broker = ctx.broker;
  const bool forwarded =
      ctx.header.client_id && ctx.header.client_id->rfind(kControllerForwardClientPrefix, 0) == 0;
  const int32_t id = broker.metadata().controller_id();
  const BrokerRegistration* b = id >= 0 ? broker.metadata().find_broker(id) : nullptr;
  const BrokerEndpoint* endpoint = b ? b->endpoint(broker.config().inter_broker_listener_name) : nullptr;
  if (forwarded || !endpoint || id == broker.config().node_id)
    co_return Status(ErrorCode::kNotController, std::string(error_message(ErrorCode::kNotController)));
  peer::PeerConnection conn(broker.io(), kControllerForwardClientPrefix + std::to_string(broker.config().node_id));
  auto timeout = std::chrono::milliseconds(std::max(timeout_ms, 1000) + 5000);
  co_return co_await conn.call<Response>(endpoint->host, endpoint->port, request, Request::kMaxVersion, timeout);
}

}  // namespace moldau::broker::handlers
