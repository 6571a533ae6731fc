#include "moldau/ops/reassign_partitions.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "moldau/common/properties.h"
#include "moldau/common/replica_placement.h"
#include "moldau/ops/admin_tool.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/alter_partition_reassignments.h"
#include "moldau/protocol/messages/alter_replica_log_dirs.h"
#include "moldau/protocol/messages/describe_cluster.h"
#include "moldau/protocol/messages/describe_log_dirs.h"
#include "moldau/protocol/messages/incremental_alter_configs.h"
#include "moldau/protocol/messages/list_partition_reassignments.h"

namespace moldau::ops {

namespace {

using nlohmann::json;
using TopicPartition = std::pair<std::string, int32_t>;

const char* kUsage = "This tool helps to move topic partitions between replicas.";
const char* kAdminOperation = "org.apache.kafka.tools.AdminOperationException";
const char* kCommandFailed = "org.apache.kafka.tools.AdminCommandFailedException";
const char* kExecution = "java.util.concurrent.ExecutionException";
const char* kUnknownTopic = "org.apache.kafka.common.errors.UnknownTopicOrPartitionException";
const char* kCannotExecute =
    "Cannot execute because there is an existing partition assignment.  Use --additional to override this and create "
    "a new partition assignment in addition to the existing one. The --additional flag can also be used to change the "
    "throttle by resubmitting the current reassignment.";

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's ReassignPartitionsCommandOptions, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"additional", "",
       "Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the "
       "throttle of an ongoing reassignment."},
      {"bootstrap-controller", "String: bootstrap controller to connect to",
       "The controller to use for reassignment. By default, the tool will get the quorum controller. This option "
       "supports the actions --cancel and --list.",
       true},
      {"bootstrap-server", "String: Server(s) to use for bootstrapping", "the server(s) to use for bootstrapping.",
       true},
      {"broker-list", "String: brokerlist",
       "The list of brokers to which the partitions need to be reassigned in the form \"0,1,2\". This is required if "
       "--topics-to-move-json-file is used to generate reassignment configuration"},
      {"cancel", "", "Cancel an active reassignment."},
      {"command-config", "String: Admin client property file",
       "Property file containing configs to be passed to Admin Client."},
      {"disable-rack-aware", "", "Disable rack aware replica assignment"},
      {"disallow-replication-factor-change", "",
       "Denies the ability to change a partition's replication factor as part of this reassignment through adding "
       "validation against it."},
      {"execute", "", "Kick off the reassignment as specified by the --reassignment-json-file option."},
      {"generate", "",
       "Generate a candidate partition reassignment configuration. Note that this only generates a candidate "
       "assignment, it does not execute it."},
      {"help", "", "Print usage information."},
      {"list", "", "List all active partition reassignments."},
      {"preserve-throttles", "", "Do not modify broker or topic throttles."},
      {"reassignment-json-file", "String: manual assignment json file path",
       "The JSON file with the partition reassignment configurationThe format to use is - \n{\"partitions\":\n\t[{"
       "\"topic\": \"foo\",\n\t  \"partition\": 1,\n\t  \"replicas\": [1,2,3],\n\t  \"log_dirs\": "
       "[\"dir1\",\"dir2\",\"dir3\"] }],\n\"version\":1\n}\nNote that \"log_dirs\" is optional. When it is "
       "specified, its length must equal the length of the replicas list. The value in this list can be either "
       "\"any\" or the absolution path of the log directory on the broker. If absolute log directory path is "
       "specified, the replica will be moved to the specified log directory on the broker."},
      {"replica-alter-log-dirs-throttle", "Long: replicaAlterLogDirsThrottle",
       "The movement of replicas between log directories on the same broker will be throttled to this value "
       "(bytes/sec). This option can be included with --execute when a reassignment is started, and it can be "
       "altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should "
       "be at least 1 KB/s.",
       false, "-1"},
      {"throttle", "Long: throttle",
       "The movement of partitions between brokers will be throttled to this value (bytes/sec). This option can be "
       "included with --execute when a reassignment is started, and it can be altered by resubmitting the current "
       "reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.",
       false, "-1"},
      {"timeout", "Long: timeout", "The maximum time in ms to wait for log directory replica assignment to begin.",
       false, "10000"},
      {"topics-to-move-json-file", "String: topics to reassign json file path",
       "Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers "
       "specified by the --broker-list option. The format to use is - \n{\"topics\":\n\t[{\"topic\": "
       "\"foo\"},{\"topic\": \"foo1\"}],\n\"version\":1\n}"},
      {"verify", "",
       "Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a "
       "throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed"},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// A failure that ends the tool: Kafka's main prints "Error: <message>" and the exception's
// stack trace (its first line: "<class>: <message>") to stdout, or, for its TerseExceptions,
// the message alone.
struct ToolError {
  std::string message;
  std::string exception_class;  // empty: a TerseException
};

[[noreturn]] void fail(const std::string& message, const std::string& cls) { throw ToolError{message, cls}; }
// An admin call's future failed: ExecutionException around "<cause class>: <message>".
[[noreturn]] void call_fail(const std::string& cause_class, const std::string& message) {
  fail(cause_class + ": " + message, kExecution);
}
[[noreturn]] void call_timeout(const std::string& call) {
  call_fail("org.apache.kafka.common.errors.TimeoutException", "Timed out waiting for a node assignment. Call: " + call);
}

std::string tp_string(const TopicPartition& tp) { return tp.first + "-" + std::to_string(tp.second); }

std::string ints(const std::vector<int32_t>& v, const std::string& sep = ",") {
  std::vector<std::string> s;
  for (int32_t i : v) s.push_back(std::to_string(i));
  return join(s, sep);
}

// Java's HashSet<Integer> / HashSet<String> / HashSet<TopicPartition> iteration orders.
std::vector<int32_t> java_int_set(const std::vector<int32_t>& items) {
  std::vector<int32_t> distinct;
  for (int32_t i : items)
    if (std::find(distinct.begin(), distinct.end(), i) == distinct.end()) distinct.push_back(i);
  std::vector<int32_t> out;
  for (size_t i : java_hashmap_order(distinct)) out.push_back(distinct[i]);
  return out;
}
std::vector<std::string> java_string_set(const std::vector<std::string>& items) {
  std::vector<std::string> distinct;
  for (const auto& s : items)
    if (std::find(distinct.begin(), distinct.end(), s) == distinct.end()) distinct.push_back(s);
  std::vector<int32_t> hashes;
  for (const auto& s : distinct) hashes.push_back(java_string_hash(s));
  std::vector<std::string> out;
  for (size_t i : java_hashmap_order(hashes)) out.push_back(distinct[i]);
  return out;
}
std::vector<TopicPartition> java_tp_set(const std::vector<TopicPartition>& items) {
  std::vector<TopicPartition> distinct;
  for (const auto& tp : items)
    if (std::find(distinct.begin(), distinct.end(), tp) == distinct.end()) distinct.push_back(tp);
  std::vector<int32_t> hashes;
  for (const auto& tp : distinct) hashes.push_back(java_topic_partition_hash(tp.first, tp.second));
  std::vector<TopicPartition> out;
  for (size_t i : java_hashmap_order(hashes)) out.push_back(distinct[i]);
  return out;
}

// Java's Long.parseLong.
std::optional<int64_t> java_long(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(v);
}

bool is_int(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>() <= INT32_MAX;
  return j.is_number_integer() && j.get<int64_t>() >= INT32_MIN && j.get<int64_t>() <= INT32_MAX;
}

Status parse_error(const std::string& message, const std::string& cls) {
  return Status(ErrorCode::kInvalidRequest, message + "\n" + cls);
}

// Kafka's JsonValue reports a value of the wrong type with Jackson's JsonMappingException,
// which escapes the tool unwrapped.
const char* kMappingClass = "com.fasterxml.jackson.databind.JsonMappingException";

// Jackson's complaint about text that is not JSON, for the common case of a truncated document.
std::string jackson_parse_message(const std::string& text) {
  int line = 1, column = 1;
  std::vector<char> open;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') open.push_back(c);
    else if ((c == '}' || c == ']') && !open.empty()) open.pop_back();
  }
  std::string what = open.empty() ? "Unexpected end-of-input"
                                   : std::string("Unexpected end-of-input within/between ") +
                                         (open.back() == '{' ? "Object" : "Array") + " entries";
  return what + "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: " +
         std::to_string(line) + ", column: " + std::to_string(column) + "]";
}

Result<json> parse_json(const std::string& text) {
  try {
    std::istringstream in(text);
    json doc;
    in >> doc;
    return doc;
  } catch (const json::exception&) {
    return Status(ErrorCode::kInvalidRequest, jackson_parse_message(text));
  }
}

// How a JSON value reads as a Java int (JsonValue.to(INT)): a number, or a mapping error.
Result<int32_t> to_int(const json& j) {
  if (!is_int(j)) return parse_error("Expected `Integer` value, received " + j.dump(), kMappingClass);
  return j.get<int32_t>();
}

// The throttles Kafka's tool sets and clears (QuotaConfig's names).
const std::vector<std::string> kBrokerThrottles = {"leader.replication.throttled.rate",
                                                   "follower.replication.throttled.rate",
                                                   "replica.alter.log.dirs.io.max.bytes.per.second"};
const std::vector<std::string> kTopicThrottles = {"leader.replication.throttled.replicas",
                                                  "follower.replication.throttled.replicas"};

// The admin calls the tool makes, over lib/moldau/protocol connections. Every call has the
// admin client's default.api.timeout.ms; one that gets no answer in it fails as Kafka's does
// ("Timed out waiting for a node assignment. Call: <name>").
class Admin {
 public:
  Admin(std::vector<HostPort> bootstrap, int api_timeout_ms) : bootstrap_(std::move(bootstrap)), api_timeout_ms_(api_timeout_ms) {}

  // Sends every call to `controller` (--bootstrap-controller) rather than to brokers.
  void use_controller(const HostPort& controller) { controller_node_ = controller; }

  RawClock::time_point deadline() const { return RawClock::now() + std::chrono::milliseconds(api_timeout_ms_); }

  // Metadata for `topics` (nullopt: all), retried until the call's deadline.
  protocol::MetadataResponse metadata(const std::optional<std::vector<std::string>>& topics, const std::string& call) {
    auto until = deadline();
    while (true) {
      auto md = raw_metadata(bootstrap_, topics, until);
      if (md.ok()) {
        for (const auto& b : md->brokers) brokers_[b.node_id] = {b.host, b.port};
        controller_ = md->controller_id;
        return std::move(md).value();
      }
      if (RawClock::now() >= until) call_timeout(call);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // A connection to broker `id`: the controller Metadata names for -1 (where Kafka's admin
  // client sends the call to the controller) and -2 (to the least loaded node).
  RawConnection& node(int32_t id, const std::string& call) {
    if (controller_node_) {
      // --bootstrap-controller: every call goes to the controller the tool was given.
      if (!conns_.count(-1)) {
        auto opened = RawConnection::open(controller_node_->host, controller_node_->port, deadline());
        if (!opened.ok()) call_timeout(call);
        conns_[-1] = std::move(opened).value();
      }
      return *conns_[-1];
    }
    if (brokers_.empty()) metadata(std::vector<std::string>{}, call);
    if (id < 0) id = controller_;
    auto it = brokers_.find(id);
    if (it == brokers_.end()) call_timeout(call);
    auto c = conns_.find(id);
    if (c != conns_.end()) return *c->second;
    auto opened = RawConnection::open(it->second.host, it->second.port, deadline());
    if (!opened.ok()) call_timeout(call);
    return *(conns_[id] = std::move(opened).value());
  }

  template <class Req, class Resp>
  Resp call(int32_t node_id, Req& req, int16_t max_version, const std::string& call, const std::string& api_name) {
    RawConnection& c = node(node_id, call);
    int16_t v = c.version_for(Req::kApiKey, max_version);
    if (v < 0)
      call_fail("org.apache.kafka.common.errors.UnsupportedVersionException", "The broker does not support " + api_name);
    auto resp = c.template call<Req, Resp>(req, v, deadline());
    if (!resp.ok()) call_timeout(call);
    return std::move(resp).value();
  }

  // DescribeCluster: the broker ids in the order the cluster lists them, with their racks.
  std::vector<std::pair<int32_t, std::optional<std::string>>> describe_cluster() {
    protocol::DescribeClusterRequest req;
    if (controller_node_) req.endpoint_type = 2;  // a controller lists the controllers
    auto resp = call<protocol::DescribeClusterRequest, protocol::DescribeClusterResponse>(
        -2, req, 1, "listNodes", "DESCRIBE_CLUSTER");
    check(resp.error_code, resp.error_message);
    std::vector<std::pair<int32_t, std::optional<std::string>>> out;
    for (const auto& b : resp.brokers) out.push_back({b.broker_id, b.rack});
    return out;
  }

  // ListPartitionReassignments: partition -> (replicas, adding, removing).
  struct Ongoing {
    std::vector<int32_t> replicas, adding, removing;
  };
  std::map<TopicPartition, Ongoing> list_reassignments(const std::optional<std::vector<TopicPartition>>& only) {
    protocol::ListPartitionReassignmentsRequest req;
    req.timeout_ms = api_timeout_ms_;
    if (only) {
      req.topics.emplace();
      for (const auto& tp : *only) {
        auto it = std::find_if(req.topics->begin(), req.topics->end(), [&](const auto& t) { return t.name == tp.first; });
        if (it == req.topics->end()) it = req.topics->insert(req.topics->end(), {tp.first, {}});
        it->partition_indexes.push_back(tp.second);
      }
    }
    auto resp = call<protocol::ListPartitionReassignmentsRequest, protocol::ListPartitionReassignmentsResponse>(
        -1, req, 0, "listPartitionReassignments", "LIST_PARTITION_REASSIGNMENTS");
    check(resp.error_code, resp.error_message);
    std::map<TopicPartition, Ongoing> out;
    for (const auto& t : resp.topics)
      for (const auto& p : t.partitions) out[{t.name, p.partition_index}] = {p.replicas, p.adding_replicas, p.removing_replicas};
    return out;
  }

  // AlterPartitionReassignments: per partition, the error's message (nullopt: started).
  // Without `allow_replication_factor_change` (--disallow-replication-factor-change) the request
  // needs v1 (KIP-860), as Kafka's admin client requires.
  std::map<TopicPartition, std::optional<std::string>> alter_reassignments(
      const std::vector<std::pair<TopicPartition, std::optional<std::vector<int32_t>>>>& moves,
      bool allow_replication_factor_change = true) {
    protocol::AlterPartitionReassignmentsRequest req;
    req.timeout_ms = api_timeout_ms_;
    req.allow_replication_factor_change = allow_replication_factor_change;
    if (!allow_replication_factor_change &&
        node(-1, "alterPartitionReassignments").version_for(req.kApiKey, 1) < 1)
      call_fail("org.apache.kafka.common.errors.UnsupportedVersionException",
                "The broker does not support ALTER_PARTITION_REASSIGNMENTS with version in range [1,1]. The "
                "supported range is [0,0].");
    for (const auto& [tp, replicas] : moves) {
      auto it = std::find_if(req.topics.begin(), req.topics.end(), [&](const auto& t) { return t.name == tp.first; });
      if (it == req.topics.end()) it = req.topics.insert(req.topics.end(), {tp.first, {}});
      it->partitions.push_back({tp.second, replicas});
    }
    auto resp = call<protocol::AlterPartitionReassignmentsRequest, protocol::AlterPartitionReassignmentsResponse>(
        -1, req, 1, "alterPartitionReassignments", "ALTER_PARTITION_REASSIGNMENTS");
    std::map<TopicPartition, std::optional<std::string>> out;
    for (const auto& m : moves) out[m.first] = std::nullopt;
    auto message = [](int16_t code, const std::optional<std::string>& m) {
      return m ? *m : std::string(error_message(static_cast<ErrorCode>(code)));
    };
    if (resp.error_code != 0) {
      for (auto& [tp, e] : out) e = message(resp.error_code, resp.error_message);
      return out;
    }
    for (const auto& t : resp.responses)
      for (const auto& p : t.partitions)
        if (p.error_code != 0) out[{t.name, p.partition_index}] = message(p.error_code, p.error_message);
    return out;
  }

  // IncrementalAlterConfigs: broker resources go to their broker, topic resources to any.
  void alter_configs(int8_t type, const std::vector<std::string>& names,
                     const std::vector<std::pair<std::string, std::optional<std::string>>>& ops) {
    for (const auto& name : names) {
      protocol::IncrementalAlterConfigsRequest req;
      protocol::IncrementalAlterConfigsRequest::AlterConfigsResource res;
      res.resource_type = type;
      res.resource_name = name;
      for (const auto& [key, value] : ops) {
        // config_operation: SET (0) with a value, DELETE (1) without.
        res.configs.push_back({key, static_cast<int8_t>(value ? 0 : 1), value});
      }
      req.resources.push_back(res);
      int32_t target = type == 4 ? std::stoi(name) : -2;
      auto resp = call<protocol::IncrementalAlterConfigsRequest, protocol::IncrementalAlterConfigsResponse>(
          target, req, 1, "incrementalAlterConfigs", "INCREMENTAL_ALTER_CONFIGS");
      for (const auto& r : resp.responses) check(r.error_code, r.error_message);
    }
  }

  // DescribeLogDirs on each broker of `replicas`: (topic, partition, broker) -> (current dir,
  // future dir); a replica a broker does not hold is absent.
  std::map<std::tuple<std::string, int32_t, int32_t>, std::pair<std::string, std::string>> replica_log_dirs(
      const std::vector<std::tuple<std::string, int32_t, int32_t>>& replicas) {
    std::map<int32_t, std::vector<TopicPartition>> by_broker;
    for (const auto& [t, p, b] : replicas) by_broker[b].push_back({t, p});
    std::map<std::tuple<std::string, int32_t, int32_t>, std::pair<std::string, std::string>> out;
    for (const auto& [broker, tps] : by_broker) {
      if (brokers_.empty()) metadata(std::vector<std::string>{}, "describeReplicaLogDirs");
      if (!brokers_.count(broker)) continue;
      protocol::DescribeLogDirsRequest req;
      req.topics.emplace();
      for (const auto& tp : tps) {
        auto it = std::find_if(req.topics->begin(), req.topics->end(), [&](const auto& t) { return t.topic == tp.first; });
        if (it == req.topics->end()) it = req.topics->insert(req.topics->end(), {tp.first, {}});
        it->partitions.push_back(tp.second);
      }
      auto resp = call<protocol::DescribeLogDirsRequest, protocol::DescribeLogDirsResponse>(
          broker, req, 4, "describeReplicaLogDirs", "DESCRIBE_LOG_DIRS");
      for (const auto& dir : resp.results) {
        if (dir.error_code != 0) continue;
        for (const auto& t : dir.topics)
          for (const auto& p : t.partitions) {
            auto& entry = out[{t.name, p.partition_index, broker}];
            (p.is_future_key ? entry.second : entry.first) = dir.log_dir;
          }
      }
    }
    return out;
  }

  // AlterReplicaLogDirs for one replica: nullopt when started, else the error code.
  std::optional<ErrorCode> alter_replica_log_dir(const std::string& topic, int32_t partition, int32_t broker,
                                                 const std::string& dir) {
    protocol::AlterReplicaLogDirsRequest req;
    protocol::AlterReplicaLogDirsRequest::AlterReplicaLogDir d;
    d.path = dir;
    protocol::AlterReplicaLogDirsRequest::AlterReplicaLogDir::AlterReplicaLogDirTopic t;
    t.name = topic;
    t.partitions.push_back(partition);
    d.topics.push_back(t);
    req.dirs.push_back(d);
    auto resp = call<protocol::AlterReplicaLogDirsRequest, protocol::AlterReplicaLogDirsResponse>(
        broker, req, 2, "alterReplicaLogDirs", "ALTER_REPLICA_LOG_DIRS");
    for (const auto& rt : resp.results)
      for (const auto& rp : rt.partitions)
        if (rp.error_code != 0) return static_cast<ErrorCode>(rp.error_code);
    return std::nullopt;
  }

 private:
  static void check(int16_t code, const std::optional<std::string>& message) {
    if (code == 0) return;
    auto c = static_cast<ErrorCode>(code);
    call_fail(java_exception_class(c), message ? *message : std::string(error_message(c)));
  }

  std::vector<HostPort> bootstrap_;
  int api_timeout_ms_;
  std::map<int32_t, HostPort> brokers_;
  int32_t controller_ = -1;
  std::map<int32_t, std::unique_ptr<RawConnection>> conns_;
  std::optional<HostPort> controller_node_;
};

// DescribeTopics through Metadata: the replicas of every partition, or the tool's error for a
// topic that does not exist ("Topic x not found."), checked in the HashMap order of the names.
std::map<std::string, std::vector<std::vector<int32_t>>> describe_topics(Admin& admin, const std::vector<std::string>& topics,
                                                                         bool wrap_unknown = true) {
  std::map<std::string, std::vector<std::vector<int32_t>>> out;
  if (topics.empty()) return out;
  auto md = admin.metadata(topics, "describeTopics");
  std::map<std::string, const protocol::MetadataResponse::MetadataResponseTopic*> by_name;
  for (const auto& t : md.topics) by_name[t.name.value_or("")] = &t;
  for (const auto& name : java_string_set(topics)) {
    auto it = by_name.find(name);
    int16_t code = it == by_name.end() ? static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition) : it->second->error_code;
    if (code != 0) {
      auto c = static_cast<ErrorCode>(code);
      if (c == ErrorCode::kUnknownTopicOrPartition) {
        if (wrap_unknown) call_fail(kUnknownTopic, "Topic " + name + " not found.");
        continue;
      }
      call_fail(java_exception_class(c), std::string(error_message(c)));
    }
    std::vector<std::vector<int32_t>> parts;
    std::vector<const protocol::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition*> sorted;
    for (const auto& p : it->second->partitions) sorted.push_back(&p);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->partition_index < b->partition_index; });
    for (auto* p : sorted) parts.push_back(p->replica_nodes);
    out[name] = std::move(parts);
  }
  return out;
}

// The log dir of each replica of `assignment` ("any" where no broker says).
std::map<TopicPartition, std::vector<std::string>> current_log_dirs(
    Admin& admin, const std::map<TopicPartition, std::vector<int32_t>>& assignment) {
  std::vector<std::tuple<std::string, int32_t, int32_t>> replicas;
  for (const auto& [tp, rs] : assignment)
    for (int32_t r : rs) replicas.push_back({tp.first, tp.second, r});
  auto dirs = admin.replica_log_dirs(replicas);
  std::map<TopicPartition, std::vector<std::string>> out;
  for (const auto& [tp, rs] : assignment)
    for (int32_t r : rs) {
      auto it = dirs.find({tp.first, tp.second, r});
      out[tp].push_back(it != dirs.end() && !it->second.first.empty() ? it->second.first : "any");
    }
  return out;
}

void clear_all_throttles(Admin& admin, const std::vector<ReassignmentEntry>& targets) {
  std::vector<int32_t> brokers;
  for (const auto& b : admin.describe_cluster()) brokers.push_back(b.first);
  for (const auto& e : targets) brokers.insert(brokers.end(), e.replicas.begin(), e.replicas.end());
  brokers = java_int_set(brokers);
  std::printf("Clearing broker-level throttles on broker%s %s\n", brokers.size() == 1 ? "" : "s", ints(brokers).c_str());
  std::fflush(stdout);
  std::vector<std::pair<std::string, std::optional<std::string>>> deletes;
  for (const auto& k : kBrokerThrottles) deletes.push_back({k, std::nullopt});
  std::vector<std::string> broker_names;
  for (int32_t b : brokers) broker_names.push_back(std::to_string(b));
  admin.alter_configs(4, broker_names, deletes);
  std::vector<std::string> topics;
  for (const auto& e : targets) topics.push_back(e.topic);
  topics = java_string_set(topics);
  std::printf("Clearing topic-level throttles on topic%s %s\n", topics.size() == 1 ? "" : "s", join(topics, ",").c_str());
  std::fflush(stdout);
  deletes.clear();
  for (const auto& k : kTopicThrottles) deletes.push_back({k, std::nullopt});
  admin.alter_configs(2, topics, deletes);
}

std::string replica_string(const std::tuple<std::string, int32_t, int32_t>& r) {
  return std::get<0>(r) + "-" + std::to_string(std::get<1>(r)) + "-" + std::to_string(std::get<2>(r));
}

// The replicas of `targets` with a log dir other than "any", sorted as Kafka sorts them
// (broker, topic, partition).
std::vector<std::pair<std::tuple<std::string, int32_t, int32_t>, std::string>> log_dir_targets(
    const std::vector<ReassignmentEntry>& targets) {
  std::map<std::tuple<int32_t, std::string, int32_t>, std::string> sorted;
  for (const auto& e : targets)
    for (size_t i = 0; i < e.replicas.size(); ++i)
      if (e.log_dirs[i] != "any") sorted[{e.replicas[i], e.topic, e.partition}] = e.log_dirs[i];
  std::vector<std::pair<std::tuple<std::string, int32_t, int32_t>, std::string>> out;
  for (const auto& [k, dir] : sorted) out.push_back({{std::get<1>(k), std::get<2>(k), std::get<0>(k)}, dir});
  return out;
}

// Starts the log dir moves, retrying replicas that are not there yet until `timeout_ms`.
void execute_moves(Admin& admin, std::vector<std::pair<std::tuple<std::string, int32_t, int32_t>, std::string>> pending,
                   int64_t timeout_ms) {
  auto start = RawClock::now();
  while (true) {
    std::vector<std::pair<std::tuple<std::string, int32_t, int32_t>, std::string>> left;
    for (const auto& [r, dir] : pending) {
      auto error = admin.alter_replica_log_dir(std::get<0>(r), std::get<1>(r), std::get<2>(r), dir);
      if (!error) {
        std::printf("Successfully started moving log directory to %s for replica %s-%d with broker %d \n", dir.c_str(),
                    std::get<0>(r).c_str(), std::get<1>(r), std::get<2>(r));
      } else if (*error == ErrorCode::kReplicaNotAvailable) {
        left.push_back({r, dir});
      } else {
        fail("Failed to alter dir for " + replica_string(r), kCommandFailed);
      }
    }
    std::fflush(stdout);
    pending = std::move(left);
    if (pending.empty()) return;
    if (RawClock::now() >= start + std::chrono::milliseconds(timeout_ms)) {
      std::vector<std::string> names;
      for (const auto& p : pending) names.push_back(replica_string(p.first));
      fail("Timed out before log directory move" + std::string(pending.size() == 1 ? "" : "s") +
               " could be started for: " + join(names, ","),
           "");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::map<TopicPartition, std::vector<int32_t>> as_map(const std::vector<ReassignmentEntry>& entries) {
  std::map<TopicPartition, std::vector<int32_t>> out;
  for (const auto& e : entries) out[{e.topic, e.partition}] = e.replicas;
  return out;
}

void execute(Admin& admin, const std::vector<ReassignmentEntry>& entries, bool additional, int64_t throttle,
             int64_t log_dir_throttle, int64_t timeout_ms, bool allow_replication_factor_change) {
  if (entries.empty()) fail("Partition reassignment list cannot be empty", kCommandFailed);
  for (const auto& e : entries)
    if (e.replicas.empty()) fail("Partition replica list cannot be empty", kCommandFailed);
  std::vector<TopicPartition> tps, dup_tps;
  for (const auto& e : entries) {
    TopicPartition tp{e.topic, e.partition};
    if (std::find(tps.begin(), tps.end(), tp) != tps.end()) dup_tps.push_back(tp);
    tps.push_back(tp);
  }
  if (!dup_tps.empty()) {
    std::vector<std::string> names;
    for (const auto& tp : java_tp_set(dup_tps)) names.push_back(tp_string(tp));
    fail("Partition reassignment contains duplicate topic partitions: " + join(names, ","), kCommandFailed);
  }
  std::vector<std::string> dup_msgs;
  for (const auto& e : entries) {
    std::vector<int32_t> seen, dups;
    for (int32_t r : e.replicas) {
      if (std::find(seen.begin(), seen.end(), r) != seen.end()) dups.push_back(r);
      seen.push_back(r);
    }
    if (!dups.empty())
      dup_msgs.push_back(tp_string({e.topic, e.partition}) + " contains multiple entries for " + ints(java_int_set(dups)));
  }
  if (!dup_msgs.empty())
    fail("Partition replica lists may not contain duplicate entries: " + join(dup_msgs, ". "), kCommandFailed);

  auto proposed = as_map(entries);
  auto current_reassignments = admin.list_reassignments(std::nullopt);
  if (!additional && !current_reassignments.empty()) fail(kCannotExecute, "");

  std::vector<int32_t> brokers;
  for (const auto& e : entries) brokers.insert(brokers.end(), e.replicas.begin(), e.replicas.end());
  std::set<int32_t> known;
  for (const auto& b : admin.describe_cluster()) known.insert(b.first);
  for (int32_t b : java_int_set(brokers))
    if (!known.count(b)) fail("Unknown broker id " + std::to_string(b), kCommandFailed);

  // The current replicas of the partitions to move.
  std::vector<std::string> topics;
  for (const auto& e : entries) topics.push_back(e.topic);
  auto described = describe_topics(admin, topics);
  std::map<TopicPartition, std::vector<int32_t>> current;
  std::vector<TopicPartition> missing;
  for (const auto& tp : tps) {
    const auto& parts = described[tp.first];
    if (tp.second >= 0 && static_cast<size_t>(tp.second) < parts.size()) current[tp] = parts[tp.second];
    else missing.push_back(tp);
  }
  if (!missing.empty()) {
    std::vector<std::string> names;
    for (const auto& tp : java_tp_set(missing)) names.push_back(tp_string(tp));
    call_fail(kUnknownTopic, "Unable to find partition: " + join(names, ", "));
  }
  std::printf(
      "Current partition replica assignment\n\n%s\n\nSave this to use as the --reassignment-json-file option during "
      "rollback\n",
      format_reassignment_json(current, current_log_dirs(admin, current)).c_str());
  std::fflush(stdout);

  auto moves = log_dir_targets(entries);
  if (throttle >= 0 || log_dir_throttle >= 0) {
    std::printf("Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle "
                "is removed.\n");
    std::fflush(stdout);
    if (throttle >= 0) {
      // Per topic and partition: the replicas data comes from and goes to.
      std::map<std::string, std::map<int32_t, std::pair<std::set<int32_t>, std::set<int32_t>>>> move_map;
      for (const auto& [tp, r] : current_reassignments) {
        std::set<int32_t> sources(r.replicas.begin(), r.replicas.end());
        for (int32_t a : r.adding) sources.erase(a);
        move_map[tp.first][tp.second] = {sources, std::set<int32_t>(r.adding.begin(), r.adding.end())};
      }
      for (const auto& [tp, replicas] : proposed) {
        auto& part_moves = move_map[tp.first];
        std::set<int32_t> sources;
        auto it = part_moves.find(tp.second);
        if (it != part_moves.end()) sources = it->second.first;
        else sources.insert(current[tp].begin(), current[tp].end());
        std::set<int32_t> destinations;
        for (int32_t r : replicas)
          if (!sources.count(r)) destinations.insert(r);
        part_moves[tp.second] = {sources, destinations};
      }
      std::vector<std::string> topic_names;
      for (const auto& [topic, _] : move_map) topic_names.push_back(topic);
      std::set<int32_t> reassigning;
      for (const auto& topic : java_string_set(topic_names)) {
        std::set<std::string> leaders, followers;  // a TreeSet of strings: "10:1" sorts before "2:1"
        for (const auto& [p, mv] : move_map[topic]) {
          for (int32_t s : mv.first) leaders.insert(std::to_string(p) + ":" + std::to_string(s));
          for (int32_t d : mv.second)
            if (!mv.first.count(d)) followers.insert(std::to_string(p) + ":" + std::to_string(d));
          reassigning.insert(mv.first.begin(), mv.first.end());
          reassigning.insert(mv.second.begin(), mv.second.end());
        }
        admin.alter_configs(2, {topic},
                            {{kTopicThrottles[0], join({leaders.begin(), leaders.end()}, ",")},
                             {kTopicThrottles[1], join({followers.begin(), followers.end()}, ",")}});
      }
      std::vector<std::string> broker_names;
      for (int32_t b : reassigning) broker_names.push_back(std::to_string(b));
      admin.alter_configs(4, broker_names,
                          {{kBrokerThrottles[0], std::to_string(throttle)}, {kBrokerThrottles[1], std::to_string(throttle)}});
      std::printf("The inter-broker throttle limit was set to %lld B/s\n", static_cast<long long>(throttle));
      std::fflush(stdout);
    }
    if (log_dir_throttle >= 0) {
      std::set<int32_t> moving;
      for (const auto& m : moves) moving.insert(std::get<2>(m.first));
      std::vector<std::string> broker_names;
      for (int32_t b : java_int_set({moving.begin(), moving.end()})) broker_names.push_back(std::to_string(b));
      admin.alter_configs(4, broker_names, {{kBrokerThrottles[2], std::to_string(log_dir_throttle)}});
      std::printf("The replica-alter-dir throttle limit was set to %lld B/s\n", static_cast<long long>(log_dir_throttle));
      std::fflush(stdout);
    }
  }

  std::vector<std::pair<TopicPartition, std::optional<std::vector<int32_t>>>> request;
  for (const auto& [tp, r] : proposed) request.push_back({tp, r});
  auto errors = admin.alter_reassignments(request, allow_replication_factor_change);
  std::vector<std::string> failed;
  for (const auto& [tp, e] : errors)  // a std::map: sorted by topic, then partition
    if (e) failed.push_back(tp_string(tp) + ": " + *e);
  if (!failed.empty()) fail("Error reassigning partition(s):\n" + join(failed, "\n"), "");
  std::vector<std::string> names;
  for (const auto& [tp, _] : proposed) names.push_back(tp_string(tp));
  std::printf("Successfully started partition reassignment%s for %s\n", proposed.size() == 1 ? "" : "s",
              join(names, ",").c_str());
  std::fflush(stdout);
  if (!moves.empty()) execute_moves(admin, moves, timeout_ms);
}

// The state of the log dir moves the file asks for, one line each (Kafka's wording); whether
// any is still under way.
bool print_log_dir_states(Admin& admin, const std::vector<ReassignmentEntry>& targets) {
  auto moves = log_dir_targets(targets);
  std::vector<std::tuple<std::string, int32_t, int32_t>> replicas;
  for (const auto& m : moves) replicas.push_back(m.first);
  auto dirs = replicas.empty() ? decltype(admin.replica_log_dirs(replicas)){} : admin.replica_log_dirs(replicas);
  std::vector<std::string> lines;
  bool ongoing = false;
  for (const auto& [r, target] : moves) {
    std::string part = std::get<0>(r) + "-" + std::to_string(std::get<1>(r));
    std::string broker = std::to_string(std::get<2>(r));
    auto it = dirs.find(r);
    if (it == dirs.end()) {
      lines.push_back("Partition " + part + " cannot be found in any live log directory on broker " + broker + ".");
    } else if (it->second.first.empty()) {
      lines.push_back("Partition " + part + " is not found in any live log dir on broker " + broker +
                      ". There is likely an offline log directory on the broker.");
    } else if (it->second.second.empty()) {
      if (it->second.first == target) {
        lines.push_back("Reassignment of replica " + replica_string(r) + " completed successfully.");
        continue;
      }
      // Kafka counts a move that is not under way as done.
      lines.push_back("Partition " + part + " on broker " + broker + " is not being moved from log dir " +
                      it->second.first + " to " + target + ".");
      continue;
    } else if (it->second.second == target) {
      lines.push_back("Reassignment of replica " + replica_string(r) + " is still in progress.");
    } else {
      lines.push_back("Partition " + part + " on broker " + broker + " is being moved to log dir " + it->second.second +
                      " instead of " + target + ".");
    }
    ongoing = true;
  }
  std::printf("%s\n", join(lines, "\n").c_str());
  std::fflush(stdout);
  return ongoing;
}

void verify(Admin& admin, const std::vector<ReassignmentEntry>& targets, bool preserve_throttles) {
  auto ongoing = admin.list_reassignments(std::nullopt);
  std::vector<std::string> unknown_topics;
  for (const auto& e : targets)
    if (!ongoing.count({e.topic, e.partition})) unknown_topics.push_back(e.topic);
  auto described = describe_topics(admin, unknown_topics, false);
  std::map<TopicPartition, std::string> lines;
  for (const auto& e : targets) {
    TopicPartition tp{e.topic, e.partition};
    std::string name = tp_string(tp);
    if (ongoing.count(tp)) {
      lines[tp] = "Reassignment of partition " + name + " is still in progress.";
      continue;
    }
    std::vector<int32_t> current;
    auto it = described.find(e.topic);
    if (it != described.end()) {
      size_t n = it->second.size();
      if (static_cast<size_t>(e.partition) == n)
        fail("Index " + std::to_string(n) + " out of bounds for length " + std::to_string(n),
             "java.lang.IndexOutOfBoundsException");
      if (e.partition >= 0 && static_cast<size_t>(e.partition) < n) current = it->second[e.partition];
    }
    if (current == e.replicas)
      lines[tp] = "Reassignment of partition " + name + " is completed.";
    else
      lines[tp] = "There is no active reassignment of partition " + name + ", but replica set is " + ints(current) +
                  " rather than " + ints(e.replicas) + ".";
  }
  std::printf("Status of partition reassignment:\n");
  std::vector<std::string> out;
  for (const auto& [_, line] : lines) out.push_back(line);
  std::printf("%s%s", join(out, "\n").c_str(), out.empty() ? "" : "\n");
  std::fflush(stdout);
  bool moves_ongoing = print_log_dir_states(admin, targets);
  if (ongoing.empty() && !moves_ongoing && !preserve_throttles) clear_all_throttles(admin, targets);
}

void cancel(Admin& admin, const std::vector<ReassignmentEntry>& targets, bool preserve_throttles, int64_t timeout_ms) {
  std::vector<TopicPartition> tps;
  for (const auto& e : targets) tps.push_back({e.topic, e.partition});
  tps = java_tp_set(tps);
  std::vector<TopicPartition> cancelling;
  for (const auto& [tp, r] : admin.list_reassignments(tps))
    if (r.adding.empty() || !r.removing.empty()) cancelling.push_back(tp);
  if (!cancelling.empty()) {
    std::vector<std::pair<TopicPartition, std::optional<std::vector<int32_t>>>> request;
    for (const auto& tp : cancelling) request.push_back({tp, std::nullopt});
    auto errors = admin.alter_reassignments(request);
    std::vector<std::string> failed;
    for (const auto& [tp, e] : errors)
      if (e) failed.push_back(tp_string(tp) + ": " + *e);
    if (!failed.empty())
      fail("Error cancelling partition reassignment" + std::string(failed.size() == 1 ? "" : "s") + " for:\n" +
               join(failed, "\n"),
           "");
    std::vector<std::string> names;
    for (const auto& tp : cancelling) names.push_back(tp_string(tp));  // sorted: a std::map's order
    std::printf("Successfully cancelled partition reassignment%s for: %s\n", cancelling.size() == 1 ? "" : "s",
                join(names, ",").c_str());
  } else {
    std::printf("None of the specified partition reassignments are active.\n");
  }
  std::fflush(stdout);
  // Log dir moves under way go back to where they were.
  auto moves = log_dir_targets(targets);
  std::vector<std::tuple<std::string, int32_t, int32_t>> replicas;
  for (const auto& m : moves) replicas.push_back(m.first);
  std::vector<std::pair<std::tuple<std::string, int32_t, int32_t>, std::string>> active;
  if (!replicas.empty())
    for (const auto& [r, dirs] : admin.replica_log_dirs(replicas))
      if (!dirs.first.empty() && !dirs.second.empty()) active.push_back({r, dirs.first});
  if (active.empty()) {
    std::printf("None of the specified partition moves are active.");
    std::fflush(stdout);
  } else {
    execute_moves(admin, active, timeout_ms);
  }
  if (!preserve_throttles) clear_all_throttles(admin, targets);
}

void list(Admin& admin) {
  auto ongoing = admin.list_reassignments(std::nullopt);
  if (ongoing.empty()) {
    std::printf("No partition reassignments found.\n");
    return;
  }
  std::printf("Current partition reassignments:\n");
  std::vector<std::string> lines;
  for (const auto& [tp, r] : ongoing) {
    std::string line = tp_string(tp) + ": replicas: " + ints(r.replicas) + ".";
    if (!r.adding.empty()) line += " adding: " + ints(r.adding) + ".";
    if (!r.removing.empty()) line += " removing: " + ints(r.removing) + ".";
    lines.push_back(line);
  }
  std::printf("%s\n", join(lines, "\n").c_str());
}

void generate(Admin& admin, const std::string& topics_json, const std::string& broker_list, bool rack_aware) {
  // Java's String.split(","): trailing empty strings dropped.
  std::vector<std::string> pieces;
  {
    std::string cur;
    for (char c : broker_list) {
      if (c == ',') {
        pieces.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    pieces.push_back(cur);
    while (pieces.size() > 1 && pieces.back().empty()) pieces.pop_back();
  }
  std::vector<int32_t> brokers, dups;
  for (const auto& p : pieces) {
    auto v = java_long(p);
    if (!v || *v < INT32_MIN || *v > INT32_MAX) fail("For input string: \"" + p + "\"", "java.lang.NumberFormatException");
    if (std::find(brokers.begin(), brokers.end(), static_cast<int32_t>(*v)) != brokers.end()) dups.push_back(*v);
    brokers.push_back(static_cast<int32_t>(*v));
  }
  if (!dups.empty()) fail("Broker list contains duplicate entries: [" + ints(java_int_set(dups), ", ") + "]", kCommandFailed);
  auto topics = parse_topics_json(topics_json);
  if (!topics.ok()) {
    const std::string m = topics.status().message();
    fail(m.substr(0, m.rfind('\n')), m.substr(m.rfind('\n') + 1));
  }
  std::vector<std::string> seen, dup_topics;
  for (const auto& t : *topics) {
    if (std::find(seen.begin(), seen.end(), t) != seen.end()) dup_topics.push_back(t);
    seen.push_back(t);
  }
  if (!dup_topics.empty())
    fail("List of topics to reassign contains duplicate entries: [" + join(java_string_set(dup_topics), ", ") + "]",
         kCommandFailed);

  auto described = describe_topics(admin, *topics);
  std::map<TopicPartition, std::vector<int32_t>> current;
  for (const auto& [topic, parts] : described)
    for (size_t p = 0; p < parts.size(); ++p) current[{topic, static_cast<int32_t>(p)}] = parts[p];

  std::vector<int32_t> chosen;
  std::map<int32_t, std::string> racks;
  size_t rackless = 0;
  for (const auto& [id, rack] : admin.describe_cluster()) {
    if (std::find(brokers.begin(), brokers.end(), id) == brokers.end()) continue;
    chosen.push_back(id);
    if (rack_aware && rack) racks[id] = *rack;
    else ++rackless;
  }
  if (rack_aware && rackless != 0 && rackless != chosen.size())
    fail("Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment "
         "without rack information.",
         kAdminOperation);

  // Per topic, Kafka's assignment over the chosen brokers with a random start (the replication
  // factor of the topic's first partition); rack-aware when the brokers have racks.
  std::random_device rd;
  std::mt19937 rng(rd());
  std::map<TopicPartition, std::vector<int32_t>> proposed;
  for (const auto& [topic, parts] : described) {
    if (parts.empty()) continue;
    const int32_t rf = static_cast<int32_t>(parts[0].size());
    const std::string invalid_rf = "org.apache.kafka.common.errors.InvalidReplicationFactorException";
    if (chosen.empty()) fail("All brokers are currently fenced, or have all their log directories cordoned.", invalid_rf);
    if (rf <= 0) fail("Replication factor must be larger than 0.", invalid_rf);
    if (rf > static_cast<int32_t>(chosen.size()))
      fail("Replication factor: " + std::to_string(rf) + " larger than available brokers: " +
               std::to_string(chosen.size()) + ".",
           invalid_rf);
    std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(chosen.size()) - 1);
    int32_t start = pick(rng), shift = pick(rng);
    const int32_t n = static_cast<int32_t>(parts.size());
    for (const auto& [p, replicas] : racks.empty() ? assign_replicas_rack_unaware(chosen, n, rf, start, shift)
                                                   : assign_replicas_rack_aware(racks, n, rf, start, shift))
      proposed[{topic, p}] = replicas;
  }
  std::printf("Current partition replica assignment\n%s\n\n", format_reassignment_json(current, current_log_dirs(admin, current)).c_str());
  std::printf("Proposed partition reassignment configuration\n%s\n", format_reassignment_json(proposed).c_str());
}

// What Kafka's admin client does first with bootstrap.controllers: DescribeCluster for the
// controller endpoints (endpoint type 2). A broker's listener answers MISMATCHED_ENDPOINT_TYPE,
// which the client logs (once or twice, as its metadata manager's timing goes) and the call
// fails with.
// A node that serves controllers is the one every call of the tool then goes to.
HostPort controller_endpoints(const std::vector<HostPort>& bootstrap, int api_timeout_ms) {
  auto deadline = RawClock::now() + std::chrono::milliseconds(api_timeout_ms);
  for (const auto& hp : bootstrap) {
    auto c = RawConnection::open(hp.host, hp.port, deadline);
    if (!c.ok()) continue;
    int16_t v = (*c)->version_for(protocol::DescribeClusterRequest::kApiKey, 1);
    if (v < 1) call_fail("org.apache.kafka.common.errors.UnsupportedVersionException", "The node does not support DESCRIBE_CLUSTER");
    protocol::DescribeClusterRequest req;
    req.endpoint_type = 2;
    auto resp = (*c)->call<protocol::DescribeClusterRequest, protocol::DescribeClusterResponse>(req, v, deadline);
    if (!resp.ok()) continue;
    if (resp->error_code == 0) return hp;
    auto code = static_cast<ErrorCode>(resp->error_code);
    std::string cause = java_exception_class(code) + ": " +
                        (resp->error_message ? *resp->error_message : std::string(error_message(code)));
    std::fprintf(stderr,
                   "[%s] WARN [AdminClient clientId=reassign-partitions-tool] Fatal error during metadata update "
                   "(org.apache.kafka.clients.admin.internals.AdminMetadataManager)\n%s\n",
                   log_timestamp().c_str(), cause.c_str());
    fail(cause, kExecution);
  }
  call_timeout("listPartitionReassignments");
}

// An option's value read as joptsimple's Long converter reads it.
int64_t long_option(const ParsedArgs& a, const std::string& name, int64_t fallback) {
  auto v = single_value(a, name);
  if (!v.ok()) fail(v.status().message(), joptsimple_exception_class(v.status().message()));
  if (!*v) return fallback;
  auto n = java_long(**v);
  if (!n) fail("Cannot parse argument '" + **v + "' of option " + name, "joptsimple.OptionArgumentConversionException");
  return *n;
}

std::string read_file(const ParsedArgs& a, const std::string& name) {
  auto path = single_value(a, name);
  if (!path.ok()) fail(path.status().message(), joptsimple_exception_class(path.status().message()));
  std::error_code ec;
  std::ifstream in(**path, std::ios::binary);
  if (!in || std::filesystem::is_directory(**path, ec)) fail("Unable to read file " + **path, "java.io.IOException");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<ReassignmentEntry> reassignment_entries(const std::string& text) {
  auto parsed = parse_reassignment_json(text);
  if (!parsed.ok()) {
    const std::string m = parsed.status().message();
    fail(m.substr(0, m.rfind('\n')), m.substr(m.rfind('\n') + 1));
  }
  return std::move(parsed).value();
}

}  // namespace

namespace {
// A JSON file's "version" field (1 when absent): Kafka's tool reads version 1 only.
Status check_version(const json& doc) {
  int32_t version = 1;
  if (auto v = doc.find("version"); v != doc.end()) {
    auto n = to_int(*v);
    if (!n.ok()) return n.status();
    version = *n;
  }
  if (version != 1) return parse_error("Not supported version field value " + std::to_string(version), kAdminOperation);
  return Status();
}
}  // namespace

Result<std::vector<ReassignmentEntry>> parse_reassignment_json(const std::string& text) {
  if (text.empty()) return parse_error("The input string shouldn't be empty", kAdminOperation);
  auto doc = parse_json(text);
  if (!doc.ok()) return parse_error(doc.status().message(), kAdminOperation);
  if (!doc->is_object()) return parse_error("Expected JSON object, received " + doc->dump(), kMappingClass);
  if (Status v = check_version(*doc); !v.ok()) return v;
  std::vector<ReassignmentEntry> out;
  auto parts = doc->find("partitions");
  if (parts == doc->end()) return out;
  if (!parts->is_array()) return parse_error("Expected JSON array, received " + parts->dump(), kMappingClass);
  for (const auto& p : *parts) {
    if (!p.is_object()) return parse_error("Expected JSON object, received " + p.dump(), kMappingClass);
    ReassignmentEntry e;
    auto topic = p.find("topic");
    if (topic == p.end()) return parse_error("No such field exists: `topic`", kMappingClass);
    if (!topic->is_string()) return parse_error("Expected `String` value, received " + topic->dump(), kMappingClass);
    e.topic = topic->get<std::string>();
    auto partition = p.find("partition");
    if (partition == p.end()) return parse_error("No such field exists: `partition`", kMappingClass);
    auto pn = to_int(*partition);
    if (!pn.ok()) return pn.status();
    e.partition = *pn;
    auto replicas = p.find("replicas");
    if (replicas == p.end()) return parse_error("No such field exists: `replicas`", kMappingClass);
    if (!replicas->is_array()) return parse_error("Expected JSON array, received " + replicas->dump(), kMappingClass);
    for (const auto& r : *replicas) {
      auto rn = to_int(r);
      if (!rn.ok()) return rn.status();
      e.replicas.push_back(*rn);
    }
    if (auto dirs = p.find("log_dirs"); dirs != p.end()) {
      if (!dirs->is_array()) return parse_error("Expected JSON array, received " + dirs->dump(), kMappingClass);
      for (const auto& d : *dirs) {
        if (!d.is_string()) return parse_error("Expected `String` value, received " + d.dump(), kMappingClass);
        e.log_dirs.push_back(d.get<std::string>());
      }
    } else {
      e.log_dirs.assign(e.replicas.size(), "any");
    }
    if (e.replicas.size() != e.log_dirs.size())
      return parse_error("Size of replicas list [" + ints(e.replicas, ", ") + "] is different from size of log dirs list [" +
                             join(e.log_dirs, ", ") + "] for partition " + tp_string({e.topic, e.partition}),
                         kCommandFailed);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<std::string>> parse_topics_json(const std::string& text) {
  // Json.parseFull: what Jackson cannot read is no JSON at all.
  auto doc = parse_json(text);
  if (!doc.ok()) return parse_error("The input string is not a valid JSON", kAdminOperation);
  if (!doc->is_object()) return parse_error("Expected JSON object, received " + doc->dump(), kMappingClass);
  if (Status v = check_version(*doc); !v.ok()) return v;
  std::vector<std::string> out;
  auto topics = doc->find("topics");
  if (topics == doc->end()) return out;
  if (!topics->is_array()) return parse_error("Expected JSON array, received " + topics->dump(), kMappingClass);
  for (const auto& t : *topics) {
    if (!t.is_object()) return parse_error("Expected JSON object, received " + t.dump(), kMappingClass);
    auto name = t.find("topic");
    if (name == t.end()) return parse_error("No such field exists: `topic`", kMappingClass);
    if (!name->is_string()) return parse_error("Expected `String` value, received " + name->dump(), kMappingClass);
    out.push_back(name->get<std::string>());
  }
  return out;
}

std::string format_reassignment_json(const std::map<std::pair<std::string, int32_t>, std::vector<int32_t>>& assignment,
                                     const std::map<std::pair<std::string, int32_t>, std::vector<std::string>>& log_dirs) {
  nlohmann::ordered_json partitions = nlohmann::ordered_json::array();
  for (const auto& [tp, replicas] : assignment) {  // std::map: by topic, then partition, as Kafka sorts
    nlohmann::ordered_json p;
    p["topic"] = tp.first;
    p["partition"] = tp.second;
    p["replicas"] = replicas;
    auto dirs = log_dirs.find(tp);
    p["log_dirs"] = dirs != log_dirs.end() ? dirs->second : std::vector<std::string>(replicas.size(), "any");
    partitions.push_back(std::move(p));
  }
  nlohmann::ordered_json doc;
  doc["version"] = 1;
  doc["partitions"] = std::move(partitions);
  return doc.dump();
}

std::map<int32_t, std::vector<int32_t>> assign_replicas_rack_unaware(const std::vector<int32_t>& brokers,
                                                                      int32_t partitions, int32_t replication_factor,
                                                                      int32_t start_index, int32_t replica_shift) {
  std::map<int32_t, std::vector<int32_t>> out;
  int32_t p = 0;
  for (auto& replicas : place_replicas_rack_unaware(brokers, 0, partitions, replication_factor, start_index, replica_shift))
    out[p++] = std::move(replicas);
  return out;
}

std::map<int32_t, std::vector<int32_t>> assign_replicas_rack_aware(const std::map<int32_t, std::string>& racks,
                                                                    int32_t partitions, int32_t replication_factor,
                                                                    int32_t start_index, int32_t replica_shift) {
  // The brokers alternated by rack.
  std::map<std::string, std::vector<int32_t>> by_rack;  // racks sorted, each rack's brokers sorted by id
  for (const auto& [id, rack] : racks) by_rack[rack].push_back(id);
  std::vector<std::pair<std::vector<int32_t>, size_t>> iters;
  for (auto& [rack, ids] : by_rack) iters.push_back({ids, 0});
  std::vector<int32_t> arranged;
  for (size_t r = 0; arranged.size() < racks.size(); r = (r + 1) % iters.size())
    if (iters[r].second < iters[r].first.size()) arranged.push_back(iters[r].first[iters[r].second++]);

  std::map<int32_t, std::vector<int32_t>> out;
  const int32_t n = static_cast<int32_t>(arranged.size());
  const int32_t num_racks = static_cast<int32_t>(by_rack.size());
  if (n == 0) return out;
  auto replica_index = [n](int32_t first, int32_t second_shift, int32_t index) {
    int64_t step = 1 + (static_cast<int64_t>(second_shift) + index) % (n - 1);
    return static_cast<int32_t>((first + step) % n);
  };
  int32_t shift = replica_shift;
  for (int32_t p = 0; p < partitions; ++p) {
    if (p > 0 && p % n == 0) ++shift;
    const int32_t first = (p + start_index) % n;
    const int32_t leader = arranged[first];
    std::vector<int32_t> replicas{leader};
    std::set<std::string> racks_used{racks.at(leader)};
    std::set<int32_t> brokers_used{leader};
    int32_t k = 0;
    for (int32_t j = 0; j < replication_factor - 1; ++j) {
      while (true) {
        const int32_t broker = arranged[replica_index(first, shift * num_racks, k++)];
        const std::string& rack = racks.at(broker);
        if ((!racks_used.count(rack) || static_cast<int32_t>(racks_used.size()) == num_racks) &&
            (!brokers_used.count(broker) || static_cast<int32_t>(brokers_used.size()) == n)) {
          replicas.push_back(broker);
          racks_used.insert(rack);
          brokers_used.insert(broker);
          break;
        }
      }
    }
    out[p] = std::move(replicas);
  }
  return out;
}

int reassign_partitions_main(int argc, char** argv) {
  const auto& options = docs();
  if (argc <= 1) usage_exit(kUsage, options);
  auto parsed = parse_args(argc, argv, options);
  if (!parsed.ok()) {
    const std::string m = parsed.status().message();
    std::fprintf(stderr, "Exception in thread \"main\" %s: %s\n", joptsimple_exception_class(m).c_str(), m.c_str());
    return 1;
  }
  const ParsedArgs& a = *parsed;
  if (a.has("help")) usage_exit(kUsage, options);
  if (a.has("version")) version_exit();

  // ReassignPartitionsCommand.validateAndParseArgs.
  const std::vector<std::string> actions = {"generate", "execute", "verify", "cancel", "list"};
  std::vector<std::string> chosen;
  for (const auto& name : actions)
    if (a.has(name)) chosen.push_back(name);
  if (chosen.size() != 1)
    usage_exit("Command must include exactly one action: --generate, --execute, --verify, --cancel, --list", options);
  const std::string action = chosen[0];
  if (a.has("bootstrap-server") && a.has("bootstrap-controller"))
    usage_exit("Please don't specify both --bootstrap-server and --bootstrap-controller", options);
  if (!a.has("bootstrap-server") && !a.has("bootstrap-controller"))
    usage_exit("Please specify either --bootstrap-server or --bootstrap-controller", options);
  const bool via_server = a.has("bootstrap-server");
  const std::string bootstrap_opt = via_server ? "bootstrap-server" : "bootstrap-controller";
  std::map<std::string, std::vector<std::string>> required = {
      {"verify", {"reassignment-json-file"}},
      {"generate", {"topics-to-move-json-file", "broker-list"}},
      {"execute", {"reassignment-json-file"}},
      {"cancel", {"reassignment-json-file"}},
      {"list", {}},
  };
  std::map<std::string, std::vector<std::string>> permitted = {
      {"verify", {"bootstrap-server", "command-config", "preserve-throttles"}},
      {"generate", {"bootstrap-server", "broker-list", "command-config", "disable-rack-aware"}},
      {"execute",
       {"additional", "bootstrap-server", "command-config", "throttle", "replica-alter-log-dirs-throttle", "timeout",
        "disallow-replication-factor-change"}},
      {"cancel", {bootstrap_opt, "command-config", "preserve-throttles", "timeout"}},
      {"list", {bootstrap_opt, "command-config"}},
  };
  for (const auto& name : required[action])
    if (!a.has(name)) usage_exit("Missing required argument \"[" + name + "]\"", options);
  for (const auto& [name, _] : a.options) {
    const auto& req = required[action];
    const auto& ok = permitted[action];
    if (name != action && std::find(req.begin(), req.end(), name) == req.end() &&
        std::find(ok.begin(), ok.end(), name) == ok.end())
      usage_exit("Option \"[" + name + "]\" can't be used with action \"[" + action + "]\"", options);
  }

  try {
    Properties props;
    auto config = single_value(a, "command-config");
    if (!config.ok()) fail(config.status().message(), joptsimple_exception_class(config.status().message()));
    if (*config) {
      auto loaded = Properties::load_file(**config);
      if (!loaded.ok()) fail(**config, "java.nio.file.NoSuchFileException");
      props = std::move(loaded).value();
    }
    auto bootstrap_arg = single_value(a, bootstrap_opt);
    if (!bootstrap_arg.ok()) fail(bootstrap_arg.status().message(), joptsimple_exception_class(bootstrap_arg.status().message()));
    if (!*bootstrap_arg) {
      // Properties.put(key, null): what Kafka's tool does with a bootstrap option given no value.
      std::printf("Error: null\njava.lang.NullPointerException\n\n");
      return 1;
    }
    auto bootstrap = parse_bootstrap(**bootstrap_arg);
    if (!bootstrap.ok()) fail("Failed to create new KafkaAdminClient", "org.apache.kafka.common.KafkaException");
    Admin admin(*bootstrap, int_property(props, "default.api.timeout.ms", 60000));

    if (!via_server) admin.use_controller(controller_endpoints(*bootstrap, int_property(props, "default.api.timeout.ms", 60000)));

    if (action == "verify") {
      auto entries = reassignment_entries(read_file(a, "reassignment-json-file"));
      verify(admin, entries, a.has("preserve-throttles"));
    } else if (action == "generate") {
      std::string text = read_file(a, "topics-to-move-json-file");
      auto brokers = single_value(a, "broker-list");
      if (!brokers.ok()) fail(brokers.status().message(), joptsimple_exception_class(brokers.status().message()));
      generate(admin, text, **brokers, !a.has("disable-rack-aware"));
    } else if (action == "execute") {
      std::string text = read_file(a, "reassignment-json-file");
      int64_t throttle = long_option(a, "throttle", -1);
      int64_t log_dir_throttle = long_option(a, "replica-alter-log-dirs-throttle", -1);
      int64_t timeout = long_option(a, "timeout", 10000);
      execute(admin, reassignment_entries(text), a.has("additional"), throttle, log_dir_throttle, timeout,
              !a.has("disallow-replication-factor-change"));
    } else if (action == "cancel") {
      std::string text = read_file(a, "reassignment-json-file");
      int64_t timeout = long_option(a, "timeout", 10000);
      cancel(admin, reassignment_entries(text), a.has("preserve-throttles"), timeout);
    } else {
      list(admin);
    }
  } catch (const ToolError& e) {
    if (e.exception_class.empty()) {
      std::printf("%s\n", e.message.c_str());
    } else {
      std::printf("Error: %s\n%s: %s\n\n", e.message.c_str(), e.exception_class.c_str(), e.message.c_str());
    }
    std::fflush(stdout);
    return 1;
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace moldau::ops
