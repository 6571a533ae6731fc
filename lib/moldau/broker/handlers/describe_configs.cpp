// DescribeConfigs: TOPIC (2), BROKER (4) and GROUP (32) resources, plus BROKER_LOGGER (8) with
// the root logger. Every config with its value, source, read-only flag, sensitivity, synonyms (v1+,
// when asked), type and documentation (v3+; Moldau has no documentation strings: null).
// configuration_keys filters by name. Errors are per resource, with Kafka's messages.
#include <algorithm>
#include <charconv>

#include "moldau/broker/broker.h"
#include "moldau/broker/config_describer.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_configs.h"

namespace moldau::broker::handlers {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;

namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kBrokerLoggerResource = 8;
constexpr int8_t kGroupResource = 32;

using Result_ = DescribeConfigsResponse::DescribeConfigsResult;
using Entry = Result_::DescribeConfigsResourceResult;

const char* resource_type_name(int8_t t) {
  switch (t) {
    case 2: return "TOPIC";
    case 4: return "BROKER";
    case 8: return "BROKER_LOGGER";
    case 16: return "CLIENT_METRICS";
    case 32: return "GROUP";
    default: return "UNKNOWN";
  }
}

std::optional<int32_t> parse_int(const std::string& s) {
  int32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

asio::awaitable<Status> describe_configs(RequestContext& ctx) {
  auto req = ctx.decode<DescribeConfigsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();
  const BrokerConfig& config = broker.config();

  DescribeConfigsResponse resp;
  for (const auto& res : req->resources) {
    Result_ r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    auto fail = [&](ErrorCode code, std::optional<std::string> message) {
      r.error_code = to_wire(code);
      r.error_message = std::move(message);
      r.configs.clear();
    };
    auto wanted = [&](const std::string& name) {
      if (!res.configuration_keys || res.configuration_keys->empty()) return true;
      const auto& keys = *res.configuration_keys;
      return std::find(keys.begin(), keys.end(), name) != keys.end();
    };
    auto add_all = [&](const std::vector<DescribedConfig>& described) {
      for (const auto& d : described) {
        if (!wanted(d.name)) continue;
        Entry e;
        e.name = d.name;
        e.value = d.value;
        e.read_only = d.read_only;
        e.config_source = static_cast<int8_t>(d.source);
        // v0 has no source; its is_default is what the source says.
        e.is_default = d.source == ConfigSource::kDefault;
        e.is_sensitive = d.is_sensitive;
        if (v >= 1 && req->include_synonyms)
          for (const auto& s : d.synonyms)
            e.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source)});
        e.config_type = d.type;
        r.configs.push_back(std::move(e));
      }
    };

    if (res.resource_type == kTopicResource) {
      Status valid = validate_topic_name(res.resource_name);
      const TopicMetadata* t = broker.metadata().find_topic(res.resource_name);
      if (!valid.ok()) {
        fail(ErrorCode::kInvalidTopicException, valid.message());
      } else if (!t) {
        fail(ErrorCode::kUnknownTopicOrPartition, std::nullopt);
      } else {
        add_all(describe_topic_configs(config, t->configs));
      }
    } else if (res.resource_type == kBrokerResource) {
      if (res.resource_name.empty()) {
        add_all(describe_broker_default_configs(config));
      } else if (auto id = parse_int(res.resource_name); !id) {
        fail(ErrorCode::kInvalidRequest,
             "Broker id must be an integer, but it is: " + res.resource_name);
      } else if (*id != config.node_id) {
        fail(ErrorCode::kInvalidRequest,
             "Unexpected broker id, expected " + std::to_string(config.node_id) +
                 " or empty string, but received " + res.resource_name);
      } else {
        add_all(describe_broker_configs(config));
      }
    } else if (res.resource_type == kGroupResource) {
      add_all(describe_group_configs(config, broker.metadata().group_configs(res.resource_name)));
    } else if (res.resource_type == kBrokerLoggerResource) {
      if (res.resource_name.empty()) {
        fail(ErrorCode::kInvalidRequest, "Broker id must not be empty");
      } else if (auto id = parse_int(res.resource_name); !id) {
        fail(ErrorCode::kInvalidRequest,
             "Broker id must be an integer, but it is: " + res.resource_name);
      } else if (*id != config.node_id) {
        fail(ErrorCode::kInvalidRequest,
             "Unexpected broker id, expected " + std::to_string(config.node_id) +
                 " but received " + res.resource_name);
      } else if (wanted("root")) {
        std::string level = config.log_level;
        std::transform(level.begin(), level.end(), level.begin(), ::toupper);
        Entry e;
        e.name = "root";
        e.value = level;
        e.config_source = static_cast<int8_t>(ConfigSource::kDynamicBrokerLogger);
        r.configs.push_back(std::move(e));
      }
    } else {
      fail(ErrorCode::kInvalidRequest,
           std::string("Unsupported resource type: ") + resource_type_name(res.resource_type));
    }
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
