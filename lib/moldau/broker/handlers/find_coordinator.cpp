// FindCoordinator: this broker coordinates every group and transactional id (single node).
// A group key creates __consumer_offsets on first use, as Kafka does. v4 batches keys.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/find_coordinator.h"

namespace moldau::broker::handlers {

using protocol::FindCoordinatorRequest;
using protocol::FindCoordinatorResponse;

namespace {
constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;
}  // namespace

asio::awaitable<Status> find_coordinator(RequestContext& ctx) {
  auto req = ctx.decode<FindCoordinatorRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const auto& config = broker.config();
  const Listener* advertised = &config.advertised_listeners.front();
  for (const auto& l : config.advertised_listeners)
    if (l.name == ctx.listener) advertised = &l;

  auto lookup = [&](const std::string& key) {
    FindCoordinatorResponse::Coordinator c;
    c.key = key;
    ErrorCode error = ErrorCode::kNone;
    if (req->key_type == kGroupKey) {
      if (!broker.groups().ensure_offsets_topic().ok()) error = ErrorCode::kCoordinatorNotAvailable;
    } else if (req->key_type == kTransactionKey) {
      // __transaction_state is created on first use, as Kafka does.
      if (!broker.txn().ensure_state_topic().ok()) error = ErrorCode::kCoordinatorNotAvailable;
    } else {
      error = ErrorCode::kInvalidRequest;
    }
    if (error == ErrorCode::kNone) {
      c.node_id = config.node_id;
      c.host = advertised->host.empty() ? "localhost" : advertised->host;
      c.port = advertised->port;
    } else {
      c.node_id = -1;
      c.host = "";
      c.port = -1;
      c.error_code = to_wire(error);
      c.error_message = std::string(error_message(error));
    }
    return c;
  };

  FindCoordinatorResponse resp;
  if (ctx.version() >= 4) {
    for (const auto& key : req->coordinator_keys) resp.coordinators.push_back(lookup(key));
  } else {
    auto c = lookup(req->key);
    resp.error_code = c.error_code;
    resp.error_message = c.error_code ? c.error_message : std::optional<std::string>("NONE");
    resp.node_id = c.node_id;
    resp.host = c.host;
    resp.port = c.port;
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
