// kafka-storage: Kafka's StorageTool for a Moldau installation. `random-uuid` prints a new
// cluster id; `format -t <id> -c <config>` writes meta.properties into every log dir (the
// broker then uses that cluster id and refuses dirs of another cluster); `info -c <config>`
// shows what the log dirs hold. Output and errors are Kafka 4.4's (argparse4j's usage text).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/uuid.h"
#include "moldau/ops/java_order.h"
#include "moldau/storage/meta_properties.h"

namespace {

using moldau::Properties;
namespace storage = moldau::storage;

constexpr const char* kMetadataVersion = "4.4-IV2";

constexpr const char* kMainUsage =
    "usage: kafka-storage [-h]\n"
    "                     {info,format,version-mapping,feature-dependencies,random-uuid}\n"
    "                     ...\n";

constexpr const char* kMainHelp =
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

constexpr const char* kFormatUsage =
    "usage: kafka-storage format [-h] --config CONFIG --cluster-id CLUSTER_ID\n"
    "                     [--add-scram ADD_SCRAM] [--ignore-formatted]\n"
    "                     [--release-version RELEASE_VERSION]\n"
    "                     [--feature FEATURE] [--standalone |\n"
    "                     --no-initial-controllers |\n"
    "                     --initial-controllers INITIAL_CONTROLLERS]\n";

constexpr const char* kInfoUsage = "usage: kafka-storage info [-h] --config CONFIG\n";

int usage_error(const char* usage, const std::string& message) {
  std::fprintf(stderr, "%skafka-storage: error: %s\n", usage, message.c_str());
  return 1;
}

// Flags of a subcommand: "--name"/"-n" -> value (flags get "").
struct Flags {
  std::map<std::string, std::string> values;
  std::optional<std::string> error;
};

Flags parse_flags(const std::vector<std::string>& args, const std::map<std::string, std::string>& aliases,
                  const std::set<std::string>& with_value) {
  Flags f;
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
    if (with_value.count(name)) {
      if (attached) {
        f.values[name] = *attached;
      } else if (i + 1 < args.size()) {
        f.values[name] = args[++i];
      } else {
        f.error = "argument " + name + ": expected one argument";
        return f;
      }
    } else {
      f.values[name] = "";
    }
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

int format(const std::vector<std::string>& args) {
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
                        "--feature/-f", "--add-scram/-S"});
  if (f.error) return usage_error(kFormatUsage, *f.error);
  if (f.values.count("-h")) {
    std::fputs(kFormatUsage, stdout);
    return 0;
  }
  if (!f.values.count("--config/-c")) return usage_error(kFormatUsage, "argument --config/-c is required");
  if (!f.values.count("--cluster-id/-t")) return usage_error(kFormatUsage, "argument --cluster-id/-t is required");
  auto props = load_config(f.values["--config/-c"]);
  if (!props) return 1;
  const bool quorum_flag = f.values.count("--standalone/-s") || f.values.count("--no-initial-controllers/-N") ||
                           f.values.count("--initial-controllers/-I");
  if (is_controller(*props) && !props->get("controller.quorum.voters") && !quorum_flag) {
    std::fprintf(stderr,
                 "Because controller.quorum.voters is not set on this controller, you must specify one of the "
                 "following: --standalone, --initial-controllers, or --no-initial-controllers.\n");
    return 1;
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
    m.directory_id = moldau::Uuid::random().to_string();
    if (auto s = storage::write_meta_properties(d, m); !s.ok()) {
      std::fprintf(stderr, "Error: %s\n", s.message().c_str());
      return 1;
    }
    const char* kind = d != metadata_dir                        ? "data directory"
                       : f.values.count("--standalone/-s") > 0 ? "dynamic metadata voter directory"
                                                                : "metadata directory";
    std::printf("Formatting %s %s with metadata.version %s.\n", kind, d.c_str(), kMetadataVersion);
  }
  return 0;
}

int info(const std::vector<std::string>& args) {
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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error(kMainUsage, "too few arguments");
  const std::string cmd = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "-h" || cmd == "--help") {
    std::printf("%s%s", kMainUsage, kMainHelp);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("%s (Moldau)\n", MOLDAU_VERSION);
    return 0;
  }
  if (cmd == "random-uuid") {
    std::printf("%s\n", moldau::Uuid::random().to_string().c_str());
    return 0;
  }
  if (cmd == "format") return format(rest);
  if (cmd == "info") return info(rest);
  if (cmd == "version-mapping" || cmd == "feature-dependencies") {
    std::fprintf(stderr,
                 "kafka-storage %s: Moldau has no KRaft feature levels; it serves every protocol version it "
                 "lists in ApiVersions.\n",
                 cmd.c_str());
    return 1;
  }
  std::string msg = "invalid  choice:  '" + cmd +
                    "'  (choose  from  'info',\n'format', 'version-mapping', 'feature-dependencies', 'random-uuid')";
  std::fprintf(stderr, "%skafka-storage:  error:  %s\n", kMainUsage, msg.c_str());
  // argparse4j suggests the closest subcommand.
  for (const char* c : {"info", "format", "random-uuid"}) {
    std::string s = c;
    if (cmd.find(s) != std::string::npos || s.find(cmd) != std::string::npos) {
      std::fprintf(stderr, "\nDid you mean:\n\t%s\n", c);
      break;
    }
  }
  return 1;
}
