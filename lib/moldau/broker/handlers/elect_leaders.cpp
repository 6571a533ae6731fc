// ElectLeaders: on one node every partition's leader is its only, preferred replica, so an
// election is never needed (Kafka's ReplicationControlManager.electLeader: ELECTION_NOT_NEEDED
// for a partition led by its preferred replica, or with any leader for an unclean election).
// Unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION. A null partition list means
// every partition, and then, as in Kafka, those that needed nothing are left out.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/elect_leaders.h"

namespace moldau::broker::handlers {

using protocol::ElectLeadersResponse;

asio::awaitable<Status> elect_leaders(RequestContext& ctx) {
  auto req = ctx.decode<protocol::ElectLeadersRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  ElectLeadersResponse resp;
  if (!req->topic_partitions) {
    for (const TopicMetadata* t : broker.metadata().topics()) {
      ElectLeadersResponse::ReplicaElectionResult r;
      r.topic = t->name;
      resp.replica_election_results.push_back(std::move(r));
    }
  } else {
    for (const auto& tp : *req->topic_partitions) {
      ElectLeadersResponse::ReplicaElectionResult r;
      r.topic = tp.topic;
      const TopicMetadata* t = broker.metadata().find_topic(tp.topic);
      for (int32_t p : tp.partitions) {
        ElectLeadersResponse::ReplicaElectionResult::PartitionResult pr;
        pr.partition_id = p;
        if (!t) {
          pr.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
          pr.error_message = "No such topic as " + tp.topic;
        } else if (p < 0 || p >= t->partition_count()) {
          pr.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
          pr.error_message = "No such partition as " + tp.topic + "-" + std::to_string(p);
        } else {
          pr.error_code = to_wire(ErrorCode::kElectionNotNeeded);
          pr.error_message = std::string(error_message(ErrorCode::kElectionNotNeeded));
        }
        r.partition_result.push_back(std::move(pr));
      }
      resp.replica_election_results.push_back(std::move(r));
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
