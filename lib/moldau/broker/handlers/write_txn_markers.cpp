// WriteTxnMarkers: appends COMMIT/ABORT markers to the named partitions. Our coordinator
// writes its markers directly; this serves the inter-broker API (and tools) the same way.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/write_txn_markers.h"

namespace moldau::broker::handlers {

using protocol::WriteTxnMarkersResponse;

asio::awaitable<Status> write_txn_markers(RequestContext& ctx) {
  auto req = ctx.decode<protocol::WriteTxnMarkersRequest>();
  if (!req.ok()) co_return req.status();
  WriteTxnMarkersResponse resp;
  for (const auto& m : req->markers) {
    WriteTxnMarkersResponse::WritableTxnMarkerResult mr;
    mr.producer_id = m.producer_id;
    for (const auto& t : m.topics) {
      WriteTxnMarkersResponse::WritableTxnMarkerResult::WritableTxnMarkerTopicResult tr;
      tr.name = t.name;
      for (int32_t p : t.partition_indexes) {
        ErrorCode e = ctx.broker.txn().write_marker({t.name, p}, m.producer_id, m.producer_epoch,
                                                    m.transaction_result, m.coordinator_epoch);
        tr.partitions.push_back({p, to_wire(e)});
      }
      mr.topics.push_back(std::move(tr));
    }
    resp.markers.push_back(std::move(mr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
