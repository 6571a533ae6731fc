#pragma once
// kafka-consumer-perf-test: Kafka 4.4's ConsumerPerformance on librdkafka (group subscription,
// from the earliest offset unless --from-latest), with its options (joptsimple's parsing, help
// and errors), its header and CSV summary line.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moldau/ops/cli.h"

namespace moldau::ops {

struct ConsumerPerfOptions {
  std::string bootstrap_server;
  std::optional<std::string> topic, include, group, config_file;
  std::vector<std::string> command_properties;  // k=v, over the config file
  int64_t num_records = 0;
  int32_t fetch_size = 1024 * 1024;
  int32_t socket_buffer_size = 2 * 1024 * 1024;
  bool from_latest = false, print_metrics = false, show_detailed_stats = false, hide_header = false;
  int64_t timeout = 10000;
  int64_t reporting_interval = 5000;
  std::string date_format = "yyyy-MM-dd HH:mm:ss:SSS";
};

// Parses the command line as Kafka 4.4's ConsumerPerformance does and runs it; the exit code.
int consumer_perf_main(int argc, char** argv);
int run_consumer_perf(const ConsumerPerfOptions& opts);
const std::vector<OptionDoc>& consumer_perf_help_table();

// The header line ConsumerPerformance.printHeader prints (with its newline).
std::string consumer_perf_header(bool detailed);

}  // namespace moldau::ops
