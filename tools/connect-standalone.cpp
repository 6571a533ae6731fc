// connect-standalone [-daemon] worker.properties [connector.properties|connector.json ...]:
// Kafka Connect in one process (offsets in a local file), from Apache Kafka's jars.
#include "moldau/ops/java_launcher.h"

int main(int argc, char** argv) {
  return moldau::ops::run_java_program(
      {.script = "connect-standalone",
       .usage_args = "connect-standalone.properties [connector1.properties connector2.json ...]",
       .main_class = "org.apache.kafka.connect.cli.ConnectStandalone",
       .daemon_name = "connectStandalone",
       .default_heap = "-Xms256M -Xmx2G",
       .log4j_config = "connect-log4j2.properties",
       .description = "Kafka Connect in standalone mode: one worker runs the connectors given on the "
                      "command line\nand keeps source offsets in offset.storage.file.filename."},
      argc, argv);
}
