#pragma once
// How configs look to DescribeConfigs (and CreateTopics v5+): for a topic, every topic-level
// config with its effective value (override, else the broker's synonym, else Kafka's default);
// for the broker, every key it knows plus any key set in its properties. Each entry carries
// its source, read-only flag, sensitivity and synonyms in Kafka's order (topic override,
// static broker config, default), including Kafka's rule that a synonym list starts at the
// primary name (so retention.ms shows no synonyms unless log.retention.ms itself is set).
// Pure functions of the configuration; no threading concerns.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/broker/config.h"

namespace moldau::broker {

// DescribeConfigsResponse's ConfigSource ids.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
  kDynamicBrokerLogger = 6,
  kDynamicClientMetrics = 7,
  kDynamicGroup = 8,
};

// DescribeConfigsResponse's ConfigType ids (v3+).
int8_t config_type_id(ConfigType type);

struct DescribedSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source;
};

struct DescribedConfig {
  std::string name;
  std::optional<std::string> value;  // null when sensitive or unset
  bool read_only = false;
  ConfigSource source = ConfigSource::kDefault;
  bool is_sensitive = false;
  std::vector<DescribedSynonym> synonyms;  // always filled; callers drop them on request
  int8_t type = 0;                         // config_type_id()
};

// Every topic-level config of a topic with these overrides.
std::vector<DescribedConfig> describe_topic_configs(
    const BrokerConfig& config, const std::map<std::string, std::string>& overrides);

// Every broker config of this broker (resource name = its node id).
std::vector<DescribedConfig> describe_broker_configs(const BrokerConfig& config);

// Every group-level config of a group with these overrides.
std::vector<DescribedConfig> describe_group_configs(const BrokerConfig& config,
                                                    const std::map<std::string, std::string>& overrides);

// The cluster-wide dynamic defaults (resource name ""): only the keys set there.
std::vector<DescribedConfig> describe_broker_default_configs(const BrokerConfig& config);

// The effective value of a topic-level config when the topic does not override it.
std::optional<std::string> topic_config_default(const BrokerConfig& config,
                                                const TopicConfigDef& def);

}  // namespace moldau::broker
