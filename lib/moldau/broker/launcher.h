#pragma once
// Start-up of a broker process as kafka-server-start does it: load server.properties, apply
// --override flags, validate, optionally daemonize, write a pid file, serve until SIGTERM or
// SIGINT, then shut down cleanly. And kafka-server-stop: signal the brokers started from this
// installation, found by their pid files.

#include <optional>
#include <string>
#include <vector>

namespace moldau::broker {

struct LaunchOptions {
  std::string properties_file;
  std::vector<std::string> overrides;  // "key=value"
  bool daemon = false;
  std::string pid_dir;  // where pid files go (this installation's run directory)
  std::string log_dir;  // -daemon output: <log_dir>/kafkaServer.out
};

// Returns the process exit code.
int launch_broker(const LaunchOptions& options);

struct StopOptions {
  std::string pid_dir;
  std::optional<int> node_id;              // --node-id=N: only the broker with this node.id
  std::optional<std::string> process_role;  // --process-role=R: only processes in this role
};
// SIGTERM to the live brokers named by pid files in pid_dir (those that match the filters).
// A pid file whose process is gone, or is not a kafka-server-start any more, is removed and
// its process left alone. "No kafka server to stop" and 1 when none runs.
int stop_brokers(const StopOptions& options);

// <dir of the running executable>/../<leaf>, the installation's own directories; the run
// directory (pid files) is $MOLDAU_RUN_DIR when set.
std::string installation_dir(const std::string& leaf);

}  // namespace moldau::broker
