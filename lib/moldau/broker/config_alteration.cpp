#include "moldau/broker/config_alteration.h"

#include <charconv>
#include <set>

#include "moldau/broker/topics.h"

namespace moldau::broker {

Status check_alter_keys(const std::vector<std::string>& keys,
                        const std::vector<std::string>& null_valued) {
  std::set<std::string> seen;
  for (const auto& k : keys)
    if (!seen.insert(k).second)
      return Status(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
  if (!null_valued.empty()) {
    std::string list;
    for (const auto& k : null_valued) list += (list.empty() ? "" : ", ") + k;
    return Status(ErrorCode::kInvalidRequest, "Null value not supported for : " + list);
  }
  return Status();
}

Status check_broker_alteration(const BrokerConfig& config, const std::string& resource_name,
                               const std::vector<std::string>& keys) {
  if (!resource_name.empty()) {
    int32_t id = 0;
    auto [p, ec] = std::from_chars(resource_name.data(), resource_name.data() + resource_name.size(), id);
    if (ec != std::errc() || p != resource_name.data() + resource_name.size())
      return Status(ErrorCode::kInvalidRequest,
                    "Node id must be an integer, but it is: " + resource_name);
    if (id != config.node_id)
      return Status(ErrorCode::kInvalidRequest, "Unexpected broker id, expected " +
                                                    std::to_string(config.node_id) +
                                                    ", but received " + resource_name);
  }
  if (keys.empty()) return Status();
  std::string list;
  for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
  return Status(ErrorCode::kInvalidRequest,
                "Cannot update these configs dynamically: Set(" + list + ")");
}

Status check_topic_resource(const std::string& name, bool exists) {
  if (name.empty())
    return Status(ErrorCode::kInvalidRequest, "Default topic resources are not allowed.");
  MOLDAU_RETURN_IF_ERROR(validate_topic_name(name));
  if (!exists)
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  "The topic '" + name + "' does not exist.");
  return Status();
}

std::string unknown_resource_type_message(int8_t type) {
  return "Unknown resource type " + std::to_string(type);
}

}  // namespace moldau::broker
