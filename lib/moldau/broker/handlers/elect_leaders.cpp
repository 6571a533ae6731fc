// ElectLeaders: preferred or unclean leader elections, answered per partition with Kafka's error
// codes (ReplicationControlManager.electLeaders). A null partition list means every partition,
// and then, as in Kafka, those that needed nothing are left out of the answer.
//
// On a single node every partition's leader is its only, preferred replica: an election is
// never needed. In a cluster the controller elects (Controller::elect_leader); another broker
// forwards the request to it (controller_forward.h).
#include "moldau/broker/broker.h"
#include "moldau/broker/cluster/controller.h"
#include "moldau/broker/handlers/controller_forward.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/elect_leaders.h"

namespace moldau::broker::handlers {

using protocol::ElectLeadersRequest;
using protocol::ElectLeadersResponse;

namespace {

using PartitionResult = ElectLeadersResponse::ReplicaElectionResult::PartitionResult;

PartitionResult result_of(int32_t partition, const Status& s) {
  PartitionResult pr;
  pr.partition_id = partition;
  pr.error_code = to_wire(s.code());
  if (!s.ok()) pr.error_message = s.message();
  return pr;
}

// One partition's election where there is no controller: a single node.
Status single_node_election(Broker& broker, const std::string& topic, int32_t p) {
  const TopicMetadata* t = broker.metadata().find_topic(topic);
  if (!t) return Status(ErrorCode::kUnknownTopicOrPartition, "No such topic as " + topic);
  if (p < 0 || p >= t->partition_count())
    return Status(ErrorCode::kUnknownTopicOrPartition, "No such partition as " + topic + "-" + std::to_string(p));
  return Status(ErrorCode::kElectionNotNeeded, std::string(error_message(ErrorCode::kElectionNotNeeded)));
}

// Every partition (a null list), or the listed ones, elected by `elect`.
template <class Elect>
asio::awaitable<ElectLeadersResponse> run_elections(Broker& broker, const ElectLeadersRequest& req, Elect elect) {
  ElectLeadersResponse resp;
  if (!req.topic_partitions) {
    std::vector<std::pair<std::string, int32_t>> all;
    for (const TopicMetadata* t : broker.metadata().topics()) all.push_back({t->name, t->partition_count()});
    for (const auto& [name, count] : all) {
      ElectLeadersResponse::ReplicaElectionResult r;
      r.topic = name;
      for (int32_t p = 0; p < count; ++p) {
        Status s = co_await elect(name, p);
        if (s.code() != ErrorCode::kElectionNotNeeded) r.partition_result.push_back(result_of(p, s));
      }
      resp.replica_election_results.push_back(std::move(r));
    }
  } else {
    for (const auto& tp : *req.topic_partitions) {
      ElectLeadersResponse::ReplicaElectionResult r;
      r.topic = tp.topic;
      for (int32_t p : tp.partitions) r.partition_result.push_back(result_of(p, co_await elect(tp.topic, p)));
      resp.replica_election_results.push_back(std::move(r));
    }
  }
  co_return resp;
}

// The same error for every partition the request names; for a null list, as the top-level
// error (which fails the admin client's whole call).
ElectLeadersResponse all_failed(const ElectLeadersRequest& req, const Status& s) {
  ElectLeadersResponse resp;
  if (!req.topic_partitions) resp.error_code = to_wire(s.code());
  if (req.topic_partitions) {
    for (const auto& tp : *req.topic_partitions) {
      ElectLeadersResponse::ReplicaElectionResult r;
      r.topic = tp.topic;
      for (int32_t p : tp.partitions) r.partition_result.push_back(result_of(p, s));
      resp.replica_election_results.push_back(std::move(r));
    }
  }
  return resp;
}

}  // namespace

asio::awaitable<Status> elect_leaders(RequestContext& ctx) {
  auto req = ctx.decode<ElectLeadersRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int8_t type = ctx.version() >= 1 ? req->election_type : 0;
  ElectLeadersResponse resp;
  cluster::Controller* controller = broker.controller();
  if (!controller) {
    resp = co_await run_elections(broker, *req, [&](const std::string& topic, int32_t p) -> asio::awaitable<Status> {
      co_return single_node_election(broker, topic, p);
    });
  } else if (controller->active()) {
    resp = co_await run_elections(broker, *req, [&](const std::string& topic, int32_t p) -> asio::awaitable<Status> {
      co_return co_await controller->elect_leader(topic, p, type);
    });
  } else {
    ElectLeadersRequest fwd = *req;
    fwd.election_type = type;
    auto r = co_await forward_to_controller<ElectLeadersResponse>(ctx, fwd, req->timeout_ms);
    if (r.ok()) {
      resp = std::move(r).value();
    } else if (r.status().code() == ErrorCode::kNotController) {
      resp = all_failed(*req, r.status());
    } else {
      resp = all_failed(*req, Status(ErrorCode::kRequestTimedOut, r.status().message()));
    }
  }
  if (ctx.version() < 1) resp.error_code = 0;
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
