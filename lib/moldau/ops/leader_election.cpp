#include "moldau/ops/leader_election.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "moldau/common/properties.h"
#include "moldau/ops/admin_tool.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/elect_leaders.h"

namespace moldau::ops {

namespace {

using nlohmann::json;
using TopicPartition = std::pair<std::string, int32_t>;

const char* kUsage =
    "This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are "
    "preferred replicas and unclean replicas.";

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's LeaderElectionCommand options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"admin.config", "String: config file",
       "(DEPRECATED) Configuration properties files to pass to the admin client. This option will be removed in a "
       "future version. Use --command-config instead."},
      {"all-topic-partitions", "",
       "Perform election on all of the eligible topic partitions based on the type of election (see the "
       "--election-type flag). Not allowed if --topic or --path-to-json-file is specified."},
      {"bootstrap-server", "String: host:port",
       "A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can "
       "be given. REQUIRED."},
      {"command-config", "String: Config file", "Config properties file to pass to the admin client."},
      {"election-type", "[PREFERRED,UNCLEAN]: election type",
       "Type of election to attempt. Possible values are \"preferred\" for preferred leader election or \"unclean\" "
       "for unclean leader election. If preferred election is selection, the election is only performed if the "
       "current leader is not the preferred leader for the topic partition. If unclean election is selected, the "
       "election is only performed if there are no leader for the topic partition. REQUIRED."},
      {"help", "", "Print usage information."},
      {"partition", "Integer: partition id",
       "Partition id for which to perform an election. REQUIRED if --topic is specified."},
      {"path-to-json-file", "String: Path to JSON file",
       "The JSON file with the list  of partition for which leader elections should be performed. This is an "
       "example format. \n{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": \"foobar\", "
       "\"partition\": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are specified."},
      {"topic", "String: topic name",
       "Name of topic for which to perform an election. Not allowed if --path-to-json-file or "
       "--all-topic-partitions is specified."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

const std::string kMapping = "com.fasterxml.jackson.databind.JsonMappingException: ";

bool is_int(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>() <= INT32_MAX;
  return j.is_number_integer() && j.get<int64_t>() >= INT32_MIN && j.get<int64_t>() <= INT32_MAX;
}

Status fail(const std::string& message) { return Status(ErrorCode::kInvalidRequest, message); }

std::string tp_string(const TopicPartition& tp) { return tp.first + "-" + std::to_string(tp.second); }

// The partitions in the order a java.util.HashSet / HashMap of TopicPartition iterates them.
std::vector<TopicPartition> java_order(const std::vector<TopicPartition>& tps) {
  std::vector<int32_t> hashes;
  for (const auto& tp : tps) hashes.push_back(java_topic_partition_hash(tp.first, tp.second));
  std::vector<TopicPartition> out;
  for (size_t i : java_hashmap_order(hashes)) out.push_back(tps[i]);
  return out;
}

std::string joined(const std::vector<TopicPartition>& tps, const std::string& sep) {
  std::vector<std::string> names;
  for (const auto& tp : tps) names.push_back(tp_string(tp));
  return join(names, sep);
}

// The outcome of the admin client's electLeaders: per partition, no error (nullopt) or the
// exception's text; or the whole call failed (`failure`, the Java exception's text, `timed_out`
// when it ran out of time).
struct Outcome {
  std::vector<std::pair<TopicPartition, std::optional<std::string>>> results;  // in response order
  bool timed_out = false;
  std::string failure;
};

// Kafka's admin client: ElectLeaders to the controller Metadata names, retried (the controller
// looked up again) until `deadline` while no answer comes.
Outcome elect(const std::vector<HostPort>& bootstrap, int8_t type,
              const std::optional<std::vector<TopicPartition>>& partitions, int request_timeout_ms,
              RawClock::time_point deadline) {
  Outcome out;
  protocol::ElectLeadersRequest req;
  req.election_type = type;
  req.timeout_ms = request_timeout_ms;
  if (partitions) {
    req.topic_partitions.emplace();
    std::map<std::string, size_t> index;
    for (const auto& tp : *partitions) {
      if (!index.count(tp.first)) {
        index[tp.first] = req.topic_partitions->size();
        req.topic_partitions->push_back({tp.first, {}});
      }
      (*req.topic_partitions)[index[tp.first]].partitions.push_back(tp.second);
    }
  }
  while (RawClock::now() < deadline) {
    auto md = raw_metadata(bootstrap, std::vector<std::string>{}, deadline);
    if (md.ok()) {
      const protocol::MetadataResponse::MetadataResponseBroker* controller = nullptr;
      for (const auto& b : md->brokers)
        if (b.node_id == md->controller_id) controller = &b;
      if (controller) {
        auto c = RawConnection::open(controller->host, controller->port, deadline);
        if (c.ok()) {
          int16_t v = (*c)->version_for(protocol::ElectLeadersRequest::kApiKey, protocol::ElectLeadersRequest::kMaxVersion);
          if (v < 0 || (v == 0 && type != 0)) {
            out.failure = "java.util.concurrent.ExecutionException: "
                          "org.apache.kafka.common.errors.UnsupportedVersionException: The broker does not support "
                          "ELECT_LEADERS";
            return out;
          }
          auto resp = (*c)->call<protocol::ElectLeadersRequest, protocol::ElectLeadersResponse>(req, v, deadline);
          if (resp.ok()) {
            auto code = static_cast<ErrorCode>(resp->error_code);
            if (code != ErrorCode::kNone) {
              out.failure = "java.util.concurrent.ExecutionException: " + java_exception_class(code) + ": " +
                            std::string(error_message(code));
              return out;
            }
            for (const auto& t : resp->replica_election_results) {
              for (const auto& p : t.partition_result) {
                std::optional<std::string> error;
                auto pc = static_cast<ErrorCode>(p.error_code);
                if (pc != ErrorCode::kNone)
                  error = java_exception_class(pc) + ": " +
                          (p.error_message ? *p.error_message : std::string(error_message(pc)));
                TopicPartition tp{t.topic, p.partition_id};
                auto it = std::find_if(out.results.begin(), out.results.end(),
                                       [&](const auto& r) { return r.first == tp; });
                if (it != out.results.end()) {
                  it->second = error;  // a HashMap: the last answer wins
                } else {
                  out.results.push_back({tp, error});
                }
              }
            }
            return out;
          }
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  out.timed_out = true;
  return out;
}

// What escapes LeaderElectionCommand's run: its message, the first line of the JVM's stack
// trace and an empty line (admin_tool_fail). The tool's own failures are AdminCommandFailedExceptions.
int command_failed(const std::string& message) {
  return admin_tool_fail(message, "org.apache.kafka.tools.AdminCommandFailedException");
}

}  // namespace

Result<std::vector<TopicPartition>> parse_election_json(const std::string& text) {
  // Json.parseFull: anything Jackson cannot read, or nothing at all, is no data; Jackson reads
  // the first value and ignores what follows.
  json doc;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return fail("Replica election data is empty");
  try {
    std::istringstream in(text);
    in >> doc;
  } catch (const json::exception&) {
    return fail("Replica election data is empty");
  }
  if (!doc.is_object()) return fail(kMapping + "Expected JSON object, received " + doc.dump());
  auto parts = doc.find("partitions");
  if (parts == doc.end()) return fail("Replica election data is missing \"partitions\" field");
  if (!parts->is_array()) return fail(kMapping + "Expected JSON array, received " + parts->dump());
  std::vector<TopicPartition> out;
  for (const auto& p : *parts) {
    if (!p.is_object()) return fail(kMapping + "Expected JSON object, received " + p.dump());
    auto topic = p.find("topic");
    if (topic == p.end()) return fail(kMapping + "No such field exists: `topic`");
    if (!topic->is_string()) return fail(kMapping + "Expected `String` value, received " + topic->dump());
    auto partition = p.find("partition");
    if (partition == p.end()) return fail(kMapping + "No such field exists: `partition`");
    if (!is_int(*partition)) return fail(kMapping + "Expected `Integer` value, received " + partition->dump());
    out.push_back({topic->get<std::string>(), partition->get<int32_t>()});
  }
  std::map<TopicPartition, int> counts;
  for (const auto& tp : out) ++counts[tp];
  std::vector<TopicPartition> dups;
  for (const auto& tp : out)
    if (counts[tp] > 1 && std::find(dups.begin(), dups.end(), tp) == dups.end()) dups.push_back(tp);
  if (!dups.empty())
    return fail("Replica election data contains duplicate partitions: [" + joined(java_order(dups), ", ") + "]");
  return out;
}

int leader_election_main(int argc, char** argv) {
  const auto& options = docs();
  if (argc <= 1) usage_exit(kUsage, options);
  auto parsed = parse_args(argc, argv, options);
  if (!parsed.ok()) return admin_option_error(parsed.status().message());
  const ParsedArgs& a = *parsed;
  if (a.has("help")) usage_exit(kUsage, options);
  if (a.has("version")) version_exit();
  if (a.has("admin.config") && a.has("command-config"))
    usage_exit("Option \"[admin.config]\" can't be used with option \"[command-config]\"", options);

  // LeaderElectionCommandOptions.validate.
  std::vector<std::string> missing;
  for (const char* name : {"bootstrap-server", "election-type"})
    if (!a.has(name)) missing.push_back(name);
  if (!missing.empty()) return command_failed("Missing required option(s): " + join(missing, ", "));
  int exclusive = 0;
  for (const char* name : {"topic", "all-topic-partitions", "path-to-json-file"}) exclusive += a.has(name) ? 1 : 0;
  if (exclusive != 1)
    return command_failed(
        "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file");
  if (a.has("topic") && !a.has("partition")) return command_failed("Missing required option(s): partition");
  if (!a.has("topic") && a.has("partition")) return command_failed("Option partition is only allowed if topic is used");

  auto type_arg = single_value(a, "election-type");
  if (!type_arg.ok()) return admin_option_error(type_arg.status().message());
  std::string type_name = **type_arg;
  std::transform(type_name.begin(), type_name.end(), type_name.begin(), [](unsigned char c) { return std::toupper(c); });
  if (type_name != "PREFERRED" && type_name != "UNCLEAN")
    return admin_option_error("Cannot parse argument '" + **type_arg + "' of option election-type");
  const int8_t type = type_name == "PREFERRED" ? 0 : 1;

  std::optional<std::vector<TopicPartition>> partitions;
  auto path = single_value(a, "path-to-json-file");
  if (!path.ok()) return admin_option_error(path.status().message());
  if (*path) {
    std::error_code ec;
    std::ifstream in(**path, std::ios::binary);
    std::ostringstream text;
    if (in && !std::filesystem::is_directory(**path, ec)) text << in.rdbuf();
    if (!in || in.bad() || std::filesystem::is_directory(**path, ec))
      return admin_tool_fail("java.io.IOException: Unable to read file " + **path, "java.lang.RuntimeException");
    auto parsed_json = parse_election_json(text.str());
    if (!parsed_json.ok()) {
      // Jackson's errors come wrapped in a RuntimeException, the tool's own are AdminOperationException.
      const std::string m = parsed_json.status().message();
      return admin_tool_fail(m, m.rfind(kMapping, 0) == 0 ? "java.lang.RuntimeException"
                                                           : "org.apache.kafka.tools.AdminOperationException");
    }
    partitions = std::move(parsed_json).value();
  }
  auto topic = single_value(a, "topic");
  if (!topic.ok()) return admin_option_error(topic.status().message());
  auto partition = int_value(a, "partition");
  if (!partition.ok()) return admin_option_error(partition.status().message());
  if (*topic && *partition) partitions = std::vector<TopicPartition>{{**topic, **partition}};

  Properties props;
  for (const char* name : {"admin.config", "command-config"}) {
    auto config = single_value(a, name);
    if (!config.ok()) return admin_option_error(config.status().message());
    if (!*config) continue;
    if (std::string(name) == "admin.config")
      std::printf(
          "Option --admin.config has been deprecated and will be removed in a future version. Use --command-config "
          "instead.\n");
    auto loaded = Properties::load_file(**config);
    if (!loaded.ok()) return admin_tool_fail(**config, "java.nio.file.NoSuchFileException");
    props = std::move(loaded).value();
  }
  auto bootstrap_arg = single_value(a, "bootstrap-server");
  if (!bootstrap_arg.ok()) return admin_option_error(bootstrap_arg.status().message());
  auto bootstrap = parse_bootstrap(**bootstrap_arg);
  if (!bootstrap.ok()) return admin_tool_fail("Failed to create new KafkaAdminClient", "org.apache.kafka.common.KafkaException");
  // The tool's own defaults: 30 s for the call, half of it per request.
  const int api_timeout_ms = int_property(props, "default.api.timeout.ms", 30000);
  const int request_timeout_ms = int_property(props, "request.timeout.ms", api_timeout_ms / 2);

  std::fflush(stdout);
  Outcome outcome = elect(*bootstrap, type, partitions, request_timeout_ms,
                          RawClock::now() + std::chrono::milliseconds(api_timeout_ms));
  if (outcome.timed_out) {
    std::printf("Timeout waiting for election results\n");
    std::fflush(stdout);
    return command_failed("Timeout waiting for election results");
  }
  if (!outcome.failure.empty()) return admin_tool_fail(outcome.failure, "java.lang.RuntimeException");

  // The admin client's HashMap of results, split into the tool's HashSets and HashMap.
  std::vector<TopicPartition> all;
  for (const auto& r : outcome.results) all.push_back(r.first);
  std::map<TopicPartition, std::optional<std::string>> by_tp(outcome.results.begin(), outcome.results.end());
  std::vector<TopicPartition> succeeded, noop, failed;
  const std::string not_needed = java_exception_class(ErrorCode::kElectionNotNeeded) + ":";
  for (const auto& tp : java_order(all)) {
    const auto& error = by_tp[tp];
    if (!error) {
      succeeded.push_back(tp);
    } else if (error->rfind(not_needed, 0) == 0) {
      noop.push_back(tp);
    } else {
      failed.push_back(tp);
    }
  }
  const char* type_text = type == 0 ? "PREFERRED" : "UNCLEAN";
  if (!succeeded.empty())
    std::printf("Successfully completed leader election (%s) for partitions %s\n", type_text,
                joined(java_order(succeeded), ", ").c_str());
  if (!noop.empty())
    std::printf("Valid replica already elected for partitions %s\n", joined(java_order(noop), ", ").c_str());
  if (!failed.empty()) {
    for (const auto& tp : java_order(failed))
      std::printf("Error completing leader election (%s) for partition: %s: %s\n", type_text, tp_string(tp).c_str(),
                  by_tp[tp]->c_str());
    std::fflush(stdout);
    return command_failed(std::to_string(failed.size()) + " replica(s) could not be elected");
  }
  return 0;
}

}  // namespace moldau::ops
