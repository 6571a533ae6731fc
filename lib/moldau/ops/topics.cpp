#include "moldau/ops/topics.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "moldau/ops/cli.h"
#include "moldau/ops/java_config.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_metadata.h"

namespace moldau::ops {

namespace {

const std::vector<OptionDoc>& topics_help() {
  // Kafka 4.4's TopicCommand options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"alter", "", "Alter the number of partitions and replica assignment. (To alter topic configurations, the kafka-configs tool can be used.)"},
      {"at-min-isr-partitions", "", "If set when describing topics, only show partitions whose isr count is equal to the configured minimum."},
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The Kafka server to connect to."},
      {"command-config", "String: command config property file", "Property file containing configs to be passed to Admin Client."},
      {"config", "String: name=value", "A topic configuration override for the topic being created. The following is a list of valid configurations: \n\tcleanup.policy\n\tcompression.gzip.level\n\tcompression.lz4.level\n\tcompression.type\n\tcompression.zstd.level\n\tdelete.retention.ms\n\terrors.deadletterqueue.group.enable\n\tfile.delete.delay.ms\n\tflush.messages\n\tflush.ms\n\tfollower.replication.throttled.replicas\n\tindex.interval.bytes\n\tleader.replication.throttled.replicas\n\tlocal.retention.bytes\n\tlocal.retention.ms\n\tmax.compaction.lag.ms\n\tmax.decompressed.message.bytes\n\tmax.message.bytes\n\tmessage.timestamp.after.max.ms\n\tmessage.timestamp.before.max.ms\n\tmessage.timestamp.type\n\tmin.cleanable.dirty.ratio\n\tmin.compaction.lag.ms\n\tmin.insync.replicas\n\tpreallocate\n\tremote.copy.lag.bytes\n\tremote.copy.lag.ms\n\tremote.log.copy.disable\n\tremote.log.delete.on.disable\n\tremote.storage.enable\n\tretention.bytes\n\tretention.ms\n\tsegment.bytes\n\tsegment.index.bytes\n\tsegment.jitter.ms\n\tsegment.ms\n\tunclean.leader.election.enable\nSee the Kafka documentation for full details on the topic configs. It is supported only in combination with --create. (To alter topic configurations, the kafka-configs tool can be used.)"},
      {"create", "", "Create a new topic."},
      {"delete", "", "Delete a topic."},
      {"delete-config", "String: name", "This option is no longer supported and has been deprecated since 4.0"},
      {"describe", "", "List details for the given topics."},
      {"exclude-internal", "", "Exclude internal topics when listing or describing topics. By default, the internal topics are included."},
      {"help", "", "Print usage information."},
      {"if-exists", "", "If set when altering or deleting or describing topics, the action will only execute if the topic exists."},
      {"if-not-exists", "", "If set when creating topics, the create request will not fail if the topic already exists, but the request will still be sent."},
      {"list", "", "List all available topics."},
      {"output", "String: text|json", "(Moldau) Output format of --list and --describe: text (Kafka's, the default) or json (see docs/tools-json.md)."},
      {"partition-size-limit-per-response", "Integer: maximum number of partitions per response", "The maximum partition size to be included in one DescribeTopicPartitions response."},
      {"partitions", "Integer: # of partitions", "The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected)."},
      {"replica-assignment", "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...", "A list of manual partition-to-broker assignments for the topic being created or altered."},
      {"replication-factor", "Integer: replication factor", "The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default."},
      {"topic", "String: topic", "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option."},
      {"topic-id", "String: topic-id", "The topic-id to describe."},
      {"topics-with-overrides", "", "If set when describing topics, only show topics that have overridden configs."},
      {"unavailable-partitions", "", "If set when describing topics, only show partitions whose leader is not available."},
      {"under-min-isr-partitions", "", "If set when describing topics, only show partitions whose isr count is less than the configured minimum."},
      {"under-replicated-partitions", "", "If set when describing topics, only show under-replicated partitions."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

[[noreturn]] void usage(const std::string& msg) { usage_exit(msg, topics_help()); }

// Kafka's "Option \"[a]\" can't be used with option \"[b]\"" checks.
struct Has {
  const TopicsOptions& o;
  bool operator()(const std::string& n) const {
    if (n == "alter") return o.alter;
    if (n == "create") return o.create;
    if (n == "describe") return o.describe;
    if (n == "list") return o.list;
    if (n == "delete") return o.del;
    if (n == "config") return !o.config.empty();
    if (n == "delete-config") return !o.delete_config.empty();
    if (n == "partitions") return o.has_partitions;
    if (n == "replication-factor") return o.has_replication_factor;
    if (n == "replica-assignment") return o.replica_assignment.has_value();
    if (n == "under-replicated-partitions") return o.under_replicated;
    if (n == "under-min-isr-partitions") return o.under_min_isr;
    if (n == "at-min-isr-partitions") return o.at_min_isr;
    if (n == "unavailable-partitions") return o.unavailable;
    if (n == "topics-with-overrides") return o.topics_with_overrides;
    if (n == "if-exists") return o.if_exists;
    if (n == "if-not-exists") return o.if_not_exists;
    if (n == "exclude-internal") return o.exclude_internal;
    if (n == "bootstrap-server") return o.bootstrap_server.has_value();
    return false;
  }
};

void check_invalid(const Has& has, const std::string& used, const std::vector<std::string>& invalid) {
  if (!has(used)) return;
  for (const auto& i : invalid)
    if (has(i)) usage("Option \"[" + used + "]\" can't be used with option \"[" + i + "]\"");
}

std::vector<std::string> levels_without(std::vector<std::string> remove, std::vector<std::string> add = {}) {
  std::vector<std::string> all = {"alter", "create", "describe", "list", "delete"};
  std::vector<std::string> out;
  for (auto& a : all)
    if (std::find(remove.begin(), remove.end(), a) == remove.end()) out.push_back(a);
  for (auto& a : add) out.push_back(a);
  return out;
}

void check_args(const TopicsOptions& o) {
  if (o.no_args) usage("Create, delete, describe, or change a topic.");
  if (o.help) usage("This tool helps to create, delete, describe, or change a topic.");
  if (o.version) version_exit();
  int actions = o.create + o.list + o.alter + o.describe + o.del;
  if (actions != 1) usage("Command must include exactly one action: --list, --describe, --create, --alter or --delete");
  if (!o.delete_config.empty())
    std::fprintf(stderr, "delete-config option is no longer supported and deprecated since version 4.0. The config will "
                         "be fully removed in future releases.\n");
  if (!o.bootstrap_server) {
    std::fprintf(stderr,
                 "--bootstrap-server must be specified\njava.lang.IllegalArgumentException: --bootstrap-server must be "
                 "specified\n\n");
    std::exit(1);
  }
  if (o.output != "text" && o.output != "json") usage("--output must be text or json, not '" + o.output + "'");
  if (o.output == "json" && !o.list && !o.describe) usage("--output json is supported with --list and --describe only");
  Has has{o};
  if (o.describe && o.if_exists) {
    if (!o.topic && !o.topic_id) usage("--topic or --topic-id is required to describe a topic");
  }
  if (!o.list && !o.describe && !o.topic) usage("Missing required argument \"[topic]\"");
  if (o.alter) {
    if (!o.config.empty())
      usage("Option combination \"[[config], [bootstrap-server]]\" can't be used with option \"[alter]\" (To alter topic "
            "configurations, the kafka-configs tool can be used.)");
    if (!o.has_partitions) usage("Missing required argument \"[partitions]\"");
  }
  check_invalid(has, "config", levels_without({"alter", "create"}));
  check_invalid(has, "partitions", levels_without({"alter", "create"}));
  check_invalid(has, "replication-factor", levels_without({"create"}));
  check_invalid(has, "replica-assignment", levels_without({"alter", "create"}));
  if (o.create) check_invalid(has, "replica-assignment", {"partitions", "replication-factor"});
  for (const char* r : {"under-replicated-partitions", "under-min-isr-partitions", "at-min-isr-partitions",
                        "unavailable-partitions"})
    check_invalid(has, r, levels_without({"describe", r}, {"topics-with-overrides"}));
  check_invalid(has, "topics-with-overrides",
                levels_without({"describe"}, {"under-replicated-partitions", "under-min-isr-partitions",
                                              "at-min-isr-partitions", "unavailable-partitions"}));
  check_invalid(has, "if-exists", levels_without({"alter", "delete", "describe"}));
  check_invalid(has, "if-not-exists", levels_without({"create"}));
  check_invalid(has, "exclude-internal", levels_without({"list", "describe"}));
}

// The exception Kafka's admin client raises for an error code (named in TopicCommand's log line).
std::string exception_class(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTopicAlreadyExists: return "org.apache.kafka.common.errors.TopicExistsException";
    case ErrorCode::kInvalidReplicationFactor: return "org.apache.kafka.common.errors.InvalidReplicationFactorException";
    case ErrorCode::kInvalidPartitions: return "org.apache.kafka.common.errors.InvalidPartitionsException";
    case ErrorCode::kInvalidConfig: return "org.apache.kafka.common.errors.InvalidConfigurationException";
    case ErrorCode::kInvalidTopicException: return "org.apache.kafka.common.errors.InvalidTopicException";
    case ErrorCode::kInvalidReplicaAssignment: return "org.apache.kafka.common.errors.InvalidReplicaAssignmentException";
    case ErrorCode::kUnknownTopicOrPartition: return "org.apache.kafka.common.errors.UnknownTopicOrPartitionException";
    case ErrorCode::kPolicyViolation: return "org.apache.kafka.common.errors.PolicyViolationException";
    case ErrorCode::kRequestTimedOut: return "org.apache.kafka.common.errors.TimeoutException";
    default: return "java.lang.IllegalArgumentException";
  }
}

// TopicCommand's error path: "Error while executing topic command : <msg>" on stdout, and its
// log line (ERROR, the exception, the logger) on stderr.
int command_error(const std::string& msg, const std::string& exception = "java.lang.IllegalArgumentException") {
  std::printf("Error while executing topic command : %s\n", msg.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "[%s] ERROR %s: %s\n (org.apache.kafka.tools.TopicCommand)\n", log_timestamp().c_str(),
               exception.c_str(), msg.c_str());
  return 1;
}

int command_error(const Status& status) { return command_error(status.message(), exception_class(status.code())); }

std::vector<std::string> select_topics(const client::ClusterMetadata& md, const std::optional<std::string>& pattern,
                                       bool exclude_internal) {
  std::vector<std::string> out;
  for (const auto& t : md.topics) {
    if (exclude_internal && is_internal_topic(t.name)) continue;
    if (pattern && !topic_matches(*pattern, t.name)) continue;
    out.push_back(t.name);
  }
  return out;
}

std::optional<int> min_isr(const std::vector<client::ConfigEntry>& configs) {
  for (const auto& c : configs)
    if (c.name == "min.insync.replicas" && c.value) try {
        return std::stoi(*c.value);
      } catch (...) {
      }
  return std::nullopt;
}

}  // namespace

const std::vector<OptionDoc>& topics_help_table() { return topics_help(); }

bool is_internal_topic(const std::string& topic) {
  return topic == "__consumer_offsets" || topic == "__transaction_state";
}

namespace {
// Kafka's IncludeList: trim, ',' -> '|', drop spaces and surrounding quotes.
std::string include_list_regex(const std::string& pattern) {
  std::string p = pattern;
  while (!p.empty() && std::isspace((unsigned char)p.front())) p.erase(p.begin());
  while (!p.empty() && std::isspace((unsigned char)p.back())) p.pop_back();
  std::replace(p.begin(), p.end(), ',', '|');
  p.erase(std::remove(p.begin(), p.end(), ' '), p.end());
  while (!p.empty() && (p.front() == '"' || p.front() == '\'')) p.erase(p.begin());
  while (!p.empty() && (p.back() == '"' || p.back() == '\'')) p.pop_back();
  return p;
}
}  // namespace

bool valid_topic_regex(const std::string& pattern) {
  try {
    std::regex r(include_list_regex(pattern));
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

bool topic_matches(const std::string& pattern, const std::string& topic) {
  std::string p = pattern;
  // trim, ',' -> '|', drop spaces and surrounding quotes, as Kafka's IncludeList does.
  while (!p.empty() && std::isspace((unsigned char)p.front())) p.erase(p.begin());
  while (!p.empty() && std::isspace((unsigned char)p.back())) p.pop_back();
  std::replace(p.begin(), p.end(), ',', '|');
  p.erase(std::remove(p.begin(), p.end(), ' '), p.end());
  while (!p.empty() && (p.front() == '"' || p.front() == '\'')) p.erase(p.begin());
  while (!p.empty() && (p.back() == '"' || p.back() == '\'')) p.pop_back();
  try {
    return std::regex_match(topic, std::regex(p));
  } catch (const std::regex_error&) {
    return topic == p;
  }
}

Result<std::map<int32_t, std::vector<int32_t>>> parse_replica_assignment(const std::string& text) {
  std::map<int32_t, std::vector<int32_t>> out;
  size_t start = 0;
  int32_t idx = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::vector<int32_t> brokers;
    size_t s = 0;
    while (true) {
      size_t colon = part.find(':', s);
      std::string b = part.substr(s, colon == std::string::npos ? std::string::npos : colon - s);
      // String.trim: every char up to ' ' goes, at both ends.
      while (!b.empty() && static_cast<unsigned char>(b.front()) <= ' ') b.erase(b.begin());
      while (!b.empty() && static_cast<unsigned char>(b.back()) <= ' ') b.pop_back();
      auto v = java_int(b);  // Integer.parseInt's rules
      if (!v) return Status(ErrorCode::kInvalidReplicaAssignment, "For input string: \"" + b + "\"");
      brokers.push_back(*v);
      if (colon == std::string::npos) break;
      s = colon + 1;
    }
    std::set<int32_t> seen;
    std::vector<std::string> dups;
    for (int32_t b : brokers)
      if (!seen.insert(b).second) dups.push_back(std::to_string(b));
    if (!dups.empty())
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "Partition replica lists may not contain duplicate entries: " + join(dups, ","));
    if (!out.empty() && brokers.size() != out.begin()->second.size()) {
      std::vector<std::string> s2;
      for (int32_t b : brokers) s2.push_back(std::to_string(b));
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "Partition " + std::to_string(idx) + " has different replication factor: [" + join(s2, ", ") + "]");
    }
    out[idx++] = brokers;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

static std::string ids(const std::vector<int32_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

size_t replication_factor(const client::PartitionInfo& p, const OngoingReassignment* r) {
  // A reassignment that completed after it was listed no longer involves the partition's replicas.
  auto involved = [&](int32_t id) {
    return r && (std::count(r->adding.begin(), r->adding.end(), id) || std::count(r->removing.begin(), r->removing.end(), id));
  };
  if (std::any_of(p.replicas.begin(), p.replicas.end(), involved)) return r->replicas.size() - r->adding.size();
  return p.replicas.size();
}

std::string format_topic_line(const TopicView& t) {
  // Kafka's admin client keeps a topic's configs in a HashMap by name: its tool lists them in
  // that map's order.
  std::vector<int32_t> hashes;
  for (const auto& c : t.configs) hashes.push_back(java_string_hash(c.name));
  std::vector<std::string> cfg;
  for (size_t i : java_hashmap_order(hashes)) {
    const auto& c = t.configs[i];
    if (!c.is_default) cfg.push_back(c.name + "=" + (c.value ? *c.value : std::string("null")));
  }
  std::string s = "Topic: " + t.info.name;
  if (!t.info.topic_id.empty() && t.info.topic_id != "AAAAAAAAAAAAAAAAAAAAAA") s += "\tTopicId: " + t.info.topic_id;
  s += "\tPartitionCount: " + std::to_string(t.info.partitions.size());
  size_t rf = 0;
  if (!t.info.partitions.empty()) {
    const auto& first = t.info.partitions.front();
    auto it = t.reassignments.find(first.partition);
    rf = replication_factor(first, it == t.reassignments.end() ? nullptr : &it->second);
  }
  s += "\tReplicationFactor: " + std::to_string(rf);
  s += "\tConfigs: " + join(cfg, ",") + "\n";
  return s;
}

std::string format_partition_line(const std::string& topic, const client::PartitionInfo& p, bool elr_known,
                                  const OngoingReassignment* reassignment) {
  return "\tTopic: " + topic + "\tPartition: " + std::to_string(p.partition) +
         "\tLeader: " + (p.leader >= 0 ? std::to_string(p.leader) : std::string("none")) +
         "\tReplicas: " + ids(p.replicas) + "\tIsr: " + ids(p.isr) +
         (reassignment ? "\tAdding Replicas: " + ids(reassignment->adding) +
                             "\tRemoving Replicas: " + ids(reassignment->removing)
                       : std::string()) +
         // Eligible leader replicas (KIP-966): Kafka reads them with DescribeTopicPartitions,
         // and prints N/A where the broker lacks it. Where it has it, the lists are empty here
         // (librdkafka 2.0 cannot read them; they fill only while a partition is under min ISR).
         (elr_known ? "\tElr: \tLastKnownElr: \n" : "\tElr: N/A\tLastKnownElr: N/A\n");
}

int run_topics(const TopicsOptions& o) {
  check_args(o);
  Properties props;
  if (o.command_config) {
    auto loaded = Properties::load_file(*o.command_config);
    if (!loaded.ok()) {
      // Kafka's words: the JVM's NoSuchFileException (its message is the path).
      std::fprintf(stderr, "%s\njava.nio.file.NoSuchFileException: %s\n\n", o.command_config->c_str(),
                   o.command_config->c_str());
      return 1;
    }
    props = std::move(loaded).value();
  }
  props.set("bootstrap.servers", *o.bootstrap_server);
  if (auto bad = invalid_bootstrap_url(*o.bootstrap_server)) {
    std::fprintf(stderr,
                 "Failed to create new KafkaAdminClient\n"
                 "org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient\n"
                 "Caused by: org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: %s\n\n",
                 bad->c_str());
    return 1;
  }
  // The admin client's default.api.timeout.ms (Kafka's default: 60 s) bounds every call.
  int timeout_ms = 60000;
  if (auto t = props.get("default.api.timeout.ms")) try {
      timeout_ms = std::stoi(*t);
    } catch (const std::exception&) {
    }
  auto admin_r = client::Admin::create(props, timeout_ms);
  if (!admin_r.ok()) return command_error(admin_r.status());
  auto& admin = **admin_r;
  // A number joptsimple could not convert fails when the command reads it, as in Kafka.
  if (o.conversion_error) return command_error(*o.conversion_error, "joptsimple.OptionArgumentConversionException");

  if (o.create) {
    const std::string& name = *o.topic;
    client::NewTopic nt;
    nt.name = name;
    for (const auto& c : o.config) {
      // Kafka splits on "\s*=\s*" and wants exactly two parts.
      static const std::regex kEq("\\s*=\\s*");
      std::vector<std::string> parts(std::sregex_token_iterator(c.begin(), c.end(), kEq, -1), {});
      if (parts.size() != 2)
        return command_error("requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".");
      auto trim = [](std::string s) {
        while (!s.empty() && std::isspace((unsigned char)s.front())) s.erase(s.begin());
        while (!s.empty() && std::isspace((unsigned char)s.back())) s.pop_back();
        return s;
      };
      nt.configs.emplace_back(trim(parts[0]), trim(parts[1]));
    }
    if (o.replica_assignment && !o.replica_assignment->empty()) {
      auto ra = parse_replica_assignment(*o.replica_assignment);
      if (!ra.ok()) return command_error(ra.status());
      nt.assignment = *ra;
    }
    if (name.find('.') != std::string::npos || name.find('_') != std::string::npos)
      std::printf("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
                  "collide. To avoid issues it is best to use either, but not both.\n");
    if (o.replication_factor && (*o.replication_factor > 32767 || *o.replication_factor < 1))
      return command_error("The replication factor must be between 1 and 32767 inclusive");
    if (o.partitions && *o.partitions < 1) return command_error("The partitions must be greater than 0");
    nt.partitions = o.partitions.value_or(-1);
    nt.replication_factor = o.replication_factor.value_or(-1);
    auto r = admin.create_topics({nt});
    if (!r.ok()) return command_error(r.status());
    for (const auto& t : *r) {
      if (t.error == ErrorCode::kTopicAlreadyExists) {
        if (o.if_not_exists) return 0;
        std::string m = t.message;
        if (m.empty() || m.find("already exists") == std::string::npos) m = "Topic '" + name + "' already exists.";
        return command_error(m, exception_class(t.error));
      }
      if (t.error != ErrorCode::kNone)
        return command_error(t.message.empty() ? std::string(error_message(t.error)) : t.message, exception_class(t.error));
    }
    std::printf("Created topic %s.\n", name.c_str());
    return 0;
  }

  if (o.topic && !valid_topic_regex(*o.topic)) return command_error(*o.topic + " is an invalid regex.", "java.lang.RuntimeException");
  auto md_r = admin.metadata();
  if (!md_r.ok()) return command_error(md_r.status());
  auto& md = *md_r;
  std::vector<std::string> topics = select_topics(md, o.topic, o.exclude_internal);

  if (o.list) {
    if (o.output == "json") {
      nlohmann::ordered_json j;
      j["topics"] = topics;
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("%s\n", join(topics, "\n").c_str());
    }
    return 0;
  }

  if (o.describe && o.topic_id) {
    // Describe by id: the id must be known to the cluster.
    std::vector<std::string> by_id;
    auto ids_r = fetch_topic_ids(md.brokers, 5000);
    if (ids_r.ok())
      for (const auto& [n, id] : *ids_r)
        if (id == *o.topic_id && !(o.exclude_internal && is_internal_topic(n))) by_id.push_back(n);
    if (by_id.empty() && !o.if_exists) return command_error("TopicId '" + *o.topic_id + "' does not exist as expected");
    topics = by_id;
  } else if (o.topic && topics.empty() && !o.if_exists) {
    return command_error("Topic '" + *o.topic + "' does not exist as expected");
  }

  if (o.del) {
    if (topics.empty()) return 0;
    auto r = admin.delete_topics(topics);
    if (!r.ok()) return command_error(r.status());
    for (const auto& t : *r)
      if (t.error != ErrorCode::kNone) return command_error(t.message, exception_class(t.error));
    return 0;
  }

  if (o.alter) {
    if (topics.empty()) return 0;
    std::vector<std::vector<int32_t>> assignment;
    if (o.replica_assignment && !o.replica_assignment->empty()) {
      auto ra = parse_replica_assignment(*o.replica_assignment);
      if (!ra.ok()) return command_error(ra.status());
      size_t existing = 0;
      for (const auto& t : md.topics)
        if (t.name == topics.front()) existing = t.partitions.size();
      for (const auto& [p, reps] : *ra)
        if (static_cast<size_t>(p) >= existing) assignment.push_back(reps);
    }
    auto r = admin.create_partitions(topics, *o.partitions, assignment);
    if (!r.ok()) return command_error(r.status());
    for (const auto& t : *r)
      if (t.error != ErrorCode::kNone) return command_error(t.message, exception_class(t.error));
    return 0;
  }

  // describe
  bool elr_known = true;
  auto ids_r = fetch_topic_ids(md.brokers, 5000, &elr_known);
  auto cfg_r = admin.describe_topic_configs(topics);
  if (!cfg_r.ok()) return command_error(cfg_r.status());
  // Kafka's tool shows reassignments in progress; a broker without the API has none to show.
  auto reassignments = fetch_reassignments(md.brokers, 5000);
  std::set<int32_t> live;
  for (const auto& b : md.brokers) live.insert(b.id);
  const bool describe_configs = !o.unavailable && !o.under_replicated && !o.under_min_isr && !o.at_min_isr;
  const bool describe_partitions = !o.topics_with_overrides;
  std::string text;
  nlohmann::ordered_json jtopics = nlohmann::ordered_json::array();
  for (const auto& name : topics) {
    TopicView v;
    for (const auto& t : md.topics)
      if (t.name == name) v.info = t;
    if (ids_r.ok()) {
      auto it = ids_r->find(name);
      if (it != ids_r->end()) v.info.topic_id = it->second;
    }
    v.configs = (*cfg_r)[name];
    if (reassignments.ok())
      for (const auto& [tp, r] : *reassignments)
        if (tp.first == name) v.reassignments[tp.second] = r;
    auto misr = min_isr(v.configs);
    bool has_override = std::any_of(v.configs.begin(), v.configs.end(), [](auto& c) { return !c.is_default; });
    nlohmann::ordered_json jt;
    bool printed_topic = false;
    if (describe_configs && (!o.topics_with_overrides || has_override) && !v.info.partitions.empty()) {
      text += format_topic_line(v);
      printed_topic = true;
    }
    nlohmann::ordered_json jparts = nlohmann::ordered_json::array();
    if (describe_partitions) {
      for (const auto& p : v.info.partitions) {
        bool has_leader = p.leader >= 0;
        auto ra = v.reassignments.find(p.partition);
        const OngoingReassignment* reassignment = ra == v.reassignments.end() ? nullptr : &ra->second;
        bool show = describe_configs ||
                    (o.under_replicated && replication_factor(p, reassignment) > p.isr.size()) ||
                    (o.unavailable && (!has_leader || !live.count(p.leader))) ||
                    (o.under_min_isr && (!has_leader || (misr && (int)p.isr.size() < *misr))) ||
                    (o.at_min_isr && misr && (int)p.isr.size() == *misr);
        if (!show) continue;
        text += format_partition_line(name, p, elr_known, reassignment);
        nlohmann::ordered_json jp;
        jp["partition"] = p.partition;
        jp["leader"] = has_leader ? nlohmann::ordered_json(p.leader) : nlohmann::ordered_json(nullptr);
        jp["replicas"] = p.replicas;
        jp["isr"] = p.isr;
        jparts.push_back(jp);
      }
    }
    if (printed_topic || !jparts.empty()) {
      jt["name"] = name;
      jt["topic_id"] = v.info.topic_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v.info.topic_id);
      jt["partition_count"] = v.info.partitions.size();
      jt["replication_factor"] = v.info.partitions.empty() ? 0 : v.info.partitions.front().replicas.size();
      nlohmann::ordered_json jc = nlohmann::ordered_json::object();
      for (const auto& c : v.configs)
        if (!c.is_default) jc[c.name] = c.value ? nlohmann::ordered_json(*c.value) : nlohmann::ordered_json(nullptr);
      jt["configs"] = jc;
      jt["partitions"] = jparts;
      jtopics.push_back(jt);
    }
  }
  if (o.output == "json") {
    nlohmann::ordered_json j;
    j["topics"] = jtopics;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

}  // namespace moldau::ops

namespace moldau::ops {

int topics_main(int argc, char** argv) {
  const auto& docs = topics_help();
  auto parsed = parse_args(argc, argv, docs);
  if (!parsed.ok()) {
    // TopicCommand lets joptsimple's exception through: its message, then the exception as its
    // stack trace starts (an empty line where the frames end).
    const std::string m = parsed.status().message();
    if (m == "zookeeper is not a recognized option") zookeeper_exit(/*with_exception_line=*/true);
    std::fprintf(stderr, "%s\n%s: %s\n\n", m.c_str(), joptsimple_exception_class(m).c_str(), m.c_str());
    return 1;
  }
  const ParsedArgs& a = *parsed;
  TopicsOptions o;
  o.no_args = argc <= 1;
  o.help = a.has("help");
  o.version = a.has("version");
  o.list = a.has("list");
  o.create = a.has("create");
  o.del = a.has("delete");
  o.alter = a.has("alter");
  o.describe = a.has("describe");
  o.under_replicated = a.has("under-replicated-partitions");
  o.unavailable = a.has("unavailable-partitions");
  o.under_min_isr = a.has("under-min-isr-partitions");
  o.at_min_isr = a.has("at-min-isr-partitions");
  o.topics_with_overrides = a.has("topics-with-overrides");
  o.if_exists = a.has("if-exists");
  o.if_not_exists = a.has("if-not-exists");
  o.exclude_internal = a.has("exclude-internal");
  if (const auto* v = a.values("config")) o.config = *v;
  if (const auto* v = a.values("delete-config")) o.delete_config = *v;
  // Single values and numbers are read when used, as joptsimple's valueOf does: a bad one
  // fails the command (after the checks of the command line) with joptsimple's message.
  for (auto [name, field] : {std::pair{"bootstrap-server", &o.bootstrap_server}, {"command-config", &o.command_config},
                             {"topic", &o.topic}, {"topic-id", &o.topic_id}, {"replica-assignment", &o.replica_assignment},
                             {"output", static_cast<std::optional<std::string>*>(nullptr)}}) {
    auto v = single_value(a, name);
    std::optional<std::string> value;
    if (v.ok()) {
      value = *v;
    } else {
      // joptsimple's "Found multiple arguments": the command fails when it reads the option.
      if (!o.conversion_error) o.conversion_error = v.status().message();
      value = a.values(name)->front();
    }
    if (field) *field = value;
    else if (value) o.output = *value;
  }
  o.has_partitions = a.has("partitions");
  o.has_replication_factor = a.has("replication-factor");
  for (auto [name, field] : {std::pair{"partitions", &o.partitions}, {"replication-factor", &o.replication_factor},
                             {"partition-size-limit-per-response", &o.partition_size_limit}}) {
    auto v = int_value(a, name);
    if (!v.ok()) {
      if (!o.conversion_error) o.conversion_error = v.status().message();
      continue;
    }
    *field = *v;
  }
  return run_topics(o);
}

}  // namespace moldau::ops
