#include "moldau/ops/get_offsets.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <set>

#include "moldau/client/admin.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/java_config.h"
#include "moldau/ops/topics.h"

namespace moldau::ops {

namespace {

const char* kUsage = "An interactive shell for getting topic-partition offsets.";

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's GetOffsetShell options, in its words (they are the tool's output). The
  // '\x01's are where Java's line breaking cuts the partition pattern.
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: HOST1:PORT1,...,HOST3:PORT3",
       "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2."},
      {"topic-partitions", "String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3",
       "Comma separated list of topic-partition patterns to get the offsets for, with the format of "
       "'([^:,]\x01*)\x01(?::\x01(?:\x01([0-\x01" "9]\x01*)\x01|\x01(?:\x01([0-\x01" "9]\x01*)\x01-([0-\x01" "9]\x01*))))?'. "
       "The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section "
       "after ':' describes a 'partition' pattern, which can be: a number, a range in the format of "
       "'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', "
       "an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions."},
      {"topic", "String: topic",
       "The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized "
       "topics are queried. Cannot be used if --topic-partitions is present."},
      {"partitions", "String: partition ids",
       "Comma separated list of partition ids to get the offsets for. If not present, all partitions of the "
       "authorized topics are queried. Cannot be used if --topic-partitions is present."},
      {"time",
       "String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or "
       "latest-tiered / -6 or earliest-pending-upload",
       "timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently "
       "committed record timestamp is given.]",
       false, "latest"},
      {"command-config", "String: config file", "Property file containing configs to be passed to Admin Client."},
      {"exclude-internal-topics", "",
       "By default, internal topics are included. If specified, internal topics are excluded."},
      {"help", "", "Print usage information."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "Error occurred: %s\n", msg.c_str());
  return 1;
}

// An error Kafka did not foresee (GetOffsetShell wraps it in a RuntimeException): its message,
// then the exception as the stack trace starts it, and an empty line where its frames end.
int fail_unexpected(const std::string& msg) {
  std::fprintf(stderr, "Error occurred: %s\njava.lang.RuntimeException: %s\n\n", msg.c_str(), msg.c_str());
  return 1;
}

// Kafka's ToolsUtils.validateBootstrapServer: every comma-separated entry has a port.
bool valid_bootstrap(const std::string& list) {
  std::string trimmed = list;
  trimmed.erase(std::remove_if(trimmed.begin(), trimmed.end(), ::isspace), trimmed.end());
  if (trimmed.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string hp = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    // Utils.getPort: digits after the last ':' (host may be [v6]).
    static const std::regex kHostPort(R"(.*?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+))");
    if (!std::regex_match(hp, kHostPort)) return false;
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

bool java_regex_ok(const std::string& pattern) {
  try {
    std::regex r(pattern);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

}  // namespace

Result<std::vector<PartitionRule>> parse_topic_partitions(const std::string& text) {
  const std::vector<std::string> specs = java_split(text, ',');
  static const std::regex kRule(R"(([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?)");
  std::vector<PartitionRule> rules;
  for (const auto& spec : specs) {
    std::smatch m;
    if (!std::regex_match(spec, m, kRule)) return Status(ErrorCode::kInvalidRequest, "Invalid rule specification: " + spec);
    PartitionRule r;
    r.topic_regex = m[1].length() ? m[1].str() : ".*";
    try {
      if (m[2].length()) {
        r.lo = std::stoi(m[2].str());
        r.hi = r.lo + 1;
      } else {
        if (m[3].length()) r.lo = std::stoi(m[3].str());
        if (m[4].length()) r.hi = std::stoi(m[4].str());
      }
    } catch (const std::exception&) {
      return Status(ErrorCode::kInvalidRequest, "For input string: \"" + spec + "\"");
    }
    rules.push_back(r);
  }
  return rules;
}

Result<int64_t> parse_offset_time(const std::string& text) {
  static const std::map<std::string, int64_t> kNamed = {{"latest", -1},        {"earliest", -2},
                                                         {"max-timestamp", -3}, {"earliest-local", -4},
                                                         {"latest-tiered", -5}, {"earliest-pending-upload", -6}};
  if (auto it = kNamed.find(text); it != kNamed.end()) return it->second;
  // Java's Long.parseLong: an optional sign and decimal digits.
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  bool ok = i < text.size() && text.size() - i <= 19 &&
            std::all_of(text.begin() + i, text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (ok) {
    try {
      return static_cast<int64_t>(std::stoll(text));
    } catch (const std::exception&) {
    }
  }
  return Status(ErrorCode::kInvalidRequest,
                "Malformed time argument " + text +
                    ". Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or "
                    "latest-tiered / -6 or earliest-pending-upload, or a specified long format timestamp");
}

int get_offsets_main(int argc, char** argv) {
  const auto& d = docs();
  if (argc <= 1) usage_exit(kUsage, d);
  auto parsed = parse_args(argc, argv, d);
  if (!parsed.ok()) return fail(parsed.status().message());
  const ParsedArgs& a = *parsed;
  if (a.has("help")) usage_exit(kUsage, d);
  if (a.has("version")) version_exit();
  if (!a.has("bootstrap-server")) usage_exit("Missing required argument \"[bootstrap-server]\"", d);
  std::optional<std::string> bootstrap, topic, partitions, command_config, topic_partitions;
  std::string time = "latest";
  for (auto [name, field] : {std::pair{"bootstrap-server", &bootstrap}, {"topic", &topic}, {"partitions", &partitions},
                             {"command-config", &command_config}, {"topic-partitions", &topic_partitions}}) {
    auto v = single_value(a, name);
    if (!v.ok()) return fail(v.status().message());
    *field = *v;
  }
  if (auto v = single_value(a, "time"); !v.ok()) {
    return fail(v.status().message());
  } else if (*v) {
    time = **v;
  }
  if (!valid_bootstrap(*bootstrap)) usage_exit("Please provide valid host:port like host1:9091,host2:9092\n", d);

  if (topic_partitions && (topic || partitions)) return fail("--topic-partitions cannot be used with --topic or --partitions");
  auto when = parse_offset_time(time);
  if (!when.ok()) return fail(when.status().message());

  // The filters: rules of --topic-partitions, or --topic (an IncludeList) and --partitions.
  std::vector<PartitionRule> rules;
  std::set<int32_t> partition_set;
  if (topic_partitions) {
    auto r = parse_topic_partitions(*topic_partitions);
    // Kafka wraps the rule's TerseException in a RuntimeException: it comes out with its class.
    if (!r.ok()) return fail_unexpected("org.apache.kafka.tools.TerseException: " + r.status().message());
    rules = *r;
    for (const auto& rule : rules)
      if (!java_regex_ok(rule.topic_regex)) return fail_unexpected(rule.topic_regex + " is an invalid regex.");
  } else {
    std::string pattern = topic.value_or(".*");
    if (!java_regex_ok(pattern)) return fail_unexpected(pattern + " is an invalid regex.");
    if (partitions && !partitions->empty()) {
      size_t start = 0;
      while (true) {
        size_t comma = partitions->find(',', start);
        std::string p = partitions->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        bool digits = !p.empty() && std::all_of(p.begin() + (p[0] == '-' || p[0] == '+'), p.end(), ::isdigit) &&
                      p.size() > size_t(p[0] == '-' || p[0] == '+') && p.size() < 11;
        if (!digits)
          return fail("--partitions expects a comma separated list of numeric partition ids, but received: " + *partitions);
        partition_set.insert(static_cast<int32_t>(std::stoll(p)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    rules.push_back({pattern, 0, INT32_MAX});
  }
  auto allowed = [&](const std::string& t, int32_t p) {
    if (topic_partitions) {
      for (const auto& r : rules)
        if (topic_matches(r.topic_regex, t) && p >= r.lo && p < r.hi) return true;
      return false;
    }
    return topic_matches(rules.front().topic_regex, t) && (partition_set.empty() || partition_set.count(p));
  };

  Properties props;
  if (command_config) props = load_props_or_exit(*command_config);
  props.set("bootstrap.servers", *bootstrap);
  props.set("client.id", "GetOffsetShell");
  auto admin_r = client::Admin::create(props);
  if (!admin_r.ok()) return fail(admin_r.status().message());
  auto& admin = **admin_r;
  auto md = admin.metadata();
  if (!md.ok()) return fail(md.status().message());
  std::vector<client::TopicPartition> tps;
  for (const auto& t : md->topics) {
    if (a.has("exclude-internal-topics") && is_internal_topic(t.name)) continue;
    for (const auto& p : t.partitions)
      if (allowed(t.name, p.partition)) tps.push_back({t.name, p.partition});
  }
  if (tps.empty()) return fail("Could not match any topic-partitions with the specified filters");

  // Kafka orders by TopicPartition.toString(), "topic-partition", as strings.
  std::map<std::string, std::string> lines;
  std::map<client::TopicPartition, int64_t> by_time;
  if (*when >= 0) {
    auto r = admin.offsets_for_times(tps, *when);
    if (!r.ok()) return fail(r.status().message());
    by_time = *r;
  }
  for (const auto& tp : tps) {
    int64_t offset = -1;
    switch (*when) {
      case -1:  // latest
      case -2:  // earliest
      case -4: {  // earliest-local: no tiered storage, so the log start
        auto w = admin.watermarks(tp);
        if (!w.ok()) {
          std::fprintf(stderr, "Skip getting offsets for topic-partition %s-%d due to error: %s\n", tp.topic.c_str(),
                       tp.partition, w.status().message().c_str());
          continue;
        }
        offset = *when == -1 ? w->second : w->first;
        break;
      }
      case -3: {  // max-timestamp: the offset of the record with the largest timestamp
        auto r = admin.offsets_for_times({tp}, -3);
        if (r.ok() && r->count(tp)) offset = r->at(tp);
        break;
      }
      case -5:  // latest-tiered, earliest-pending-upload: nothing is tiered
      case -6:
        offset = -1;
        break;
      default:
        offset = by_time.count(tp) ? by_time[tp] : -1;
    }
    if (offset == -1) continue;  // Kafka's UNKNOWN_OFFSET: not printed
    lines[tp.topic + "-" + std::to_string(tp.partition)] =
        tp.topic + ":" + std::to_string(tp.partition) + ":" + std::to_string(offset);
  }
  for (const auto& [key, line] : lines) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace moldau::ops
