// kafka-server-stop [--node-id id]: SIGTERM to the brokers this installation started.
#include <iostream>
#include <string>

#include "moldau/broker/launcher.h"

int main(int argc, char** argv) {
  moldau::broker::StopOptions options;
  options.pid_dir = moldau::broker::installation_dir("run");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << "USAGE: kafka-server-stop [--node-id <id>]\n";
      return 0;
    }
    if (a == "--version") {
      std::cout << MOLDAU_VERSION << " (Moldau)\n";
      return 0;
    }
    if (a == "--node-id" && i + 1 < argc) {
      try {
        options.node_id = std::stoi(argv[++i]);
      } catch (...) {
        std::cerr << "Error: --node-id needs a number\n";
        return 1;
      }
    } else if (a == "--process-role" && i + 1 < argc) {
      ++i;  // every Moldau process is a broker
    } else {
      std::cerr << "Error: unknown option " << a << "\nUSAGE: kafka-server-stop [--node-id <id>]\n";
      return 1;
    }
  }
  return moldau::broker::stop_brokers(options);
}
