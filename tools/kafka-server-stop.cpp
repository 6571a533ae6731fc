// kafka-server-stop [--node-id=N | --process-role=R]: SIGTERM to the brokers this installation
// started (found by their pid files; a stale file never gets an unrelated process signalled).
#include <iostream>
#include <string>

#include "moldau/broker/launcher.h"

namespace {
constexpr const char* kUsage = "USAGE: kafka-server-stop [--node-id=<id> | --process-role=<role>]\n";
}

int main(int argc, char** argv) {
  moldau::broker::StopOptions options;
  options.pid_dir = moldau::broker::installation_dir("run");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--version") {
      std::cout << MOLDAU_VERSION << " (Moldau)\n";
      return 0;
    }
    // Kafka's script takes --node-id=N and --process-role=R; the spaced forms work too.
    std::string value;
    auto take = [&](const std::string& flag) {
      if (a.rfind(flag + "=", 0) == 0) {
        value = a.substr(flag.size() + 1);
        return true;
      }
      if (a == flag && i + 1 < argc) {
        value = argv[++i];
        return true;
      }
      return false;
    };
    if (take("--node-id")) {
      try {
        size_t used = 0;
        options.node_id = std::stoi(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (...) {
        std::cerr << "Error: --node-id needs a number, not '" << value << "'\n" << kUsage;
        return 1;
      }
    } else if (take("--process-role")) {
      options.process_role = value;
    } else {
      std::cerr << "Error: unknown option " << a << "\n" << kUsage;
      return 1;
    }
  }
  return moldau::broker::stop_brokers(options);
}
