#include "moldau/broker/config_describer.h"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace moldau::broker {
namespace {

// Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the broker keys that can set the same
// value, highest precedence first.
std::vector<std::string> broker_synonyms(const std::string& name) {
  if (name == "log.roll.ms" || name == "log.roll.hours") return {"log.roll.ms", "log.roll.hours"};
  if (name == "log.roll.jitter.ms" || name == "log.roll.jitter.hours")
    return {"log.roll.jitter.ms", "log.roll.jitter.hours"};
  if (name == "log.flush.interval.ms")
    return {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"};
  if (name == "log.retention.ms" || name == "log.retention.minutes" ||
      name == "log.retention.hours")
    return {"log.retention.ms", "log.retention.minutes", "log.retention.hours"};
  return {name};
}

// Kafka's default of a broker key; null when it has none. Keys Moldau does not read are
// looked up through the topic config they are the synonym of (same default).
std::optional<std::string> broker_default(const std::string& name) {
  if (const BrokerConfigDef* def = find_broker_config(name)) {
    if (def->default_value) return std::string(def->default_value);
    return std::nullopt;
  }
  for (const auto& t : topic_config_defs())
    if (t.broker_synonym && name == t.broker_synonym && t.default_value)
      return std::string(t.default_value);
  return std::nullopt;
}

// Kafka hides passwords and keys, and treats a key it has no definition of as possibly secret.
bool broker_key_sensitive(const std::string& name) {
  if (const BrokerConfigDef* def = find_broker_config(name)) return def->type == ConfigType::kPassword;
  if (!is_dynamic_broker_config(name)) return true;
  return name.find("password") != std::string::npos || name == "sasl.jaas.config" || name == "ssl.keystore.key";
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Static broker configs, then defaults, for every synonym of `primary`; then, as Kafka does,
// everything before the first entry named `primary` is dropped.
std::vector<DescribedSynonym> synonyms_of(const BrokerConfig& config, const std::string& primary,
                                          bool sensitive) {
  std::vector<std::string> names = broker_synonyms(primary);
  std::vector<DescribedSynonym> all;
  auto hide = [&](const std::string& v) { return sensitive ? std::nullopt : std::optional<std::string>(v); };
  for (const auto& n : names)
    if (auto it = config.dynamic_own().find(n); it != config.dynamic_own().end())
      all.push_back({n, hide(it->second), ConfigSource::kDynamicBroker});
  for (const auto& n : names)
    if (auto it = config.dynamic_default().find(n); it != config.dynamic_default().end())
      all.push_back({n, hide(it->second), ConfigSource::kDynamicDefaultBroker});
  for (const auto& n : names)
    if (auto v = config.properties().get(n))
      all.push_back({n, sensitive ? std::nullopt : std::optional<std::string>(*v),
                     ConfigSource::kStaticBroker});
  for (const auto& n : names)
    if (auto v = broker_default(n))
      all.push_back({n, sensitive ? std::nullopt : v, ConfigSource::kDefault});
  auto first = std::find_if(all.begin(), all.end(),
                            [&](const DescribedSynonym& s) { return s.name == primary; });
  return std::vector<DescribedSynonym>(first, all.end());
}

std::optional<int64_t> prop_long(const BrokerConfig& config, const char* key) {
  auto v = config.effective(key);
  if (!v) return std::nullopt;
  return std::strtoll(trim(*v).c_str(), nullptr, 10);
}

}  // namespace

int8_t config_type_id(ConfigType type) {
  switch (type) {
    case ConfigType::kBoolean: return 1;
    case ConfigType::kString: return 2;
    case ConfigType::kInt: return 3;
    case ConfigType::kShort: return 4;
    case ConfigType::kLong: return 5;
    case ConfigType::kDouble: return 6;
    case ConfigType::kList: return 7;
    case ConfigType::kClass: return 8;
    case ConfigType::kPassword: return 9;
  }
  return 0;
}

std::optional<std::string> topic_config_default(const BrokerConfig& config,
                                                const TopicConfigDef& def) {
  const std::string name = def.name;
  // Keys whose broker value may be given in coarser units, as KafkaConfig derives them.
  auto derived = [&](const char* ms, const char* minutes, const char* hours)
      -> std::optional<std::string> {
    if (auto v = prop_long(config, ms)) return std::to_string(*v);
    if (minutes)
      if (auto v = prop_long(config, minutes)) return std::to_string(*v * 60000);
    if (auto v = prop_long(config, hours)) return std::to_string(*v * 3600000);
    return std::nullopt;
  };
  std::optional<std::string> v;
  if (name == "retention.ms") {
    v = derived("log.retention.ms", "log.retention.minutes", "log.retention.hours");
  } else if (name == "segment.ms") {
    v = derived("log.roll.ms", nullptr, "log.roll.hours");
  } else if (name == "segment.jitter.ms") {
    v = derived("log.roll.jitter.ms", nullptr, "log.roll.jitter.hours");
  } else if (name == "flush.ms") {
    if (auto x = prop_long(config, "log.flush.interval.ms")) v = std::to_string(*x);
    else if (auto y = prop_long(config, "log.flush.scheduler.interval.ms")) v = std::to_string(*y);
  } else if (def.broker_synonym) {
    if (auto x = config.effective(def.broker_synonym)) v = trim(*x);
  }
  if (v) return v;
  if (def.default_value) return std::string(def.default_value);
  return std::nullopt;
}

std::vector<DescribedConfig> describe_topic_configs(
    const BrokerConfig& config, const std::map<std::string, std::string>& overrides) {
  std::vector<DescribedConfig> out;
  for (const auto& def : topic_config_defs()) {
    DescribedConfig c;
    c.name = def.name;
    c.type = config_type_id(def.type);
    c.is_sensitive = def.type == ConfigType::kPassword;
    auto it = overrides.find(def.name);
    if (it != overrides.end()) {
      c.value = it->second;
      c.synonyms.push_back({def.name, c.is_sensitive ? std::nullopt : c.value,
                            ConfigSource::kDynamicTopic});
    } else {
      c.value = topic_config_default(config, def);
    }
    if (def.broker_synonym) {
      auto broker = synonyms_of(config, def.broker_synonym, c.is_sensitive);
      c.synonyms.insert(c.synonyms.end(), broker.begin(), broker.end());
    }
    c.source = c.synonyms.empty() ? ConfigSource::kDefault : c.synonyms.front().source;
    if (c.is_sensitive) c.value.reset();
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DescribedConfig> describe_broker_configs(const BrokerConfig& config) {
  std::set<std::string> names;
  for (const auto& def : broker_config_defs()) names.insert(def.name);
  for (const auto& key : config.properties().keys()) names.insert(key);
  for (const auto& [key, v] : config.dynamic_own()) names.insert(key);
  for (const auto& [key, v] : config.dynamic_default()) names.insert(key);

  std::vector<DescribedConfig> out;
  for (const auto& name : names) {
    const BrokerConfigDef* def = find_broker_config(name);
    DescribedConfig c;
    c.name = name;
    // Kafka treats a key without a definition as possibly sensitive and hides its value.
    c.is_sensitive = broker_key_sensitive(name);
    c.type = def ? config_type_id(def->type) : 0;
    c.read_only = !is_dynamic_broker_config(name);
    if (!c.is_sensitive) c.value = config.value_of(name);
    c.synonyms = synonyms_of(config, name, c.is_sensitive);
    c.source = c.synonyms.empty() ? ConfigSource::kDefault : c.synonyms.front().source;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DescribedConfig> describe_broker_default_configs(const BrokerConfig& config) {
  std::vector<DescribedConfig> out;
  for (const auto& [name, value] : config.dynamic_default()) {
    const BrokerConfigDef* def = find_broker_config(name);
    DescribedConfig c;
    c.name = name;
    c.is_sensitive = broker_key_sensitive(name);
    c.type = def ? config_type_id(def->type) : 0;
    c.read_only = false;
    if (!c.is_sensitive) c.value = value;
    c.source = ConfigSource::kDynamicDefaultBroker;
    c.synonyms.push_back({name, c.value, ConfigSource::kDynamicDefaultBroker});
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DescribedConfig> describe_group_configs(const BrokerConfig& config,
                                                    const std::map<std::string, std::string>& overrides) {
  std::vector<DescribedConfig> out;
  for (const auto& def : group_config_defs()) {
    DescribedConfig c;
    c.name = def.name;
    c.type = config_type_id(def.type);
    auto it = overrides.find(def.name);
    if (it != overrides.end()) {
      c.value = it->second;
      c.synonyms.push_back({def.name, c.value, ConfigSource::kDynamicGroup});
    }
    std::optional<std::string> broker_value = config.effective(def.broker_synonym);
    c.synonyms.push_back({def.broker_synonym, broker_value ? broker_value : std::optional<std::string>(def.default_value),
                          broker_value ? ConfigSource::kStaticBroker : ConfigSource::kDefault});
    if (!c.value) c.value = c.synonyms.back().value;
    c.source = c.synonyms.front().source;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace moldau::broker
