#include "moldau/ops/consumer_groups.h"

#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>

#include "moldau/ops/java_config.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_metadata.h"
#include "moldau/ops/reset_plan.h"

namespace moldau::ops {

using client::TopicPartition;
using Json = nlohmann::ordered_json;
using Offsets = std::map<TopicPartition, int64_t>;

namespace {

const char* kMissing = "-";
const char* kUsage = "This tool helps to list, describe, delete and manage the offsets of consumer groups.";

std::string tp_string(const TopicPartition& tp) { return tp.topic + "-" + std::to_string(tp.partition); }

// Java's String.format("%-Ns", s) with N from a width computed at run time.
std::string col(const std::string& s, size_t w) { return pad_right(s, w); }

// ConsumerGroupCommand.printError: "\nError: <msg>" on stdout. Where Kafka also prints the
// exception's stack trace (stderr), ours prints nothing more: the message says it all.
void print_error(const std::string& m) { std::printf("\nError: %s\n", m.c_str()); }

// What a joptsimple parse error does in ConsumerGroupCommand: the exception escapes main, the
// JVM prints it and exits 1. Ours prints its message the way our other tools do.
[[noreturn]] void uncaught(const std::string& m) {
  std::fprintf(stderr, "Error: %s\n", m.c_str());
  std::exit(1);
}

// The exception class Kafka's admin client raises for an error code, as its toString shows it.
std::string exception_class(ErrorCode code) {
  switch (code) {
    case ErrorCode::kGroupIdNotFound: return "org.apache.kafka.common.errors.GroupIdNotFoundException";
    case ErrorCode::kNonEmptyGroup: return "org.apache.kafka.common.errors.GroupNotEmptyException";
    case ErrorCode::kInvalidGroupId: return "org.apache.kafka.common.errors.InvalidGroupIdException";
    case ErrorCode::kGroupAuthorizationFailed: return "org.apache.kafka.common.errors.GroupAuthorizationException";
    case ErrorCode::kGroupSubscribedToTopic: return "org.apache.kafka.common.errors.GroupSubscribedToTopicException";
    case ErrorCode::kUnknownTopicOrPartition: return "org.apache.kafka.common.errors.UnknownTopicOrPartitionException";
    case ErrorCode::kTopicAuthorizationFailed: return "org.apache.kafka.common.errors.TopicAuthorizationException";
    case ErrorCode::kRequestTimedOut: return "org.apache.kafka.common.errors.TimeoutException";
    case ErrorCode::kCoordinatorNotAvailable: return "org.apache.kafka.common.errors.CoordinatorNotAvailableException";
    case ErrorCode::kNotCoordinator: return "org.apache.kafka.common.errors.NotCoordinatorException";
    case ErrorCode::kUnknownMemberId: return "org.apache.kafka.common.errors.UnknownMemberIdException";
    default: return "org.apache.kafka.common.errors.ApiException";
  }
}

// Kafka's Errors.message() for the errors the group commands meet (the broker's own message
// where it sent one).
std::string kafka_message(ErrorCode code, const std::string& fallback) {
  switch (code) {
    case ErrorCode::kGroupIdNotFound: return "The group id does not exist.";
    case ErrorCode::kNonEmptyGroup: return "The group is not empty.";
    case ErrorCode::kInvalidGroupId: return "The configured groupId is invalid.";
    case ErrorCode::kGroupAuthorizationFailed: return "Group authorization failed.";
    case ErrorCode::kGroupSubscribedToTopic:
      return "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.";
    case ErrorCode::kUnknownTopicOrPartition: return "This server does not host this topic-partition.";
    default: return client::kafka_error_message(code, fallback);
  }
}

// The option table, Kafka 4.4's words (they are the tool's output).
const std::vector<OptionDoc>& docs() {
  static const std::vector<OptionDoc> kDocs = {
      {"all-groups", "", "Apply to all consumer groups."},
      {"all-topics", "", "Apply to all topics."},
      {"bootstrap-server", "String: server to connect to",
       "The server(s) to connect to. REQUIRED for all options except for --validate-regex."},
      {"by-duration", "String: duration", "Reset offsets by duration from current timestamp. Format: 'PnDTnHnMnS'"},
      {"command-config", "String: command config property file",
       "Property file containing configs to be passed to Admin Client and Consumer."},
      {"delete", "", "Delete topic partition offsets and ownership information for one or more consumer groups."},
      {"delete-offsets", "", "Delete offsets of consumer group. Supports one consumer group at a time, and multiple topics."},
      {"describe", "",
       "Describe consumer group and list offset lag (number of messages not yet processed) related to given group."},
      {"dry-run", "", "Output offset reset information without executing the operation. Supported operation: reset-offsets."},
      {"execute", "", "Execute the offset reset operation. Supported operation: reset-offsets."},
      {"export", "",
       "Generate offset reset information in CSV format for export to a file. Supported operation: reset-offsets."},
      {"from-file", "String: path to CSV file", "Reset offsets to values defined in CSV file."},
      {"group", "String: group id", "The consumer group id."},
      {"help", "", "Print usage information."},
      {"list", "", "List all consumer groups."},
      {"members", "",
       "Describe members of the group. This option may be used with the --describe option only.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --members"},
      {"offsets", "",
       "Describe the group and list all topic partitions in the group along with their offset lag. This is the "
       "default sub-action of and may be used with the --describe option only.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets"},
      {"output", "String: text|json",
       "(Moldau) Output format of --list, --describe and --reset-offsets: text (Kafka's, the default) or json (see "
       "docs/tools-json.md)."},
      {"reset-offsets", "",
       "Reset offsets of consumer group. Supports one consumer group at a time, and instances should be inactive\n"
       "Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the "
       "offsets.\n"
       "Additionally, the --export option can be used to generate the offsets in CSV format for export to a file.\n"
       "You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, "
       "--to-latest, --shift-by, --from-file, --to-current, --to-offset.\n"
       "To define the scope, use --all-topics or --topic. The scope must be specified unless you use --from-file."},
      {"shift-by", "Long: number-of-offsets",
       "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."},
      {"state", "String",
       "When specified with --describe, it displays the state of the group.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --state\n"
       "When specified with --list, it displays the states of the groups. It can also be used to list groups with "
       "specific states.\n"
       "Example: --bootstrap-server localhost:9092 --list --state stable,empty\n"
       "This option may be used with --describe and --list options only.",
       true},
      {"timeout", "Long: timeout (ms)",
       "The timeout that can be set for some use cases. For example, it can be used when describing the group to "
       "specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is "
       "just created, or is going through some changes).",
       false, "30000"},
      {"to-current", "", "Reset offsets to current offset."},
      {"to-datetime", "String: datetime", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDThh:mm:ss.sss'"},
      {"to-earliest", "", "Reset offsets to earliest offset."},
      {"to-latest", "", "Reset offsets to latest offset."},
      {"to-offset", "Long: offset", "Reset offsets to a specific offset."},
      {"topic", "String: topic",
       "The topic whose offset information should be deleted or reset. In `reset-offsets` case, partitions can be "
       "specified using this format: `topic:0,1,2`, where 0,1,2 are the partitions to be included. Reset-offsets "
       "also supports multiple topics."},
      {"type", "String",
       "When specified with --list, it displays the types of the groups. It can also be used to list groups with "
       "specific types.\n"
       "Example: --bootstrap-server localhost:9092 --list --type classic,consumer\n"
       "This option may be used with the --list option only.",
       true},
      {"validate-regex", "String: regex", "Validate the syntax of the regular expression according to the RE2 format."},
      {"verbose", "",
       "Provide additional information, if any, when describing the group. This option may be used with the "
       "--describe option only."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

[[noreturn]] void usage(const std::string& m) { usage_exit(m, docs()); }

// Everything the command line says, read once the checks passed.
struct Options {
  ParsedArgs a;
  std::string bootstrap;
  std::vector<std::string> groups, topics;
  int64_t timeout_ms = 30000;
  std::optional<int64_t> to_offset, shift_by;
  std::optional<std::string> from_file, to_datetime, by_duration, command_config;
  std::string output = "text";
  bool has(const char* n) const { return a.has(n); }
  std::optional<std::string> value(const char* n) const {
    const auto* v = a.values(n);
    return v && !v->empty() ? std::optional<std::string>(v->front()) : std::nullopt;
  }
};

// Kafka's ConsumerGroupCommandOptions.checkArgs, in its order.
void check_args(const ParsedArgs& a) {
  auto invalid = [&](const std::string& used, const std::vector<std::string>& others) {
    if (!a.has(used)) return;
    for (const auto& o : others)
      if (a.has(o)) usage("Option \"[" + used + "]\" can't be used with option \"[" + o + "]\"");
  };
  if (!a.has("validate-regex") && !a.has("bootstrap-server")) usage("Missing required argument \"[bootstrap-server]\"");
  // Kafka names the options of a Set.of, in an order that changes from run to run; ours keeps one.
  const std::string scope = "[group], [all-groups]";
  if (a.has("describe")) {
    if (!a.has("group") && !a.has("all-groups")) usage("Option [describe] takes one of these options: " + scope);
    if (a.has("members") + a.has("offsets") + a.has("state") > 1)
      usage("Option [describe] takes at most one of these options: [members], [offsets], [state]");
    const auto* sv = a.values("state");
    if (sv && !sv->empty()) usage("Option [describe] does not take a value for [state]");
  }
  if (a.has("delete")) {
    if (!a.has("group") && !a.has("all-groups")) usage("Option [delete] takes one of these options: " + scope);
    if (a.has("topic")) usage("The consumer does not support topic-specific offset deletion from a consumer group.");
  }
  if (a.has("delete-offsets") && (!a.has("group") || !a.has("topic")))
    usage("Option [delete-offsets] takes the following options: [group], [topic]");
  if (a.has("reset-offsets")) {
    if (a.has("dry-run") && a.has("execute")) usage("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
    if (!a.has("dry-run") && !a.has("execute"))
      std::fprintf(stderr,
                   "WARN: No action will be performed as the --execute option is missing. In version 5.0, this command "
                   "will require either --dry-run or --execute to be specified. You should add the --dry-run option "
                   "explicitly if you are scripting this command and want to keep the current default behavior "
                   "without prompting.\n");
    if (!a.has("group") && !a.has("all-groups")) usage("Option [reset-offsets] takes one of these options: " + scope);
    const std::vector<std::string> scenarios = {"to-offset", "to-datetime", "by-duration", "to-earliest",
                                                "to-latest", "to-current", "shift-by", "from-file"};
    for (const auto& s : scenarios) {
      std::vector<std::string> others;
      for (const auto& o : scenarios)
        if (o != s) others.push_back(o);
      invalid(s, others);
    }
  }
  invalid("group", {"all-groups"});
  invalid("group", {"list"});
  invalid("topic", {"list", "describe"});
}

// joptsimple's availableIf: options that only make sense with some action.
void check_available(const ParsedArgs& a) {
  // In the order joptsimple keeps them (a HashMap keyed by each option's names).
  struct Rule {
    std::string name;
    std::vector<std::string> needs;
  };
  std::vector<Rule> rules = {{"members", {"describe"}},
                             {"verbose", {"describe"}},
                             {"offsets", {"describe"}},
                             {"state", {"describe", "list"}},
                             {"type", {"list"}}};
  std::vector<int32_t> hashes;
  for (const auto& r : rules) hashes.push_back(java_list_hash({r.name}));
  std::vector<std::string> unavailable;
  for (size_t i : java_hashmap_order(hashes)) {
    const auto& r = rules[i];
    if (!a.has(r.name)) continue;
    bool ok = false;
    for (const auto& n : r.needs) ok = ok || a.has(n);
    if (!ok) unavailable.push_back(r.name);
  }
  if (!unavailable.empty())
    uncaught("Option(s) [" + join(unavailable, ", ") + "] are unavailable given other options on the command line");
}

// An error that ends a command: Kafka's "Executing consumer group command failed due to ...",
// the exception's message, then the JVM's stack trace: its first line "class: message" (the
// class empty: failure_class's guess from the message).
struct Failure {
  std::string message;
  std::string exception_class;
};

// The class of the exception Kafka's run() catches, for its message: an admin client error
// ("org.apache.kafka.common.errors.X: ...") comes in the future's ExecutionException, another
// exception's text ("java.nio.file.NoSuchFileException: ...") in the RuntimeException wrapping
// it, the rest are KafkaExceptions.
std::string failure_class(const std::string& m) {
  if (m.rfind("org.apache.kafka.common.errors.", 0) == 0) return "java.util.concurrent.ExecutionException";
  static const RE2 kWrapped(R"(^([a-z_$][\w$]*\.)+[A-Z][\w$]*(Exception|Error): )");
  if (RE2::PartialMatch(m, kWrapped)) return "java.lang.RuntimeException";
  return "org.apache.kafka.common.KafkaException";
}

class Service {
 public:
  Service(const Options& o, client::Admin& admin) : o_(o), admin_(admin) {}

  // --- list ---

  std::vector<client::GroupListing> list_all() {
    auto r = admin_.list_groups();
    if (!r.ok()) throw Failure{list_failure(r.status())};
    return hashmap_ordered(*r);
  }

  // Kafka's admin client gathers the listings in a HashMap keyed by group id.
  static std::vector<client::GroupListing> hashmap_ordered(const std::vector<client::GroupListing>& groups) {
    std::vector<int32_t> hashes;
    for (const auto& g : groups) hashes.push_back(java_string_hash(g.group_id));
    std::vector<client::GroupListing> out;
    for (size_t i : java_hashmap_order(hashes)) out.push_back(groups[i]);
    return out;
  }

  std::string list_failure(const Status& st) {
    if (st.code() == ErrorCode::kRequestTimedOut || st.code() == ErrorCode::kNetworkException ||
        st.code() == ErrorCode::kUnknownServerError)
      return "java.util.concurrent.ExecutionException: org.apache.kafka.common.KafkaException: Failed to find brokers "
             "to send ListGroups";
    return "java.util.concurrent.ExecutionException: " + exception_class(st.code()) + ": " + st.message();
  }

  int list() {
    const bool with_type = o_.has("type"), with_state = o_.has("state");
    std::vector<std::string> states;
    bool classic_wanted = true;
    std::vector<std::string> type_filter;  // as Kafka names them, in its HashSet's order
    if (with_type) {
      auto tv = o_.value("type");
      if (tv && !tv->empty()) {
        std::set<std::string> parsed;
        std::string lower = *tv;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto t : split(lower, ',')) parsed.insert(trim(t));
        for (const auto& t : parsed)
          if (t != "classic" && t != "consumer")
            // Kafka prints the valid types of a Set.of, in an order that changes from run to run.
            throw std::invalid_argument("Invalid types list '" + *tv + "'. Valid types are: Consumer, Classic");
        classic_wanted = parsed.count("classic") > 0;
        // GroupType's hash is the enum's identity hash: no order to follow; Classic first.
        if (parsed.count("classic")) type_filter.push_back("Classic");
        if (parsed.count("consumer")) type_filter.push_back("Consumer");
      }
    }
    if (with_state) {
      auto sv = o_.value("state");
      if (sv && !sv->empty()) {
        static const std::vector<std::string> kValid = {"PreparingRebalance", "CompletingRebalance", "Stable", "Dead",
                                                        "Empty", "Assigning", "Reconciling"};
        bool bad = false;
        for (auto s : split(*sv, ',')) {
          s = trim(s);
          auto it = std::find_if(kValid.begin(), kValid.end(),
                                 [&](const std::string& v) { return strcasecmp(v.c_str(), s.c_str()) == 0; });
          if (it == kValid.end())
            bad = true;
          else if (std::find(states.begin(), states.end(), *it) == states.end())
            states.push_back(*it);
        }
        if (bad) throw std::invalid_argument("Invalid state list '" + *sv + "'. Valid states are: " + join(kValid, ", "));
      }
    }
    std::vector<client::GroupListing> groups;
    const int16_t list_version = (with_type || with_state) ? list_groups_version() : -1;
    if (!type_filter.empty() && list_version >= 0 && list_version < 5) {
      // Kafka's admin client refuses to filter by type where ListGroups has no types.
      std::string node = brokers_.empty() ? o_.bootstrap
                                          : brokers_[0].host + ":" + std::to_string(brokers_[0].port) +
                                                " (id: " + std::to_string(brokers_[0].id) +
                                                " rack: null isFenced: false)";
      throw Failure{"org.apache.kafka.common.errors.UnsupportedVersionException: Error listing groups on " + node +
                    ": The cluster does not support [" + join(type_filter, ", ") + "] in LIST_GROUPS API version " +
                    std::to_string(list_version) + ". Upgrade the cluster to LIST_GROUPS API version >= 5 to enable [" +
                    join(type_filter, ", ") + "]."};
    }
    if (with_type || with_state) {
      // librdkafka lists the groups of the classic protocol, the only ones our clients form.
      if (classic_wanted) {
        std::vector<std::string> rd_states;
        for (const auto& s : states)
          if (s != "Assigning" && s != "Reconciling") rd_states.push_back(s);
        if (states.empty() || !rd_states.empty()) {
          auto r = admin_.list_groups(rd_states);
          if (!r.ok()) throw Failure{list_failure(r.status())};
          groups = hashmap_ordered(*r);
        }
      }
    } else {
      groups = list_all();
    }
    if (o_.output == "json") {
      Json arr = Json::array();
      for (const auto& g : groups) arr.push_back({{"group", g.group_id}, {"state", g.state}});
      Json j;
      j["groups"] = arr;
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    if (with_type || with_state) {
      // ListGroups before v5 tells no group types: Kafka shows them as Unknown.
      std::fputs(format_list_table(groups, with_type, with_state, list_version >= 5 ? "Classic" : "Unknown").c_str(),
                 stdout);
    } else {
      for (const auto& g : groups) std::printf("%s\n", g.group_id.c_str());
    }
    return 0;
  }

  // --- describe ---

  std::vector<std::string> group_ids() {
    if (!o_.has("all-groups")) return o_.groups;
    std::vector<std::string> out;
    for (const auto& g : list_all()) out.push_back(g.group_id);
    return out;
  }

  // Describes the groups, as Kafka's describeConsumerGroups(...).get() does: the first group
  // that fails ends the command.
  std::map<std::string, client::GroupDescription> describe_all(const std::vector<std::string>& ids) {
    std::map<std::string, client::GroupDescription> out;
    if (ids.empty()) return out;
    auto r = admin_.describe_groups(ids);
    if (!r.ok()) throw Failure{describe_failure(r.status())};
    for (auto& d : *r) {
      if (d.error == ErrorCode::kNone && d.state == "Dead" && describe_groups_says_not_found())
        d.error = ErrorCode::kGroupIdNotFound;
      if (d.error != ErrorCode::kNone) throw Failure{group_error(d)};
      out[d.group_id] = d;
    }
    return out;
  }

  // DescribeGroups v6 (Kafka 4.0's, KIP-1043) answers GROUP_ID_NOT_FOUND for a group it does not
  // know, and Kafka's admin client passes that on; older versions (librdkafka's, and Kafka's
  // admin against a broker without v6) describe it as Dead.
  bool describe_groups_says_not_found() {
    constexpr int16_t kDescribeGroups = 15;
    auto it = api_versions().find(kDescribeGroups);
    return it != api_versions().end() && it->second >= 6;
  }

  // The highest ListGroups version of the broker (-1 when unknown): group types need v5.
  int16_t list_groups_version() {
    constexpr int16_t kListGroups = 16;
    auto it = api_versions().find(kListGroups);
    return it == api_versions().end() ? -1 : it->second;
  }

  const std::map<int16_t, int16_t>& api_versions() {
    if (!api_versions_) {
      api_versions_.emplace();
      auto md = admin_.metadata();
      if (md.ok()) {
        brokers_ = md->brokers;
        if (auto v = fetch_api_versions(md->brokers, static_cast<int>(o_.timeout_ms)); v.ok()) *api_versions_ = *v;
      }
    }
    return *api_versions_;
  }

  static std::string describe_failure(const Status& st) {
    if (st.code() == ErrorCode::kRequestTimedOut || st.code() == ErrorCode::kNetworkException)
      return "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: "
             "findCoordinator";
    return exception_class(st.code()) + ": " + st.message();
  }

  static std::string group_error(const client::GroupDescription& d) {
    if (d.error == ErrorCode::kGroupIdNotFound)
      return "org.apache.kafka.common.errors.GroupIdNotFoundException: Group " + d.group_id + " not found.";
    return exception_class(d.error) + ": " + kafka_message(d.error, d.error_message);
  }

  // Kafka's shouldPrintMemberState.
  bool should_print(const std::string& group, const std::string& state, size_t rows) {
    if (state == "Dead") {
      print_error("Consumer group '" + group + "' does not exist.");
    } else if (state == "Empty") {
      std::fflush(stdout);
      std::fprintf(stderr, "\nConsumer group '%s' has no active members.\n", group.c_str());
    } else if (state == "PreparingRebalance" || state == "CompletingRebalance" || state == "Assigning" ||
               state == "Reconciling") {
      std::fflush(stdout);
      std::fprintf(stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", group.c_str());
    } else if (state != "Stable") {
      throw Failure{"Expected a valid consumer group state, but found '" + std::string(state.empty() ? "Unknown" : state) +
                    "'."};
    }
    return state != "Dead" && rows > 0;
  }

  Offsets committed(const std::string& group) {
    auto r = admin_.list_group_offsets(group);
    if (!r.ok()) throw Failure{"java.util.concurrent.ExecutionException: " + exception_class(r.status().code()) + ": " +
                               r.status().message()};
    return *r;
  }

  std::vector<PartitionAssignmentRow> offset_rows(const client::GroupDescription& d) {
    const std::string& gid = d.group_id;
    Offsets offs = committed(gid);
    std::vector<PartitionAssignmentRow> rows;
    std::set<TopicPartition> assigned;
    std::vector<const client::MemberDescription*> ms;
    for (const auto& m : d.members)
      if (!m.assignment.empty()) ms.push_back(&m);
    std::stable_sort(ms.begin(), ms.end(), [](auto* x, auto* y) { return x->assignment.size() > y->assignment.size(); });
    auto add = [&](std::vector<TopicPartition> tps, const std::string& cid, const std::string& host,
                   const std::string& client) {
      std::sort(tps.begin(), tps.end());
      for (const auto& tp : tps) {
        PartitionAssignmentRow r;
        r.group = gid;
        r.topic = tp.topic;
        r.partition = tp.partition;
        if (auto c = offs.find(tp); c != offs.end()) r.offset = c->second;
        auto w = admin_.watermarks(tp);
        if (w.ok()) r.log_end_offset = w->second;
        if (r.offset && *r.offset != -1 && r.log_end_offset) r.lag = *r.log_end_offset - *r.offset;
        r.consumer_id = cid;
        r.host = host;
        r.client_id = client;
        rows.push_back(r);
      }
    };
    for (const auto* m : ms) {
      for (const auto& tp : m->assignment) assigned.insert(tp);
      add(m->assignment, m->consumer_id, m->host, m->client_id);
    }
    std::vector<TopicPartition> unassigned;
    for (const auto& [tp, off] : offs)
      if (!assigned.count(tp)) unassigned.push_back(tp);
    add(unassigned, kMissing, kMissing, kMissing);
    return rows;
  }

  int describe() {
    const bool members = o_.has("members"), state = o_.has("state"), offsets = o_.has("offsets");
    const bool verbose = o_.has("verbose");
    auto descs = describe_all(group_ids());
    Json jgroups = Json::array();
    for (const auto& [gid, d] : descs) {
      if ((!members && !state) || offsets) {
        auto rows = offset_rows(d);
        if (o_.output == "json") {
          jgroups.push_back({{"group", gid}, {"state", d.state}, {"offsets", json_rows(rows)}});
          continue;
        }
        if (should_print(gid, d.state, rows.size())) std::fputs(format_offsets_table(rows, verbose).c_str(), stdout);
      } else if (members) {
        if (o_.output == "json") {
          jgroups.push_back({{"group", gid}, {"state", d.state}, {"members", json_members(d)}});
          continue;
        }
        std::vector<MemberRow> rows;
        for (const auto& m : d.members)
          rows.push_back({gid, m.consumer_id, m.group_instance_id, m.host, m.client_id,
                          static_cast<int>(m.assignment.size()), m.assignment});
        bool print = should_print(gid, d.state, rows.size());
        std::fputs(format_members_table(gid, print ? rows : std::vector<MemberRow>{}, verbose).c_str(), stdout);
      } else {
        if (o_.output == "json") {
          jgroups.push_back({{"group", gid},
                             {"state", d.state},
                             {"coordinator", {{"id", d.coordinator.id}, {"host", d.coordinator.host},
                                              {"port", d.coordinator.port}}},
                             {"assignment_strategy", d.partition_assignor},
                             {"members", d.members.size()}});
          continue;
        }
        if (should_print(gid, d.state, 1))
          std::fputs(format_state_table(gid, d.coordinator, d.partition_assignor, d.state,
                                        static_cast<int>(d.members.size()), verbose)
                         .c_str(),
                     stdout);
      }
    }
    if (o_.output == "json") {
      Json j;
      j["groups"] = jgroups;
      std::printf("%s\n", j.dump(2).c_str());
    }
    return 0;
  }

  static Json json_rows(const std::vector<PartitionAssignmentRow>& rows) {
    Json jr = Json::array();
    auto opt = [](const auto& v) { return v ? Json(*v) : Json(nullptr); };
    auto str = [](const std::optional<std::string>& v) { return !v || *v == kMissing ? Json(nullptr) : Json(*v); };
    for (const auto& r : rows)
      jr.push_back({{"topic", opt(r.topic)}, {"partition", opt(r.partition)}, {"current_offset", opt(r.offset)},
                    {"log_end_offset", opt(r.log_end_offset)}, {"lag", opt(r.lag)},
                    {"consumer_id", str(r.consumer_id)}, {"host", str(r.host)}, {"client_id", str(r.client_id)}});
    return jr;
  }

  static Json json_members(const client::GroupDescription& d) {
    Json jm = Json::array();
    for (const auto& m : d.members) {
      Json ja = Json::array();
      for (const auto& tp : m.assignment) ja.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
      jm.push_back({{"consumer_id", m.consumer_id},
                    {"group_instance_id", m.group_instance_id.empty() ? Json(nullptr) : Json(m.group_instance_id)},
                    {"host", m.host},
                    {"client_id", m.client_id},
                    {"partitions", ja}});
    }
    return jm;
  }

  // --- reset-offsets ---

  // The partitions of --topic arguments: "t:0,1" as given, "t" all of t's partitions.
  std::vector<TopicPartition> parse_topic_args(const std::vector<std::string>& args, bool describe_whole) {
    std::vector<TopicPartition> out;
    std::vector<std::string> whole;
    for (const auto& arg : args) {
      if (arg.find(':') == std::string::npos) {
        whole.push_back(arg);
        continue;
      }
      auto parts = java_split(arg, ':');
      if (parts.size() != 2)
        throw std::invalid_argument("Invalid topic arg '" + arg + "', expected topic name and partitions");
      for (const auto& p : java_split(parts[1], ',')) {
        auto n = java_int(p);
        if (!n) throw std::invalid_argument("Invalid partition '" + p + "' specified in topic arg '" + arg + "''");
        out.push_back({parts[0], *n});
      }
    }
    if (describe_whole && !whole.empty()) {
      auto md = metadata();
      for (const auto& t : whole) {
        const client::TopicInfo* info = find_topic(md, t);
        if (!info)
          throw Failure{"This server does not host this topic-partition.",
                        "org.apache.kafka.common.errors.UnknownTopicOrPartitionException"};
        for (const auto& p : info->partitions) out.push_back({t, p.partition});
      }
    }
    return out;
  }

  client::ClusterMetadata metadata() {
    auto md = admin_.metadata();
    if (!md.ok()) throw Failure{md.status().message()};
    return *md;
  }

  static const client::TopicInfo* find_topic(const client::ClusterMetadata& md, const std::string& t) {
    for (const auto& ti : md.topics)
      if (ti.name == t && ti.error == ErrorCode::kNone) return &ti;
    return nullptr;
  }

  // Kafka's checkAllTopicPartitionsValid.
  void check_partitions(const std::vector<TopicPartition>& tps) {
    if (tps.empty()) return;
    auto md = metadata();
    std::vector<std::string> missing, leaderless;
    for (const auto& tp : tps) {
      const auto* info = find_topic(md, tp.topic);
      const client::PartitionInfo* p = nullptr;
      if (info)
        for (const auto& pi : info->partitions)
          if (pi.partition == tp.partition) p = &pi;
      if (!p)
        missing.push_back(tp_string(tp));
      else if (p->leader < 0)
        leaderless.push_back(tp_string(tp));
    }
    if (!missing.empty())
      throw Failure{"The partitions \"" + join(missing, ",") + "\" do not exist",
                    "org.apache.kafka.common.errors.UnknownTopicOrPartitionException"};
    if (!leaderless.empty())
      throw Failure{"The partitions \"" + join(leaderless, ",") + "\" have no leader",
                    "org.apache.kafka.common.errors.LeaderNotAvailableException"};
  }

  std::pair<int64_t, int64_t> watermarks(const TopicPartition& tp, const char* which) {
    auto w = admin_.watermarks(tp);
    if (!w.ok()) usage(std::string("Error getting ") + which + " offset of topic partition: " + tp_string(tp));
    return *w;
  }

  // Kafka's checkOffsetsRange: into [log start, log end], with a warning.
  Offsets clamp(const Offsets& req) {
    Offsets out;
    for (auto [tp, off] : req) {
      auto w = admin_.watermarks(tp);
      if (!w.ok()) throw Failure{"Unexpected non-existing offset value for topic partition " + tp_string(tp),
                              "java.lang.IllegalStateException"};
      if (off > w->second) {
        std::fprintf(stderr,
                     "[%s] WARN New offset (%lld) is higher than latest offset for topic partition %s. Value will be "
                     "set to %lld. (org.apache.kafka.tools.GroupOffsetsResetter)\n",
                     log_timestamp().c_str(), static_cast<long long>(off), tp_string(tp).c_str(),
                     static_cast<long long>(w->second));
        off = w->second;
      } else if (off < w->first) {
        std::fprintf(stderr,
                     "[%s] WARN New offset (%lld) is lower than earliest offset for topic partition %s. Value will be "
                     "set to %lld. (org.apache.kafka.tools.GroupOffsetsResetter)\n",
                     log_timestamp().c_str(), static_cast<long long>(off), tp_string(tp).c_str(),
                     static_cast<long long>(w->first));
        off = w->first;
      }
      out[tp] = off;
    }
    return out;
  }

  Offsets by_timestamp(const std::vector<TopicPartition>& tps, int64_t ts) {
    Offsets out;
    if (tps.empty()) return out;
    auto r = admin_.offsets_for_times(tps, ts);
    if (!r.ok()) throw Failure{"java.util.concurrent.ExecutionException: " + exception_class(r.status().code()) + ": " +
                               r.status().message()};
    for (size_t i : java_hashmap_order(tp_hashes(tps))) {
      const auto& tp = tps[i];
      auto it = r->find(tp);
      if (it != r->end() && it->second >= 0) {
        out[tp] = it->second;
      } else {
        std::printf("\nWarn: Partition %d from topic %s is empty. Falling back to latest known offset.\n", tp.partition,
                    tp.topic.c_str());
        out[tp] = watermarks(tp, "ending").second;
      }
    }
    return out;
  }

  static std::vector<int32_t> tp_hashes(const std::vector<TopicPartition>& tps) {
    std::vector<int32_t> h;
    for (const auto& tp : tps) h.push_back(java_topic_partition_hash(tp.topic, tp.partition));
    return h;
  }

  // The --from-file plan (ops/reset_plan reads it as Kafka's tool does), by group.
  std::map<std::string, Offsets> read_plan() {
    std::string csv;
    bool read_ok = false;
    if (FILE* file = std::fopen(o_.from_file->c_str(), "rb")) {
      char buf[65536];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) csv.append(buf, n);
      read_ok = !std::ferror(file);  // a directory opens, then fails to read (EISDIR)
      std::fclose(file);
    }
    if (!read_ok) throw Failure{"java.io.IOException: Unable to read file " + *o_.from_file};
    auto parsed = reset_plan::parse(csv, o_.groups);
    if (auto* failure = std::get_if<std::string>(&parsed)) throw Failure{*failure};
    std::map<std::string, Offsets> plan;
    for (const auto& e : std::get<std::vector<reset_plan::Entry>>(parsed))
      plan[e.group][{e.topic, e.partition}] = e.offset;
    return plan;
  }

  // Kafka's prepareOffsetsToReset, for one inactive group.
  Offsets prepare(const std::string& gid, const std::vector<TopicPartition>& tps) {
    check_partitions(tps);
    Offsets out;
    if (o_.has("to-offset")) {
      Offsets req;
      for (const auto& tp : tps) req[tp] = o_.to_offset.value_or(0);
      return clamp(req);
    }
    if (o_.has("to-earliest") || o_.has("to-latest")) {
      const bool earliest = o_.has("to-earliest");
      for (const auto& tp : tps) {
        auto w = watermarks(tp, earliest ? "starting" : "ending");
        out[tp] = earliest ? w.first : w.second;
      }
      return out;
    }
    if (o_.has("shift-by")) {
      Offsets current = committed(gid);
      Offsets req;
      for (const auto& tp : tps) {
        auto it = current.find(tp);
        if (it == current.end())
          throw std::invalid_argument("Cannot shift offset for partition " + tp_string(tp) +
                                      " since there is no current committed offset");
        req[tp] = it->second + o_.shift_by.value_or(0);
      }
      return clamp(req);
    }
    if (o_.has("to-datetime")) {
      auto ts = parse_datetime(*o_.to_datetime);
      if (!ts.ok()) throw Failure{"java.text.ParseException: " + ts.status().message()};
      return by_timestamp(tps, *ts);
    }
    if (o_.has("by-duration")) {
      auto d = parse_iso_duration(*o_.by_duration);
      if (!d) throw Failure{"Text cannot be parsed to a Duration", "java.time.format.DateTimeParseException"};
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      return by_timestamp(tps, now - *d);
    }
    if (o_.has("from-file")) {
      auto plan = read_plan();
      auto it = plan.find(gid);
      if (it == plan.end()) {
        print_error("No reset plan for group " + gid + " found.");
        return out;
      }
      return clamp(it->second);
    }
    if (o_.has("to-current")) {
      Offsets current = committed(gid);
      for (const auto& tp : tps) {
        auto it = current.find(tp);
        out[tp] = it != current.end() ? it->second : watermarks(tp, "ending").second;
      }
      return out;
    }
    usage("Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], [shift-by], "
          "[to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], [from-file]]");
  }

  Offsets reset_inactive(const std::string& gid) {
    std::vector<TopicPartition> tps;
    if (o_.has("all-topics")) {
      for (const auto& [tp, off] : committed(gid)) tps.push_back(tp);
    } else if (o_.has("topic")) {
      tps = parse_topic_args(o_.topics, true);
    } else if (!o_.has("from-file")) {
      usage("One of the reset scopes should be defined: --all-topics, --topic.");
    }
    Offsets prepared = prepare(gid, tps);
    const bool dry = o_.has("dry-run") || !o_.has("execute");
    if (!dry && !prepared.empty()) {
      auto r = admin_.alter_group_offsets(gid, prepared);
      if (!r.ok()) throw Failure{exception_class(r.status().code()) + ": " + r.status().message()};
      for (const auto& item : *r)
        if (item.error != ErrorCode::kNone) throw Failure{kafka_message(item.error, item.message)};
    }
    return prepared;
  }

  int reset() {
    auto ids = group_ids();
    std::vector<std::pair<std::string, Offsets>> result;
    if (!ids.empty()) {
      auto r = admin_.describe_groups(ids);
      if (!r.ok()) throw Failure{describe_failure(r.status())};
      // Kafka goes through the groups in its HashMap's order.
      std::vector<int32_t> hashes;
      for (const auto& d : *r) hashes.push_back(java_string_hash(d.group_id));
      for (size_t i : java_hashmap_order(hashes)) {
        const auto& d = (*r)[i];
        if (d.error == ErrorCode::kGroupIdNotFound) {
          result.emplace_back(d.group_id, reset_inactive(d.group_id));
          continue;
        }
        if (d.error != ErrorCode::kNone) throw Failure{"java.util.concurrent.ExecutionException: " + group_error(d)};
        if (d.state == "Empty" || d.state == "Dead") {
          result.emplace_back(d.group_id, reset_inactive(d.group_id));
        } else {
          print_error("Assignments can only be reset if the group '" + d.group_id +
                      "' is inactive, but the current state is " + d.state + ".");
          result.emplace_back(d.group_id, Offsets{});
        }
      }
    }
    if (o_.output == "json") {
      Json arr = Json::array();
      for (const auto& [g, offs] : result)
        for (const auto& [tp, off] : offs)
          arr.push_back({{"group", g}, {"topic", tp.topic}, {"partition", tp.partition}, {"new_offset", off}});
      Json j;
      j["dry_run"] = o_.has("dry-run") || !o_.has("execute");
      j["offsets"] = arr;
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    ResetPlan plan = reset_plan_order(result);
    if (o_.has("export"))
      std::printf("%s\n", format_reset_csv(plan, o_.groups.size() == 1).c_str());
    else
      std::fputs(format_reset_plan(plan).c_str(), stdout);
    return 0;
  }

  // --- delete ---

  int del() {
    auto ids = group_ids();
    std::vector<client::ItemResult> results;
    if (!ids.empty()) {
      auto r = admin_.delete_groups(ids);
      if (!r.ok()) throw Failure{describe_failure(r.status())};
      results = *r;
    }
    // Kafka keeps both outcomes in HashMaps keyed by group id.
    std::vector<int32_t> hashes;
    for (const auto& i : results) hashes.push_back(java_string_hash(i.name));
    std::vector<std::string> ok;
    std::vector<const client::ItemResult*> failed;
    for (size_t i : java_hashmap_order(hashes)) {
      if (results[i].error == ErrorCode::kNone)
        ok.push_back("'" + results[i].name + "'");
      else
        failed.push_back(&results[i]);
    }
    if (failed.empty()) {
      std::printf("Deletion of requested consumer groups (%s) was successful.\n", join(ok, ", ").c_str());
      return 0;
    }
    print_error("Deletion of some consumer groups failed:");
    for (const auto* i : failed)
      std::printf("* Group '%s' could not be deleted due to: %s: %s\n", i->name.c_str(),
                  exception_class(i->error).c_str(), kafka_message(i->error, i->message).c_str());
    if (!ok.empty()) std::printf("\nThese consumer groups were deleted successfully: %s\n", join(ok, ", ").c_str());
    return 0;
  }

  // --- delete-offsets ---

  int delete_offsets() {
    const std::string& gid = o_.groups.front();
    std::set<std::string> with_partitions, whole;
    for (const auto& t : o_.topics) (t.find(':') != std::string::npos ? with_partitions : whole).insert(t);
    std::vector<TopicPartition> tps = parse_topic_args({with_partitions.begin(), with_partitions.end()}, false);
    // topic-partition -> error text ("" for success); a topic that does not exist has partition -1.
    std::map<TopicPartition, std::string> status;
    if (!whole.empty()) {
      auto md = metadata();
      for (const auto& t : whole) {
        const auto* info = find_topic(md, t);
        if (!info) {
          status[{t, -1}] = "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server "
                            "does not host this topic-partition.";
          continue;
        }
        for (const auto& p : info->partitions) tps.push_back({t, p.partition});
      }
    }
    std::sort(tps.begin(), tps.end());
    tps.erase(std::unique(tps.begin(), tps.end()), tps.end());
    ErrorCode top = ErrorCode::kNone;
    std::string top_message;
    if (!tps.empty()) {
      auto res = admin_.delete_group_offsets(gid, tps);
      if (!res.ok()) throw Failure{describe_failure(res.status())};
      auto& [top_result, parts] = *res;
      top = top_result.error;
      top_message = top_result.message;
      for (const auto& tp : tps) {
        auto it = parts.find(tp);
        ErrorCode e = top;
        std::string m = top_message;
        if (it != parts.end() && it->second.error != ErrorCode::kNone) {
          e = it->second.error;
          m = it->second.message;
        } else if (it != parts.end() && top != ErrorCode::kNone && top != ErrorCode::kGroupSubscribedToTopic &&
                   top != ErrorCode::kTopicAuthorizationFailed && top != ErrorCode::kUnknownTopicOrPartition) {
          e = top;
        } else if (it != parts.end()) {
          e = ErrorCode::kNone;
        }
        status[tp] = e == ErrorCode::kNone
                         ? ""
                         : "Error: " + exception_class(e) + ": " + kafka_message(e, m);
      }
      if (top == ErrorCode::kNone)
        for (const auto& tp : tps)
          if (!status[tp].empty()) {
            top = ErrorCode::kUnknownTopicOrPartition;
            break;
          }
    }
    switch (top) {
      case ErrorCode::kNone:
        std::printf("Request succeeded for deleting offsets from group %s.\n", gid.c_str());
        break;
      case ErrorCode::kInvalidGroupId:
      case ErrorCode::kGroupIdNotFound:
      case ErrorCode::kGroupAuthorizationFailed:
      case ErrorCode::kNonEmptyGroup:
        print_error(kafka_message(top, top_message));
        break;
      case ErrorCode::kGroupSubscribedToTopic:
      case ErrorCode::kTopicAuthorizationFailed:
      case ErrorCode::kUnknownTopicOrPartition:
        print_error("Encountered some partition-level error, see the follow-up details.");
        break;
      default:
        print_error("Encountered some unknown error: " + std::string(error_name(top)));
        break;
    }
    size_t w = 15;
    for (const auto& [tp, s] : status) w = std::max(w, tp.topic.size());
    auto line = [&](const std::string& a, const std::string& b, const std::string& c) {
      return "\n" + col(a, w) + " " + col(b, 10) + " " + col(c, 15);
    };
    std::string out = line("TOPIC", "PARTITION", "STATUS");
    // Kafka sorts by topic and partition written together, as strings.
    std::vector<std::pair<std::string, std::pair<TopicPartition, std::string>>> sorted;
    for (const auto& [tp, s] : status) sorted.push_back({tp.topic + std::to_string(tp.partition), {tp, s}});
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [k, v] : sorted)
      out += line(v.first.topic, v.first.partition >= 0 ? std::to_string(v.first.partition) : kMissing,
                  v.second.empty() ? "Successful" : v.second);
    std::printf("%s\n", out.c_str());
    return 0;
  }

  // --- helpers ---

  static std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
      size_t p = s.find(sep, start);
      out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
      if (p == std::string::npos) return out;
      start = p + 1;
    }
  }
  static std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }

 private:
  const Options& o_;
  client::Admin& admin_;
  std::optional<std::map<int16_t, int16_t>> api_versions_;
  std::vector<client::BrokerInfo> brokers_;
};

}  // namespace

const std::vector<OptionDoc>& consumer_groups_help_table() { return docs(); }

std::string format_offsets_table(const std::vector<PartitionAssignmentRow>& rows, bool verbose) {
  size_t g = 15, t = 15, c = 15, h = 15;
  for (const auto& r : rows) {
    g = std::max(g, r.group.size());
    t = std::max(t, r.topic.value_or(kMissing).size());
    c = std::max(c, r.consumer_id.value_or(kMissing).size());
    h = std::max(h, r.host.value_or(kMissing).size());
  }
  auto num = [](const auto& v) { return v ? std::to_string(*v) : std::string(kMissing); };
  auto line = [&](const std::string& a, const std::string& b, const std::string& p, const std::string& epoch,
                  const std::string& o, const std::string& e, const std::string& l, const std::string& ci,
                  const std::string& ho, const std::string& cl) {
    std::string s = "\n" + col(a, g) + " " + col(b, t) + " " + col(p, 10) + " ";
    if (verbose) s += col(epoch, 15) + " ";
    return s + col(o, 15) + " " + col(e, 15) + " " + col(l, 15) + " " + col(ci, c) + " " + col(ho, h) + " " + cl;
  };
  std::string out = line("GROUP", "TOPIC", "PARTITION", "LEADER-EPOCH", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                         "CONSUMER-ID", "HOST", "CLIENT-ID");
  for (const auto& r : rows)
    out += line(r.group, r.topic.value_or(kMissing), num(r.partition), num(r.leader_epoch), num(r.offset),
                num(r.log_end_offset), num(r.lag), r.consumer_id.value_or(kMissing), r.host.value_or(kMissing),
                r.client_id.value_or(kMissing));
  return out + "\n";
}

namespace {
// "topic:0,1,2;other:3", Kafka's getAssignmentString.
std::string assignment_string(const std::vector<TopicPartition>& tps) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : tps) by_topic[tp.topic].push_back(tp.partition);
  std::vector<std::string> parts;
  for (auto& [t, ps] : by_topic) {
    std::sort(ps.begin(), ps.end());
    std::vector<std::string> s;
    for (int32_t p : ps) s.push_back(std::to_string(p));
    parts.push_back(t + ":" + join(s, ","));
  }
  std::sort(parts.begin(), parts.end());
  return join(parts, ";");
}
}  // namespace

std::string format_members_table(const std::string& group, const std::vector<MemberRow>& rows, bool verbose) {
  (void)group;
  size_t g = 15, c = 15, gi = 17, h = 15, cl = 15, cur = 20, target = 20;
  bool with_instance = false;
  for (const auto& r : rows) {
    g = std::max(g, r.group.size());
    c = std::max(c, r.consumer_id.size());
    gi = std::max(gi, r.group_instance_id.size());
    h = std::max(h, r.host.size());
    cl = std::max(cl, r.client_id.size());
    with_instance = with_instance || !r.group_instance_id.empty();
    cur = std::max(cur, r.assignment.empty() ? size_t{1} : assignment_string(r.assignment).size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& inst, const std::string& ho,
                  const std::string& cli, const std::string& n) {
    std::string s = col(a, g) + " " + col(b, c) + " ";
    if (with_instance) s += col(inst, gi) + " ";
    return s + col(ho, h) + " " + col(cli, cl) + " " + col(n, 15) + " ";
  };
  auto extra = [&](const std::string& e1, const std::string& a1, const std::string& e2, const std::string& a2) {
    return col(e1, 15) + " " + col(a1, cur) + " " + col(e2, 15) + " " + col(a2, target);
  };
  std::string out = "\n" + line("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
  if (verbose) out += extra("CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT");
  out += "\n";
  for (const auto& r : rows) {
    out += line(r.group, r.consumer_id, r.group_instance_id, r.host, r.client_id, std::to_string(r.num_partitions));
    // The classic protocol has no member epochs and no target assignment.
    if (verbose) out += extra(kMissing, r.assignment.empty() ? kMissing : assignment_string(r.assignment), kMissing, kMissing);
    out += "\n";
  }
  return out;
}

std::string format_state_table(const std::string& group, const client::BrokerInfo& co, const std::string& strategy,
                               const std::string& state, int members, bool verbose) {
  std::string coordinator = co.host + ":" + std::to_string(co.port) + "  (" + std::to_string(co.id) + ")";
  size_t cw = std::max<size_t>(25, coordinator.size()), gw = std::max<size_t>(15, group.size());
  std::string strat = strategy.empty() ? kMissing : strategy;
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                  const std::string& e1, const std::string& e2, const std::string& n) {
    std::string s = "\n" + col(a, gw) + " " + col(b, cw) + " " + col(c, 20) + " " + col(d, 20) + " ";
    if (verbose) s += col(e1, 15) + " " + col(e2, 25) + " ";
    return s + n;
  };
  return line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "GROUP-EPOCH", "TARGET-ASSIGNMENT-EPOCH",
              "#MEMBERS") +
         line(group, coordinator, strat, state, kMissing, kMissing, std::to_string(members)) + "\n";
}

std::string format_list_table(const std::vector<client::GroupListing>& groups, bool with_type, bool with_state,
                              const std::string& type) {
  size_t w = 15;
  for (const auto& g : groups) w = std::max(w, g.group_id.size());
  w += 10;
  auto line = [&](const std::string& id, const std::string& type, const std::string& state) {
    std::string s = col(id, w);
    if (with_type) s += " " + col(type, 20);
    if (with_state) s += " " + col(state, 20);
    return s + "\n";
  };
  std::string out = line("GROUP", "TYPE", "STATE");
  for (const auto& g : groups) out += line(g.group_id, type, g.state.empty() ? "Unknown" : g.state);
  return out;
}

ResetPlan reset_plan_order(const std::vector<std::pair<std::string, std::map<TopicPartition, int64_t>>>& plan) {
  std::vector<int32_t> group_hashes;
  for (const auto& [g, offs] : plan) group_hashes.push_back(java_string_hash(g));
  ResetPlan out;
  for (size_t gi : java_hashmap_order(group_hashes)) {
    const auto& [g, offs] = plan[gi];
    std::vector<std::pair<TopicPartition, int64_t>> items(offs.begin(), offs.end());
    std::vector<int32_t> hashes;
    for (const auto& [tp, off] : items) hashes.push_back(java_topic_partition_hash(tp.topic, tp.partition));
    std::vector<std::pair<TopicPartition, int64_t>> ordered;
    for (size_t i : java_hashmap_order(hashes)) ordered.push_back(items[i]);
    out.emplace_back(g, ordered);
  }
  return out;
}

std::string format_reset_plan(const ResetPlan& plan) {
  size_t g = 15, t = 15;
  for (const auto& [group, offs] : plan) {
    g = std::max(g, group.size());
    for (const auto& [tp, off] : offs) t = std::max(t, tp.topic.size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    return "\n" + col(a, g) + " " + col(b, t) + " " + col(c, 10) + " " + d;
  };
  std::string out;
  if (!plan.empty()) out += line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [group, offs] : plan)
    for (const auto& [tp, off] : offs) out += line(group, tp.topic, std::to_string(tp.partition), std::to_string(off));
  return out + "\n";
}

namespace {
// Jackson's CSV writer: a value is quoted when it is longer than 24 characters (it does not
// scan those), or holds a character below '-' (the separator, quotes, controls) or a quote.
std::string csv_value(const std::string& v) {
  bool quote = v.size() > 24 || std::any_of(v.begin(), v.end(), [](char c) {
                 return static_cast<unsigned char>(c) < '-' || c == '"';
               });
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
}  // namespace

std::string format_reset_csv(const ResetPlan& plan, bool single_group) {
  std::string out;
  for (const auto& [g, offs] : plan)
    for (const auto& [tp, off] : offs)
      out += (single_group ? "" : csv_value(g) + ",") + csv_value(tp.topic) + "," + std::to_string(tp.partition) + "," +
             std::to_string(off) + "\n";
  return out;
}

std::optional<int64_t> parse_iso_duration(const std::string& text) {
  static const std::regex kRe(
      R"(([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?)",
      std::regex::icase);
  std::smatch m;
  if (!std::regex_match(text, m, kRe)) return std::nullopt;
  if (m[3].matched && m[3].length() == 1) return std::nullopt;  // "PT" alone
  if (!m[2].matched && !m[3].matched) return std::nullopt;
  try {
    auto num = [&](int i) -> int64_t { return m[i].matched ? std::stoll(m[i].str()) : 0; };
    int64_t ms = num(2) * 86400000LL + num(4) * 3600000LL + num(5) * 60000LL + num(6) * 1000LL;
    if (m[7].matched && m[7].length() > 0) {
      int64_t f = std::stoll((m[7].str() + "000").substr(0, 3));
      ms += (m[6].str().rfind('-', 0) == 0 ? -f : f);
    }
    if (m[1].str() == "-") ms = -ms;
    return ms;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<int64_t> parse_datetime(const std::string& text) {
  // Utils.getDateTime: a 'T' is required; without a zone after it, UTC ("Z" is appended); then
  // SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX") or "...SSSX", not lenient.
  auto t = text.find('T');
  if (t == std::string::npos || t + 1 >= text.size())
    return Status(ErrorCode::kInvalidRequest,
                  "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format");
  std::string s = text;
  std::string second = text.substr(t + 1);
  if (second.find_first_of("+-Z") == std::string::npos) s += "Z";
  static const std::regex kRe(
      R"((\d{1,4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,3})(Z|[+-]\d{2}(?::?\d{2})?).*)");
  std::smatch m;
  auto unparseable = Status(ErrorCode::kInvalidRequest, "Unparseable date: \"" + s + "\"");
  if (!std::regex_match(s, m, kRe)) return unparseable;
  std::tm tm{};
  int year = std::stoi(m[1]), mon = std::stoi(m[2]), day = std::stoi(m[3]);
  int hh = std::stoi(m[4]), mm = std::stoi(m[5]), ss = std::stoi(m[6]);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon < 1 || mon > 12 || day < 1 || day > kDays[mon - 1] || (mon == 2 && day == 29 && !leap) || hh > 23 ||
      mm > 59 || ss > 59)
    return unparseable;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  int64_t secs = timegm(&tm);
  std::string z = m[8];
  if (z != "Z") {
    int sign = z[0] == '-' ? -1 : 1;
    std::string digits;
    for (char c : z.substr(1))
      if (c != ':') digits += c;
    int zh = std::stoi(digits.substr(0, 2)), zm = digits.size() >= 4 ? std::stoi(digits.substr(2, 2)) : 0;
    secs -= sign * (zh * 3600 + zm * 60);
  }
  return secs * 1000 + std::stoll(m[7].str());
}

std::string re2_error(const std::string& regex) {
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(regex, opts);
  if (re.ok()) return "";
  // RE2/J describes its errors in Go's regexp/syntax words.
  switch (re.error_code()) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorUnexpectedParen: return "unexpected )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    default: return "internal error";
  }
}

int consumer_groups_main(int argc, char** argv) {
  const auto& d = docs();
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--zookeeper" || arg.rfind("--zookeeper=", 0) == 0) zookeeper_exit();
  }
  auto parsed = parse_args(argc, argv, d);
  if (!parsed.ok()) uncaught(parsed.status().message());
  Options o;
  o.a = std::move(*parsed);
  const ParsedArgs& a = o.a;
  check_available(a);
  if (argc <= 1 || a.has("help")) usage(kUsage);
  if (a.has("version")) version_exit();
  check_args(a);
  const std::vector<std::string> actions = {"list", "describe", "delete", "reset-offsets", "delete-offsets",
                                            "validate-regex"};
  int n = 0;
  for (const auto& x : actions) n += a.has(x);
  if (n != 1)
    usage("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets, "
          "--validate-regex");

  if (a.has("validate-regex")) {
    auto v = single_value(a, "validate-regex");
    std::string re = v.ok() && *v ? **v : "";
    std::string err = re2_error(re);
    if (err.empty())
      std::printf("The regular expression `%s` is valid.\n", re.c_str());
    else
      std::printf("The regular expression `%s` is invalid: %s.\n", re.c_str(), err.c_str());
    return 0;
  }
  // From here on, Kafka's run(): an error prints "Error: Executing consumer group command failed
  // due to ..." and the command still exits 0; a usage error exits 1.
  auto failed = [](const std::string& m, const std::string& exception_class = "") {
    print_error("Executing consumer group command failed due to " + m);
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", (exception_class.empty() ? failure_class(m) : exception_class).c_str(),
                 m.c_str());
    return 0;
  };
  auto option_failed = [&](const std::string& m) { return failed(m, joptsimple_exception_class(m)); };
  if (auto out = single_value(a, "output"); out.ok() && *out) o.output = **out;
  if (o.output != "text" && o.output != "json") usage("--output must be text or json, not '" + o.output + "'");
  if (o.output == "json" && !(a.has("list") || a.has("describe") || a.has("reset-offsets")))
    usage("--output json is supported with --list, --describe and --reset-offsets only");
  if (auto v = single_value(a, "bootstrap-server"); !v.ok()) return option_failed(v.status().message());
  else if (*v) o.bootstrap = **v;
  if (auto v = single_value(a, "command-config"); !v.ok()) return option_failed(v.status().message());
  else o.command_config = *v;
  Properties props;
  if (o.command_config) {
    auto r = Properties::load_file(*o.command_config);
    if (!r.ok()) return failed("java.nio.file.NoSuchFileException: " + *o.command_config);
    props = std::move(r).value();
  }
  props.set("bootstrap.servers", o.bootstrap);
  if (invalid_bootstrap_url(o.bootstrap)) return failed("Failed to create new KafkaAdminClient");
  // The options Kafka reads when it makes its service (conversion errors show here).
  if (const auto* g = a.values("group")) o.groups = *g;
  if (const auto* t = a.values("topic")) o.topics = *t;
  for (auto [name, field] : {std::pair{"to-offset", &o.to_offset}, {"shift-by", &o.shift_by}}) {
    const auto* vs = a.values(name);
    if (!vs || vs->empty()) continue;
    ParsedArgs first;
    first.options.push_back({name, {vs->front()}});
    auto v = long_value(first, name);
    if (!v.ok()) return option_failed(v.status().message());
    *field = *v;
  }
  for (auto [name, field] : {std::pair{"from-file", &o.from_file}, {"to-datetime", &o.to_datetime},
                             {"by-duration", &o.by_duration}})
    *field = o.value(name);
  if (auto v = long_value(a, "timeout"); !v.ok()) return option_failed(v.status().message());
  else if (*v) o.timeout_ms = **v;

  auto admin = client::Admin::create(props, static_cast<int>(o.timeout_ms));
  if (!admin.ok()) return failed(admin.status().message());
  Service s(o, **admin);
  try {
    if (a.has("list")) return s.list();
    if (a.has("describe")) return s.describe();
    if (a.has("delete")) return s.del();
    if (a.has("reset-offsets")) return s.reset();
    return s.delete_offsets();
  } catch (const Failure& f) {
    return failed(f.message, f.exception_class);
  } catch (const std::invalid_argument& e) {
    usage(e.what());
  }
}

}  // namespace moldau::ops
