// FindCoordinator: the coordinator of a group or transactional id is the leader of its
// partition of __consumer_offsets or __transaction_state, which a first request creates, as
// Kafka does (COORDINATOR_NOT_AVAILABLE until that partition has a live leader). v4 batches keys.
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

  // The coordinator of a key is the leader of its partition of the internal topic.
  auto lookup = [&](const std::string& key) -> asio::awaitable<FindCoordinatorResponse::Coordinator> {
    FindCoordinatorResponse::Coordinator c;
    c.key = key;
    ErrorCode error = ErrorCode::kNone;
    const char* topic = nullptr;
    int32_t partition = 0;
    if (req->key_type == kGroupKey) {
      if (!(co_await broker.groups().ensure_offsets_topic()).ok()) error = ErrorCode::kCoordinatorNotAvailable;
      topic = kConsumerOffsetsTopic;
      partition = broker.groups().partition_for(key);
    } else if (req->key_type == kTransactionKey) {
      // __transaction_state is created on first use, as Kafka does.
      if (!(co_await broker.txn().ensure_state_topic()).ok()) error = ErrorCode::kCoordinatorNotAvailable;
      topic = kTransactionStateTopic;
      partition = broker.txn().partition_for(key);
    } else {
      error = ErrorCode::kInvalidRequest;
    }
    const BrokerEndpoint* endpoint = nullptr;
    int32_t leader = -1;
    if (error == ErrorCode::kNone) {
      const TopicMetadata* t = broker.metadata().find_topic(topic);
      const PartitionState* st = t ? t->state(partition) : nullptr;
      leader = st ? st->leader : -1;
      const BrokerRegistration* b = leader >= 0 ? broker.metadata().find_broker(leader) : nullptr;
      endpoint = b ? b->endpoint(ctx.listener) : nullptr;
      if (!endpoint) error = ErrorCode::kCoordinatorNotAvailable;
    }
    if (error == ErrorCode::kNone) {
      c.node_id = leader;
      c.host = endpoint->host;
      c.port = endpoint->port;
    } else {
      c.node_id = -1;
      c.host = "";
      c.port = -1;
      c.error_code = to_wire(error);
      c.error_message = std::string(error_message(error));
    }
    co_return c;
  };

  FindCoordinatorResponse resp;
  if (ctx.version() >= 4) {
    for (const auto& key : req->coordinator_keys) resp.coordinators.push_back(co_await lookup(key));
  } else {
    auto c = co_await lookup(req->key);
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
