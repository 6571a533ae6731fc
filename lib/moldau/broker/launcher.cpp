#include "moldau/broker/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "moldau/broker/broker.h"
#include "moldau/common/log.h"

namespace moldau::broker {

namespace fs = std::filesystem;

std::string installation_dir(const std::string& leaf) {
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

int stop_brokers(const StopOptions& options) {
  std::vector<std::pair<pid_t, std::string>> targets;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.pid_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("kafka-server-", 0) != 0 || entry.path().extension() != ".pid") continue;
    if (options.node_id) {
      std::string prefix = "kafka-server-" + std::to_string(*options.node_id) + "-";
      if (name.rfind(prefix, 0) != 0) continue;
    }
    std::ifstream in(entry.path());
    long pid = 0;
    if (!(in >> pid) || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0) {
      fs::remove(entry.path(), ec);  // stale
      continue;
    }
    targets.emplace_back(static_cast<pid_t>(pid), entry.path().string());
  }
  if (targets.empty()) {
    std::cout << "No kafka server to stop\n";
    return 1;
  }
  for (const auto& [pid, path] : targets) ::kill(pid, SIGTERM);
  return 0;
}

}  // namespace moldau::broker
