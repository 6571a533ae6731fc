// InitProducerId: a producer id for an idempotent producer, or the id and a bumped epoch of a
// transactional id (which fences its older instances). Before v4 PRODUCER_FENCED is answered
// as INVALID_PRODUCER_EPOCH, as Kafka does for clients that predate it.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/init_producer_id.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> init_producer_id(RequestContext& ctx) {
  auto req = ctx.decode<protocol::InitProducerIdRequest>();
  if (!req.ok()) co_return req.status();
  const int16_t v = ctx.version();
  auto r = co_await ctx.broker.txn().init_producer_id(req->transactional_id, req->transaction_timeout_ms,
                                             v >= 3 ? req->producer_id : -1, v >= 3 ? req->producer_epoch : -1);
  if (v < 4 && r.error == ErrorCode::kProducerFenced) r.error = ErrorCode::kInvalidProducerEpoch;
  protocol::InitProducerIdResponse resp;
  resp.error_code = to_wire(r.error);
  resp.producer_id = r.error == ErrorCode::kNone ? r.producer_id : -1;
  resp.producer_epoch = r.error == ErrorCode::kNone ? r.producer_epoch : -1;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
