#pragma once
// Checks shared by AlterConfigs and IncrementalAlterConfigs, with Kafka's errors and messages:
// per-resource request sanity, broker resources (dynamic broker configs: the keys Kafka changes
// at run time, stored in the metadata store), topic existence.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>

#include "moldau/broker/config.h"
#include "moldau/common/result.h"

namespace moldau::broker {

inline constexpr int8_t kTopicResourceType = 2;
inline constexpr int8_t kBrokerResourceType = 4;
inline constexpr int8_t kGroupResourceType = 32;

// INVALID_REQUEST when a key repeats ("Error due to duplicate config keys") or keys in
// `null_valued` are not empty ("Null value not supported for : a, b").
Status check_alter_keys(const std::vector<std::string>& keys,
                        const std::vector<std::string>& null_valued);

class Broker;

// A BROKER resource's name: empty (the cluster-wide default) or this node's id; INVALID_REQUEST
// otherwise, with Kafka's messages.
Status check_broker_resource(const BrokerConfig& config, const std::string& resource_name);

// Stores `next` as the dynamic configs of `entity` ("" or this node's id) after checking the
// keys in `changed`: keys Kafka never changes at run time are refused together ("Cannot update
// these configs dynamically: [a, b]"), values are checked by type (INVALID_REQUEST). Keys Kafka
// does not know are kept, as Kafka keeps them. validate_only stops after the checks.
asio::awaitable<Status> store_broker_configs(Broker& broker, std::string entity, std::map<std::string, std::string> next,
                                             std::vector<std::string> changed, bool validate_only);

// A TOPIC resource's name: INVALID_REQUEST for "", INVALID_TOPIC_EXCEPTION for a bad name,
// UNKNOWN_TOPIC_OR_PARTITION ("The topic 'x' does not exist.") when `exists` is false.
Status check_topic_resource(const std::string& name, bool exists);

// INVALID_REQUEST's message for a resource type other than TOPIC and BROKER.
std::string unknown_resource_type_message(int8_t type);

// Whether each resource of a request appears more than once (each such one fails with
// INVALID_REQUEST "Each resource must appear at most once.").
template <class Resources>
std::vector<bool> repeated_resources(const Resources& resources) {
  std::map<std::pair<int8_t, std::string>, int> seen;
  for (const auto& res : resources) ++seen[{res.resource_type, res.resource_name}];
  std::vector<bool> out;
  for (const auto& res : resources) out.push_back(seen[{res.resource_type, res.resource_name}] > 1);
  return out;
}
inline Status repeated_resource_error() {
  return Status(ErrorCode::kInvalidRequest, "Each resource must appear at most once.");
}

// The response of AlterConfigs or IncrementalAlterConfigs: one entry per resource, in request
// order, with its Status.
template <class Response, class Resources>
Response alter_configs_response(const Resources& resources, const std::vector<Status>& results) {
  Response resp;
  size_t i = 0;
  for (const auto& res : resources) {
    const Status& s = results[i++];
    typename Response::AlterConfigsResourceResponse r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    r.error_code = to_wire(s.code());
    if (!s.ok()) r.error_message = s.message();
    resp.responses.push_back(std::move(r));
  }
  return resp;
}

}  // namespace moldau::broker
