// CreateTopics: Kafka's name rules, partition counts, replication factors, explicit
// assignments, configs, validate-only. v5+ also returns the topic's resulting configs.
#include <map>
#include <set>

#include "moldau/broker/broker.h"
#include "moldau/broker/config_describer.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/create_topics.h"

namespace moldau::broker::handlers {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;

namespace {

std::vector<CreateTopicsResponse::CreatableTopicResult::CreatableTopicConfigs> resulting_configs(
    const BrokerConfig& config, const std::map<std::string, std::string>& overrides) {
  std::vector<CreateTopicsResponse::CreatableTopicResult::CreatableTopicConfigs> out;
  for (const auto& d : describe_topic_configs(config, overrides)) {
    CreateTopicsResponse::CreatableTopicResult::CreatableTopicConfigs c;
    c.name = d.name;
    c.value = d.value;
    c.read_only = d.read_only;
    c.config_source = static_cast<int8_t>(d.source);
    c.is_sensitive = d.is_sensitive;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

asio::awaitable<Status> create_topics(RequestContext& ctx) {
  auto req = ctx.decode<CreateTopicsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  std::map<std::string, int> seen;
  for (const auto& t : req->topics) ++seen[t.name];

  CreateTopicsResponse resp;
  for (const auto& t : req->topics) {
    CreateTopicsResponse::CreatableTopicResult r;
    r.name = t.name;
    auto fail = [&](const Status& s) {
      r.error_code = to_wire(s.code());
      if (v >= 1) r.error_message = s.message();
    };
    if (seen[t.name] > 1) {
      fail(Status(ErrorCode::kInvalidRequest,
                  "Duplicate topic name " + t.name + " in the request."));
      resp.topics.push_back(std::move(r));
      continue;
    }
    NewTopic spec;
    spec.name = t.name;
    spec.partitions = t.num_partitions;
    spec.replication_factor = t.replication_factor;
    std::map<int32_t, std::vector<int32_t>> by_partition;
    for (const auto& a : t.assignments) by_partition[a.partition_index] = a.broker_ids;
    bool bad_assignment = false;
    int32_t expected = 0;
    for (auto& [p, replicas] : by_partition) {
      if (p != expected++) bad_assignment = true;
      spec.assignments.push_back(replicas);
    }
    if (bad_assignment) {
      fail(Status(ErrorCode::kInvalidReplicaAssignment,
                  "Partitions should be a consecutive 0-based integer sequence"));
      resp.topics.push_back(std::move(r));
      continue;
    }
    Status config_error;
    for (const auto& c : t.configs) {
      if (!c.value) continue;
      spec.configs[c.name] = *c.value;
    }
    auto created = co_await broker.topics().create(spec, req->validate_only);
    if (!created.ok()) {
      fail(created.status());
    } else {
      if (*created) {
        r.topic_id = (*created)->id;
        r.num_partitions = (*created)->partition_count();
        r.replication_factor = (*created)->replication_factor();
      } else {
        r.num_partitions = spec.partitions == -1 ? broker.config().num_partitions
                                                 : (spec.assignments.empty()
                                                        ? spec.partitions
                                                        : static_cast<int32_t>(spec.assignments.size()));
        r.replication_factor = spec.replication_factor == -1
                                   ? broker.config().default_replication_factor
                                   : spec.replication_factor;
      }
      if (v >= 5) r.configs = resulting_configs(broker.config(), spec.configs);
    }
    resp.topics.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
