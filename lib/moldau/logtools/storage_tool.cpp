#include "moldau/logtools/storage_tool.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/uuid.h"
#include "moldau/ops/argparse.h"
#include "moldau/ops/java_config.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/kraft_features.h"
#include "moldau/storage/meta_properties.h"

namespace moldau::logtools {

const char* const kStorageUsage =
    "usage: kafka-storage [-h]\n"
    "                     {info,format,version-mapping,feature-dependencies,random-uuid}\n"
    "                     ...\n";

const char* const kStorageHelp =
    "\n"
    "The Kafka storage tool.\n"
    "\n"
    "positional arguments:\n"
    "  {info,format,version-mapping,feature-dependencies,random-uuid}\n"
    "    info                 Get information about  the  Kafka  log directories\n"
    "                         on this node.\n"
    "    format               Format the Kafka log directories on this node.\n"
    "    version-mapping      Look up the  corresponding  features  for  a given\n"
    "                         metadata version. Using  the  command  with  no --\n"
    "                         release-version  argument will  return the mapping\n"
    "                         for the latest stable metadata version\n"
    "    feature-dependencies\n"
    "                         Look up dependencies for  a given feature version.\n"
    "                         If the feature is  not  known  or  the version not\n"
    "                         yet  defined,  an   error   is   thrown.  Multiple\n"
    "                         features can be specified.\n"
    "    random-uuid          Print a random UUID.\n"
    "\n"
    "optional arguments:\n"
    "  -h, --help             show this help message and exit\n";

namespace {


namespace kraft = ops::kraft;



constexpr const char* kFormatUsage =
    "usage: kafka-storage format [-h] --config CONFIG --cluster-id CLUSTER_ID\n"
    "                     [--add-scram ADD_SCRAM] [--ignore-formatted]\n"
    "                     [--release-version RELEASE_VERSION]\n"
    "                     [--feature FEATURE] [--standalone |\n"
    "                     --no-initial-controllers |\n"
    "                     --initial-controllers INITIAL_CONTROLLERS]\n";

constexpr const char* kFormatHelp =
    "\n"
    "optional arguments:\n"
    "  -h, --help             show this help message and exit\n"
    "  --config CONFIG, -c CONFIG\n"
    "                         The Kafka configuration file to use.\n"
    "  --cluster-id CLUSTER_ID, -t CLUSTER_ID\n"
    "                         The cluster ID to use.\n"
    "  --add-scram ADD_SCRAM, -S ADD_SCRAM\n"
    "                         A    SCRAM_CREDENTIAL     to     add     to    the\n"
    "                         __cluster_metadata log e.g.\n"
    "                         'SCRAM-SHA-256=[name=alice,password=alice-\n"
    "                         secret]'\n"
    "                         'SCRAM-SHA-512=[name=alice,iterations=8192,salt=\"\n"
    "                         N3E=\",saltedpassword=\"YCE=\"]'\n"
    "  --ignore-formatted, -g\n"
    "                         When this option  is  passed,  the  format command\n"
    "                         will  skip  over   already  formatted  directories\n"
    "                         rather than failing.\n"
    "  --release-version RELEASE_VERSION, -r RELEASE_VERSION\n"
    "                         The  release  version  to   use  for  the  initial\n"
    "                         feature settings.  The  minimum  is  3.3-IV3;  the\n"
    "                         default is  4.4-IV2.  Note:  formatted directories\n"
    "                         are not forward-compatible  —  the  broker version\n"
    "                         must be  greater  than  or  equal  to  the  kafka-\n"
    "                         storage  tool   that   formatted   the  directory,\n"
    "                         regardless of this setting.\n"
    "  --feature FEATURE, -f FEATURE\n"
    "                         The setting to  use  for  a  specific  feature, in\n"
    "                         feature=level   format.   For   example:   `kraft.\n"
    "                         version=1`.\n"
    "  --standalone, -s       Used to initialize a  controller  as a single-node\n"
    "                         dynamic  quorum.  When  setting   this  flag,  the\n"
    "                         controller.quorum.voters config must  not  be set,\n"
    "                         and  controller.quorum.bootstrap.servers   is  set\n"
    "                         instead.\n"
    "  --no-initial-controllers, -N\n"
    "                         Used to initialize a  server  without specifying a\n"
    "                         dynamic  quorum.  When  setting   this  flag,  the\n"
    "                         controller.quorum.voters  config  should   not  be\n"
    "                         set,  and  controller.quorum.bootstrap.servers  is\n"
    "                         set instead.\n"
    "  --initial-controllers INITIAL_CONTROLLERS, -I INITIAL_CONTROLLERS\n"
    "                         Used to initialize  a  server  with  the specified\n"
    "                         dynamic quorum. The argument  is a comma-separated\n"
    "                         list  of   id@hostname:port:directory.   The  same\n"
    "                         values must  be  used  to  format  all  nodes. For\n"
    "                         example:\n"
    "                         0@example.com:8082:JEXY6aqzQY-32P5TStzaFg,\n"
    "                         1@example.com:8083:MvDxzVmcRsaTz33bUuRU6A,\n"
    "                         2@example.com:8084:07R5amHmR32VDA6jHkGbTA\n"
    "                         . When setting  this  flag, the controller.quorum.\n"
    "                         voters config must  not  be  set,  and controller.\n"
    "                         quorum.bootstrap.servers is set instead.\n";

constexpr const char* kInfoUsage = "usage: kafka-storage info [-h] --config CONFIG\n";

}  // namespace

int usage_error(const char* usage, const std::string& message) {
  // argparse4j wraps and justifies the error line at its format width.
  namespace argparse = ops::argparse;
  std::string line = argparse::wrap("kafka-storage: error: " + message + "\n", argparse::format_width(), 0, "");
  std::fprintf(stderr, "%s%s", usage, line.c_str());
  return 1;
}

namespace {

// What Kafka's tool ends with when a step throws: the JVM's last words (exit 1).
int uncaught(const char* exception_class, const std::string& message) {
  std::fprintf(stderr, "Exception in thread \"main\" %s: %s\n", exception_class, message.c_str());
  return 1;
}

// A TerseFailure of Kafka's tool: its message alone on stderr, exit 1.
int terse_failure(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

// Flags of a subcommand: "--name"/"-n" -> value (flags get ""); `all` keeps every value of a
// repeated one (--feature, --add-scram append).
struct Flags {
  std::map<std::string, std::string> values;
  std::map<std::string, std::vector<std::string>> all;
  std::optional<std::string> error;
};

// `exclusive`: a mutually exclusive group; the second of its arguments given is refused.
Flags parse_flags(const std::vector<std::string>& args, const std::map<std::string, std::string>& aliases,
                  const std::set<std::string>& with_value, const std::set<std::string>& exclusive = {}) {
  Flags f;
  std::optional<std::string> exclusive_seen;
  for (size_t i = 0; i < args.size(); i++) {
    std::string a = args[i];
    std::optional<std::string> attached;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      attached = a.substr(eq + 1);
      a.resize(eq);
    }
    auto it = aliases.find(a);
    if (it == aliases.end()) {
      f.error = "unrecognized arguments: '" + args[i] + "'";
      return f;
    }
    const std::string& name = it->second;
    if (exclusive.count(name)) {
      if (exclusive_seen && *exclusive_seen != name) {
        f.error = "argument " + name + ": not allowed with argument " + *exclusive_seen;
        return f;
      }
      exclusive_seen = name;
    }
    std::string value;
    if (with_value.count(name)) {
      if (attached) {
        value = *attached;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        f.error = "argument " + name + ": expected one argument";
        return f;
      }
    }
    f.values[name] = value;
    f.all[name].push_back(value);
  }
  return f;
}

// log.dirs (or log.dir), then metadata.log.dir if it is another dir, as Kafka lists them.
std::vector<std::string> log_dirs_of(const Properties& props) {
  std::vector<std::string> dirs;
  std::string list = props.get("log.dirs").value_or(props.get("log.dir").value_or("/tmp/kafka-logs"));
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string d = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    d.erase(0, d.find_first_not_of(" \t"));
    d.erase(d.find_last_not_of(" \t") + 1);
    if (!d.empty()) dirs.push_back(d);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (auto m = props.get("metadata.log.dir"); m && std::find(dirs.begin(), dirs.end(), *m) == dirs.end())
    dirs.push_back(*m);
  return dirs;
}

std::optional<Properties> load_config(const std::string& path) {
  auto props = Properties::load_file(path);
  if (!props.ok()) {
    // Kafka dies here with the JVM's NoSuchFileException; ours says the same in one line.
    std::fprintf(stderr, "Error: %s\n", path.c_str());
    return std::nullopt;
  }
  return std::move(props).value();
}

bool is_controller(const Properties& props) {
  std::string roles = props.get("process.roles").value_or("");
  return roles.find("controller") != std::string::npos;
}

// --initial-controllers: "id@host:port:directoryid,...", as Kafka's DynamicVoters parses it.
struct Voter {
  int32_t id;
  std::string directory_id;
};

// The voters, or the IllegalArgumentException's message.
std::variant<std::vector<Voter>, std::string> parse_voters(const std::string& text) {
  std::vector<Voter> voters;
  if (text.empty()) return std::string("No voters given.");
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string v = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t at = v.find('@');
    if (at == std::string::npos) return std::string("No @ found in dynamic voter string.");
    auto id = moldau::ops::java_int(v.substr(0, at));
    if (!id) return std::string("Failed to parse node id in dynamic voter string.");
    std::string rest = v.substr(at + 1);
    size_t host_end;
    if (!rest.empty() && rest[0] == '[') {
      size_t close = rest.find(']');
      if (close == std::string::npos) return std::string("Hostname began with left bracket, but no right bracket was found.");
      host_end = close + 1;
      if (host_end >= rest.size() || rest[host_end] != ':') return std::string("Port section must start with a colon.");
    } else {
      host_end = rest.find(':');
      if (host_end == std::string::npos) return std::string("No colon following hostname could be found.");
    }
    rest = rest.substr(host_end + 1);
    size_t colon = rest.find(':');
    if (colon == std::string::npos) return std::string("No colon following port could be found.");
    if (!moldau::ops::java_int(rest.substr(0, colon))) return std::string("Failed to parse port in dynamic voter string.");
    auto dir = moldau::Uuid::parse(rest.substr(colon + 1));
    if (!dir) return std::string("Failed to parse directory ID in dynamic voter string.");
    for (const auto& o : voters)
      if (o.id == *id) return "Node id " + std::to_string(*id) + " was specified more than once.";
    voters.push_back({*id, dir->to_string()});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return voters;
}

// --add-scram MECHANISM=[name=...,password=...]: checked as Kafka's tool checks it; the error,
// or nullopt when it is well formed.
std::optional<std::string> scram_argument_error(const std::string& arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos) return "Failed to find equals sign in SCRAM argument '" + arg + "'";
  const std::string mechanism = arg.substr(0, eq);
  if (mechanism != "SCRAM-SHA-256" && mechanism != "SCRAM-SHA-512")
    return "The add-scram mechanism " + mechanism + " is not supported.";
  std::string conf = arg.substr(eq + 1);
  if (conf.empty() || conf.front() != '[') return std::string("Expected configuration string to start with [");
  if (conf.back() != ']') return std::string("Expected configuration string to end with ]");
  std::map<std::string, std::string> kv;
  size_t start = 1;
  const size_t stop = conf.size() - 1;
  while (start < stop) {
    size_t comma = conf.find(',', start);
    if (comma == std::string::npos || comma > stop) comma = stop;
    std::string item = conf.substr(start, comma - start);
    size_t e = item.find('=');
    if (e == std::string::npos) return "Failed to find equals sign in SCRAM configuration '" + item + "'";
    kv[item.substr(0, e)] = item.substr(e + 1);
    start = comma + 1;
  }
  if (!kv.count("name")) return std::string("You must supply 'name' to add-scram");
  kv.erase("name");
  if (kv.count("iterations")) {
    auto n = moldau::ops::java_int(kv["iterations"]);
    const std::string java_name = mechanism == "SCRAM-SHA-256" ? "SCRAM_SHA_256" : "SCRAM_SHA_512";
    if (n && *n < 4096) return "The 'iterations' value must be >= 4096 for add-scram using " + java_name;
    if (n && *n > 16384) return "The 'iterations' value must be <= 16384 for add-scram using " + java_name;
    kv.erase("iterations");
  }
  kv.erase("salt");
  if (!kv.count("password") && !kv.count("saltedpassword"))
    return std::string("You must supply one of 'password' or 'saltedpassword' to add-scram");
  kv.erase("password");
  kv.erase("saltedpassword");
  if (!kv.empty()) {
    std::string unknown;
    for (const auto& [k, v] : kv) unknown += (unknown.empty() ? "" : ", ") + k;
    return "Unknown SCRAM configurations: " + unknown;
  }
  return std::nullopt;
}

}  // namespace

int storage_format(const std::vector<std::string>& args) {
  auto f = parse_flags(args,
                       {{"--config", "--config/-c"}, {"-c", "--config/-c"}, {"--cluster-id", "--cluster-id/-t"},
                        {"-t", "--cluster-id/-t"}, {"--ignore-formatted", "--ignore-formatted/-g"},
                        {"-g", "--ignore-formatted/-g"}, {"--standalone", "--standalone/-s"}, {"-s", "--standalone/-s"},
                        {"--no-initial-controllers", "--no-initial-controllers/-N"},
                        {"-N", "--no-initial-controllers/-N"},
                        {"--initial-controllers", "--initial-controllers/-I"}, {"-I", "--initial-controllers/-I"},
                        {"--release-version", "--release-version/-r"}, {"-r", "--release-version/-r"},
                        {"--feature", "--feature/-f"}, {"-f", "--feature/-f"}, {"--add-scram", "--add-scram/-S"},
                        {"-S", "--add-scram/-S"}, {"-h", "-h"}, {"--help", "-h"}},
                       {"--config/-c", "--cluster-id/-t", "--initial-controllers/-I", "--release-version/-r",
                        "--feature/-f", "--add-scram/-S"},
                       {"--standalone/-s", "--no-initial-controllers/-N", "--initial-controllers/-I"});
  if (f.error) return usage_error(kFormatUsage, *f.error);
  if (f.values.count("-h")) {
    std::printf("%s%s", kFormatUsage, kFormatHelp);
    return 0;
  }
  if (!f.values.count("--config/-c")) return usage_error(kFormatUsage, "argument --config/-c is required");
  if (!f.values.count("--cluster-id/-t")) return usage_error(kFormatUsage, "argument --cluster-id/-t is required");
  auto props = load_config(f.values["--config/-c"]);
  if (!props) return 1;

  // --feature name=level, each parsed before anything is checked (a later one wins).
  std::vector<std::pair<std::string, int16_t>> requested;
  for (const auto& v : f.all["--feature/-f"]) {
    size_t eq = v.find('=');
    if (eq == std::string::npos)
      return uncaught("java.lang.RuntimeException", "Can't parse feature=level string " + v + ": equals sign not found.");
    auto level = kraft::parse_short(v.substr(eq + 1));
    if (!level)
      return uncaught("java.lang.RuntimeException",
                      "Can't parse feature=level string " + v + ": unable to parse " + v.substr(eq + 1) + " as a short.");
    std::erase_if(requested, [&](const auto& r) { return r.first == v.substr(0, eq); });
    requested.emplace_back(v.substr(0, eq), *level);
  }
  std::optional<std::vector<Voter>> voters;
  if (f.values.count("--initial-controllers/-I")) {
    auto parsed = parse_voters(f.values["--initial-controllers/-I"]);
    if (auto* message = std::get_if<std::string>(&parsed)) return uncaught("java.lang.IllegalArgumentException", *message);
    voters = std::get<std::vector<Voter>>(std::move(parsed));
  }
  const bool standalone = f.values.count("--standalone/-s") > 0;
  const bool quorum_flag = standalone || f.values.count("--no-initial-controllers/-N") || voters;
  if (is_controller(*props) && !props->get("controller.quorum.voters") && !quorum_flag) {
    return terse_failure(
        "Because controller.quorum.voters is not set on this controller, you must specify one of the following: "
        "--standalone, --initial-controllers, or --no-initial-controllers.");
  }

  // The metadata version: --release-version, or --feature metadata.version=N, or the latest.
  auto mv_feature = std::find_if(requested.begin(), requested.end(),
                                 [](const auto& r) { return r.first == "metadata.version"; });
  if (f.values.count("--release-version/-r") && mv_feature != requested.end())
    return terse_failure("Use --release-version instead of --feature metadata.version=X to avoid ambiguity.");
  kraft::MetadataVersion mv = kraft::latest_stable();
  if (f.values.count("--release-version/-r")) {
    auto found = kraft::from_version_string(f.values["--release-version/-r"], false);
    if (!found) return terse_failure(kraft::unknown_version_message(f.values["--release-version/-r"], false));
    mv = *found;
  } else if (mv_feature != requested.end()) {
    auto found = kraft::from_level(mv_feature->second);
    const auto& all = kraft::metadata_versions();
    if (!found)
      return uncaught("java.lang.IllegalArgumentException",
                      "No MetadataVersion with feature level " + std::to_string(mv_feature->second) +
                          ". Valid feature levels are from " + std::to_string(all.front().level) + " to " +
                          std::to_string(all.back().level) + ".");
    if (found->level > kraft::latest_stable().level)
      return terse_failure("metadata.version " + std::string(found->name) + " is not yet stable.");
    mv = *found;
  }
  for (const auto& [name, level] : requested) {
    if (name == "metadata.version") continue;
    const kraft::Feature* feature = kraft::find_feature(name);
    if (!feature)
      return terse_failure("Unsupported feature: " + name + ". Supported features are: " +
                           kraft::supported_feature_names());
    if (level < 0 || level > feature->max_level)
      return uncaught("java.lang.IllegalArgumentException",
                      "No feature:" + name + " with feature level " + std::to_string(level));
    if (auto needs = kraft::required_metadata_level(*feature, level); needs && mv.level < *needs)
      return uncaught("java.lang.IllegalArgumentException",
                      name + " could not be set to " + std::to_string(level) +
                          " because it depends on metadata.version level " + std::to_string(*needs));
  }
  for (const auto& arg : f.all["--add-scram/-S"]) {
    if (auto error = scram_argument_error(arg)) return terse_failure(*error);
    if (mv.level < 11) return terse_failure("SCRAM is only supported in metadata.version 3.5-IV2 or later.");
    // Kafka writes the credentials into the cluster's first metadata; a Moldau broker has no
    // SASL, so nobody could log in with them: refused rather than silently dropped.
    return terse_failure("Moldau brokers have no SASL, so SCRAM credentials cannot be used; format without "
                         "--add-scram.");
  }

  const bool ignore_formatted = f.values.count("--ignore-formatted/-g") > 0;
  std::vector<std::string> dirs = log_dirs_of(*props);
  std::vector<std::string> todo, formatted;
  for (const auto& d : dirs) {
    auto meta = storage::read_meta_properties(d);
    (meta.ok() && *meta ? formatted : todo).push_back(d);
  }
  if (!formatted.empty() && !ignore_formatted) {
    // Kafka keeps the formatted dirs in a HashMap and names the first one it iterates.
    std::vector<int32_t> hashes;
    for (const auto& d : formatted) hashes.push_back(moldau::ops::java_string_hash(d));
    std::fprintf(stderr,
                 "Log directory %s is already formatted. Use --ignore-formatted to ignore this directory and "
                 "format the others.\n",
                 formatted[moldau::ops::java_hashmap_order(hashes).front()].c_str());
    return 1;
  }
  if (todo.empty()) {
    std::printf("All of the log directories are already formatted.\n");
    return 0;
  }
  int32_t node_id = 1;
  try {
    node_id = std::stoi(props->get("node.id").value_or(props->get("broker.id").value_or("1")));
  } catch (const std::exception&) {
  }
  // A node among the initial voters keeps the directory id they name for its metadata dir.
  std::optional<std::string> voter_directory_id;
  if (voters)
    for (const auto& v : *voters)
      if (v.id == node_id) voter_directory_id = v.directory_id;
  // The first log dir (or metadata.log.dir) holds the metadata, as in Kafka.
  const std::string metadata_dir = props->get("metadata.log.dir").value_or(dirs.front());
  for (const auto& d : todo) {
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "Error: cannot create log directory %s: %s\n", d.c_str(), std::strerror(errno));
      return 1;
    }
    storage::MetaProperties m;
    m.cluster_id = f.values["--cluster-id/-t"];
    m.node_id = node_id;
    m.directory_id = d == metadata_dir && voter_directory_id ? *voter_directory_id
                                                              : moldau::Uuid::random().to_string();
    if (auto s = storage::write_meta_properties(d, m); !s.ok()) {
      std::fprintf(stderr, "Error: %s\n", s.message().c_str());
      return 1;
    }
    const char* kind = d != metadata_dir                   ? "data directory"
                       : standalone || voter_directory_id ? "dynamic metadata voter directory"
                       : voters                           ? "dynamic metadata directory"
                                                          : "metadata directory";
    std::printf("Formatting %s %s with metadata.version %s.\n", kind, d.c_str(), mv.name);
  }
  return 0;
}

namespace {

constexpr const char* kVersionMappingUsage =
    "usage: kafka-storage version-mapping [-h]\n"
    "                     [--release-version RELEASE_VERSION]\n";

// version-mapping [-r version]: the feature levels a metadata version brings.
}  // namespace

int storage_version_mapping(const std::vector<std::string>& args) {
  auto f = parse_flags(args,
                       {{"--release-version", "--release-version/-r"}, {"-r", "--release-version/-r"},
                        {"-h", "-h"}, {"--help", "-h"}},
                       {"--release-version/-r"});
  if (f.error) return usage_error(kVersionMappingUsage, *f.error);
  if (f.values.count("-h")) {
    std::printf("%s\noptional arguments:\n"
                "  -h, --help             show this help message and exit\n"
                "  --release-version RELEASE_VERSION, -r RELEASE_VERSION\n"
                "                         The release version to  use  for the corresponding\n"
                "                         feature  mapping.  The  minimum  is  %s;  the\n"
                "                         default is %s\n",
                kVersionMappingUsage, kraft::metadata_versions().front().name, kraft::latest_stable().name);
    return 0;
  }
  kraft::MetadataVersion mv = kraft::latest_stable();
  std::string shown = mv.name;
  if (f.values.count("--release-version/-r")) {
    shown = f.values["--release-version/-r"];
    auto found = kraft::from_version_string(shown, true);
    if (!found) return terse_failure(kraft::unknown_version_message(shown, true));
    mv = *found;
  }
  std::printf("metadata.version=%d (%s)\n", mv.level, shown.c_str());
  for (const auto& feature : kraft::features())
    std::printf("%s=%d\n", feature.name, kraft::default_level(feature, mv.level));
  return 0;
}

namespace {

constexpr const char* kFeatureDependenciesUsage = "usage: kafka-storage feature-dependencies [-h] --feature FEATURE\n";

// feature-dependencies -f name=level ...: what each feature level needs.
}  // namespace

int storage_feature_dependencies(const std::vector<std::string>& args) {
  auto f = parse_flags(args, {{"--feature", "--feature/-f"}, {"-f", "--feature/-f"}, {"-h", "-h"}, {"--help", "-h"}},
                       {"--feature/-f"});
  if (f.error) return usage_error(kFeatureDependenciesUsage, *f.error);
  if (f.values.count("-h")) {
    std::printf("%s\noptional arguments:\n"
                "  -h, --help             show this help message and exit\n"
                "  --feature FEATURE, -f FEATURE\n"
                "                         The  features  and  their   versions  to  look  up\n"
                "                         dependencies for, in  feature=version  format. For\n"
                "                         example: `metadata.version=5`.\n",
                kFeatureDependenciesUsage);
    return 0;
  }
  if (!f.values.count("--feature/-f")) return usage_error(kFeatureDependenciesUsage, "argument --feature/-f is required");
  for (const auto& v : f.all["--feature/-f"]) {
    std::string out;  // printed as each is looked up, before a later one fails
    size_t eq = v.find('=');
    if (eq == std::string::npos)
      return terse_failure("Invalid feature format: " + v + ". Expected format: 'feature=version' (e.g. 'group.version=1')");
    const std::string name = v.substr(0, eq);
    auto level = kraft::parse_short(v.substr(eq + 1));
    if (!level) return terse_failure("Invalid version format: " + v.substr(eq + 1) + " for feature " + name);
    if (name == "metadata.version") {
      auto mv = kraft::from_level(*level);
      if (!mv) return terse_failure("Unknown metadata.version " + std::to_string(*level));
      std::printf("metadata.version=%d (%s) has no dependencies.\n", *level, mv->name);
      std::fflush(stdout);
      continue;
    }
    const kraft::Feature* feature = kraft::find_feature(name);
    if (!feature) return terse_failure("Unknown feature: " + name);
    if (*level < 0 || *level > feature->max_level)
      return terse_failure("Feature level " + std::to_string(*level) + " is not supported for feature " + name);
    if (auto needs = kraft::required_metadata_level(*feature, *level)) {
      out += name + "=" + std::to_string(*level) + " requires:\n    metadata.version=" + std::to_string(*needs) + " (" +
             kraft::from_level(*needs)->name + ")\n";
    } else {
      out += name + "=" + std::to_string(*level) + " has no dependencies.\n";
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  }
  return 0;
}


int storage_info(const std::vector<std::string>& args) {
  auto f = parse_flags(args, {{"--config", "--config/-c"}, {"-c", "--config/-c"}, {"-h", "-h"}, {"--help", "-h"}},
                       {"--config/-c"});
  if (f.error) return usage_error(kInfoUsage, *f.error);
  if (f.values.count("-h")) {
    std::fputs(kInfoUsage, stdout);
    return 0;
  }
  if (!f.values.count("--config/-c")) return usage_error(kInfoUsage, "argument --config/-c is required");
  auto props = load_config(f.values["--config/-c"]);
  if (!props) return 1;
  std::vector<std::string> found, problems;
  std::optional<storage::MetaProperties> first;
  for (const auto& d : log_dirs_of(*props)) {
    struct stat st;
    if (::stat(d.c_str(), &st) != 0) {
      problems.push_back(d + " does not exist");
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      problems.push_back(d + " is not a directory");
      continue;
    }
    found.push_back(d);
    auto meta = storage::read_meta_properties(d);
    if (!meta.ok()) {
      problems.push_back("Error loading " + d + "/meta.properties: " + meta.status().message());
    } else if (!*meta) {
      problems.push_back(d + " is not formatted.");
    } else if (!first) {
      first = **meta;
    }
  }
  std::string out;
  if (!problems.empty()) {
    out += "Found problem" + std::string(problems.size() == 1 ? "" : "s") + ":\n";
    for (const auto& p : problems) out += "  " + p + "\n";
    out += "\n";
  }
  if (!found.empty()) {
    out += "Found log director" + std::string(found.size() == 1 ? "y" : "ies") + ":\n";
    for (const auto& d : found) out += "  " + d + "\n";
    out += "\n";
  }
  if (first) {
    // Kafka prints the properties sorted by key.
    std::map<std::string, std::string> kv = {{"cluster.id", first->cluster_id}, {"version", std::to_string(first->version)}};
    if (!first->directory_id.empty()) kv["directory.id"] = first->directory_id;
    if (first->node_id) kv["node.id"] = std::to_string(*first->node_id);
    std::string joined;
    for (const auto& [k, v] : kv) joined += (joined.empty() ? "" : ", ") + k + "=" + v;
    out += "Found metadata: {" + joined + "}\n\n";
  }
  std::fputs(out.c_str(), stdout);
  return problems.empty() ? 0 : 1;
}


}  // namespace moldau::logtools
