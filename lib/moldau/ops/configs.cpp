#include "moldau/ops/configs.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <netdb.h>

#include "moldau/ops/admin_tool.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/alter_client_quotas.h"
#include "moldau/protocol/messages/describe_client_quotas.h"
#include "moldau/protocol/messages/describe_configs.h"
#include "moldau/protocol/messages/incremental_alter_configs.h"
#include "moldau/protocol/messages/list_groups.h"

namespace moldau::ops {

namespace {

const char* kUsage =
    "This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, "
    "client-metrics or group";

// The configs each entity type takes, as Kafka 4.4's --help lists them (the tool's output).
const std::vector<std::pair<std::string, std::vector<std::string>>>& valid_configs() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kConfigs = {
#include "moldau/ops/configs_valid.inc"
  };
  return kConfigs;
}

std::string add_config_description() {
  std::string d =
      "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: "
      "'k1=v1,k2=[v1,v2,v2],k3=v3'. The following is a list of valid configurations: ";
  for (const auto& [type, names] : valid_configs()) {
    d += "For entity-type '" + type + "': ";
    for (const auto& n : names) d += "\n\t" + n;
    d += "\n";
  }
  d += "Entity types 'users' and 'clients' may be specified together to update config for clients of a specific user.";
  return d;
}

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's ConfigCommand options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"add-config", "String", add_config_description()},
      {"add-config-file", "String",
       "Path to a properties file with configs to add. See add-config for a list of valid configurations."},
      {"all", "", "List all configs for the given entity, including static configs if available."},
      {"alter", "", "Alter the configuration for the entity."},
      {"bootstrap-controller", "String: controller to connect to", "The Kafka controllers to connect to."},
      {"bootstrap-server", "String: server to connect to", "The Kafka servers to connect to."},
      {"broker", "String", "The broker's ID."},
      {"broker-defaults", "", "The config defaults for all brokers."},
      {"broker-logger", "String", "The broker's ID for its logger config."},
      {"client", "String", "The client's ID."},
      {"client-defaults", "", "The config defaults for all clients."},
      {"client-metrics", "String", "The client metrics config resource name."},
      {"command-config", "String: command config property file",
       "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server "
       "option for describing and altering broker configs."},
      {"delete-config", "String", "config keys to remove 'k1,k2'"},
      {"describe", "", "List configs for the given entity."},
      {"entity-default", "", "Default entity name for clients/users/brokers/ips (applies to corresponding entity type)"},
      {"entity-name", "String",
       "Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)"},
      {"entity-type", "String", "Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)"},
      {"group", "String", "The group's ID."},
      {"help", "", "Print usage information."},
      {"ip", "String", "The IP address."},
      {"ip-defaults", "", "The config defaults for all IPs."},
      {"topic", "String", "The topic's name."},
      {"user", "String", "The user's principal name."},
      {"user-defaults", "", "The config defaults for all users."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// ListConfigResources (API 74, KIP-1142; ListClientMetricsResources at v0): v1 asks for
// resources of given types, which for GROUP are the groups that exist or have configs.
struct ListConfigResourcesRequest {
  static constexpr int16_t kApiKey = 74;
  static constexpr const char* kApiName = "ListConfigResources";
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 1;
  static constexpr int16_t kFirstFlexibleVersion = 0;
  std::vector<int8_t> resource_types;
  template <class IO>
  void io(IO& io, int16_t v) {
    if (v >= 1) io.array("resource_types", resource_types, [&](IO& io, int8_t& e) { io.i8("", e); });
    io.tagged_fields();
  }
};
struct ListConfigResourcesResponse {
  static constexpr int16_t kApiKey = 74;
  static constexpr const char* kApiName = "ListConfigResources";
  static constexpr int16_t kMinVersion = 0;
  static constexpr int16_t kMaxVersion = 1;
  static constexpr int16_t kFirstFlexibleVersion = 0;
  struct ConfigResource {
    std::string name;
    int8_t type = 16;
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<ConfigResource> resources;
  template <class IO>
  void io(IO& io, int16_t v) {
    io.i32("throttle_time_ms", throttle_time_ms);
    io.i16("error_code", error_code);
    io.array("config_resources", resources, [&](IO& io, ConfigResource& e) {
      io.string("name", e.name);
      if (v >= 1) io.i8("type", e.type);
      io.tagged_fields();
    });
    io.tagged_fields();
  }
};

// Resource types and config sources on the wire.
constexpr int8_t kTopic = 2, kBroker = 4, kBrokerLogger = 8, kClientMetrics = 16, kGroup = 32;
constexpr int8_t kSet = 0, kDelete = 1;

const char* source_name(int8_t s) {
  switch (s) {
    case 1: return "DYNAMIC_TOPIC_CONFIG";
    case 2: return "DYNAMIC_BROKER_CONFIG";
    case 3: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case 4: return "STATIC_BROKER_CONFIG";
    case 5: return "DEFAULT_CONFIG";
    case 6: return "DYNAMIC_BROKER_LOGGER_CONFIG";
    case 7: return "DYNAMIC_CLIENT_METRICS_CONFIG";
    case 8: return "DYNAMIC_GROUP_CONFIG";
    default: return "UNKNOWN";
  }
}

// An error ConfigCommand reports with its message only (IllegalArgumentException,
// InvalidConfigurationException, joptsimple's OptionException).
struct ArgError {
  std::string message;
};
// Anything else: "Error while executing config command with args '...'" and the exception.
struct ExecError {
  std::string exception;  // "org.apache.kafka.common.errors.X: message"
  bool wrapped = true;    // thrown from a future's get(): an ExecutionException around it
};

// Java's Topic.validate.
std::optional<std::string> invalid_topic_name(const std::string& name) {
  if (name.empty()) return "Topic name is illegal, it can't be empty";
  if (name == "." || name == "..") return "Topic name cannot be \".\" or \"..\"";
  if (name.size() > 249)
    return "Topic name is illegal, it can't be longer than 249 characters, topic name: " + name;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return "Topic name is invalid: '" + name +
             "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'";
  return std::nullopt;
}

bool java_parse_int(const std::string& s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return false;
  try {
    long long v = std::stoll(s);
    return v >= INT32_MIN && v <= INT32_MAX;
  } catch (...) {
    return false;
  }
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

// Whether a separator at `pos` lies outside square brackets: ConfigCommand's lookahead
// (?=[^\]]*(?:\[|$)) -- the text after it reaches a '[' or the end before any ']'.
bool outside_brackets(const std::string& s, size_t pos) {
  for (size_t i = pos; i < s.size(); ++i) {
    if (s[i] == ']') return false;
    if (s[i] == '[') return true;
  }
  return true;
}

// Java's String.split(regex) for the comma pattern: trailing empty strings dropped.
std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == ',' && outside_brackets(s, i + 1)) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  out.push_back(s.substr(start));
  while (out.size() > 1 && out.back().empty()) out.pop_back();
  return out;
}

// split("\\s*=\\s*" + lookahead, -1).
std::vector<std::string> split_equals(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') continue;
    size_t after = i + 1;
    while (after < s.size() && std::isspace(static_cast<unsigned char>(s[after]))) ++after;
    if (!outside_brackets(s, after)) continue;
    size_t before = i;
    while (before > start && std::isspace(static_cast<unsigned char>(s[before - 1]))) --before;
    out.push_back(s.substr(start, before - start));
    start = after;
    i = after - 1;
  }
  out.push_back(s.substr(start));
  return out;
}

std::string join_args(int argc, char** argv) {
  std::string out;
  for (int i = 1; i < argc; ++i) out += (i > 1 ? " " : "") + std::string(argv[i]);
  return out;
}

struct Options {
  ParsedArgs args;
  std::vector<std::string> entity_types;
  std::vector<std::string> entity_names;
};

std::optional<std::string> one(const ParsedArgs& a, const std::string& name) {
  auto v = single_value(a, name);
  if (!v.ok()) throw ArgError{v.status().message()};
  return *v;
}

const std::vector<std::pair<std::string, std::string>> kEntityFlags = {
    {"topic", "topics"}, {"client", "clients"}, {"user", "users"}, {"broker", "brokers"},
    {"broker-logger", "broker-loggers"}, {"ip", "ips"}, {"client-metrics", "client-metrics"}, {"group", "groups"}};
const std::vector<std::pair<std::string, std::string>> kDefaultFlags = {
    {"client-defaults", "clients"}, {"user-defaults", "users"}, {"broker-defaults", "brokers"}, {"ip-defaults", "ips"}};

// ConfigCommandOptions.checkArgs, in its order.
void check_args(Options& o) {
  const ParsedArgs& a = o.args;
  int actions = (a.has("alter") ? 1 : 0) + (a.has("describe") ? 1 : 0);
  if (actions != 1) usage_exit("Command must include exactly one action: --describe, --alter", docs());
  if (a.has("describe"))
    for (const char* other : {"alter", "add-config", "delete-config"})
      if (a.has(other))
        usage_exit(std::string("Option \"[describe]\" can't be used with option \"[") + other + "]\"", docs());

  bool server = a.has("bootstrap-server"), controller = a.has("bootstrap-controller");
  if (!server && !controller) throw ArgError{"Either --bootstrap-server or --bootstrap-controller must be specified."};
  if (server && controller) throw ArgError{"Only one of --bootstrap-server or --bootstrap-controller can be specified"};

  if (auto* v = a.values("entity-type")) o.entity_types = *v;
  for (const auto& [flag, type] : kEntityFlags)
    if (a.has(flag)) o.entity_types.push_back(type);
  for (const auto& [flag, type] : kDefaultFlags)
    if (a.has(flag)) o.entity_types.push_back(type);
  for (const auto& [name, values] : a.options) {
    if (name == "entity-name") o.entity_names.insert(o.entity_names.end(), values.begin(), values.end());
    if (name == "entity-default") o.entity_names.push_back("");
  }
  for (const auto& [flag, type] : kEntityFlags)
    if (a.has(flag)) o.entity_names.push_back(*one(a, flag));
  for (const auto& [flag, type] : kDefaultFlags)
    if (a.has(flag)) o.entity_names.push_back("");

  const auto& types = o.entity_types;
  std::vector<std::string> dups;
  std::set<std::string> seen;
  for (const auto& t : types)
    if (!seen.insert(t).second) dups.push_back(t);
  if (!dups.empty()) throw ArgError{"Duplicate entity type(s) specified: " + join(dups, ",")};
  static const std::set<std::string> kAllowed = {"broker-loggers", "topics", "clients", "users",
                                                 "brokers", "ips", "client-metrics", "groups"};
  for (const auto& t : types)
    if (!kAllowed.count(t))
      throw ArgError{"Invalid entity type " + t +
                     ", the entity type must be one of broker-loggers, topics, clients, users, brokers, ips, "
                     "client-metrics, groups with a --bootstrap-server or --bootstrap-controller argument"};
  if (types.empty()) throw ArgError{"At least one entity type must be specified"};
  if (types.size() > 1 && std::set<std::string>(types.begin(), types.end()) != std::set<std::string>{"users", "clients"})
    throw ArgError{"Only 'users' and 'clients' entity types may be specified together"};
  bool specific = false;
  for (const auto& [flag, type] : kEntityFlags) specific |= a.has(flag);
  for (const auto& [flag, type] : kDefaultFlags) specific |= a.has(flag);
  if ((a.has("entity-name") || a.has("entity-type") || a.has("entity-default")) && specific)
    throw ArgError{"--entity-{type,name,default} should not be used in conjunction with specific entity flags"};

  bool has_name = false, has_default = false;
  for (const auto& n : o.entity_names) (n.empty() ? has_default : has_name) = true;
  auto contains = [&](const char* t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  if (has_name && (contains("brokers") || contains("broker-loggers"))) {
    for (const char* flag : {"entity-name", "broker", "broker-logger"}) {
      if (!a.has(flag)) continue;
      std::string id = *one(a, flag);
      if (!java_parse_int(id))
        throw ArgError{"The entity name for " + types.front() + " must be a valid integer broker id, but it is: " + id};
    }
  }
  if (has_name && contains("ips")) {
    for (const char* flag : {"entity-name", "ip"}) {
      if (!a.has(flag)) continue;
      std::string ip = *one(a, flag);
      unsigned char buf[16];
      addrinfo hints{}, *res = nullptr;
      bool ok = inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
      if (!ok && getaddrinfo(ip.c_str(), nullptr, &hints, &res) == 0) {
        ok = true;
        freeaddrinfo(res);
      }
      if (!ok)
        throw ArgError{"The entity name for " + types.front() + " must be a valid IP or resolvable host, but it is: " + ip};
    }
  }
  if (a.has("describe")) {
    if (!(contains("users") || contains("clients") || contains("brokers") || contains("ips")) && a.has("entity-default"))
      throw ArgError{"--entity-default must not be specified with --describe of " + join(types, ",")};
    if (contains("broker-loggers") && !has_name)
      throw ArgError{"An entity name must be specified with --describe of " + join(types, ",")};
  }
  if (a.has("alter")) {
    if (contains("users") || contains("clients") || contains("brokers") || contains("ips")) {
      if (!has_name && !has_default)
        throw ArgError{"An entity-name or default entity must be specified with --alter of users, clients, brokers or ips"};
    } else if (!has_name) {
      throw ArgError{"An entity name must be specified with --alter of " + join(types, ",")};
    }
    bool add = a.has("add-config"), file = a.has("add-config-file"), del = a.has("delete-config");
    if (add && file) throw ArgError{"Only one of --add-config or --add-config-file must be specified"};
    if (!add && !file && !del)
      throw ArgError{"At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter"};
  }
}

// The admin client's view of the cluster: the nodes, from the first bootstrap node that answers.
class Cluster {
 public:
  Cluster(std::vector<HostPort> bootstrap, RawClock::time_point deadline)
      : bootstrap_(std::move(bootstrap)), deadline_(deadline) {}

  RawClock::time_point deadline() const { return deadline_; }

  // The nodes (id, address) in the order the broker lists them; an error when none answers.
  // `call` names the admin call that waits for the cluster, in its timeout.
  const std::vector<std::pair<int32_t, HostPort>>& nodes(const std::string& call = "describeCluster") {
    if (!nodes_) {
      auto md = raw_metadata(bootstrap_, std::vector<std::string>{}, deadline_);
      if (!md.ok())
        throw ExecError{"org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. "
                        "Call: " + call};
      nodes_.emplace();
      for (const auto& b : md->brokers) nodes_->push_back({b.node_id, {b.host, b.port}});
    }
    return *nodes_;
  }
  std::optional<HostPort> node(int32_t id) {
    for (const auto& [n, hp] : nodes())
      if (n == id) return hp;
    return std::nullopt;
  }
  // A connection to `id` (any node when nullopt); `call` names the admin call in timeouts.
  RawConnection& connect(std::optional<int32_t> id, const std::string& call) {
    std::optional<HostPort> target;
    nodes(call);
    if (id) {
      target = node(*id);
      if (!target) {
        // The admin client waits for the node to appear until its call times out.
        std::this_thread::sleep_until(deadline_);
        throw ExecError{"org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: " +
                        call};
      }
    } else {
      if (nodes().empty()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: " + call};
      target = nodes().front().second;
    }
    std::string key = target->host + ":" + std::to_string(target->port);
    auto it = conns_.find(key);
    if (it == conns_.end()) {
      auto c = RawConnection::open(target->host, target->port, deadline_);
      if (!c.ok())
        throw ExecError{"org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: " +
                        call};
      it = conns_.emplace(key, std::move(c).value()).first;
    }
    return *it->second;
  }

 private:
  std::vector<HostPort> bootstrap_;
  RawClock::time_point deadline_;
  std::optional<std::vector<std::pair<int32_t, HostPort>>> nodes_;
  std::map<std::string, std::unique_ptr<RawConnection>> conns_;
};

std::string exception_text(int16_t code, const std::optional<std::string>& message) {
  auto ec = static_cast<ErrorCode>(code);
  return java_exception_class(ec) + ": " + (message && !message->empty() ? *message : std::string(error_message(ec)));
}

int8_t resource_type(const std::string& entity_type) {
  if (entity_type == "topics") return kTopic;
  if (entity_type == "brokers") return kBroker;
  if (entity_type == "broker-loggers") return kBrokerLogger;
  if (entity_type == "client-metrics") return kClientMetrics;
  return kGroup;
}

std::string singular(const std::string& entity_type) { return entity_type.substr(0, entity_type.size() - 1); }

// Where the admin client sends a request about this resource.
std::optional<int32_t> target_node(int8_t type, const std::string& name) {
  if ((type == kBroker || type == kBrokerLogger) && !name.empty()) return std::stoi(name);
  return std::nullopt;
}

// The groups Kafka 4.4's tool knows of: those ListGroups lists, then those that have configs
// (ListConfigResources v1 of GROUP, where the broker serves it).
std::vector<std::string> known_groups(Cluster& cluster) {
  std::vector<std::string> out;
  RawConnection& c = cluster.connect(std::nullopt, "listConfigResources");
  int16_t v = c.version_for(protocol::ListGroupsRequest::kApiKey, 5);
  protocol::ListGroupsRequest groups;
  auto listed = c.call<protocol::ListGroupsRequest, protocol::ListGroupsResponse>(groups, v, cluster.deadline());
  if (!listed.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + listed.status().message()};
  for (const auto& g : listed->groups) out.push_back(g.group_id);
  if (c.version_for(ListConfigResourcesRequest::kApiKey, 1) >= 1) {
    ListConfigResourcesRequest req;
    req.resource_types = {kGroup};
    auto resp = c.call<ListConfigResourcesRequest, ListConfigResourcesResponse>(req, 1, cluster.deadline());
    if (!resp.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + resp.status().message()};
    if (resp->error_code != 0) throw ExecError{exception_text(resp->error_code, std::nullopt)};
    for (const auto& r : resp->resources)
      if (std::find(out.begin(), out.end(), r.name) == out.end()) out.push_back(r.name);
  }
  return out;
}

// The client-metrics resources the broker lists (ListConfigResources).
std::vector<std::string> known_client_metrics(Cluster& cluster) {
  std::vector<std::string> out;
  RawConnection& c = cluster.connect(std::nullopt, "listConfigResources");
  int16_t v = c.version_for(ListConfigResourcesRequest::kApiKey, 1);
  if (v < 0) return out;
  ListConfigResourcesRequest req;
  if (v >= 1) req.resource_types = {kClientMetrics};
  auto resp = c.call<ListConfigResourcesRequest, ListConfigResourcesResponse>(req, v, cluster.deadline());
  if (!resp.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + resp.status().message()};
  if (resp->error_code != 0) throw ExecError{exception_text(resp->error_code, std::nullopt)};
  for (const auto& r : resp->resources)
    if (r.type == kClientMetrics) out.push_back(r.name);
  return out;
}

using DescribedEntry = protocol::DescribeConfigsResponse::DescribeConfigsResult::DescribeConfigsResourceResult;

// DescribeConfigs of one resource; nullopt when it does not exist (Kafka's tool says so).
std::optional<std::vector<DescribedEntry>> describe_resource(Cluster& cluster, const std::string& entity_type,
                                                             const std::string& name) {
  int8_t type = resource_type(entity_type);
  if (type == kTopic && !name.empty())
    if (auto why = invalid_topic_name(name)) throw ArgError{*why};
  auto node = target_node(type, name);
  // Kafka's tool first asks whether the topic exists (listTopics), or which brokers there are.
  cluster.nodes(type == kTopic ? "listTopics"
                : (type == kGroup || type == kClientMetrics) ? "listConfigResources"
                                                            : "describeCluster");
  if (type == kGroup || type == kClientMetrics) {
    auto known = type == kGroup ? known_groups(cluster) : known_client_metrics(cluster);
    if (std::find(known.begin(), known.end(), name) == known.end()) return std::nullopt;
  }
  if (node && !cluster.node(*node)) return std::nullopt;
  RawConnection& c = cluster.connect(node, "describeConfigs");
  int16_t v = c.version_for(protocol::DescribeConfigsRequest::kApiKey, 4);
  if (v < 0) throw ExecError{"org.apache.kafka.common.errors.UnsupportedVersionException: DescribeConfigs is not supported"};
  protocol::DescribeConfigsRequest req;
  req.resources.push_back({type, name, std::nullopt});
  req.include_synonyms = true;
  auto resp = c.call<protocol::DescribeConfigsRequest, protocol::DescribeConfigsResponse>(req, v, cluster.deadline());
  if (!resp.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + resp.status().message()};
  if (resp->results.empty()) throw ExecError{"java.lang.IllegalStateException: no result"};
  const auto& r = resp->results.front();
  if (r.error_code == to_wire(ErrorCode::kUnknownTopicOrPartition) ||
      r.error_code == to_wire(ErrorCode::kGroupIdNotFound))
    return std::nullopt;
  if (r.error_code != 0) throw ExecError{exception_text(r.error_code, r.error_message)};
  return r.configs;
}

int8_t dynamic_source(int8_t type, const std::string& name) {
  switch (type) {
    case kTopic: return 1;
    case kBroker: return name.empty() ? 3 : 2;
    case kGroup: return 8;
    case kClientMetrics: return 7;
    default: return -1;  // broker loggers: every entry
  }
}

void describe_one(Cluster& cluster, const std::string& entity_type, const std::string& name, bool all) {
  auto configs = describe_resource(cluster, entity_type, name);
  if (!configs) {
    std::printf("The %s '%s' doesn't exist and doesn't have dynamic config.\n", singular(entity_type).c_str(),
                name.c_str());
    return;
  }
  if (name.empty() && entity_type == "brokers")
    std::printf("Default configs for %s in the cluster are:\n", entity_type.c_str());
  else
    std::printf("%s configs for %s %s are:\n", all ? "All" : "Dynamic", singular(entity_type).c_str(), name.c_str());
  int8_t wanted = all ? -1 : dynamic_source(resource_type(entity_type), name);
  std::vector<DescribedEntry> shown;
  for (const auto& e : *configs)
    if (wanted < 0 || e.config_source == wanted) shown.push_back(e);
  std::stable_sort(shown.begin(), shown.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  for (const auto& e : shown) {
    std::vector<std::string> syn;
    for (const auto& s : e.synonyms)
      syn.push_back(std::string(source_name(s.source)) + ":" + s.name + "=" + s.value.value_or("null"));
    std::printf("  %s=%s sensitive=%s synonyms={%s}\n", e.name.c_str(), e.value.value_or("null").c_str(),
                e.is_sensitive ? "true" : "false", join(syn, ", ").c_str());
  }
  std::fflush(stdout);
}

std::vector<std::string> entities_of(Cluster& cluster, const std::string& entity_type) {
  std::vector<std::string> out;
  if (entity_type == "topics") {
    std::optional<std::vector<std::string>> all;
    RawConnection& c = cluster.connect(std::nullopt, "listTopics");
    (void)c;
    auto md = raw_metadata({cluster.nodes().front().second}, std::nullopt, cluster.deadline());
    if (!md.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + md.status().message()};
    std::vector<int32_t> hashes;
    for (const auto& t : md->topics)
      if (t.name && t.error_code == 0) {
        out.push_back(*t.name);
        hashes.push_back(java_string_hash(*t.name));
      }
    std::vector<std::string> ordered;
    for (size_t i : java_hashmap_order(hashes)) ordered.push_back(out[i]);
    return ordered;
  }
  if (entity_type == "brokers" || entity_type == "broker-loggers") {
    for (const auto& [id, hp] : cluster.nodes()) out.push_back(std::to_string(id));
    out.push_back("");
    return out;
  }
  if (entity_type == "client-metrics") return known_client_metrics(cluster);
  return known_groups(cluster);
}

// Java's Double.toString for the values quotas usually hold.
std::string java_double(double d) {
  char buf[64];
  if (d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 1e7) {
    std::snprintf(buf, sizeof buf, "%.1f", d);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", d);
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

// Quotas of users, clients and ips (DescribeClientQuotas) of the entities named (any entity of
// a type given without a name), only those of exactly these types.
std::vector<protocol::DescribeClientQuotasResponse::EntryData> quota_entries(Cluster& cluster,
                                                                             const std::vector<std::string>& types,
                                                                             const std::vector<std::string>& names) {
  auto key = [](const std::string& t) { return t == "users" ? "user" : t == "clients" ? "client-id" : "ip"; };
  protocol::DescribeClientQuotasRequest req;
  for (size_t i = 0; i < types.size(); ++i) {
    protocol::DescribeClientQuotasRequest::ComponentData c;
    c.entity_type = key(types[i]);
    if (i < names.size() && !names[i].empty()) {
      c.match_type = 0;
      c.match = names[i];
    } else if (i < names.size()) {
      c.match_type = 1;
    } else {
      c.match_type = 2;
    }
    req.components.push_back(std::move(c));
  }
  req.strict = true;
  RawConnection& conn = cluster.connect(std::nullopt, "describeClientQuotas");
  int16_t v = conn.version_for(protocol::DescribeClientQuotasRequest::kApiKey, 1);
  if (v < 0) throw ExecError{"org.apache.kafka.common.errors.UnsupportedVersionException: DescribeClientQuotas is not supported"};
  auto resp = conn.call<protocol::DescribeClientQuotasRequest, protocol::DescribeClientQuotasResponse>(req, v, cluster.deadline());
  if (!resp.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + resp.status().message()};
  if (resp->error_code != 0) throw ExecError{exception_text(resp->error_code, resp->error_message)};
  return resp->entries ? *resp->entries : std::vector<protocol::DescribeClientQuotasResponse::EntryData>{};
}

// One line per entity that has quotas.
void describe_quotas(Cluster& cluster, const std::vector<std::string>& types, const std::vector<std::string>& names) {
  for (const auto& e : quota_entries(cluster, types, names)) {
    std::vector<std::string> entity, values;
    // Kafka names the user before the client id.
    auto components = e.entity;
    auto rank = [](const std::string& t) { return t == "user" ? 0 : t == "client-id" ? 1 : 2; };
    std::stable_sort(components.begin(), components.end(),
                     [&](const auto& x, const auto& y) { return rank(x.entity_type) < rank(y.entity_type); });
    for (const auto& c : components) {
      std::string what = c.entity_type == "user" ? "user-principal" : c.entity_type;
      entity.push_back(c.entity_name ? what + " '" + *c.entity_name + "'" : "the default " + what);
    }
    for (const auto& val : e.values) values.push_back(val.key + "=" + java_double(val.value));
    std::printf("Quota configs for %s are %s\n", join(entity, ", ").c_str(), join(values, ", ").c_str());
  }
}

void alter_one(Cluster& cluster, const std::string& entity_type, const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& to_add, const std::vector<std::string>& to_delete) {
  int8_t type = resource_type(entity_type);
  RawConnection& c = cluster.connect(target_node(type, name), "incrementalAlterConfigs");
  int16_t v = c.version_for(protocol::IncrementalAlterConfigsRequest::kApiKey, 1);
  if (v < 0)
    throw ExecError{"org.apache.kafka.common.errors.UnsupportedVersionException: IncrementalAlterConfigs is not supported"};
  protocol::IncrementalAlterConfigsRequest req;
  protocol::IncrementalAlterConfigsRequest::AlterConfigsResource res;
  res.resource_type = type;
  res.resource_name = name;
  for (const auto& [k, val] : to_add) res.configs.push_back({k, kSet, val});
  for (const auto& k : to_delete) res.configs.push_back({k, kDelete, std::string()});
  req.resources.push_back(std::move(res));
  auto resp =
      c.call<protocol::IncrementalAlterConfigsRequest, protocol::IncrementalAlterConfigsResponse>(req, v, cluster.deadline());
  if (!resp.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + resp.status().message()};
  for (const auto& r : resp->responses)
    if (r.error_code != 0) throw ExecError{exception_text(r.error_code, r.error_message)};
}

// The configs to add, in the order of the Java Properties (a Hashtable) they are kept in, then
// turned into a HashMap: Kafka sends them in that map's order.
std::vector<std::pair<std::string, std::string>> hash_ordered(const std::map<std::string, std::string>& m) {
  std::vector<std::pair<std::string, std::string>> items(m.begin(), m.end());
  std::vector<int32_t> hashes;
  for (const auto& [k, v] : items) hashes.push_back(java_string_hash(k));
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i : java_hashmap_order(hashes)) out.push_back(items[i]);
  return out;
}

// Java's Double.parseDouble, near enough: a decimal or exponent number, blanks around allowed.
std::optional<double> java_parse_double(const std::string& text) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (*end == 'd' || *end == 'D' || *end == 'f' || *end == 'F') ++end;
  if (*end != '\0' || t.find_first_of("xXnN") != std::string::npos) return std::nullopt;
  return d;
}

// --alter of users, clients and ips: ConfigCommand's checks, then AlterClientQuotas.
void alter_quotas(Cluster& cluster, const std::vector<std::string>& types, const std::vector<std::string>& names,
                  const std::vector<std::pair<std::string, std::string>>& add, const std::vector<std::string>& del) {
  static const std::set<std::string> kQuota = {"consumer_byte_rate", "controller_mutation_rate", "producer_byte_rate",
                                               "request_percentage"};
  static const std::set<std::string> kScram = {"SCRAM-SHA-256", "SCRAM-SHA-512"};
  const std::string& head = types.front();
  auto unexpected = [](const std::vector<std::string>& keys) { return join(keys, ","); };
  std::vector<std::string> add_keys;
  for (const auto& [k, v] : add) add_keys.push_back(k);
  if (head == "ips") {
    std::vector<std::string> bad;
    for (const auto& k : add_keys)
      if (k != "connection_creation_rate") bad.push_back(k);
    for (const auto& k : del)
      if (k != "connection_creation_rate") bad.push_back(k);
    if (!bad.empty())
      throw ArgError{"Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config "
                     "names: " + unexpected(bad)};
  } else {
    bool users_only = head == "users" && types.size() == 1;
    std::vector<std::string> bad_add, bad_del;
    bool scram = false;
    for (const auto& k : add_keys) {
      if (kQuota.count(k)) continue;
      if (users_only && kScram.count(k)) {
        scram = true;
        continue;
      }
      bad_add.push_back(k);
    }
    for (const auto& k : del) {
      if (kQuota.count(k)) continue;
      if (users_only && kScram.count(k)) {
        scram = true;
        continue;
      }
      bad_del.push_back(k);
    }
    std::string what = users_only ? "quota and SCRAM credential configs" : "quota configs";
    std::string type = users_only ? "users" : "clients";
    if (!bad_add.empty())
      throw ArgError{"Only " + what + " can be added for '" + type +
                     "' using --bootstrap-server. Unexpected config names: " + unexpected(bad_add)};
    if (!bad_del.empty())
      throw ArgError{"Only " + what + " can be deleted for '" + type +
                     "' using --bootstrap-server. Unexpected config names: " + unexpected(bad_del)};
    if (scram) throw ArgError{"Error: kafka-configs of Moldau does not alter SCRAM credentials yet"};
  }
  if (!del.empty()) {
    // Kafka's tool refuses to delete a quota the entity does not have.
    std::set<std::string> present;
    for (const auto& e : quota_entries(cluster, types, names))
      for (const auto& val : e.values) present.insert(val.key);
    std::vector<std::string> missing;
    for (const auto& k : del)
      if (!present.count(k)) missing.push_back(k);
    if (!missing.empty()) throw ArgError{"Invalid config(s): " + join(missing, ",")};
  }
  protocol::AlterClientQuotasRequest req;
  protocol::AlterClientQuotasRequest::EntryData entry;
  for (size_t i = 0; i < types.size(); ++i) {
    std::string key = types[i] == "users" ? "user" : types[i] == "clients" ? "client-id" : "ip";
    std::optional<std::string> name;
    if (i < names.size() && !names[i].empty()) name = names[i];
    entry.entity.push_back({key, name});
  }
  for (const auto& [k, v] : add) {
    auto d = java_parse_double(v);
    if (!d) throw ArgError{"Cannot parse quota configuration value for " + k + ": " + v};
    entry.ops.push_back({k, *d, false});
  }
  for (const auto& k : del) entry.ops.push_back({k, 0, true});
  req.entries.push_back(std::move(entry));
  RawConnection& c = cluster.connect(std::nullopt, "alterClientQuotas");
  int16_t v = c.version_for(protocol::AlterClientQuotasRequest::kApiKey, 1);
  if (v < 0) throw ExecError{"org.apache.kafka.common.errors.UnsupportedVersionException: AlterClientQuotas is not supported"};
  auto resp = c.call<protocol::AlterClientQuotasRequest, protocol::AlterClientQuotasResponse>(req, v, cluster.deadline());
  if (!resp.ok()) throw ExecError{"org.apache.kafka.common.errors.TimeoutException: " + resp.status().message()};
  for (const auto& e : resp->entries)
    if (e.error_code != 0) throw ExecError{exception_text(e.error_code, e.error_message)};
}

int run(int argc, char** argv) {
  if (argc <= 1) usage_exit(kUsage, docs());
  auto parsed = parse_args(argc, argv, docs());
  if (!parsed.ok()) throw ArgError{parsed.status().message()};
  Options o;
  o.args = std::move(parsed).value();
  const ParsedArgs& a = o.args;
  if (a.has("help")) usage_exit(kUsage, docs());
  if (a.has("version")) version_exit();
  check_args(o);

  // processCommand: the command config and the admin client first.
  Properties props;
  if (auto path = one(a, "command-config")) {
    auto loaded = Properties::load_file(*path);
    if (!loaded.ok()) throw ExecError{"java.nio.file.NoSuchFileException: " + *path, false};
    props = std::move(loaded).value();
  }
  std::string list = a.has("bootstrap-server") ? *one(a, "bootstrap-server") : *one(a, "bootstrap-controller");
  auto nodes = parse_bootstrap(list);
  if (!nodes.ok()) throw ExecError{"org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient", false};
  if (a.has("alter") && o.entity_types.size() != o.entity_names.size())
    throw ArgError{"An entity name must be specified for every entity type"};

  const std::string& type = o.entity_types.front();
  const bool quotas = type == "users" || type == "clients" || type == "ips";
  int api_timeout_ms = int_property(props, "default.api.timeout.ms", 60000);
  Cluster cluster(std::move(nodes).value(), RawClock::now() + std::chrono::milliseconds(api_timeout_ms));

  if (a.has("describe") && quotas) {
    describe_quotas(cluster, o.entity_types, o.entity_names);
    return 0;
  }
  if (a.has("describe")) {
    bool all = a.has("all");
    std::vector<std::string> entities;
    if (!o.entity_names.empty())
      entities.push_back(o.entity_names.front());
    else
      entities = entities_of(cluster, type);
    for (const auto& e : entities) describe_one(cluster, type, e, all);
    return 0;
  }

  // --alter
  std::map<std::string, std::string> add;
  if (auto file = one(a, "add-config-file")) {
    auto loaded = Properties::load_file(*file);
    if (!loaded.ok()) throw ExecError{"java.nio.file.NoSuchFileException: " + *file, false};
    for (const auto& [k, v] : loaded->entries()) add[k] = v;
  }
  if (auto text = one(a, "add-config")) {
    auto pairs = parse_add_config(*text);
    if (!pairs.ok()) throw ArgError{pairs.status().message()};
    for (const auto& [k, v] : *pairs) add[k] = v;
  }
  std::vector<std::string> del;
  if (auto* v = a.values("delete-config"))
    for (const auto& item : *v) {
      // joptsimple splits each value at commas.
      size_t start = 0;
      while (true) {
        size_t comma = item.find(',', start);
        del.push_back(trim(item.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  const std::string& name = o.entity_names.front();
  if (quotas)
    alter_quotas(cluster, o.entity_types, o.entity_names, hash_ordered(add), del);
  else
    alter_one(cluster, type, name, hash_ordered(add), del);
  if (!name.empty())
    std::printf("Completed updating config for %s %s.\n", singular(type).c_str(), name.c_str());
  else
    std::printf("Completed updating default config for %s in the cluster.\n", type.c_str());
  return 0;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parse_add_config(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : split_commas(text)) {
    auto kv = split_equals(entry);
    if (kv.size() != 2)
      return Status(ErrorCode::kInvalidRequest,
                    "Invalid entity config: all configs to be added must be in the format \"key=val\" or  "
                    "\"key=[val1,val2]\" to group values which contain commas.");
    std::string value;
    for (char ch : kv[1])
      if (ch != '[' && ch != ']') value += ch;
    out.push_back({trim(kv[0]), trim(value)});
  }
  return out;
}

int configs_main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const ArgError& e) {
    std::fprintf(stderr, "%s\n", e.message.c_str());
    return 1;
  } catch (const ExecError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "Error while executing config command with args '%s'\n%s%s\n", join_args(argc, argv).c_str(),
                 e.wrapped ? "java.util.concurrent.ExecutionException: " : "", e.exception.c_str());
    return 1;
  }
}

}  // namespace moldau::ops
