// ListTransactions: transactional ids with their producer and state, filtered by state names
// (unknown names are echoed back in unknown_state_filters) and producer ids.
#include <algorithm>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/list_transactions.h"

namespace moldau::broker::handlers {

asio::awaitable<Status> list_transactions(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ListTransactionsRequest>();
  if (!req.ok()) co_return req.status();
  protocol::ListTransactionsResponse resp;
  std::vector<txn::TxnState> states;
  for (const auto& name : req->state_filters) {
    if (auto s = txn::parse_txn_state(name)) states.push_back(*s);
    else resp.unknown_state_filters.push_back(name);
  }
  // Only unknown states asked for: nothing matches.
  const bool none = !req->state_filters.empty() && states.empty();
  for (const auto& [id, m] : ctx.broker.txn().all()) {
    if (none) break;
    if (!states.empty() && std::find(states.begin(), states.end(), m.state) == states.end()) continue;
    if (!req->producer_id_filters.empty() &&
        std::find(req->producer_id_filters.begin(), req->producer_id_filters.end(), m.producer_id) ==
            req->producer_id_filters.end())
      continue;
    resp.transaction_states.push_back({id, m.producer_id, txn::txn_state_name(m.state)});
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
