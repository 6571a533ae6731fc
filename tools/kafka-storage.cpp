// kafka-storage: Kafka's StorageTool for a Moldau installation. `random-uuid` prints a new
// cluster id; `format -t <id> -c <config>` writes meta.properties into every log dir (the
// broker then uses that cluster id and refuses dirs of another cluster); `info -c <config>`
// shows what the log dirs hold. Output and errors are Kafka 4.4's (argparse4j's usage text).
// The subcommands are in lib/moldau/logtools/storage_tool.h.
#include <cstdio>
#include <string>
#include <vector>

#include "moldau/common/uuid.h"
#include "moldau/logtools/storage_tool.h"

using namespace moldau;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return logtools::usage_error(logtools::kStorageUsage, "too few arguments");
  const std::string cmd = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "-h" || cmd == "--help") {
    std::printf("%s%s", logtools::kStorageUsage, logtools::kStorageHelp);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("%s (Moldau)\n", MOLDAU_VERSION);
    return 0;
  }
  if (cmd == "random-uuid") {
    std::printf("%s\n", Uuid::random().to_string().c_str());
    return 0;
  }
  if (cmd == "format") return logtools::storage_format(rest);
  if (cmd == "info") return logtools::storage_info(rest);
  if (cmd == "version-mapping") return logtools::storage_version_mapping(rest);
  if (cmd == "feature-dependencies") return logtools::storage_feature_dependencies(rest);
  std::string msg = "invalid  choice:  '" + cmd +
                    "'  (choose  from  'info',\n'format', 'version-mapping', 'feature-dependencies', 'random-uuid')";
  std::fprintf(stderr, "%skafka-storage:  error:  %s\n", logtools::kStorageUsage, msg.c_str());
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
