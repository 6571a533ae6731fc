// connect-distributed [-daemon] worker.properties: a Kafka Connect worker of a cluster (group.id)
// whose configs, offsets and statuses live in Kafka topics, from Apache Kafka's jars.
#include "moldau/ops/java_launcher.h"

int main(int argc, char** argv) {
  return moldau::ops::run_java_program(
      {.script = "connect-distributed",
       .usage_args = "connect-distributed.properties",
       .main_class = "org.apache.kafka.connect.cli.ConnectDistributed",
       .daemon_name = "connectDistributed",
       .default_heap = "-Xms256M -Xmx2G",
       .log4j_config = "connect-log4j2.properties",
       .description = "Kafka Connect in distributed mode: workers with the same group.id share the "
                      "connectors,\nmanaged through the REST API (listeners, default port 8083); "
                      "configs, offsets and\nstatuses are kept in config.storage.topic, "
                      "offset.storage.topic and status.storage.topic."},
      argc, argv);
}
