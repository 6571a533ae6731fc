#include "moldau/broker/config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace moldau::broker {
namespace {

using T = ConfigType;

// Kafka 3.7's broker keys that Moldau reads or accepts, with Kafka's defaults.
const std::vector<BrokerConfigDef> kBrokerDefs = {
    {"advertised.listeners", T::kString, nullptr},
    {"auto.create.topics.enable", T::kBoolean, "true"},
    {"auto.leader.rebalance.enable", T::kBoolean, "true"},
    {"broker.id", T::kInt, "-1"},
    {"broker.rack", T::kString, nullptr},
    {"broker.session.timeout.ms", T::kInt, "9000"},
    {"compression.type", T::kString, "producer", true},
    {"connections.max.idle.ms", T::kLong, "600000"},
    {"controller.listener.names", T::kString, nullptr},
    {"controlled.shutdown.enable", T::kBoolean, "true"},
    {"controlled.shutdown.timeout.ms", T::kLong, "30000"},
    {"controller.quorum.voters", T::kList, ""},
    {"default.replication.factor", T::kInt, "1"},
    {"delete.topic.enable", T::kBoolean, "true"},
    {"group.initial.rebalance.delay.ms", T::kInt, "3000"},
    {"group.max.session.timeout.ms", T::kInt, "1800000"},
    {"group.max.size", T::kInt, "2147483647"},
    {"group.min.session.timeout.ms", T::kInt, "6000"},
    {"inter.broker.listener.name", T::kString, nullptr},
    {"listener.security.protocol.map", T::kString,
     "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"},
    {"leader.imbalance.check.interval.seconds", T::kLong, "300"},
    {"leader.imbalance.per.broker.percentage", T::kInt, "10"},
    {"listeners", T::kString, "PLAINTEXT://:9092"},
    {"log.cleaner.backoff.ms", T::kLong, "15000"},
    {"log.cleaner.delete.retention.ms", T::kLong, "86400000", true},
    {"log.cleaner.enable", T::kBoolean, "true"},
    {"log.cleaner.min.cleanable.ratio", T::kDouble, "0.5", true},
    {"log.cleaner.min.compaction.lag.ms", T::kLong, "0", true},
    {"log.cleaner.threads", T::kInt, "1", true},
    {"log.cleanup.policy", T::kList, "delete", true},
    {"log.dir", T::kString, "/tmp/kafka-logs"},
    {"log.dirs", T::kString, nullptr},
    {"log.flush.interval.messages", T::kLong, "9223372036854775807", true},
    {"log.flush.interval.ms", T::kLong, nullptr, true},
    {"log.flush.scheduler.interval.ms", T::kLong, "9223372036854775807"},
    {"log.index.interval.bytes", T::kInt, "4096", true},
    {"log.index.size.max.bytes", T::kInt, "10485760", true},
    {"log.message.downconversion.enable", T::kBoolean, "true", true},
    {"log.message.timestamp.after.max.ms", T::kLong, "3600000", true},
    {"log.message.timestamp.before.max.ms", T::kLong, "9223372036854775807", true},
    {"log.message.timestamp.difference.max.ms", T::kLong, "9223372036854775807", true},
    {"log.message.timestamp.type", T::kString, "CreateTime", true},
    {"log.retention.bytes", T::kLong, "-1", true},
    {"log.retention.check.interval.ms", T::kLong, "300000"},
    {"log.retention.hours", T::kInt, "168"},
    {"log.retention.minutes", T::kInt, nullptr},
    {"log.retention.ms", T::kLong, nullptr, true},
    {"log.roll.hours", T::kInt, "168"},
    {"log.roll.ms", T::kLong, nullptr, true},
    {"log.segment.bytes", T::kInt, "1073741824", true},
    {"log.segment.delete.delay.ms", T::kLong, "60000", true},
    {"log4j.root.loglevel", T::kString, "INFO"},
    {"max.connections", T::kInt, "2147483647", true},
    {"max.incremental.fetch.session.cache.slots", T::kInt, "1000"},
    {"max.connections.per.ip", T::kInt, "2147483647", true},
    {"message.max.bytes", T::kInt, "1048588", true},
    {"metadata.store", T::kString, "local"},
    {"min.insync.replicas", T::kInt, "1", true},
    {"node.id", T::kInt, "-1"},
    {"num.io.threads", T::kInt, "8", true},
    {"num.network.threads", T::kInt, "3", true},
    {"num.partitions", T::kInt, "1"},
    {"num.recovery.threads.per.data.dir", T::kInt, "1", true},
    {"offsets.commit.timeout.ms", T::kInt, "5000"},
    {"offsets.retention.check.interval.ms", T::kLong, "600000"},
    {"offsets.retention.minutes", T::kInt, "10080"},
    {"offsets.topic.num.partitions", T::kInt, "50"},
    {"offsets.topic.replication.factor", T::kShort, "3"},
    {"offsets.topic.segment.bytes", T::kInt, "104857600"},
    {"process.roles", T::kList, ""},
    {"producer.id.expiration.ms", T::kInt, "86400000", true},
    {"queued.max.requests", T::kInt, "500"},
    {"replica.fetch.backoff.ms", T::kInt, "1000"},
    {"replica.fetch.max.bytes", T::kInt, "1048576"},
    {"replica.fetch.min.bytes", T::kInt, "1"},
    {"replica.fetch.response.max.bytes", T::kInt, "10485760"},
    {"replica.fetch.wait.max.ms", T::kInt, "500"},
    {"replica.lag.time.max.ms", T::kLong, "30000"},
    {"replica.socket.timeout.ms", T::kInt, "30000"},
    {"socket.receive.buffer.bytes", T::kInt, "102400"},
    {"socket.request.max.bytes", T::kInt, "104857600"},
    {"socket.send.buffer.bytes", T::kInt, "102400"},
    {"transaction.abort.timed.out.transaction.cleanup.interval.ms", T::kInt, "10000"},
    {"transaction.max.timeout.ms", T::kInt, "900000"},
    {"transaction.state.log.min.isr", T::kInt, "2"},
    {"transaction.state.log.num.partitions", T::kInt, "50"},
    {"transaction.state.log.replication.factor", T::kShort, "3"},
    {"transaction.state.log.segment.bytes", T::kInt, "104857600"},
    {"transactional.id.expiration.ms", T::kInt, "604800000"},
    {"unclean.leader.election.enable", T::kBoolean, "false", true},
    {"zookeeper.connect", T::kString, nullptr},
    {"zookeeper.connection.timeout.ms", T::kInt, nullptr},
};

// Kafka 3.7's topic-level configs, their broker synonyms and defaults.
const std::vector<TopicConfigDef> kTopicDefs = {
    {"cleanup.policy", T::kList, "log.cleanup.policy", "delete"},
    {"compression.type", T::kString, "compression.type", "producer"},
    {"delete.retention.ms", T::kLong, "log.cleaner.delete.retention.ms", "86400000"},
    {"file.delete.delay.ms", T::kLong, "log.segment.delete.delay.ms", "60000"},
    {"flush.messages", T::kLong, "log.flush.interval.messages", "9223372036854775807"},
    {"flush.ms", T::kLong, "log.flush.interval.ms", "9223372036854775807"},
    {"follower.replication.throttled.replicas", T::kList, nullptr, ""},
    {"index.interval.bytes", T::kInt, "log.index.interval.bytes", "4096"},
    {"leader.replication.throttled.replicas", T::kList, nullptr, ""},
    {"local.retention.bytes", T::kLong, "log.local.retention.bytes", "-2"},
    {"local.retention.ms", T::kLong, "log.local.retention.ms", "-2"},
    {"max.compaction.lag.ms", T::kLong, "log.cleaner.max.compaction.lag.ms",
     "9223372036854775807"},
    {"max.message.bytes", T::kInt, "message.max.bytes", "1048588"},
    {"message.downconversion.enable", T::kBoolean, "log.message.downconversion.enable", "true"},
    {"message.format.version", T::kString, "log.message.format.version", "3.0-IV1"},
    {"message.timestamp.after.max.ms", T::kLong, "log.message.timestamp.after.max.ms",
     "3600000"},
    {"message.timestamp.before.max.ms", T::kLong, "log.message.timestamp.before.max.ms",
     "9223372036854775807"},
    {"message.timestamp.difference.max.ms", T::kLong, "log.message.timestamp.difference.max.ms",
     "9223372036854775807"},
    {"message.timestamp.type", T::kString, "log.message.timestamp.type", "CreateTime"},
    {"min.cleanable.dirty.ratio", T::kDouble, "log.cleaner.min.cleanable.ratio", "0.5"},
    {"min.compaction.lag.ms", T::kLong, "log.cleaner.min.compaction.lag.ms", "0"},
    {"min.insync.replicas", T::kInt, "min.insync.replicas", "1"},
    {"preallocate", T::kBoolean, "log.preallocate", "false"},
    {"remote.storage.enable", T::kBoolean, nullptr, "false"},
    {"retention.bytes", T::kLong, "log.retention.bytes", "-1"},
    {"retention.ms", T::kLong, "log.retention.ms", "604800000"},
    {"segment.bytes", T::kInt, "log.segment.bytes", "1073741824"},
    {"segment.index.bytes", T::kInt, "log.index.size.max.bytes", "10485760"},
    {"segment.jitter.ms", T::kLong, "log.roll.jitter.ms", "0"},
    {"segment.ms", T::kLong, "log.roll.ms", "604800000"},
    {"unclean.leader.election.enable", T::kBoolean, "unclean.leader.election.enable", "false"},
};

// Kafka 4.4's group configs as DescribeConfigs lists them, with their broker synonyms and
// defaults; the session timeout must lie within the broker's bounds, as Kafka checks it.
const std::vector<GroupConfigDef> kGroupDefs = {
    {"consumer.assignment.interval.ms", T::kInt, "group.consumer.assignment.interval.ms", "1000"},
    {"consumer.heartbeat.interval.ms", T::kInt, "group.consumer.heartbeat.interval.ms", "5000", 5000, 15000},
    {"consumer.session.timeout.ms", T::kInt, "group.consumer.session.timeout.ms", "45000", 45000, 60000},
    {"errors.deadletterqueue.copy.record.enable", T::kBoolean, "errors.deadletterqueue.copy.record.enable", "false"},
    {"errors.deadletterqueue.topic.name", T::kString, "errors.deadletterqueue.topic.name", ""},
    {"share.assignment.interval.ms", T::kInt, "group.share.assignment.interval.ms", "1000"},
    {"share.auto.offset.reset", T::kString, "share.auto.offset.reset", "latest"},
    {"share.delivery.count.limit", T::kInt, "group.share.delivery.count.limit", "5"},
    {"share.heartbeat.interval.ms", T::kInt, "group.share.heartbeat.interval.ms", "5000"},
    {"share.isolation.level", T::kString, "share.isolation.level", "read_uncommitted"},
    {"share.partition.max.record.locks", T::kInt, "group.share.partition.max.record.locks", "2000"},
    {"share.record.lock.duration.ms", T::kInt, "group.share.record.lock.duration.ms", "30000"},
    {"share.renew.acknowledge.enable", T::kBoolean, "share.renew.acknowledge.enable", "true"},
    {"share.session.timeout.ms", T::kInt, "group.share.session.timeout.ms", "45000"},
    {"streams.assignment.interval.ms", T::kInt, "group.streams.assignment.interval.ms", "1000"},
    {"streams.assignor.name", T::kString, "group.streams.assignors", "sticky"},
    {"streams.heartbeat.interval.ms", T::kInt, "group.streams.heartbeat.interval.ms", "5000"},
    {"streams.initial.rebalance.delay.ms", T::kInt, "group.streams.initial.rebalance.delay.ms", "3000"},
    {"streams.num.standby.replicas", T::kInt, "group.streams.num.standby.replicas", "0"},
    {"streams.rack.aware.assignment.tags", T::kList, "group.streams.rack.aware.assignment.tags", ""},
    {"streams.session.timeout.ms", T::kInt, "group.streams.session.timeout.ms", "45000"},
};

const char* type_name(ConfigType t) {
  switch (t) {
    case T::kInt: return "INT";
    case T::kShort: return "SHORT";
    case T::kLong: return "LONG";
    case T::kDouble: return "DOUBLE";
    case T::kBoolean: return "BOOLEAN";
    default: return "STRING";
  }
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Checks that `value` parses as `type`, with Kafka's ConfigException wording.
Status check_type(const std::string& name, const std::string& raw, ConfigType type) {
  std::string value = trim(raw);
  auto bad = [&](std::string reason) {
    return Status(ErrorCode::kInvalidConfig, invalid_config_message(name, raw, reason));
  };
  switch (type) {
    case T::kInt:
    case T::kShort:
    case T::kLong: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (value.empty() || ec != std::errc() || p != value.data() + value.size())
        return bad(std::string("Not a number of type ") + type_name(type));
      if (type == T::kInt && (v < INT32_MIN || v > INT32_MAX))
        return bad("Not a number of type INT");
      if (type == T::kShort && (v < INT16_MIN || v > INT16_MAX))
        return bad("Not a number of type SHORT");
      return Status();
    }
    case T::kDouble: {
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') return bad("Not a number of type DOUBLE");
      return Status();
    }
    case T::kBoolean: {
      std::string lower = value;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower != "true" && lower != "false") return bad("Expected value to be either true or false");
      return Status();
    }
    default:
      return Status();
  }
}

int64_t as_long(const std::string& v) { return std::strtoll(trim(v).c_str(), nullptr, 10); }

Status check_one_of(const std::string& name, const std::string& value,
                    std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (trim(value) == a) return Status();
  std::string list;
  for (const char* a : allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  return Status(ErrorCode::kInvalidConfig,
                invalid_config_message(name, value, "String must be one of: " + list));
}

}  // namespace

const std::vector<BrokerConfigDef>& broker_config_defs() { return kBrokerDefs; }
const std::vector<GroupConfigDef>& group_config_defs() { return kGroupDefs; }

Status validate_group_config(const std::string& name, const std::string& value) {
  const GroupConfigDef* def = nullptr;
  for (const auto& d : kGroupDefs)
    if (name == d.name) def = &d;
  if (!def) return Status(ErrorCode::kInvalidConfig, "Unknown group config name: " + name);
  MOLDAU_RETURN_IF_ERROR(check_type(name, value, def->type));
  if (def->min <= def->max) {
    int64_t v = as_long(value);
    if (v < def->min || v > def->max)
      return Status(ErrorCode::kInvalidConfig, name + " must be in the range " + std::to_string(def->min) + " to " +
                                                   std::to_string(def->max) + " inclusive.");
  }
  return Status();
}
const std::vector<TopicConfigDef>& topic_config_defs() { return kTopicDefs; }

const BrokerConfigDef* find_broker_config(std::string_view name) {
  for (const auto& d : kBrokerDefs)
    if (name == d.name) return &d;
  return nullptr;
}

const TopicConfigDef* find_topic_config(std::string_view name) {
  for (const auto& d : kTopicDefs)
    if (name == d.name) return &d;
  return nullptr;
}

Status validate_topic_config(const std::string& name, const std::string& value) {
  const TopicConfigDef* def = find_topic_config(name);
  if (!def) return Status(ErrorCode::kInvalidConfig, "Unknown topic config name: " + name);
  MOLDAU_RETURN_IF_ERROR(check_type(name, value, def->type));
  auto at_least = [&](int64_t min) -> Status {
    if (as_long(value) < min)
      return Status(ErrorCode::kInvalidConfig,
                    invalid_config_message(name, value,
                                           "Value must be at least " + std::to_string(min)));
    return Status();
  };
  if (name == "cleanup.policy") {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string item = trim(value.substr(start, comma == std::string::npos ? std::string::npos
                                                                             : comma - start));
      if (item != "delete" && item != "compact" && !(item.empty() && value.empty()))
        return Status(ErrorCode::kInvalidConfig,
                      invalid_config_message(name, item, "String must be one of: compact, delete"));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return Status();
  }
  if (name == "compression.type")
    return check_one_of(name, value, {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"});
  if (name == "message.timestamp.type")
    return check_one_of(name, value, {"CreateTime", "LogAppendTime"});
  if (name == "segment.bytes") return at_least(14);
  if (name == "segment.ms" || name == "segment.index.bytes") return at_least(1);
  if (name == "retention.ms" || name == "retention.bytes") return at_least(-1);
  if (name == "max.message.bytes" || name == "index.interval.bytes" ||
      name == "delete.retention.ms" || name == "file.delete.delay.ms" ||
      name == "min.compaction.lag.ms" || name == "flush.ms")
    return at_least(0);
  if (name == "flush.messages" || name == "min.insync.replicas") return at_least(1);
  return Status();
}

Result<std::vector<Listener>> parse_listeners(const std::string& key, const std::string& value) {
  std::vector<Listener> out;
  size_t start = 0;
  std::string v = trim(value);
  while (start < v.size()) {
    size_t comma = v.find(',', start);
    std::string item = trim(v.substr(start, comma == std::string::npos ? std::string::npos
                                                                       : comma - start));
    start = comma == std::string::npos ? v.size() : comma + 1;
    if (item.empty()) continue;
    auto bad = [&](std::string why) {
      return Status(ErrorCode::kInvalidConfig, invalid_config_message(key, value, why));
    };
    size_t scheme = item.find("://");
    if (scheme == std::string::npos)
      return bad("Unable to parse " + item + " to a broker endpoint");
    Listener l;
    l.name = item.substr(0, scheme);
    std::string hostport = item.substr(scheme + 3);
    size_t colon = hostport.rfind(':');
    if (colon == std::string::npos)
      return bad("Unable to parse " + item + " to a broker endpoint");
    l.host = hostport.substr(0, colon);
    if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']')
      l.host = l.host.substr(1, l.host.size() - 2);
    int port = 0;
    std::string p = hostport.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || port < 0 || port > 65535)
      return bad("Unable to parse " + item + " to a broker endpoint");
    l.port = static_cast<uint16_t>(port);
    for (const auto& other : out)
      if (other.name == l.name) return bad("Each listener must have a different name");
    out.push_back(std::move(l));
  }
  return out;
}

Result<BrokerConfig> BrokerConfig::from_properties(const Properties& props,
                                                   std::vector<std::string>* warnings) {
  BrokerConfig c;
  c.props_ = props;
  for (const auto& [key, value] : props.entries()) {
    const BrokerConfigDef* def = find_broker_config(key);
    if (!def) {
      if (warnings)
        warnings->push_back("The configuration '" + key + "' was supplied but isn't a known config.");
      continue;
    }
    MOLDAU_RETURN_IF_ERROR(check_type(key, value, def->type));
  }
  // Keys that are also topic configs are validated with the topic rules (via synonyms).
  for (const auto& t : kTopicDefs) {
    if (!t.broker_synonym) continue;
    if (auto v = props.get(t.broker_synonym)) {
      Status s = validate_topic_config(t.name, *v);
      if (!s.ok())
        return Status(ErrorCode::kInvalidConfig,
                      invalid_config_message(t.broker_synonym, *v,
                                             s.message().substr(s.message().rfind(": ") + 2)));
    }
  }

  auto get_int = [&](const char* key, int32_t def) { return props.get_int(key, def); };
  MOLDAU_ASSIGN_OR_RETURN(int32_t node_id, get_int("node.id", -1));
  MOLDAU_ASSIGN_OR_RETURN(int32_t broker_id, get_int("broker.id", -1));
  c.node_id = node_id >= 0 ? node_id : (broker_id >= 0 ? broker_id : 1);
  if (node_id >= 0 && broker_id >= 0 && node_id != broker_id)
    return Status(ErrorCode::kInvalidConfig,
                  "If both node.id and broker.id are defined, they must be the same. node.id=" +
                      std::to_string(node_id) + ", broker.id=" + std::to_string(broker_id));

  MOLDAU_ASSIGN_OR_RETURN(c.listeners,
                          parse_listeners("listeners", props.get_or("listeners", "PLAINTEXT://:9092")));
  if (c.listeners.empty())
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message("listeners", props.get_or("listeners", ""),
                                         "at least one listener is required"));
  if (auto adv = props.get("advertised.listeners")) {
    MOLDAU_ASSIGN_OR_RETURN(c.advertised_listeners, parse_listeners("advertised.listeners", *adv));
  } else {
    c.advertised_listeners = c.listeners;
  }
  for (auto& a : c.advertised_listeners) {
    if (a.port == 0) {
      for (const auto& l : c.listeners)
        if (l.name == a.name) a.port = l.port;
    }
  }

  MOLDAU_ASSIGN_OR_RETURN(c.log_dirs, props.get_list("log.dirs"));
  if (c.log_dirs.empty()) c.log_dirs.push_back(props.get_or("log.dir", "/tmp/kafka-logs"));

  MOLDAU_ASSIGN_OR_RETURN(c.num_partitions, get_int("num.partitions", 1));
  if (c.num_partitions < 1)
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message("num.partitions", std::to_string(c.num_partitions),
                                         "Value must be at least 1"));
  MOLDAU_ASSIGN_OR_RETURN(int32_t rf, get_int("default.replication.factor", 1));
  c.default_replication_factor = static_cast<int16_t>(rf);
  MOLDAU_ASSIGN_OR_RETURN(c.auto_create_topics_enable,
                          props.get_bool("auto.create.topics.enable", true));
  MOLDAU_ASSIGN_OR_RETURN(c.delete_topic_enable, props.get_bool("delete.topic.enable", true));
  MOLDAU_ASSIGN_OR_RETURN(c.message_max_bytes, get_int("message.max.bytes", 1048588));
  MOLDAU_ASSIGN_OR_RETURN(c.socket_request_max_bytes, get_int("socket.request.max.bytes", 104857600));
  if (c.socket_request_max_bytes < 1)
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message("socket.request.max.bytes",
                                         std::to_string(c.socket_request_max_bytes),
                                         "Value must be at least 1"));
  MOLDAU_ASSIGN_OR_RETURN(c.connections_max_idle_ms, props.get_long("connections.max.idle.ms", 600000));
  MOLDAU_ASSIGN_OR_RETURN(c.max_connections, get_int("max.connections", 2147483647));
  MOLDAU_ASSIGN_OR_RETURN(c.max_connections_per_ip, get_int("max.connections.per.ip", 2147483647));
  MOLDAU_ASSIGN_OR_RETURN(c.queued_max_requests, get_int("queued.max.requests", 500));
  MOLDAU_ASSIGN_OR_RETURN(c.max_incremental_fetch_session_cache_slots,
                          get_int("max.incremental.fetch.session.cache.slots", 1000));
  if (c.max_incremental_fetch_session_cache_slots < 0)
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message("max.incremental.fetch.session.cache.slots",
                                         std::to_string(c.max_incremental_fetch_session_cache_slots),
                                         "Value must be at least 0"));
  MOLDAU_ASSIGN_OR_RETURN(c.log_retention_check_interval_ms,
                          props.get_long("log.retention.check.interval.ms", 300000));
  MOLDAU_ASSIGN_OR_RETURN(c.log_cleaner_backoff_ms, props.get_long("log.cleaner.backoff.ms", 15000));
  MOLDAU_ASSIGN_OR_RETURN(c.log_flush_scheduler_interval_ms,
                          props.get_long("log.flush.scheduler.interval.ms", INT64_MAX));
  MOLDAU_ASSIGN_OR_RETURN(c.min_insync_replicas, get_int("min.insync.replicas", 1));
  MOLDAU_ASSIGN_OR_RETURN(c.offsets_topic_num_partitions, get_int("offsets.topic.num.partitions", 50));
  if (c.offsets_topic_num_partitions < 1)
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message("offsets.topic.num.partitions",
                                         std::to_string(c.offsets_topic_num_partitions),
                                         "Value must be at least 1"));
  MOLDAU_ASSIGN_OR_RETURN(c.offsets_retention_minutes, get_int("offsets.retention.minutes", 10080));
  MOLDAU_ASSIGN_OR_RETURN(c.group_initial_rebalance_delay_ms,
                          get_int("group.initial.rebalance.delay.ms", 3000));
  MOLDAU_ASSIGN_OR_RETURN(c.group_min_session_timeout_ms, get_int("group.min.session.timeout.ms", 6000));
  MOLDAU_ASSIGN_OR_RETURN(c.group_max_session_timeout_ms,
                          get_int("group.max.session.timeout.ms", 1800000));
  MOLDAU_ASSIGN_OR_RETURN(c.group_max_size, get_int("group.max.size", 2147483647));
  MOLDAU_ASSIGN_OR_RETURN(c.transaction_state_log_num_partitions,
                          get_int("transaction.state.log.num.partitions", 50));
  MOLDAU_ASSIGN_OR_RETURN(c.transaction_max_timeout_ms, get_int("transaction.max.timeout.ms", 900000));
  MOLDAU_ASSIGN_OR_RETURN(c.transactional_id_expiration_ms,
                          get_int("transactional.id.expiration.ms", 604800000));
  MOLDAU_ASSIGN_OR_RETURN(
      c.transaction_abort_timed_out_transaction_cleanup_interval_ms,
      get_int("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000));
  MOLDAU_ASSIGN_OR_RETURN(c.producer_id_expiration_ms, get_int("producer.id.expiration.ms", 86400000));
  c.metadata_store = trim(props.get_or("metadata.store", "local"));
  if (auto rack = props.get("broker.rack")) c.broker_rack = trim(*rack);
  MOLDAU_ASSIGN_OR_RETURN(c.broker_session_timeout_ms, get_int("broker.session.timeout.ms", 9000));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_lag_time_max_ms, props.get_long("replica.lag.time.max.ms", 30000));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_fetch_wait_max_ms, get_int("replica.fetch.wait.max.ms", 500));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_fetch_min_bytes, get_int("replica.fetch.min.bytes", 1));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_fetch_max_bytes, get_int("replica.fetch.max.bytes", 1048576));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_fetch_response_max_bytes, get_int("replica.fetch.response.max.bytes", 10485760));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_fetch_backoff_ms, get_int("replica.fetch.backoff.ms", 1000));
  MOLDAU_ASSIGN_OR_RETURN(c.replica_socket_timeout_ms, get_int("replica.socket.timeout.ms", 30000));
  MOLDAU_ASSIGN_OR_RETURN(c.unclean_leader_election_enable, props.get_bool("unclean.leader.election.enable", false));
  MOLDAU_ASSIGN_OR_RETURN(c.auto_leader_rebalance_enable, props.get_bool("auto.leader.rebalance.enable", true));
  MOLDAU_ASSIGN_OR_RETURN(c.leader_imbalance_check_interval_seconds,
                          props.get_long("leader.imbalance.check.interval.seconds", 300));
  MOLDAU_ASSIGN_OR_RETURN(c.leader_imbalance_per_broker_percentage,
                          get_int("leader.imbalance.per.broker.percentage", 10));
  MOLDAU_ASSIGN_OR_RETURN(c.controlled_shutdown_enable, props.get_bool("controlled.shutdown.enable", true));
  MOLDAU_ASSIGN_OR_RETURN(c.controlled_shutdown_timeout_ms, props.get_long("controlled.shutdown.timeout.ms", 30000));
  MOLDAU_ASSIGN_OR_RETURN(c.offset_commit_timeout_ms, get_int("offsets.commit.timeout.ms", 5000));
  MOLDAU_ASSIGN_OR_RETURN(int32_t offsets_rf, get_int("offsets.topic.replication.factor", 3));
  c.offsets_topic_replication_factor = static_cast<int16_t>(offsets_rf);
  MOLDAU_ASSIGN_OR_RETURN(int32_t txn_rf, get_int("transaction.state.log.replication.factor", 3));
  c.transaction_state_log_replication_factor = static_cast<int16_t>(txn_rf);
  MOLDAU_ASSIGN_OR_RETURN(c.transaction_state_log_min_isr, get_int("transaction.state.log.min.isr", 2));
  c.inter_broker_listener_name = props.get_or("inter.broker.listener.name", c.listeners.front().name);
  c.compression_type = trim(props.get_or("compression.type", "producer"));
  c.log_level = props.get_or("log4j.root.loglevel", "INFO");
  std::transform(c.log_level.begin(), c.log_level.end(), c.log_level.begin(), ::tolower);
  return c;
}

std::optional<std::string> BrokerConfig::effective(std::string_view name) const {
  std::string key(name);
  if (auto it = dynamic_own_.find(key); it != dynamic_own_.end()) return it->second;
  if (auto it = dynamic_default_.find(key); it != dynamic_default_.end()) return it->second;
  return props_.get(name);
}

void BrokerConfig::set_dynamic(std::map<std::string, std::string> own,
                               std::map<std::string, std::string> cluster_default) {
  dynamic_own_ = std::move(own);
  dynamic_default_ = std::move(cluster_default);
  auto int_of = [&](const char* key, int32_t fallback) {
    auto v = effective(key);
    if (!v) return fallback;
    int32_t out = fallback;
    std::string t = trim(*v);
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && p == t.data() + t.size() ? out : fallback;
  };
  auto long_of = [&](const char* key, int64_t fallback) {
    auto v = effective(key);
    if (!v) return fallback;
    int64_t out = fallback;
    std::string t = trim(*v);
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && p == t.data() + t.size() ? out : fallback;
  };
  message_max_bytes = int_of("message.max.bytes", 1048588);
  min_insync_replicas = int_of("min.insync.replicas", 1);
  leader_replication_throttled_rate = long_of("leader.replication.throttled.rate", INT64_MAX);
  follower_replication_throttled_rate = long_of("follower.replication.throttled.rate", INT64_MAX);
  replica_alter_log_dirs_io_max_bytes_per_second =
      long_of("replica.alter.log.dirs.io.max.bytes.per.second", INT64_MAX);
  log_cleaner_threads = std::max(1, int_of("log.cleaner.threads", 1));
  log_cleaner_backoff_ms = std::max<int64_t>(long_of("log.cleaner.backoff.ms", 15000), 1);
}

// Kafka 4.4's dynamic broker keys (DynamicBrokerConfig), sorted.
static const char* const kDynamicBrokerKeys[] = {
#include "moldau/broker/dynamic_broker_keys.inc"
};

bool is_dynamic_broker_config(std::string_view name) {
  return std::binary_search(std::begin(kDynamicBrokerKeys), std::end(kDynamicBrokerKeys), name,
                            [](auto a, auto b) { return std::string_view(a) < std::string_view(b); });
}

Status validate_dynamic_broker_config(const std::string& name, const std::string& value) {
  Status s;
  if (const BrokerConfigDef* def = find_broker_config(name)) s = check_type(name, value, def->type);
  if (s.ok())
    for (const auto& t : kTopicDefs)
      if (t.broker_synonym && name == t.broker_synonym) {
        Status ts = validate_topic_config(t.name, value);
        if (!ts.ok())
          s = Status(ErrorCode::kInvalidConfig,
                     invalid_config_message(name, value, ts.message().substr(ts.message().rfind(": ") + 2)));
        break;
      }
  if (!s.ok()) return Status(ErrorCode::kInvalidRequest, s.message());
  return Status();
}

std::optional<std::string> BrokerConfig::value_of(std::string_view name) const {
  if (auto v = effective(name)) return v;
  if (name == "node.id" || name == "broker.id") return std::to_string(node_id);
  if (name == "log.dirs") {
    std::string joined;
    for (const auto& d : log_dirs) joined += (joined.empty() ? "" : ",") + d;
    return joined;
  }
  if (name == "advertised.listeners" || name == "listeners") {
    const auto& ls = name == "listeners" ? listeners : advertised_listeners;
    std::string joined;
    for (const auto& l : ls)
      joined += (joined.empty() ? "" : ",") + l.name + "://" + l.host + ":" + std::to_string(l.port);
    return joined;
  }
  if (const BrokerConfigDef* def = find_broker_config(name)) {
    if (def->default_value) return std::string(def->default_value);
  }
  return std::nullopt;
}

std::map<std::string, std::string> BrokerConfig::log_defaults() const {
  std::map<std::string, std::string> out;
  auto wanted = [](const std::string& k) {
    return k.rfind("log.", 0) == 0 || k == "message.max.bytes" || k == "compression.type" ||
           k == "min.insync.replicas";
  };
  for (const auto& [k, v] : props_.entries())
    if (wanted(k)) out[k] = v;
  for (const auto* layer : {&dynamic_default_, &dynamic_own_})
    for (const auto& [k, v] : *layer)
      if (wanted(k)) {
        out[k] = v;
        // A dynamic log.retention.ms beats the file's coarser units, as in Kafka.
        if (k == "log.retention.ms") out.erase("log.retention.minutes"), out.erase("log.retention.hours");
        if (k == "log.roll.ms") out.erase("log.roll.hours");
        if (k == "log.roll.jitter.ms") out.erase("log.roll.jitter.hours");
      }
  return out;
}

}  // namespace moldau::broker
