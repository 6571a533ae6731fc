#pragma once
// kafka-producer-perf-test: Kafka's ProducerPerformance on librdkafka. Prints Kafka 3.7's
// progress line every 5 s and its summary line, byte for byte in layout.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moldau::ops {

struct ProducerPerfOptions {
  bool help = false, version = false;
  std::optional<std::string> topic;
  std::optional<int64_t> num_records;
  std::optional<int32_t> record_size;
  std::optional<std::string> payload_file;
  std::string payload_delimiter = "\\n";
  std::optional<double> throughput;
  std::vector<std::string> producer_props;  // k=v
  bool producer_props_given = false;
  std::optional<std::string> producer_config;
  bool print_metrics = false;
  std::optional<std::string> transactional_id;
  std::optional<int64_t> transaction_duration_ms;
};

// Kafka's argparse4j help text for producer-performance.
std::string producer_perf_help();
// Prints argparse4j's "usage: ..." and "producer-performance: error: <message>" to stderr; exits 1.
[[noreturn]] void producer_perf_usage_error(const std::string& message);
int run_producer_perf(const ProducerPerfOptions& opts);

// Latency statistics exactly as Kafka's ProducerPerformance.Stats keeps them: every record
// counts; one in `sampling` latencies is kept for the percentiles; a window line is printed
// when a record completes 5 s or more after the window started. Visible for tests.
class ProducerPerfStats {
 public:
  ProducerPerfStats(int64_t num_records, int64_t start_ms);
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
  int64_t window_count_ = 0, window_total_latency_ = 0, window_bytes_ = 0;
  int32_t max_latency_ = 0, window_max_latency_ = 0;
  std::vector<int32_t> latencies_;
  size_t index_ = 0;
};

}  // namespace moldau::ops
