// IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT (the last two on LIST-typed
// configs only) applied to a TOPIC's overrides, then validated as a whole; validate_only stops
// there. BROKER resources ("" the cluster-wide default, or this node's id) change the dynamic
// broker configs, applied at once; GROUP resources a group's configs (kept, not yet used by the
// classic group coordinator). Kafka's codes and messages.
#include <algorithm>
#include <map>

#include "moldau/broker/broker.h"
#include "moldau/broker/config_alteration.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/incremental_alter_configs.h"

namespace moldau::broker::handlers {

using protocol::IncrementalAlterConfigsRequest;
using protocol::IncrementalAlterConfigsResponse;

namespace {

enum Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

const char* op_name(int8_t op) {
  switch (op) {
    case kSet: return "SET";
    case kDelete: return "DELETE";
    case kAppend: return "APPEND";
    default: return "SUBTRACT";
  }
}

// The non-empty items of a comma-separated list.
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

asio::awaitable<Status> alter_one(Broker& broker, const IncrementalAlterConfigsRequest::AlterConfigsResource& res,
                                 bool validate_only) {
  std::vector<std::string> keys, nulls;
  for (const auto& c : res.configs) {
    keys.push_back(c.name);
    if (c.config_operation != kDelete && !c.value) nulls.push_back(c.name);
  }
  MOLDAU_CO_RETURN_IF_ERROR(check_alter_keys(keys, nulls));
  for (const auto& c : res.configs)
    if (c.config_operation < kSet || c.config_operation > kSubtract)
      co_return Status(ErrorCode::kInvalidRequest,
                    "Unknown operations type " + std::to_string(c.config_operation));
  if (res.resource_type == kBrokerResourceType) {
    MOLDAU_CO_RETURN_IF_ERROR(check_broker_resource(broker.config(), res.resource_name));
    std::map<std::string, std::string> configs = broker.metadata().broker_configs(res.resource_name);
    for (const auto& c : res.configs) {
      if (c.config_operation == kSet) {
        configs[c.name] = *c.value;
      } else if (c.config_operation == kDelete) {
        configs.erase(c.name);
      } else {
        const BrokerConfigDef* def = find_broker_config(c.name);
        if (!def || def->type != ConfigType::kList)
          co_return Status(ErrorCode::kInvalidConfig, std::string("Can't ") + op_name(c.config_operation) +
                                                          " to key " + c.name + " because its type is not LIST.");
        auto current = broker.config().value_of(c.name);
        std::vector<std::string> items = split(configs.count(c.name) ? configs[c.name] : current.value_or(""));
        for (const auto& value : split(*c.value)) {
          auto found = std::find(items.begin(), items.end(), value);
          if (c.config_operation == kAppend && found == items.end()) items.push_back(value);
          if (c.config_operation == kSubtract && found != items.end()) items.erase(found);
        }
        configs[c.name] = join(items);
      }
    }
    co_return co_await store_broker_configs(broker, res.resource_name, std::move(configs), keys, validate_only);
  }
  if (res.resource_type == kGroupResourceType) {
    std::map<std::string, std::string> configs = broker.metadata().group_configs(res.resource_name);
    for (const auto& c : res.configs) {
      if (c.config_operation == kSet) {
        MOLDAU_CO_RETURN_IF_ERROR(validate_group_config(c.name, *c.value));
        configs[c.name] = *c.value;
      } else if (c.config_operation == kDelete) {
        configs.erase(c.name);
      } else {
        co_return Status(ErrorCode::kInvalidConfig, std::string("Can't ") + op_name(c.config_operation) + " to key " +
                                                        c.name + " because its type is not LIST.");
      }
    }
    if (validate_only) co_return Status();
    co_return co_await broker.metadata().set_group_configs(res.resource_name, std::move(configs));
  }
  if (res.resource_type != kTopicResourceType)
    co_return Status(ErrorCode::kInvalidRequest, unknown_resource_type_message(res.resource_type));

  MOLDAU_CO_RETURN_IF_ERROR(check_topic_resource(res.resource_name, true));
  const TopicMetadata* topic = broker.metadata().find_topic(res.resource_name);
  std::map<std::string, std::string> configs;
  if (topic) configs = topic->configs;
  for (const auto& c : res.configs) {
    switch (c.config_operation) {
      case kSet:
        configs[c.name] = *c.value;
        break;
      case kDelete:
        configs.erase(c.name);
        break;
      default: {
        const TopicConfigDef* def = find_topic_config(c.name);
        if (!def || def->type != ConfigType::kList)
          co_return Status(ErrorCode::kInvalidConfig, std::string("Can't ") +
                                                       op_name(c.config_operation) + " to key " +
                                                       c.name + " because its type is not LIST.");
        auto it = configs.find(c.name);
        std::vector<std::string> items =
            split(it != configs.end() ? it->second
                                      : std::string(def->default_value ? def->default_value : ""));
        for (const auto& value : split(*c.value)) {
          if (c.config_operation == kAppend) {
            if (std::find(items.begin(), items.end(), value) == items.end()) items.push_back(value);
          } else {
            auto found = std::find(items.begin(), items.end(), value);
            if (found != items.end()) items.erase(found);
          }
        }
        configs[c.name] = join(items);
      }
    }
  }
  for (const auto& [k, v] : configs) MOLDAU_CO_RETURN_IF_ERROR(validate_topic_config(k, v));
  MOLDAU_CO_RETURN_IF_ERROR(check_topic_resource(res.resource_name, topic != nullptr));
  co_return co_await broker.topics().set_configs(res.resource_name, std::move(configs), validate_only);
}

}  // namespace

asio::awaitable<Status> incremental_alter_configs(RequestContext& ctx) {
  auto req = ctx.decode<IncrementalAlterConfigsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;

  std::vector<bool> repeated = repeated_resources(req->resources);
  std::vector<Status> results;
  for (size_t i = 0; i < req->resources.size(); ++i) {
    if (repeated[i]) {
      results.push_back(repeated_resource_error());
    } else {
      results.push_back(co_await alter_one(broker, req->resources[i], req->validate_only));
    }
  }
  auto resp = alter_configs_response<IncrementalAlterConfigsResponse>(req->resources, results);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
