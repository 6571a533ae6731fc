// AlterConfigs (the legacy API): a TOPIC resource's configs replace its whole set of
// overrides; validate_only stops after the checks. BROKER resources: the configs given replace
// the resource's dynamic broker configs (this node's, or the cluster-wide default for "").
// Per-resource errors with Kafka's codes and messages.
#include <map>

#include "moldau/broker/broker.h"
#include "moldau/broker/config_alteration.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_configs.h"

namespace moldau::broker::handlers {

using protocol::AlterConfigsRequest;
using protocol::AlterConfigsResponse;

namespace {

asio::awaitable<Status> alter_one(Broker& broker, const AlterConfigsRequest::AlterConfigsResource& res,
                                 bool validate_only) {
  std::vector<std::string> keys, nulls;
  for (const auto& c : res.configs) {
    keys.push_back(c.name);
    if (!c.value) nulls.push_back(c.name);
  }
  MOLDAU_CO_RETURN_IF_ERROR(check_alter_keys(keys, nulls));
  if (res.resource_type == kBrokerResourceType) {
    MOLDAU_CO_RETURN_IF_ERROR(check_broker_resource(broker.config(), res.resource_name));
    std::map<std::string, std::string> configs;
    for (const auto& c : res.configs) configs[c.name] = *c.value;
    co_return co_await store_broker_configs(broker, res.resource_name, std::move(configs), keys, validate_only);
  }
  if (res.resource_type != kTopicResourceType)
    co_return Status(ErrorCode::kInvalidRequest, unknown_resource_type_message(res.resource_type));

  MOLDAU_CO_RETURN_IF_ERROR(check_topic_resource(res.resource_name, true));
  std::map<std::string, std::string> configs;
  for (const auto& c : res.configs) {
    MOLDAU_CO_RETURN_IF_ERROR(validate_topic_config(c.name, *c.value));
    configs[c.name] = *c.value;
  }
  MOLDAU_CO_RETURN_IF_ERROR(check_topic_resource(
      res.resource_name, broker.metadata().find_topic(res.resource_name) != nullptr));
  co_return co_await broker.topics().set_configs(res.resource_name, std::move(configs), validate_only);
}

}  // namespace

asio::awaitable<Status> alter_configs(RequestContext& ctx) {
  auto req = ctx.decode<AlterConfigsRequest>();
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
  auto resp = alter_configs_response<AlterConfigsResponse>(req->resources, results);
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
