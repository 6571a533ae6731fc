// WriteTxnMarkers: appends COMMIT/ABORT markers to the named partitions this broker leads and
// answers once they are replicated; the transaction coordinator of another broker sends it.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/markers.h"
#include "moldau/protocol/messages/write_txn_markers.h"

namespace moldau::broker::handlers {

using protocol::WriteTxnMarkersResponse;

asio::awaitable<Status> write_txn_markers(RequestContext& ctx) {
  auto req = ctx.decode<protocol::WriteTxnMarkersRequest>();
  if (!req.ok()) co_return req.status();
  WriteTxnMarkersResponse resp;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (const auto& m : req->markers) {
    WriteTxnMarkersResponse::WritableTxnMarkerResult mr;
    mr.producer_id = m.producer_id;
    for (const auto& t : m.topics) {
      WriteTxnMarkersResponse::WritableTxnMarkerResult::WritableTxnMarkerTopicResult tr;
      tr.name = t.name;
      for (int32_t p : t.partition_indexes) {
        std::pair<std::string, int32_t> tp(t.name, p);
        ErrorCode e = co_await txn::write_marker_here(ctx.broker, std::move(tp), m.producer_id, m.producer_epoch,
                                                      m.transaction_result, m.coordinator_epoch, deadline);
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
