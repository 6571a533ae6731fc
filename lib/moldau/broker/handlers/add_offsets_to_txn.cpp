// AddOffsetsToTxn: adds the group's __consumer_offsets partition to the transaction, so that
// TxnOffsetCommit's offsets are committed or aborted with it.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/add_offsets_to_txn.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> add_offsets_to_txn(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AddOffsetsToTxnRequest>();
  if (!req.ok()) co_return req.status();
  ErrorCode e = co_await ctx.broker.txn().add_offsets(req->transactional_id, req->producer_id, req->producer_epoch,
                                             req->group_id);
  if (ctx.version() < 2 && e == ErrorCode::kProducerFenced) e = ErrorCode::kInvalidProducerEpoch;
  protocol::AddOffsetsToTxnResponse resp;
  resp.error_code = to_wire(e);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
