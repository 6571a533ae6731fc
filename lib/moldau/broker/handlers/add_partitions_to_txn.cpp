// AddPartitionsToTxn (v0-3): adds partitions to the producer's open transaction. Unknown
// partitions fail with UNKNOWN_TOPIC_OR_PARTITION and the others with
// OPERATION_NOT_ATTEMPTED, as Kafka answers.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/protocol/messages/add_partitions_to_txn.h"

namespace moldau::broker::handlers {

using protocol::AddPartitionsToTxnResponse;

asio::awaitable<Status> add_partitions_to_txn(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AddPartitionsToTxnRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  std::vector<txn::TopicPartition> parts;
  bool unknown = false;
  for (const auto& t : req->v3_and_below_topics) {
    const TopicMetadata* meta = broker.metadata().find_topic(t.name);
    for (int32_t p : t.partitions) {
      if (!meta || p < 0 || p >= meta->partition_count() || is_internal_topic(t.name)) unknown = true;
      parts.emplace_back(t.name, p);
    }
  }
  ErrorCode error = ErrorCode::kNone;
  if (!unknown)
    error = co_await broker.txn().add_partitions(req->v3_and_below_transactional_id, req->v3_and_below_producer_id,
                                        req->v3_and_below_producer_epoch, parts);
  if (ctx.version() < 2 && error == ErrorCode::kProducerFenced) error = ErrorCode::kInvalidProducerEpoch;
  AddPartitionsToTxnResponse resp;
  for (const auto& t : req->v3_and_below_topics) {
    AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult tr;
    tr.name = t.name;
    const TopicMetadata* meta = broker.metadata().find_topic(t.name);
    for (int32_t p : t.partitions) {
      ErrorCode e = error;
      if (unknown)
        e = !meta || p < 0 || p >= meta->partition_count() || is_internal_topic(t.name)
                ? ErrorCode::kUnknownTopicOrPartition
                : ErrorCode::kOperationNotAttempted;
      tr.results_by_partition.push_back({p, to_wire(e)});
    }
    resp.results_by_topic_v3_and_below.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
