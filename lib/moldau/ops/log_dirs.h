#pragma once
// kafka-log-dirs (Kafka's LogDirsCommand): the log directories of brokers and the partitions
// in each (size, offset lag, whether a future replica), as Kafka's one line of JSON.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moldau::ops {

// Parses the command line as LogDirsCommand does, runs it; returns the exit code.
int log_dirs_main(int argc, char** argv);

// --- pure parts, unit-tested ---

struct ReplicaView {
  std::string topic;
  int32_t partition = 0;
  int64_t size = 0, offset_lag = 0;
  bool is_future = false;
};
struct LogDirView {
  std::string path;
  std::optional<std::string> error;  // the exception class Kafka's client names
  std::vector<ReplicaView> replicas;  // as the broker listed them
};
struct BrokerLogDirs {
  int32_t broker = 0;
  std::vector<LogDirView> dirs;  // as the broker listed them
};
// LogDirsCommand's JSON: {"brokers":[{"broker":..,"logDirs":[{"partitions":[...],"error":..,
// "logDir":..}]}],"version":1}, with every map in the order Java's HashMaps give it; only
// partitions of `topics` (all when empty).
std::string format_log_dirs_json(const std::vector<BrokerLogDirs>& brokers, const std::vector<std::string>& topics);

}  // namespace moldau::ops
