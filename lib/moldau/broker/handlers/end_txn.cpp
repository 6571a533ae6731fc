// EndTxn: commits or aborts the producer's transaction. Single node: the markers are written
// before the answer, so a transaction is complete once EndTxn returns.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/end_txn.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> end_txn(RequestContext& ctx) {
  auto req = ctx.decode<protocol::EndTxnRequest>();
  if (!req.ok()) co_return req.status();
  ErrorCode e = co_await ctx.broker.txn().end_txn(req->transactional_id, req->producer_id, req->producer_epoch,
                                         req->committed);
  if (ctx.version() < 2 && e == ErrorCode::kProducerFenced) e = ErrorCode::kInvalidProducerEpoch;
  protocol::EndTxnResponse resp;
  resp.error_code = to_wire(e);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
