// DescribeProducers: the producer state of each partition (kafka-transactions
// describe-producers).
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/protocol/messages/describe_producers.h"

namespace moldau::broker::handlers {

using protocol::DescribeProducersResponse;

asio::awaitable<Status> describe_producers(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeProducersRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  DescribeProducersResponse resp;
  for (const auto& t : req->topics) {
    DescribeProducersResponse::TopicResponse tr;
    tr.name = t.name;
    for (int32_t p : t.partition_indexes) {
      DescribeProducersResponse::TopicResponse::PartitionResponse pr;
      pr.partition_index = p;
      auto [partition, error] = broker.replicas().leader(t.name, p);
      if (!partition) {
        pr.error_code = to_wire(error);
      } else {
        storage::PartitionLog* log = &partition->log();
        for (const auto& e : log->producer_entries()) {
          DescribeProducersResponse::TopicResponse::PartitionResponse::ProducerState ps;
          ps.producer_id = e.producer_id;
          ps.producer_epoch = e.epoch;
          ps.last_sequence = e.last_seq();
          ps.last_timestamp = e.last_timestamp;
          ps.coordinator_epoch = e.coordinator_epoch;
          ps.current_txn_start_offset = e.current_txn_first_offset;
          pr.active_producers.push_back(ps);
        }
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
