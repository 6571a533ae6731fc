// kafka-server-start [-daemon] server.properties [--override property=value]*
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "moldau/broker/launcher.h"

namespace {

constexpr const char* kUsage =
    "USAGE: kafka-server-start [-daemon] server.properties [--override property=value]*\n";

}  // namespace

int main(int argc, char** argv) {
  moldau::broker::LaunchOptions options;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 1;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--version") {
      std::cout << MOLDAU_VERSION << " (Moldau)\n";
      return 0;
    }
    if (a == "-daemon") {
      options.daemon = true;
    } else if (a == "--override") {
      if (i + 1 >= args.size()) {
        std::cerr << "Error: --override needs a property=value argument\n" << kUsage;
        return 1;
      }
      options.overrides.push_back(args[++i]);
    } else if (a.rfind("--override=", 0) == 0) {
      options.overrides.push_back(a.substr(std::strlen("--override=")));
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "Error: unknown option " << a << "\n" << kUsage;
      return 1;
    } else if (options.properties_file.empty()) {
      options.properties_file = a;
    } else {
      std::cerr << "Error: unexpected argument " << a << "\n" << kUsage;
      return 1;
    }
  }
  if (options.properties_file.empty()) {
    std::cerr << kUsage;
    return 1;
  }
  const char* log_dir = std::getenv("LOG_DIR");
  options.log_dir = log_dir ? log_dir : moldau::broker::installation_dir("logs");
  options.pid_dir = moldau::broker::installation_dir("run");
  return moldau::broker::launch_broker(options);
}
