#pragma once
// Real etcd processes for the client's tests: each member on free loopback ports with its own
// temp data dir, killed and removed when the cluster object goes (also when a test fails, and
// by the kernel if the test process dies: PR_SET_PDEATHSIG). No etcd binary is an error, never
// a skip: set MOLDAU_ETCD or install etcd-server (scripts/setup).

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "moldau/etcd/client.h"

namespace moldau::etcd::test {

using namespace std::chrono_literals;

// $MOLDAU_ETCD, else `etcd` on PATH, else /usr/bin/etcd.
inline std::string etcd_binary() {
  if (const char* env = std::getenv("MOLDAU_ETCD"); env && *env) {
    if (::access(env, X_OK) == 0) return env;
    throw std::runtime_error(std::string("MOLDAU_ETCD=") + env + " is not an executable");
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      std::string candidate = (dir.empty() ? "." : dir) + "/etcd";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  if (::access("/usr/bin/etcd", X_OK) == 0) return "/usr/bin/etcd";
  throw std::runtime_error(
      "no etcd binary found (looked at $MOLDAU_ETCD, PATH, /usr/bin/etcd): these tests need a "
      "real etcd; install Debian's etcd-server (scripts/setup) or set MOLDAU_ETCD");
}

// A loopback port that was free a moment ago.
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to a free loopback port failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 30s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 1) : binary_(etcd_binary()) {
    char tmpl[] = "/tmp/moldau-etcd-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    token_ = "moldau-test-" + std::to_string(::getpid()) + "-" + dir_.substr(dir_.size() - 6);
    for (int i = 0; i < members; ++i) {
      Member m;
      m.name = "m" + std::to_string(i);
      m.client_port = free_port();
      m.peer_port = free_port();
      m.data_dir = dir_ + "/" + m.name + ".etcd";
      m.log_path = dir_ + "/" + m.name + ".log";
      members_.push_back(m);
    }
    try {
      for (int i = 0; i < members; ++i) spawn(i, members_[i].client_port);
      for (int i = 0; i < members; ++i) wait_ready(i);
    } catch (...) {
      cleanup();
      throw;
    }
  }

  ~EtcdCluster() { cleanup(); }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  std::string endpoint(int i) const {
    return "http://127.0.0.1:" + std::to_string(members_[i].client_port);
  }
  std::vector<std::string> endpoints() const {
    std::vector<std::string> out;
    for (int i = 0; i < size(); ++i) out.push_back(endpoint(i));
    return out;
  }

  // SIGKILL, and reaped.
  void kill(int i) {
    Member& m = members_[i];
    if (m.pid <= 0) return;
    ::kill(m.pid, SIGKILL);
    ::waitpid(m.pid, nullptr, 0);
    m.pid = -1;
  }

  // Starts a killed member again on its data dir, on its own client port or `client_port`
  // (then endpoint(i) does not change: a client configured with it cannot reach the member),
  // and waits until it answers with a leader.
  void restart(int i, int client_port = 0) {
    if (members_[i].pid > 0) throw std::runtime_error("restart of a running member");
    spawn(i, client_port ? client_port : members_[i].client_port);
    wait_ready(i, client_port);
  }

  // SIGSTOP, and waits until every thread has stopped: kill() only queues the signal, and on a
  // loaded machine one of etcd's threads can still answer a request before the group stop
  // reaches it (CI saw a Put succeed "after" the pause). The parent hears of the stop (WUNTRACED)
  // only once the last thread has stopped.
  void pause(int i) {
    ::kill(members_[i].pid, SIGSTOP);
    int status = 0;
    while (::waitpid(members_[i].pid, &status, WUNTRACED) < 0 && errno == EINTR) {
    }
  }
  void resume(int i) { ::kill(members_[i].pid, SIGCONT); }

  // The end of member i's log, for failure messages.
  std::string log_tail(int i, size_t bytes = 3000) const {
    std::ifstream in(members_[i].log_path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.size() > bytes ? text.substr(text.size() - bytes) : text;
  }

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::string data_dir;
    std::string log_path;
    pid_t pid = -1;
  };

  std::string peer_url(int i) const {
    return "http://127.0.0.1:" + std::to_string(members_[i].peer_port);
  }

  void spawn(int i, int client_port) {
    Member& m = members_[i];
    std::string initial_cluster;
    for (int j = 0; j < size(); ++j)
      initial_cluster += (j ? "," : "") + members_[j].name + "=" + peer_url(j);
    std::string client_url = "http://127.0.0.1:" + std::to_string(client_port);
    std::vector<std::string> args = {
        binary_, "--name", m.name, "--data-dir", m.data_dir,
        "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
        "--listen-peer-urls", peer_url(i), "--initial-advertise-peer-urls", peer_url(i),
        "--initial-cluster", initial_cluster, "--initial-cluster-token", token_,
        "--initial-cluster-state", "new", "--unsafe-no-fsync", "--log-level", "warn",
        "--logger", "zap"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int log_fd = ::open(m.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + m.log_path);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(log_fd);
    if (pid < 0) throw std::runtime_error("fork failed");
    m.pid = pid;
  }

  // Until the member answers Status with a leader (it may take an election in a cluster).
  void wait_ready(int i, int client_port = 0) {
    std::string url = client_port ? "http://127.0.0.1:" + std::to_string(client_port) : endpoint(i);
    Client probe(ClientOptions{.endpoints = {url}, .timeout = 1000ms, .connect_timeout = 500ms,
                               .attempt_timeout = 1000ms});
    std::string last;
    bool ok = wait_until(
        [&] {
          int status = 0;
          if (::waitpid(members_[i].pid, &status, WNOHANG) == members_[i].pid) {
            members_[i].pid = -1;
            throw std::runtime_error("etcd member " + members_[i].name +
                                     " exited during start-up:\n" + log_tail(i));
          }
          auto r = probe.member_status();
          if (r.ok() && r->leader != 0) return true;
          last = r.ok() ? "no leader yet" : r.status().to_string();
          return false;
        },
        60s);
    if (!ok)
      throw std::runtime_error("etcd member " + members_[i].name + " at " + url +
                               " not ready within 60 s (" + last + "):\n" + log_tail(i));
  }

  void cleanup() {
    for (int i = 0; i < size(); ++i) kill(i);
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  std::string binary_;
  std::string dir_;
  std::string token_;
  std::vector<Member> members_;
};

}  // namespace moldau::etcd::test
