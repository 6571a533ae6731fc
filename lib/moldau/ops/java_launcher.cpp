#include "moldau/ops/java_launcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>

#include "moldau/ops/cli.h"

#ifndef MOLDAU_KAFKA_JAVA_VERSION
#error "MOLDAU_KAFKA_JAVA_VERSION comes from tests/java/pom.xml (lib/CMakeLists.txt)"
#endif
#ifndef MOLDAU_SOURCE_CONFIG_DIR
#define MOLDAU_SOURCE_CONFIG_DIR ""
#endif

namespace fs = std::filesystem;

namespace moldau::ops {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The shell's word splitting of an unquoted $VAR, which is how kafka-run-class.sh expands its
// option variables.
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The directory above bin/ of this executable (Kafka's $base_dir/..).
fs::path installation_root() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path(ec);
  return exe.parent_path().parent_path();
}

// The logging configuration file: next to the installation (config/ in a distribution-like
// tree, etc/moldau/ after cmake --install), else the source tree's config/ for a build tree.
std::optional<fs::path> config_file(const std::string& name) {
  fs::path root = installation_root();
  for (const fs::path& dir : {root / "config", root / "etc" / "moldau", fs::path(MOLDAU_SOURCE_CONFIG_DIR)}) {
    if (dir.empty()) continue;
    std::error_code ec;
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  }
  return std::nullopt;
}

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); }

}  // namespace

const char* java_kafka_version() { return MOLDAU_KAFKA_JAVA_VERSION; }

std::string java_libs_dir() {
  std::string explicit_dir = env("MOLDAU_KAFKA_LIBS");
  if (!explicit_dir.empty()) return explicit_dir;
  std::string cache = env("MOLDAU_CACHE");
  if (cache.empty()) cache = env("HOME") + "/.cache/moldau";
  return cache + "/kafka-" + java_kafka_version() + "/java-libs";
}

Result<std::string> find_java() {
  std::string home = env("JAVA_HOME");
  if (!home.empty()) {
    fs::path java = fs::path(home) / "bin" / "java";
    if (executable(java)) return java.string();
    return Result<std::string>(ErrorCode::kUnknownServerError,
                               "JAVA_HOME is " + home + " but " + java.string() + " is not an executable");
  }
  std::istringstream path(env("PATH"));
  for (std::string dir; std::getline(path, dir, ':');) {
    fs::path java = fs::path(dir.empty() ? "." : dir) / "java";
    if (executable(java)) return java.string();
  }
  return Result<std::string>(ErrorCode::kUnknownServerError,
                             "Java was not found (no java on PATH and JAVA_HOME is not set). Kafka " +
                                 std::string(java_kafka_version()) +
                                 " runs on Java 17 or newer: install it (scripts/setup installs "
                                 "openjdk-17) or set JAVA_HOME.");
}

Result<std::string> java_class_path(const std::string& libs_dir) {
  std::error_code ec;
  std::vector<std::string> jars;
  bool has_runtime = false;
  // kafka-run-class.sh leaves out test, source and doc jars and the file connectors (which
  // could read and write any file through Connect's REST API if they were always loaded).
  static const std::regex excluded(R"((-(test|test-sources|src|scaladoc|javadoc)\.jar|jar\.asc|connect-file.*\.jar)$)");
  if (fs::is_directory(libs_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(libs_dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.size() < 4 || name.compare(name.size() - 4, 4, ".jar") != 0) continue;
      if (name.rfind("connect-runtime-", 0) == 0) has_runtime = true;
      if (std::regex_search(name, excluded)) continue;
      jars.push_back(entry.path().string());
    }
  }
  if (!has_runtime)
    return Result<std::string>(
        ErrorCode::kUnknownServerError,
        "Kafka Connect's jars (Apache Kafka " + std::string(java_kafka_version()) + ") are not in " + libs_dir +
            ". scripts/setup fetches them there; or set MOLDAU_KAFKA_LIBS to a directory that holds them "
            "(such as the libs/ of an Apache Kafka distribution).");
  std::sort(jars.begin(), jars.end());
  std::string cp = env("CLASSPATH");
  for (const auto& j : jars) cp += (cp.empty() ? "" : ":") + j;
  return cp;
}

Result<std::vector<std::string>> java_command(const JavaProgram& program, const std::vector<std::string>& args) {
  MOLDAU_ASSIGN_OR_RETURN(std::string java, find_java());
  std::string libs = java_libs_dir();
  MOLDAU_ASSIGN_OR_RETURN(std::string class_path, java_class_path(libs));

  std::string log_dir = env("LOG_DIR");
  if (log_dir.empty()) log_dir = (installation_root() / "logs").string();
  std::string log4j = env("KAFKA_LOG4J_OPTS");
  if (log4j.empty()) {
    if (auto file = config_file(program.log4j_config)) log4j = "-Dlog4j2.configurationFile=" + file->string();
  }
  // kafka-run-class.sh makes the log directory when a logging configuration is given.
  if (!log4j.empty()) {
    std::error_code ec;
    fs::create_directories(log_dir, ec);
  }
  std::string heap = env("KAFKA_HEAP_OPTS");
  if (heap.empty()) heap = program.default_heap;
  std::string perf = env("KAFKA_JVM_PERFORMANCE_OPTS");
  if (perf.empty())
    perf = "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 "
           "-XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true";
  std::string jmx = env("KAFKA_JMX_OPTS");
  if (jmx.empty())
    jmx = "-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false "
          "-Dcom.sun.management.jmxremote.ssl=false";
  std::string jmx_port = env("JMX_PORT");
  if (!jmx_port.empty()) {
    jmx += " -Dcom.sun.management.jmxremote.port=" + jmx_port;
    std::string rmi = env("JMX_RMI_PORT");
    jmx += " -Dcom.sun.management.jmxremote.rmi.port=" + (rmi.empty() ? jmx_port : rmi);
  }

  std::vector<std::string> cmd{java};
  for (const auto& part : {heap, perf, env("KAFKA_GC_LOG_OPTS"), jmx, "-Dkafka.logs.dir=" + log_dir, log4j})
    for (auto& w : words(part)) cmd.push_back(w);
  cmd.push_back("-cp");
  cmd.push_back(class_path);
  for (auto& w : words(env("KAFKA_OPTS"))) cmd.push_back(w);
  cmd.push_back(program.main_class);
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

namespace {

void print_help(const JavaProgram& p) {
  std::cout << "USAGE: " << p.script << " [-daemon] " << p.usage_args << "\n\n"
            << p.description << "\n\n"
            << "Runs " << p.main_class << " of Apache Kafka " << java_kafka_version()
            << " on Java, as Kafka's bin/" << p.script << ".sh does.\n"
            << "  -daemon            run in the background; console output to $LOG_DIR/" << p.daemon_name << ".out\n"
            << "Jars:    " << java_libs_dir() << " (MOLDAU_KAFKA_LIBS overrides)\n"
            << "         the file connectors are " << java_libs_dir() << "/connect-file-*.jar, loaded\n"
            << "         only through plugin.path, as in Kafka's quickstart\n"
            << "Logging: " << (config_file(p.log4j_config) ? config_file(p.log4j_config)->string() : p.log4j_config)
            << " (KAFKA_LOG4J_OPTS overrides), log files in $LOG_DIR\n"
            << "Also read: JAVA_HOME, KAFKA_HEAP_OPTS (default " << p.default_heap
            << "), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS, JMX_PORT, KAFKA_OPTS, CLASSPATH.\n";
}

}  // namespace

int run_java_program(const JavaProgram& program, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    print_help(program);
    return 0;
  }
  if (!args.empty() && args[0] == "--version") {
    std::cout << kVersion << "\n";
    return 0;
  }
  bool daemon = false;
  if (!args.empty() && args[0] == "-daemon") {
    daemon = true;
    args.erase(args.begin());
  }
  if (args.empty()) {
    // The script's own check (it counts -daemon as an argument, so does this).
    std::cout << "USAGE: " << program.script << " [-daemon] " << program.usage_args << "\n";
    return 1;
  }
  auto cmd = java_command(program, args);
  if (!cmd.ok()) {
    std::cerr << program.script << ": " << cmd.status().message() << "\n";
    return 1;
  }
  std::vector<char*> cargv;
  for (auto& s : *cmd) cargv.push_back(s.data());
  cargv.push_back(nullptr);

  if (daemon) {
    // nohup java ... > $LOG_DIR/<name>.out 2>&1 < /dev/null &
    std::string log_dir = env("LOG_DIR");
    if (log_dir.empty()) log_dir = (installation_root() / "logs").string();
    std::error_code ec;
    fs::create_directories(log_dir, ec);
    std::string out = log_dir + "/" + program.daemon_name + ".out";
    pid_t pid = ::fork();
    if (pid < 0) {
      std::cerr << program.script << ": fork: " << std::strerror(errno) << "\n";
      return 1;
    }
    if (pid > 0) return 0;
    ::setsid();
    int in_fd = ::open("/dev/null", O_RDONLY);
    int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0) {
      std::cerr << program.script << ": " << out << ": " << std::strerror(errno) << "\n";
      ::_exit(1);
    }
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::signal(SIGHUP, SIG_IGN);
  }
  ::execv(cargv[0], cargv.data());
  std::cerr << program.script << ": cannot run " << cargv[0] << ": " << std::strerror(errno) << "\n";
  return daemon ? (::_exit(1), 1) : 1;
}

}  // namespace moldau::ops
