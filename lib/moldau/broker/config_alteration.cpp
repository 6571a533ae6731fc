#include "moldau/broker/config_alteration.h"

#include <charconv>
#include <set>

#include "moldau/broker/broker.h"
#include "moldau/broker/metadata/metadata_store.h"
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

Status check_broker_resource(const BrokerConfig& config, const std::string& resource_name) {
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
  return Status();
}

asio::awaitable<Status> store_broker_configs(Broker& broker, std::string entity, std::map<std::string, std::string> next,
                                             std::vector<std::string> changed, bool validate_only) {
  std::vector<std::string> fixed;
  for (const auto& k : changed)
    if (!is_dynamic_broker_config(k) && find_broker_config(k) != nullptr)
      fixed.push_back(k);
  if (!fixed.empty()) {
    std::string list;
    for (const auto& k : fixed) list += (list.empty() ? "" : ", ") + k;
    co_return Status(ErrorCode::kInvalidRequest, "Cannot update these configs dynamically: [" + list + "]");
  }
  for (const auto& k : changed)
    if (auto it = next.find(k); it != next.end()) MOLDAU_CO_RETURN_IF_ERROR(validate_dynamic_broker_config(k, it->second));
  if (validate_only) co_return Status();
  co_return co_await broker.metadata().set_broker_configs(std::move(entity), std::move(next));
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
