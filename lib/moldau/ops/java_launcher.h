#pragma once
// Starts one of Apache Kafka's Java programs (Kafka Connect's workers) from the pinned jars the
// way Kafka's bin/<script>.sh does through kafka-run-class.sh: the same environment variables
// (JAVA_HOME, KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS,
// JMX_PORT, KAFKA_LOG4J_OPTS, LOG_DIR, KAFKA_OPTS, CLASSPATH) with the same defaults, the same
// class path (every jar of the libs directory but connect-file's, which Connect loads as a
// plugin), -daemon, and exec so that signals reach the JVM itself.

#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops {

// The Apache Kafka release whose jars are launched (tests/java/pom.xml pins it).
const char* java_kafka_version();

// One launcher: what Kafka's script passes to kafka-run-class.sh.
struct JavaProgram {
  std::string script;         // our tool's name, e.g. "connect-standalone"
  std::string usage_args;     // after "USAGE: <script> [-daemon] "
  std::string main_class;     // e.g. org.apache.kafka.connect.cli.ConnectStandalone
  std::string daemon_name;    // -name: the console file in -daemon mode is $LOG_DIR/<name>.out
  std::string default_heap;   // KAFKA_HEAP_OPTS when unset
  std::string log4j_config;   // file name under the config directory (KAFKA_LOG4J_OPTS when unset)
  std::string description;    // for --help
};

// Where the jars are: $MOLDAU_KAFKA_LIBS, else ${MOLDAU_CACHE:-$HOME/.cache/moldau}/kafka-<v>/java-libs.
std::string java_libs_dir();
// The java executable ($JAVA_HOME/bin/java, else java on PATH), or an error saying how to get one.
Result<std::string> find_java();
// The class path of kafka-run-class.sh: $CLASSPATH, then the directory's jars in name order,
// without test, source and doc jars and without connect-file (a plugin). An error when the
// directory holds no connect-runtime jar.
Result<std::string> java_class_path(const std::string& libs_dir);
// The command line kafka-run-class.sh would exec, given the program's arguments.
Result<std::vector<std::string>> java_command(const JavaProgram& program, const std::vector<std::string>& args);

// The whole tool: --help, --version, the script's usage check, -daemon, then exec. Returns the
// exit code when it does not exec (errors print "<script>: ..." to stderr).
int run_java_program(const JavaProgram& program, int argc, char** argv);

}  // namespace moldau::ops
