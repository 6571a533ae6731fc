// DescribeTransactions: state, timeout, producer and partitions of transactional ids.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/describe_transactions.h"

namespace moldau::broker::handlers {

using protocol::DescribeTransactionsResponse;

asio::awaitable<Status> describe_transactions(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeTransactionsRequest>();
  if (!req.ok()) co_return req.status();
  DescribeTransactionsResponse resp;
  for (const auto& id : req->transactional_ids) {
    DescribeTransactionsResponse::TransactionState ts;
    ts.transactional_id = id;
    const txn::TxnMetadata* m = ctx.broker.txn().find(id);
    if (!ctx.broker.txn().serves(id)) {
      ts.error_code = to_wire(ErrorCode::kNotCoordinator);
    } else if (!m) {
      ts.error_code = to_wire(ErrorCode::kTransactionalIdNotFound);
    } else {
      ts.transaction_state = txn::txn_state_name(m->state);
      ts.transaction_timeout_ms = m->timeout_ms;
      ts.transaction_start_time_ms = m->start_ms;
      ts.producer_id = m->producer_id;
      ts.producer_epoch = m->producer_epoch;
      for (const auto& [topic, p] : m->partitions) {
        if (ts.topics.empty() || ts.topics.back().topic != topic) ts.topics.push_back({topic, {}});
        ts.topics.back().partitions.push_back(p);
      }
    }
    resp.transaction_states.push_back(std::move(ts));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
