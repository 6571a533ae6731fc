#pragma once
// kafka-consumer-perf-test: Kafka's ConsumerPerformance on librdkafka (group subscription,
// from the earliest offset unless --from-latest), with its header and CSV summary line.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moldau/ops/cli.h"

namespace moldau::ops {

struct ConsumerPerfOptions {
  bool no_args = false, help = false, version = false;
  std::optional<std::string> bootstrap_server, broker_list, topic, include, group, consumer_config;
  std::optional<int64_t> messages;
  int32_t fetch_size = 1024 * 1024;
  int32_t socket_buffer_size = 2 * 1024 * 1024;
  bool from_latest = false, print_metrics = false, show_detailed_stats = false, hide_header = false;
  int64_t timeout = 10000;
  std::string reporting_interval = "5000";
  std::string date_format = "yyyy-MM-dd HH:mm:ss:SSS";
};

int run_consumer_perf(const ConsumerPerfOptions& opts);
const std::vector<OptionDoc>& consumer_perf_help_table();

// The header line ConsumerPerformance.printHeader prints (with its newline).
std::string consumer_perf_header(bool detailed);

}  // namespace moldau::ops
