#include "moldau/ops/consumer_groups.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace moldau::ops {

using client::TopicPartition;
using Plan = std::map<std::string, std::map<TopicPartition, int64_t>>;
using Json = nlohmann::ordered_json;

namespace {

const char* kMissing = "-";

std::string fmt_left(const std::string& s, size_t w) { return pad_right(s, w); }

std::string tp_string(const TopicPartition& tp) { return tp.topic + "-" + std::to_string(tp.partition); }

[[noreturn]] void usage(const std::string& m) { usage_exit(m, consumer_groups_help_table()); }

// "\nError: <msg>" on stdout, as Kafka's printError does (System.out).
void print_error(const std::string& m) { std::printf("\nError: %s\n", m.c_str()); }

}  // namespace

const std::vector<OptionDoc>& consumer_groups_help_table() {
  static const std::vector<OptionDoc> kDocs = {
      {"all-groups", "", "Apply to all consumer groups."},
      {"all-topics", "", "Consider all topics assigned to a group in the `reset-offsets` process."},
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The server(s) to connect to."},
      {"by-duration", "String: duration", "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'"},
      {"command-config", "String: command config property file", "Property file containing configs to be passed to Admin Client and Consumer."},
      {"delete", "", "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2"},
      {"delete-offsets", "", "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics."},
      {"describe", "", "Describe consumer group and list offset lag (number of messages not yet processed) related to given group."},
      {"dry-run", "", "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets."},
      {"execute", "", "Execute operation. Supported operations: reset-offsets."},
      {"export", "", "Export operation execution to a CSV file. Supported operations: reset-offsets."},
      {"from-file", "String: path to CSV file", "Reset offsets to values defined in CSV file."},
      {"group", "String: consumer group", "The consumer group we wish to act on."},
      {"help", "", "Print usage information."},
      {"list", "", "List all consumer groups."},
      {"members", "", "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members"},
      {"offsets", "", "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --offsets"},
      {"output", "String: text|json", "(Moldau) Output format of --list, --describe and --reset-offsets: text (Kafka's, the default) or json (see docs/tools-json.md)."},
      {"reset-offsets", "", "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive\nHas 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format.\nYou must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --from-file, --to-current, --to-offset.\nTo define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'."},
      {"shift-by", "Long: number-of-offsets", "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."},
      {"state", "String", "When specified with '--describe', includes the state of the group.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --state\nWhen specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states.\nExample: --bootstrap-server localhost:9092 --list --state stable,empty\nThis option may be used with '--describe', '--list' and '--bootstrap-server' options only."},
      {"timeout", "Long: timeout (ms)", "The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes). (default: 5000)"},
      {"to-current", "", "Reset offsets to current offset."},
      {"to-datetime", "String: datetime", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'"},
      {"to-earliest", "", "Reset offsets to earliest offset."},
      {"to-latest", "", "Reset offsets to latest offset."},
      {"to-offset", "Long: offset", "Reset offsets to a specific offset."},
      {"topic", "String: topic", "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs."},
      {"verbose", "", "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose"},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

std::string format_offsets_table(const std::vector<PartitionAssignmentRow>& rows) {
  size_t g = 15, t = 15, c = 15, h = 15;
  for (const auto& r : rows) {
    g = std::max(g, r.group.size());
    t = std::max(t, r.topic.value_or(kMissing).size());
    c = std::max(c, r.consumer_id.value_or(kMissing).size());
    h = std::max(h, r.host.value_or(kMissing).size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& p, const std::string& o,
                  const std::string& e, const std::string& l, const std::string& ci, const std::string& ho,
                  const std::string& cl) {
    return fmt_left(a, g) + " " + fmt_left(b, t) + " " + fmt_left(p, 10) + " " + fmt_left(o, 15) + " " +
           fmt_left(e, 15) + " " + fmt_left(l, 15) + " " + fmt_left(ci, c) + " " + fmt_left(ho, h) + " " + cl + "\n";
  };
  auto num = [](const auto& v) { return v ? std::to_string(*v) : std::string(kMissing); };
  std::string out = "\n" + line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                                "CONSUMER-ID", "HOST", "CLIENT-ID");
  for (const auto& r : rows)
    out += line(r.group, r.topic.value_or(kMissing), num(r.partition), num(r.offset), num(r.log_end_offset), num(r.lag),
                r.consumer_id.value_or(kMissing), r.host.value_or(kMissing), r.client_id.value_or(kMissing));
  return out;
}

std::string format_members_table(const std::vector<MemberRow>& rows, bool verbose) {
  size_t g = 15, c = 15, gi = 17, h = 15, cl = 15;
  bool with_instance = false;
  for (const auto& r : rows) {
    g = std::max(g, r.group.size());
    c = std::max(c, r.consumer_id.size());
    gi = std::max(gi, r.group_instance_id.size());
    h = std::max(h, r.host.size());
    cl = std::max(cl, r.client_id.size());
    with_instance = with_instance || !r.group_instance_id.empty();
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& inst, const std::string& ho,
                  const std::string& cli, const std::string& n) {
    std::string s = fmt_left(a, g) + " " + fmt_left(b, c) + " ";
    if (with_instance) s += fmt_left(inst, gi) + " ";
    return s + fmt_left(ho, h) + " " + fmt_left(cli, cl) + " " + fmt_left(n, 15) + " ";
  };
  std::string out = "\n" + line("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
  if (verbose) out += "ASSIGNMENT";
  out += "\n";
  for (const auto& r : rows) {
    out += line(r.group, r.consumer_id, r.group_instance_id, r.host, r.client_id, std::to_string(r.num_partitions));
    if (verbose) {
      if (r.assignment.empty()) {
        out += kMissing;
      } else {
        std::map<std::string, std::vector<int32_t>> by_topic;
        for (const auto& tp : r.assignment) by_topic[tp.topic].push_back(tp.partition);
        std::vector<std::string> parts;
        for (auto& [t, ps] : by_topic) {
          std::sort(ps.begin(), ps.end());
          std::vector<std::string> s;
          for (int32_t p : ps) s.push_back(std::to_string(p));
          parts.push_back(t + "(" + join(s, ",") + ")");
        }
        std::sort(parts.begin(), parts.end());
        out += join(parts, ", ");
      }
    }
    out += "\n";
  }
  return out;
}

std::string format_state_table(const std::string& group, const client::BrokerInfo& co, const std::string& strategy,
                               const std::string& state, int members) {
  std::string coordinator = co.host + ":" + std::to_string(co.port) + " (" + std::to_string(co.id) + ")";
  size_t w = std::max<size_t>(25, coordinator.size());
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                  const std::string& e) {
    return "\n" + fmt_left(a, w) + " " + fmt_left(b, 25) + " " + fmt_left(c, 20) + " " + fmt_left(d, 15) + " " + e;
  };
  return line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS") +
         line(group, coordinator, strategy, state, std::to_string(members)) + "\n";
}

std::string format_list_with_state(const std::vector<client::GroupListing>& groups) {
  size_t w = 15;
  for (const auto& g : groups) w = std::max(w, g.group_id.size());
  std::string out = fmt_left("GROUP", w) + " STATE\n";
  for (const auto& g : groups) out += fmt_left(g.group_id, w) + " " + g.state + "\n";
  return out;
}

std::string format_reset_plan(const Plan& plan) {
  auto line = [](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    return fmt_left(a, 30) + " " + fmt_left(b, 30) + " " + fmt_left(c, 10) + " " + fmt_left(d, 15) + "\n";
  };
  std::string out;
  if (!plan.empty()) out += "\n" + line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [g, offs] : plan)
    for (const auto& [tp, off] : offs) out += line(g, tp.topic, std::to_string(tp.partition), std::to_string(off));
  return out;
}

std::string format_reset_csv(const Plan& plan, bool single_group) {
  std::string out;
  for (const auto& [g, offs] : plan)
    for (const auto& [tp, off] : offs)
      out += (single_group ? "" : g + ",") + tp.topic + "," + std::to_string(tp.partition) + "," + std::to_string(off) + "\n";
  return out;
}

std::optional<int64_t> parse_iso_duration(const std::string& text) {
  static const std::regex kRe(R"(([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?)",
                              std::regex::icase);
  std::smatch m;
  if (!std::regex_match(text, m, kRe)) return std::nullopt;
  if (m[3].matched && m[3].length() == 1) return std::nullopt;  // "PT" alone
  if (!m[2].matched && !m[3].matched) return std::nullopt;
  auto num = [&](int i) -> int64_t { return m[i].matched ? std::stoll(m[i].str()) : 0; };
  int64_t ms = num(2) * 86400000LL + num(4) * 3600000LL + num(5) * 60000LL + num(6) * 1000LL;
  if (m[7].matched && m[7].length() > 0) {
    std::string frac = (m[7].str() + "000").substr(0, 3);
    int64_t f = std::stoll(frac);
    ms += (m[6].str().rfind('-', 0) == 0 ? -f : f);
  }
  if (m[1].str() == "-") ms = -ms;
  return ms;
}

std::optional<int64_t> parse_datetime(const std::string& text) {
  // yyyy-MM-dd'T'HH:mm:ss.SSS with optional zone (Z, +hh:mm, +hhmm, +hh).
  static const std::regex kRe(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}(?::?\d{2})?)?)");
  std::smatch m;
  if (!std::regex_match(text, m, kRe)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  int64_t ms = m[7].matched ? std::stoll((m[7].str() + "00").substr(0, 3)) : 0;
  int64_t secs;
  if (m[8].matched) {
    secs = timegm(&tm);
    std::string z = m[8];
    if (z != "Z") {
      int sign = z[0] == '-' ? -1 : 1;
      std::string digits;
      for (char c : z.substr(1))
        if (isdigit((unsigned char)c)) digits += c;
      int hh = std::stoi(digits.substr(0, 2)), mm = digits.size() >= 4 ? std::stoi(digits.substr(2, 2)) : 0;
      secs -= sign * (hh * 3600 + mm * 60);
    }
  } else {
    tm.tm_isdst = -1;
    secs = mktime(&tm);
  }
  return secs * 1000 + ms;
}

namespace {

class Service {
 public:
  Service(const ConsumerGroupsOptions& o, client::Admin& a) : o_(o), admin_(a) {}

  std::vector<std::string> group_ids() {
    if (!o_.all_groups) return o_.group;
    std::vector<std::string> out;
    auto r = admin_.list_groups();
    if (r.ok())
      for (auto& g : *r) out.push_back(g.group_id);
    return out;
  }

  int list() {
    if (o_.state) {
      std::vector<std::string> states;
      if (o_.state_value && !o_.state_value->empty()) {
        std::stringstream ss(*o_.state_value);
        std::string s;
        static const std::vector<std::string> kValid = {"PreparingRebalance", "CompletingRebalance", "Stable",
                                                        "Dead", "Empty"};
        while (std::getline(ss, s, ',')) {
          s.erase(0, s.find_first_not_of(' '));
          s.erase(s.find_last_not_of(' ') + 1);
          auto it = std::find_if(kValid.begin(), kValid.end(),
                                 [&](const std::string& v) { return strcasecmp(v.c_str(), s.c_str()) == 0; });
          if (it == kValid.end())
            usage("Invalid state list '" + *o_.state_value + "'. Valid states are: " + join(kValid, ", "));
          states.push_back(*it);
        }
      }
      auto r = admin_.list_groups(states);
      if (!r.ok()) return fail(r.status());
      if (o_.output == "json") return print_json_list(*r);
      std::fputs(format_list_with_state(*r).c_str(), stdout);
      return 0;
    }
    auto r = admin_.list_groups();
    if (!r.ok()) return fail(r.status());
    if (o_.output == "json") return print_json_list(*r);
    for (const auto& g : *r) std::printf("%s\n", g.group_id.c_str());
    return 0;
  }

  int print_json_list(const std::vector<client::GroupListing>& gs) {
    Json arr = Json::array();
    for (const auto& g : gs) arr.push_back({{"group", g.group_id}, {"state", g.state}});
    Json j;
    j["groups"] = arr;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }

  int fail(const Status& st) {
    print_error("Executing consumer group command failed due to " + error_prefix(st));
    return 1;
  }

  static std::string error_prefix(const Status& st) {
    std::string cls;
    switch (st.code()) {
      case ErrorCode::kRequestTimedOut: cls = "org.apache.kafka.common.errors.TimeoutException: "; break;
      case ErrorCode::kGroupIdNotFound: cls = "org.apache.kafka.common.errors.GroupIdNotFoundException: "; break;
      default: break;
    }
    return cls + st.message();
  }

  // true when the group's table should be printed (Kafka's shouldPrintMemberState).
  bool should_print(const std::string& group, const std::string& state, std::optional<size_t> rows) {
    if (!rows) {
      print_error("The consumer group '" + group + "' does not exist.");
      return false;
    }
    if (state == "Dead")
      print_error("Consumer group '" + group + "' does not exist.");
    else if (state == "Empty")
      std::fprintf(stderr, "\nConsumer group '%s' has no active members.\n", group.c_str());
    else if (state == "PreparingRebalance" || state == "CompletingRebalance")
      std::fprintf(stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", group.c_str());
    return state != "Dead" && *rows > 0;
  }

  Result<int64_t> log_end(const TopicPartition& tp) {
    auto w = admin_.watermarks(tp);
    if (!w.ok()) return w.status();
    return w->second;
  }
  Result<int64_t> log_start(const TopicPartition& tp) {
    auto w = admin_.watermarks(tp);
    if (!w.ok()) return w.status();
    return w->first;
  }

  int describe() {
    auto ids = group_ids();
    auto descs_r = admin_.describe_groups(ids);
    if (!descs_r.ok()) return fail(descs_r.status());
    std::map<std::string, client::GroupDescription> descs;
    for (auto& d : *descs_r) descs[d.group_id] = d;
    int members_opt = o_.members, state_opt = o_.state, offsets_opt = o_.offsets;
    Json jgroups = Json::array();
    for (auto& [gid, d] : descs) {
      if (d.error != ErrorCode::kNone) {
        if (o_.output == "json") {
          jgroups.push_back({{"group", gid}, {"error", d.error_message}});
          continue;
        }
        return fail(Status(d.error, d.error_message));
      }
      if (members_opt + state_opt + offsets_opt == 0 || offsets_opt) {
        auto committed_r = admin_.list_group_offsets(gid);
        if (!committed_r.ok()) return fail(committed_r.status());
        auto& committed = *committed_r;
        std::vector<PartitionAssignmentRow> rows;
        std::set<TopicPartition> assigned;
        std::vector<const client::MemberDescription*> ms;
        for (auto& m : d.members)
          if (!m.assignment.empty()) ms.push_back(&m);
        std::stable_sort(ms.begin(), ms.end(), [](auto* a, auto* b) { return a->assignment.size() > b->assignment.size(); });
        auto add_rows = [&](std::vector<TopicPartition> tps, std::optional<std::string> cid,
                            std::optional<std::string> host, std::optional<std::string> client) {
          std::sort(tps.begin(), tps.end());
          for (const auto& tp : tps) {
            PartitionAssignmentRow r;
            r.group = gid;
            r.topic = tp.topic;
            r.partition = tp.partition;
            auto c = committed.find(tp);
            if (c != committed.end()) r.offset = c->second;
            auto le = log_end(tp);
            if (le.ok()) r.log_end_offset = *le;
            if (r.offset && *r.offset != -1 && r.log_end_offset) r.lag = *r.log_end_offset - *r.offset;
            r.consumer_id = cid;
            r.host = host;
            r.client_id = client;
            rows.push_back(r);
          }
        };
        for (auto* m : ms) {
          for (auto& tp : m->assignment) assigned.insert(tp);
          add_rows(m->assignment, m->consumer_id, m->host, m->client_id);
        }
        std::vector<TopicPartition> unassigned;
        for (auto& [tp, off] : committed)
          if (!assigned.count(tp)) unassigned.push_back(tp);
        add_rows(unassigned, kMissing, kMissing, kMissing);
        if (o_.output == "json") {
          Json jr = Json::array();
          auto opt = [](const auto& v) { return v ? Json(*v) : Json(nullptr); };
          for (auto& r : rows)
            jr.push_back({{"topic", opt(r.topic)}, {"partition", opt(r.partition)}, {"current_offset", opt(r.offset)},
                          {"log_end_offset", opt(r.log_end_offset)}, {"lag", opt(r.lag)},
                          {"consumer_id", r.consumer_id == kMissing ? Json(nullptr) : opt(r.consumer_id)},
                          {"host", r.host == kMissing ? Json(nullptr) : opt(r.host)},
                          {"client_id", r.client_id == kMissing ? Json(nullptr) : opt(r.client_id)}});
          jgroups.push_back({{"group", gid}, {"state", d.state}, {"offsets", jr}});
          continue;
        }
        if (should_print(gid, d.state, rows.size())) std::fputs(format_offsets_table(rows).c_str(), stdout);
      } else if (members_opt) {
        std::vector<MemberRow> rows;
        for (auto& m : d.members)
          rows.push_back({gid, m.consumer_id, m.group_instance_id, m.host, m.client_id, (int)m.assignment.size(),
                          o_.verbose ? m.assignment : std::vector<TopicPartition>{}});
        if (o_.output == "json") {
          Json jm = Json::array();
          for (auto& m : d.members) {
            Json ja = Json::array();
            for (auto& tp : m.assignment) ja.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
            jm.push_back({{"consumer_id", m.consumer_id},
                          {"group_instance_id", m.group_instance_id.empty() ? Json(nullptr) : Json(m.group_instance_id)},
                          {"host", m.host}, {"client_id", m.client_id}, {"partitions", ja}});
          }
          jgroups.push_back({{"group", gid}, {"state", d.state}, {"members", jm}});
          continue;
        }
        if (should_print(gid, d.state, rows.size())) std::fputs(format_members_table(rows, o_.verbose).c_str(), stdout);
      } else {
        if (o_.output == "json") {
          jgroups.push_back({{"group", gid}, {"state", d.state},
                             {"coordinator", {{"id", d.coordinator.id}, {"host", d.coordinator.host}, {"port", d.coordinator.port}}},
                             {"assignment_strategy", d.partition_assignor}, {"members", d.members.size()}});
          continue;
        }
        if (should_print(gid, d.state, 1))
          std::fputs(format_state_table(gid, d.coordinator, d.partition_assignor, d.state, d.members.size()).c_str(), stdout);
      }
    }
    if (o_.output == "json") {
      Json j;
      j["groups"] = jgroups;
      std::printf("%s\n", j.dump(2).c_str());
    }
    return 0;
  }

  Result<std::vector<TopicPartition>> parse_topics(const std::vector<std::string>& args) {
    std::vector<TopicPartition> out;
    std::vector<std::string> whole;
    for (const auto& a : args) {
      auto colon = a.find(':');
      if (colon == std::string::npos) {
        whole.push_back(a);
        continue;
      }
      if (a.find(':', colon + 1) != std::string::npos)
        usage("Invalid topic arg '" + a + "', expected topic name and partitions");
      std::string t = a.substr(0, colon);
      std::stringstream ss(a.substr(colon + 1));
      std::string p;
      while (std::getline(ss, p, ',')) {
        try {
          size_t used;
          int v = std::stoi(p, &used);
          if (used != p.size()) throw 1;
          out.push_back({t, v});
        } catch (...) {
          usage("Invalid partition '" + p + "' specified in topic arg '" + a + "''");
        }
      }
    }
    if (!whole.empty()) {
      auto md = admin_.metadata();
      if (!md.ok()) return md.status();
      for (const auto& t : whole) {
        bool found = false;
        for (const auto& ti : md->topics)
          if (ti.name == t && ti.error == ErrorCode::kNone) {
            found = true;
            for (const auto& p : ti.partitions) out.push_back({t, p.partition});
          }
        if (!found)
          return Status(ErrorCode::kUnknownTopicOrPartition,
                        "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.");
      }
    }
    return out;
  }

  // Kafka's checkOffsetsRange: clamp into [log start, log end] with a warning.
  std::map<TopicPartition, int64_t> clamp(const std::map<TopicPartition, int64_t>& req) {
    std::map<TopicPartition, int64_t> out;
    for (auto [tp, off] : req) {
      auto w = admin_.watermarks(tp);
      if (w.ok()) {
        if (off > w->second) {
          std::fprintf(stderr, "WARN New offset (%lld) is higher than latest offset for topic partition %s. Value will be set to %lld\n",
                       (long long)off, tp_string(tp).c_str(), (long long)w->second);
          off = w->second;
        } else if (off < w->first) {
          std::fprintf(stderr, "WARN New offset (%lld) is lower than earliest offset for topic partition %s. Value will be set to %lld\n",
                       (long long)off, tp_string(tp).c_str(), (long long)w->first);
          off = w->first;
        }
      }
      out[tp] = off;
    }
    return out;
  }

  Result<std::map<TopicPartition, int64_t>> by_timestamp(const std::vector<TopicPartition>& tps, int64_t ts) {
    auto r = admin_.offsets_for_times(tps, ts);
    if (!r.ok()) return r.status();
    std::map<TopicPartition, int64_t> out;
    for (const auto& tp : tps) {
      auto it = r->find(tp);
      if (it != r->end() && it->second >= 0) {
        out[tp] = it->second;
      } else {
        std::printf("\nWarn: Partition %d from topic %s is empty. Falling back to latest known offset.\n", tp.partition,
                    tp.topic.c_str());
        auto le = log_end(tp);
        if (!le.ok()) usage("Error getting offset by timestamp of topic partition: " + tp_string(tp));
        out[tp] = *le;
      }
    }
    return out;
  }

  Result<Plan> read_plan_file() {
    std::ifstream f(*o_.from_file);
    if (!f) return Status(ErrorCode::kInvalidRequest, "java.nio.file.NoSuchFileException: " + *o_.from_file);
    Plan plan;
    std::string line;
    bool single = o_.group.size() == 1;
    while (std::getline(f, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      std::vector<std::string> f2;
      std::stringstream ss(line);
      std::string x;
      while (std::getline(ss, x, ',')) f2.push_back(x);
      try {
        if (f2.size() == 3 && single)
          plan[o_.group[0]][{f2[0], std::stoi(f2[1])}] = std::stoll(f2[2]);
        else if (f2.size() == 4)
          plan[f2[0]][{f2[1], std::stoi(f2[2])}] = std::stoll(f2[3]);
        else
          throw 1;
      } catch (...) {
        return Status(ErrorCode::kInvalidRequest, "Invalid reset plan line: '" + line + "'");
      }
    }
    return plan;
  }

  Result<std::map<TopicPartition, int64_t>> prepare(const std::string& gid, const std::vector<TopicPartition>& tps,
                                                     const std::optional<Plan>& file_plan) {
    std::map<TopicPartition, int64_t> out;
    if (o_.to_offset) {
      std::map<TopicPartition, int64_t> req;
      for (auto& tp : tps) req[tp] = *o_.to_offset;
      return clamp(req);
    }
    if (o_.to_earliest || o_.to_latest) {
      for (auto& tp : tps) {
        auto w = admin_.watermarks(tp);
        if (!w.ok())
          usage(std::string("Error getting ") + (o_.to_earliest ? "starting" : "ending") + " offset of topic partition: " + tp_string(tp));
        out[tp] = o_.to_earliest ? w->first : w->second;
      }
      return out;
    }
    if (o_.shift_by) {
      auto committed = admin_.list_group_offsets(gid);
      if (!committed.ok()) return committed.status();
      std::map<TopicPartition, int64_t> req;
      for (auto& tp : tps) {
        auto it = committed->find(tp);
        if (it == committed->end())
          usage("Cannot shift offset for partition " + tp_string(tp) + " since there is no current committed offset");
        req[tp] = it->second + *o_.shift_by;
      }
      return clamp(req);
    }
    if (o_.to_datetime) {
      auto ts = parse_datetime(*o_.to_datetime);
      if (!ts)
        return Status(ErrorCode::kInvalidRequest, "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format");
      return by_timestamp(tps, *ts);
    }
    if (o_.by_duration) {
      auto d = parse_iso_duration(*o_.by_duration);
      if (!d) return Status(ErrorCode::kInvalidRequest, "Text cannot be parsed to a Duration");
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
      return by_timestamp(tps, now - *d);
    }
    if (file_plan) {
      auto it = file_plan->find(gid);
      if (it == file_plan->end()) {
        print_error("No reset plan for group " + gid + " found");
        return out;
      }
      return clamp(it->second);
    }
    if (o_.to_current) {
      auto committed = admin_.list_group_offsets(gid);
      if (!committed.ok()) return committed.status();
      for (auto& tp : tps) {
        auto it = committed->find(tp);
        if (it != committed->end()) {
          out[tp] = it->second;
        } else {
          auto le = log_end(tp);
          if (!le.ok()) usage("Error getting ending offset of topic partition: " + tp_string(tp));
          out[tp] = *le;
        }
      }
      return out;
    }
    usage("Option '[reset-offsets]' requires one of the following scenarios: [to-offset], [shift-by], [to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], [from-file]");
  }

  int reset() {
    auto ids = group_ids();
    std::optional<Plan> file_plan;
    if (o_.from_file) {
      auto p = read_plan_file();
      if (!p.ok()) return fail(p.status());
      file_plan = *p;
    }
    auto descs = admin_.describe_groups(ids);
    if (!descs.ok()) return fail(descs.status());
    Plan result;
    const bool dry = o_.dry_run || !o_.execute;
    for (auto& d : *descs) {
      if (d.error != ErrorCode::kNone && d.error != ErrorCode::kGroupIdNotFound) return fail(Status(d.error, d.error_message));
      if (d.state != "Empty" && d.state != "Dead" && d.error == ErrorCode::kNone) {
        print_error("Assignments can only be reset if the group '" + d.group_id +
                    "' is inactive, but the current state is " + d.state + ".");
        result[d.group_id] = {};
        continue;
      }
      std::vector<TopicPartition> tps;
      if (o_.all_topics) {
        auto c = admin_.list_group_offsets(d.group_id);
        if (!c.ok()) return fail(c.status());
        for (auto& [tp, off] : *c) tps.push_back(tp);
      } else if (!o_.topic.empty()) {
        auto r = parse_topics(o_.topic);
        if (!r.ok()) return fail(r.status());
        tps = *r;
      } else if (!o_.from_file) {
        usage("One of the reset scopes should be defined: --all-topics, --topic.");
      }
      auto prepared = prepare(d.group_id, tps, file_plan);
      if (!prepared.ok()) return fail(prepared.status());
      if (!dry && !prepared->empty()) {
        auto r = admin_.alter_group_offsets(d.group_id, *prepared);
        if (!r.ok()) return fail(r.status());
        for (auto& item : *r) return fail(Status(item.error, item.name + ": " + item.message));
      }
      result[d.group_id] = *prepared;
    }
    if (o_.output == "json") {
      Json arr = Json::array();
      for (auto& [g, offs] : result)
        for (auto& [tp, off] : offs) arr.push_back({{"group", g}, {"topic", tp.topic}, {"partition", tp.partition}, {"new_offset", off}});
      Json j;
      j["dry_run"] = dry;
      j["offsets"] = arr;
      std::printf("%s\n", j.dump(2).c_str());
    } else if (o_.export_csv) {
      std::printf("%s\n", format_reset_csv(result, o_.group.size() == 1).c_str());
    } else {
      std::fputs(format_reset_plan(result).c_str(), stdout);
    }
    return 0;
  }

  int del() {
    auto ids = group_ids();
    auto r = admin_.delete_groups(ids);
    if (!r.ok()) return fail(r.status());
    std::vector<std::string> ok, failed;
    for (auto& i : *r) (i.error == ErrorCode::kNone ? ok : failed).push_back(i.name);
    if (failed.empty()) {
      std::printf("Deletion of requested consumer groups ('%s') was successful.\n", join(ok, "', '").c_str());
      return 0;
    }
    print_error("Deletion of some consumer groups failed:");
    for (auto& i : *r)
      if (i.error != ErrorCode::kNone)
        std::printf("* Group '%s' could not be deleted due to: %s\n", i.name.c_str(), exception_string(i).c_str());
    if (!ok.empty()) std::printf("\nThese consumer groups were deleted successfully: '%s'\n", join(ok, "', '").c_str());
    return 1;
  }

  static std::string exception_string(const client::ItemResult& i) {
    std::string cls;
    switch (i.error) {
      case ErrorCode::kGroupIdNotFound: cls = "org.apache.kafka.common.errors.GroupIdNotFoundException"; break;
      case ErrorCode::kNonEmptyGroup: cls = "org.apache.kafka.common.errors.GroupNotEmptyException"; break;
      case ErrorCode::kInvalidGroupId: cls = "org.apache.kafka.common.errors.InvalidGroupIdException"; break;
      default: cls = "org.apache.kafka.common.errors.ApiException"; break;
    }
    std::string m = std::string(error_message(i.error));
    return cls + ": " + (m.empty() ? i.message : m);
  }

  int delete_offsets() {
    const std::string& gid = o_.group.front();
    std::vector<TopicPartition> tps;
    std::map<TopicPartition, std::string> errors;
    std::vector<std::string> whole;
    std::vector<std::string> with_parts;
    for (auto& t : o_.topic) (t.find(':') != std::string::npos ? with_parts : whole).push_back(t);
    auto r = parse_topics(with_parts);
    if (r.ok()) tps = *r;
    if (!whole.empty()) {
      auto md = admin_.metadata();
      if (!md.ok()) return fail(md.status());
      for (auto& t : whole) {
        bool found = false;
        for (auto& ti : md->topics)
          if (ti.name == t && ti.error == ErrorCode::kNone) {
            found = true;
            for (auto& p : ti.partitions) tps.push_back({t, p.partition});
          }
        if (!found)
          errors[{t, -1}] = "Error: This server does not host this topic-partition.";
      }
    }
    auto res = admin_.delete_group_offsets(gid, tps);
    if (!res.ok()) return fail(res.status());
    auto& [top, parts] = *res;
    switch (top.error) {
      case ErrorCode::kNone:
        std::printf("Request succeed for deleting offsets with topic %s group %s\n", join(o_.topic, ", ").c_str(), gid.c_str());
        break;
      case ErrorCode::kInvalidGroupId: print_error("'" + gid + "' is not valid."); break;
      case ErrorCode::kGroupIdNotFound: print_error("'" + gid + "' does not exist."); break;
      case ErrorCode::kGroupAuthorizationFailed: print_error("Access to '" + gid + "' is not authorized."); break;
      case ErrorCode::kNonEmptyGroup:
        print_error("Deleting offsets of a consumer group '" + gid + "' is forbidden if the group is not empty.");
        break;
      case ErrorCode::kGroupSubscribedToTopic:
      case ErrorCode::kTopicAuthorizationFailed:
      case ErrorCode::kUnknownTopicOrPartition:
        print_error("Encounter some partition level error, see the follow-up details:");
        break;
      default: print_error("Encounter some unknown error: " + std::string(error_name(top.error))); break;
    }
    for (auto& tp : tps) {
      auto it = parts.find(tp);
      if (it != parts.end() && it->second.error != ErrorCode::kNone)
        errors[tp] = "Error: " + it->second.message;
      else if (!errors.count(tp))
        errors[tp] = top.error == ErrorCode::kNone || it != parts.end() ? "Successful" : "Error: " + kafka_message(top);
    }
    auto line = [](const std::string& a, const std::string& b, const std::string& c) {
      return pad_right(a, 30) + " " + pad_right(b, 15) + " " + pad_right(c, 15) + "\n";
    };
    std::printf("%s", ("\n" + line("TOPIC", "PARTITION", "STATUS")).c_str());
    std::vector<std::pair<std::string, std::pair<TopicPartition, std::string>>> sorted;
    for (auto& [tp, s] : errors) sorted.push_back({tp.topic + std::to_string(tp.partition), {tp, s}});
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& [k, v] : sorted)
      std::printf("%s", line(v.first.topic, v.first.partition >= 0 ? std::to_string(v.first.partition) : "Not Provided", v.second).c_str());
    return top.error == ErrorCode::kNone ? 0 : 1;
  }

  static std::string kafka_message(const client::ItemResult& r) {
    std::string m(error_message(r.error));
    return m.empty() ? r.message : m;
  }

 private:
  const ConsumerGroupsOptions& o_;
  client::Admin& admin_;
};

void check_args(const ConsumerGroupsOptions& o) {
  auto check_invalid = [](bool used, const std::string& u, std::vector<std::pair<bool, std::string>> others) {
    if (!used) return;
    for (auto& [has, n] : others)
      if (has) usage("Option \"[" + u + "]\" can't be used with option \"[" + n + "]\"");
  };
  if (!o.bootstrap_server) usage("Missing required argument \"[bootstrap-server]\"");
  const bool has_group = !o.group.empty();
  if (o.describe) {
    if (!has_group && !o.all_groups) usage("Option [describe] takes one of these options: [group], [all-groups]");
    if (o.members + o.offsets + o.state > 1) usage("Option [describe] takes at most one of these options: [members], [offsets], [state]");
    if (o.state && o.state_value) usage("Option [describe] does not take a value for [state]");
  }
  if (o.del) {
    if (!has_group && !o.all_groups) usage("Option [delete] takes one of these options: [group], [all-groups]");
    if (!o.topic.empty()) usage("The consumer does not support topic-specific offset deletion from a consumer group.");
  }
  if (o.delete_offsets) {
    if (!has_group || o.topic.empty()) usage("Option [delete-offsets] takes the following options: [group], [topic]");
  }
  if (o.reset_offsets) {
    if (o.dry_run && o.execute) usage("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
    if (!o.dry_run && !o.execute)
      std::fprintf(stderr, "WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n");
    if (!has_group && !o.all_groups) usage("Option [reset-offsets] takes one of these options: [group], [all-groups]");
    std::vector<std::pair<bool, std::string>> scen = {
        {o.to_offset.has_value(), "to-offset"}, {o.shift_by.has_value(), "shift-by"},
        {o.to_datetime.has_value(), "to-datetime"}, {o.by_duration.has_value(), "by-duration"},
        {o.to_earliest, "to-earliest"}, {o.to_latest, "to-latest"}, {o.to_current, "to-current"},
        {o.from_file.has_value(), "from-file"}};
    for (auto& [h, n] : scen) {
      std::vector<std::pair<bool, std::string>> others;
      for (auto& x : scen)
        if (x.second != n) others.push_back(x);
      check_invalid(h, n, others);
    }
  }
  check_invalid(has_group, "group", {{o.all_groups, "all-groups"}});
  check_invalid(has_group, "group", {{o.list, "list"}});
  check_invalid(!o.topic.empty(), "topic", {{o.list, "list"}, {o.describe, "describe"}});
  if (o.members || o.verbose || o.offsets) {
    if (!o.describe) usage(std::string("Option ") + (o.members ? "members" : o.verbose ? "verbose" : "offsets") + " requires --describe");
  }
  if (o.state && !o.describe && !o.list) usage("Option state requires --describe or --list");
}

}  // namespace

int run_consumer_groups(const ConsumerGroupsOptions& o) {
  if (o.zookeeper) zookeeper_exit();
  if (o.no_args || o.help)
    usage("This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.");
  if (o.version) version_exit();
  check_args(o);
  int actions = o.list + o.describe + o.del + o.reset_offsets + o.delete_offsets;
  if (actions != 1) usage("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets");
  if (o.output != "text" && o.output != "json") usage("--output must be text or json, not '" + o.output + "'");
  if (o.output == "json" && !(o.list || o.describe || o.reset_offsets))
    usage("--output json is supported with --list, --describe and --reset-offsets only");
  Properties props;
  if (o.command_config) props = load_props_or_exit(*o.command_config);
  props.set("bootstrap.servers", *o.bootstrap_server);
  auto admin = client::Admin::create(props, static_cast<int>(o.timeout));
  if (!admin.ok()) {
    print_error("Executing consumer group command failed due to " + admin.status().message());
    return 1;
  }
  Service s(o, **admin);
  if (o.list) return s.list();
  if (o.describe) return s.describe();
  if (o.del) return s.del();
  if (o.reset_offsets) return s.reset();
  return s.delete_offsets();
}

}  // namespace moldau::ops
