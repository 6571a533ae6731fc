// TxnOffsetCommit: offsets committed as part of a transaction (KIP-98, KIP-447 adds the
// member fields in v3). They are appended to __consumer_offsets with the producer's id and
// become visible only when the transaction commits.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/txn_offset_commit.h"

namespace moldau::broker::handlers {

using protocol::TxnOffsetCommitResponse;

asio::awaitable<Status> txn_offset_commit(RequestContext& ctx) {
  auto req = ctx.decode<protocol::TxnOffsetCommitRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();
  auto offsets = group::offsets_to_commit(req->topics, broker.metadata(), v >= 2);
  ErrorCode e = broker.txn().check_producer(req->transactional_id, req->producer_id, req->producer_epoch);
  if (e == ErrorCode::kNone) {
    broker.groups().commit_txn_offsets(req->group_id, req->producer_id, req->producer_epoch,
                                       v >= 3 ? req->member_id : std::string(),
                                       v >= 3 ? req->group_instance_id : std::nullopt,
                                       v >= 3 ? req->generation_id : -1, offsets);
    if (ErrorCode r = co_await broker.groups().commit_replicated(); r != ErrorCode::kNone)
      for (auto& o : offsets)
        if (o.error == ErrorCode::kNone) o.error = r;
  } else {
    for (auto& o : offsets)
      if (o.error == ErrorCode::kNone) o.error = e;
  }
  TxnOffsetCommitResponse resp;
  size_t i = 0;
  for (const auto& t : req->topics) {
    TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      ErrorCode pe = offsets[i++].error;
      if (v < 3 && pe == ErrorCode::kProducerFenced) pe = ErrorCode::kInvalidProducerEpoch;
      TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic::TxnOffsetCommitResponsePartition pr;
      pr.partition_index = p.partition_index;
      pr.error_code = to_wire(pe);
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
