#pragma once
// kafka-producer-perf-test: Kafka 4.4's ProducerPerformance on librdkafka: its arguments
// (argparse4j's parsing, help and errors), its progress line every --reporting-interval and its
// summary lines (with --warmup-records, a steady-state one), byte for byte in layout.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moldau::ops {

struct ProducerPerfOptions {
  std::optional<std::string> bootstrap_server;
  std::optional<std::string> topic;
  std::optional<int64_t> num_records;
  std::optional<int32_t> record_size;
  std::optional<std::string> payload_file;
  std::string payload_delimiter = "\\n";
  std::optional<double> throughput;
  std::vector<std::string> producer_props;  // k=v (--command-property, or the deprecated --producer-props)
  std::optional<std::string> producer_config;  // --command-config, or the deprecated --producer.config
  bool producer_props_deprecated = false, producer_config_deprecated = false;
  bool payload_monotonic = false;
  int64_t warmup_records = 0;
  int64_t reporting_interval_ms = 5000;
  std::optional<int32_t> record_key_range;
  std::string key_distribution = "none";  // none, range, random
  int64_t random_seed = 0;
  bool print_metrics = false;
  std::optional<std::string> transactional_id;
  std::optional<int64_t> transaction_duration_ms;
};

// Parses the command line as Kafka 4.4's ProducerPerformance does (argparse4j), runs it;
// returns the exit code.
int producer_perf_main(int argc, char** argv);
// Prints argparse4j's usage and "kafka-producer-perf-test: error: <message>" to stderr; exits 1.
[[noreturn]] void producer_perf_usage_error(const std::string& message);
int run_producer_perf(const ProducerPerfOptions& opts);

// Latency statistics exactly as Kafka's ProducerPerformance.Stats keeps them: every record
// counts; one in `sampling` latencies is kept for the percentiles; a window line is printed
// when a record completes 5 s or more after the window started. Visible for tests.
class ProducerPerfStats {
 public:
  ProducerPerfStats(int64_t num_records, int64_t start_ms, int64_t reporting_interval_ms = 5000,
                    bool steady_state = false);
  // After the warmup: the whole-run stats stop printing windows (Kafka's suppressPrinting).
  void suppress_printing() { suppress_ = true; }
  // `latency_ms` of one acknowledged record of `bytes`, completed at `now_ms`.
  void record(int32_t latency_ms, int32_t bytes, int64_t now_ms);
  // The window line ("N records sent, X records/sec (Y MB/sec), ...") for `now_ms`.
  std::string window_line(int64_t now_ms) const;
  // The summary line for `now_ms` (sorts the kept latencies).
  std::string total_line(int64_t now_ms);
  int64_t count() const { return count_; }
  int64_t bytes() const { return bytes_; }
  double avg_latency() const { return count_ ? (double)total_latency_ / (double)count_ : 0.0; }
  int32_t max_latency() const { return max_latency_; }

 private:
  int64_t start_, window_start_, sampling_, iteration_ = 0, count_ = 0, bytes_ = 0, total_latency_ = 0;
  int64_t reporting_interval_ms_;
  bool steady_state_, suppress_ = false;
  int64_t window_count_ = 0, window_total_latency_ = 0, window_bytes_ = 0;
  int32_t max_latency_ = 0, window_max_latency_ = 0;
  std::vector<int32_t> latencies_;
  size_t index_ = 0;
};

}  // namespace moldau::ops
