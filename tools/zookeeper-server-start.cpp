// zookeeper-server-start [-daemon] zookeeper.properties: Kafka 4 has no ZooKeeper, and neither
// has Moldau. Notes written for Kafka 2 and 3 start ZooKeeper first; this says what to do
// instead and exits 1 (nothing was started).
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  std::string config = "config/server.properties";
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--version") {
      std::printf("%s (Moldau)\n", MOLDAU_VERSION);
      return 0;
    }
  }
  std::fprintf(stderr,
               "ZooKeeper is not needed: Kafka 4 runs without it (KRaft), and so does Moldau, whose brokers keep\n"
               "their metadata themselves (one broker: in its first log dir; a cluster: in etcd, see metadata.store).\n"
               "Nothing was started. Start the broker directly:\n"
               "  kafka-server-start %s\n",
               config.c_str());
  return 1;
}
