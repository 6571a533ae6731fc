#include "moldau/ops/topics.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "moldau/ops/cli.h"
#include "moldau/ops/raw_metadata.h"

namespace moldau::ops {

namespace {

const std::vector<OptionDoc>& topics_help() {
  static const std::vector<OptionDoc> kDocs = {
      {"alter", "", "Alter the number of partitions and replica assignment. Update the configuration of an existing topic via --alter is no longer supported here (the kafka-configs CLI supports altering topic configs with a --bootstrap-server option)."},
      {"at-min-isr-partitions", "", "if set when describing topics, only show partitions whose isr count is equal to the configured minimum."},
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The Kafka server to connect to."},
      {"command-config", "String: command config property file", "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs."},
      {"config", "String: name=value", "A topic configuration override for the topic being created. See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create if --bootstrap-server option is used (the kafka-configs CLI supports altering topic configs with a --bootstrap-server option)."},
      {"create", "", "Create a new topic."},
      {"delete", "", "Delete a topic"},
      {"delete-config", "String: name", "A topic configuration override to be removed for an existing topic (see the list of configurations under the --config option). Not supported with the --bootstrap-server option."},
      {"describe", "", "List details for the given topics."},
      {"exclude-internal", "", "exclude internal topics when running list or describe command. The internal topics will be listed by default"},
      {"help", "", "Print usage information."},
      {"if-exists", "", "if set when altering or deleting or describing topics, the action will only execute if the topic exists."},
      {"if-not-exists", "", "if set when creating topics, the action will only execute if the topic does not already exist."},
      {"list", "", "List all available topics."},
      {"output", "String: text|json", "(Moldau) Output format of --list and --describe: text (Kafka's, the default) or json (see docs/tools-json.md)."},
      {"partitions", "Integer: # of partitions", "The number of partitions for the topic being created or altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default."},
      {"replica-assignment", "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...", "A list of manual partition-to-broker assignments for the topic being created or altered."},
      {"replication-factor", "Integer: replication factor", "The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default."},
      {"topic", "String: topic", "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the '\\' prefix to escape regular expression symbols; e.g. \"test\\.topic\"."},
      {"topic-id", "String: topic-id", "The topic-id to describe.This is used only with --bootstrap-server option for describing topics."},
      {"topics-with-overrides", "", "if set when describing topics, only show topics that have overridden configs"},
      {"unavailable-partitions", "", "if set when describing topics, only show partitions whose leader is not available"},
      {"under-min-isr-partitions", "", "if set when describing topics, only show partitions whose isr count is less than the configured minimum."},
      {"under-replicated-partitions", "", "if set when describing topics, only show under replicated partitions"},
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
    if (n == "partitions") return o.partitions.has_value();
    if (n == "replication-factor") return o.replication_factor.has_value();
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
  if (o.zookeeper) zookeeper_exit();
  int actions = o.create + o.list + o.alter + o.describe + o.del;
  if (actions != 1) usage("Command must include exactly one action: --list, --describe, --create, --alter or --delete");
  if (!o.bootstrap_server) {
    std::fprintf(stderr, "--bootstrap-server must be specified\n");
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
      usage("Option combination \"[bootstrap-server, config]\" can't be used with option \"[alter]\" (the kafka-configs CLI supports altering topic configs with a --bootstrap-server option)");
    if (!o.partitions) usage("Missing required argument \"[partitions]\"");
  }
  check_invalid(has, "config", levels_without({"alter", "create"}));
  check_invalid(has, "delete-config", levels_without({"alter"}, {"bootstrap-server"}));
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

// Thrown-away-free error path: Kafka prints "Error while executing topic command : <msg>".
int command_error(const std::string& msg) {
  std::fprintf(stderr, "Error while executing topic command : %s\n", msg.c_str());
  return 1;
}

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
      while (!b.empty() && b.front() == ' ') b.erase(b.begin());
      while (!b.empty() && b.back() == ' ') b.pop_back();
      try {
        size_t used = 0;
        int v = std::stoi(b, &used);
        if (used != b.size()) throw std::invalid_argument(b);
        brokers.push_back(v);
      } catch (...) {
        return Status(ErrorCode::kInvalidReplicaAssignment, "For input string: \"" + b + "\"");
      }
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

std::string format_topic_line(const TopicView& t) {
  std::vector<std::string> cfg;
  for (const auto& c : t.configs)
    if (!c.is_default) cfg.push_back(c.name + "=" + (c.value ? *c.value : std::string("null")));
  std::string s = "Topic: " + t.info.name;
  if (!t.info.topic_id.empty() && t.info.topic_id != "AAAAAAAAAAAAAAAAAAAAAA") s += "\tTopicId: " + t.info.topic_id;
  s += "\tPartitionCount: " + std::to_string(t.info.partitions.size());
  s += "\tReplicationFactor: " +
       std::to_string(t.info.partitions.empty() ? 0 : t.info.partitions.front().replicas.size());
  s += "\tConfigs: " + join(cfg, ",") + "\n";
  return s;
}

std::string format_partition_line(const std::string& topic, const client::PartitionInfo& p) {
  return "\tTopic: " + topic + "\tPartition: " + std::to_string(p.partition) +
         "\tLeader: " + (p.leader >= 0 ? std::to_string(p.leader) : std::string("none")) +
         "\tReplicas: " + ids(p.replicas) + "\tIsr: " + ids(p.isr) + "\n";
}

int run_topics(const TopicsOptions& o) {
  check_args(o);
  Properties props;
  if (o.command_config) props = load_props_or_exit(*o.command_config);
  props.set("bootstrap.servers", *o.bootstrap_server);
  auto admin_r = client::Admin::create(props);
  if (!admin_r.ok()) return command_error(admin_r.status().message());
  auto& admin = **admin_r;

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
      if (!ra.ok()) return command_error(ra.status().message());
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
    if (!r.ok()) return command_error(r.status().message());
    for (const auto& t : *r) {
      if (t.error == ErrorCode::kTopicAlreadyExists) {
        if (o.if_not_exists) return 0;
        std::string m = t.message;
        if (m.empty() || m.find("already exists") == std::string::npos) m = "Topic '" + name + "' already exists.";
        return command_error(m);
      }
      if (t.error != ErrorCode::kNone) return command_error(t.message.empty() ? std::string(error_message(t.error)) : t.message);
    }
    std::printf("Created topic %s.\n", name.c_str());
    return 0;
  }

  auto md_r = admin.metadata();
  if (!md_r.ok()) return command_error(md_r.status().message());
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
    if (!r.ok()) return command_error(r.status().message());
    for (const auto& t : *r)
      if (t.error != ErrorCode::kNone) return command_error(t.message);
    return 0;
  }

  if (o.alter) {
    if (topics.empty()) return 0;
    std::vector<std::vector<int32_t>> assignment;
    if (o.replica_assignment && !o.replica_assignment->empty()) {
      auto ra = parse_replica_assignment(*o.replica_assignment);
      if (!ra.ok()) return command_error(ra.status().message());
      size_t existing = 0;
      for (const auto& t : md.topics)
        if (t.name == topics.front()) existing = t.partitions.size();
      for (const auto& [p, reps] : *ra)
        if (static_cast<size_t>(p) >= existing) assignment.push_back(reps);
    }
    auto r = admin.create_partitions(topics, *o.partitions, assignment);
    if (!r.ok()) return command_error(r.status().message());
    for (const auto& t : *r)
      if (t.error != ErrorCode::kNone) return command_error(t.message);
    return 0;
  }

  // describe
  auto ids_r = fetch_topic_ids(md.brokers, 5000);
  auto cfg_r = admin.describe_topic_configs(topics);
  if (!cfg_r.ok()) return command_error(cfg_r.status().message());
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
        bool show = describe_configs ||
                    (o.under_replicated && p.replicas.size() > p.isr.size()) ||
                    (o.unavailable && (!has_leader || !live.count(p.leader))) ||
                    (o.under_min_isr && (!has_leader || (misr && (int)p.isr.size() < *misr))) ||
                    (o.at_min_isr && misr && (int)p.isr.size() == *misr);
        if (!show) continue;
        text += format_partition_line(name, p);
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
