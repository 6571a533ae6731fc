#include "moldau/broker/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "moldau/broker/broker.h"
#include "moldau/common/log.h"

namespace moldau::broker {

namespace fs = std::filesystem;

std::string installation_dir(const std::string& leaf) {
  if (leaf == "run")
    if (const char* dir = std::getenv("MOLDAU_RUN_DIR"); dir && *dir) return dir;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return leaf;
  return (exe.parent_path().parent_path() / leaf).string();
}

namespace {

std::string pid_file_path(const std::string& dir, int node_id) {
  return dir + "/kafka-server-" + std::to_string(node_id) + "-" + std::to_string(::getpid()) + ".pid";
}

bool daemonize(const std::string& log_dir) {
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid > 0) ::_exit(0);
  ::setsid();
  int in = ::open("/dev/null", O_RDONLY);
  int out = ::open((log_dir + "/kafkaServer.out").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in >= 0) ::dup2(in, 0);
  if (out >= 0) {
    ::dup2(out, 1);
    ::dup2(out, 2);
  }
  return true;
}

}  // namespace

int launch_broker(const LaunchOptions& options) {
  auto props = Properties::load_file(options.properties_file);
  if (!props.ok()) {
    std::cerr << "Error: " << props.status().message() << "\n";
    return 1;
  }
  for (const auto& o : options.overrides) {
    Status s = apply_override(*props, o);
    if (!s.ok()) {
      std::cerr << "Error: " << s.message() << "\n";
      return 1;
    }
  }
  std::vector<std::string> warnings;
  auto config = BrokerConfig::from_properties(*props, &warnings);
  if (!config.ok()) {
    init_logging("info");
    logger("broker").error("Exiting Kafka due to fatal exception: {}", config.status().message());
    std::cerr << "Error: " << config.status().message() << "\n";
    return 1;
  }
  init_logging(config->log_level);
  for (const auto& w : warnings) logger("config").warn("{}", w);
  if (props->contains("zookeeper.connect"))
    logger("config").warn("zookeeper.connect is set but not used: Moldau keeps metadata itself");

  if (options.daemon && !daemonize(options.log_dir)) {
    std::cerr << "Error: cannot start in the background\n";
    return 1;
  }

  int node_id = config->node_id;
  auto broker = Broker::open(std::move(*config));
  if (!broker.ok()) {
    logger("broker").error("Exiting Kafka due to fatal exception during startup: {}",
                           broker.status().to_string());
    return 1;
  }
  Status s = (*broker)->listen();
  if (!s.ok()) {
    logger("broker").error("Exiting Kafka due to fatal exception during startup: {}", s.message());
    return 1;
  }

  std::string pid_file;
  if (!options.pid_dir.empty()) {
    std::error_code ec;
    fs::create_directories(options.pid_dir, ec);
    pid_file = pid_file_path(options.pid_dir, node_id);
    std::ofstream(pid_file) << ::getpid() << "\n";
  }

  ::signal(SIGPIPE, SIG_IGN);
  int code = 0;
  {
    // The signal set lives on the broker's io_context, so it must go before the broker does.
    asio::signal_set signals((*broker)->io(), SIGTERM, SIGINT);
    Broker* b = broker->get();
    signals.async_wait([b](asio::error_code ec, int) {
      if (!ec) b->stop();
    });
    code = b->run();
  }
  broker->reset();
  if (!pid_file.empty()) ::unlink(pid_file.c_str());
  return code;
}

namespace {

// True when `pid` runs this installation's kafka-server-start: a pid file left behind by a
// broker that crashed may name a process that has since taken the number, and that one must
// not be signalled.
bool is_our_broker(pid_t pid, const std::string& pid_dir) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  if (ec) return false;
  std::string name = exe.filename().string();
  const std::string deleted = " (deleted)";  // a rebuilt binary: the running one is unlinked
  if (name.size() > deleted.size() && name.compare(name.size() - deleted.size(), deleted.size(), deleted) == 0)
    name.resize(name.size() - deleted.size());
  if (name != "kafka-server-start") return false;
  // The broker's pid file names it, so its own installation (or MOLDAU_RUN_DIR) wrote it there.
  (void)pid_dir;
  return true;
}

}  // namespace

int stop_brokers(const StopOptions& options) {
  if (options.node_id && options.process_role)
    std::cout << "When both node-id and process-role are provided, the value for node-id will take precedence\n";
  std::vector<std::pair<pid_t, int>> running;  // pid, node id
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.pid_dir, ec)) {
    std::string name = entry.path().filename().string();
    // kafka-server-<node id>-<pid>.pid
    if (name.rfind("kafka-server-", 0) != 0 || entry.path().extension() != ".pid") continue;
    int node_id = 0;
    if (std::sscanf(name.c_str(), "kafka-server-%d-", &node_id) != 1) continue;
    std::ifstream in(entry.path());
    long pid = 0;
    if (!(in >> pid) || pid <= 0 || !is_our_broker(static_cast<pid_t>(pid), options.pid_dir)) {
      // Stale: the broker is gone (crashed or killed); whatever runs under that number now is
      // not ours to stop.
      fs::remove(entry.path(), ec);
      continue;
    }
    running.emplace_back(static_cast<pid_t>(pid), node_id);
  }
  if (running.empty()) {
    std::cout << "No kafka server to stop\n";
    return 1;
  }
  for (const auto& [pid, node_id] : running) {
    bool match = true;
    if (options.node_id)
      match = node_id == *options.node_id;
    else if (options.process_role)
      match = *options.process_role == "broker";  // every Moldau process is a broker (no KRaft controller)
    if (match) ::kill(pid, SIGTERM);
  }
  return 0;
}

}  // namespace moldau::broker
