#pragma once
// The perf tools' --print-metrics: the rows of Kafka's client metrics table whose values our
// client measures, computed from librdkafka's statistics reports (statistics.interval.ms) and
// the tool's own counters, as Kafka's metrics compute them (a Rate or an Avg over two samples of
// 30 s, a cumulative total, a current value). Rows Kafka's client computes from what librdkafka
// does not measure are left out (the man pages list what is printed).

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moldau::ops {

// A window of events: their sum, their count and the largest one (NaN: none).
struct PerfWindow {
  double sum = 0;
  double count = 0;
  double max = std::numeric_limits<double>::quiet_NaN();
  void add(double v) {
    sum += v;
    count += 1;
    if (!(v <= max)) max = v;
  }
};

// What a perf tool counts itself. Updated on the thread that polls the client, which is also
// the thread the statistics callback runs on (inside those polls): no locking.
struct PerfCounters {
  int64_t start_ms = 0;                          // when the client was created
  int64_t records = 0, bytes = 0, errors = 0;    // records delivered (or consumed), their bytes, failed sends
  PerfWindow record_sizes;                       // producer: each delivered record's key and value bytes
  std::map<std::string, std::pair<int64_t, int64_t>> topics;  // records and bytes per topic
  int64_t flush_ns = 0;                          // producer: waiting for the last deliveries
  int64_t txn_init_ns = 0, txn_begin_ns = 0, txn_commit_ns = 0;
  PerfWindow rebalance_ms;                       // consumer: each wait for an assignment
  int64_t assigned_partitions = 0;
  int64_t last_poll_ms = 0;                      // consumer: when it last polled (0: never)
  PerfWindow poll_gaps_ms;                       // consumer: time between two polls (0 before the first)
  PerfWindow poll_idle_ratios;                   // consumer: a poll's time over it and the time before it
};

// The client's metrics table for one tool: on_report() from the client's statistics hook
// (client::StatisticsHook, every kReportIntervalMs), table() at the end.
// `counters` must outlive it. Not thread-safe: used on the thread that polls the client.
class PerfMetrics {
 public:
  enum class Tool { kProducer, kConsumer };
  PerfMetrics(Tool tool, std::string client_id, const PerfCounters* counters);
  ~PerfMetrics();

  // How often librdkafka reports its statistics while a tool prints metrics.
  static constexpr int kReportIntervalMs = 200;
  // One statistics report (librdkafka's JSON); an unreadable one is ignored.
  void on_report(const char* json, size_t len);
  int64_t reports() const { return reports_; }
  // Polls with `poll_once` until one more report arrives (so the table includes the end of the
  // run) or `timeout_ms` passes; then takes the counters once more.
  void await_report(const std::function<void()>& poll_once, int64_t timeout_ms);
  // The rows, "<group>:<name>:{tags}" and the value as Kafka's ToolsUtils.printMetrics shows it.
  std::vector<std::pair<std::string, std::string>> table() const;

 private:
  struct State;
  void update(int64_t now_ms);

  Tool tool_;
  std::string client_id_;
  const PerfCounters* counters_;
  std::string last_json_;
  int64_t reports_ = 0;
  std::unique_ptr<std::map<std::string, State>> rows_;
  int64_t measured_ms_ = 0;
};

}  // namespace moldau::ops
