#include "moldau/ops/perf_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "moldau/ops/perf_common.h"

namespace moldau::ops {

namespace {

using Json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Kafka's SampledStat with MetricConfig's defaults: two samples of 30 s; a sample older than
// both counts nothing; a Rate divides by the time since the oldest sample began, at least one
// whole window more than that while fewer than one window has passed.
class Sampled {
 public:
  void record(double sum, double count, double max, int64_t now) {
    if (samples_.empty()) samples_.push_back(Sample{now});
    Sample* s = &samples_[current_];
    if (now - s->start >= kWindowMs) {
      current_ = (current_ + 1) % kSamples;
      if (current_ >= samples_.size()) samples_.push_back(Sample{now});
      samples_[current_] = Sample{now};
      s = &samples_[current_];
    }
    s->sum += sum;
    s->count += count;
    if (!std::isnan(max) && !(max <= s->max)) s->max = max;
  }
  double rate_per_sec(int64_t now) const {
    int64_t oldest = now;
    double sum = 0;
    for (const auto& s : live(now)) {
      oldest = std::min(oldest, s.start);
      sum += s.sum;
    }
    int64_t elapsed = now - oldest;
    int64_t full = elapsed / kWindowMs;
    if (full < kSamples - 1) elapsed += (kSamples - 1 - full) * kWindowMs;
    return sum / ((double)elapsed / 1000.0);
  }
  double avg(int64_t now) const {
    double sum = 0, count = 0;
    for (const auto& s : live(now)) sum += s.sum, count += s.count;
    return count == 0 ? kNaN : sum / count;
  }
  double max(int64_t now) const {
    double m = kNaN;
    for (const auto& s : live(now))
      if (!std::isnan(s.max) && !(s.max <= m)) m = s.max;
    return m;
  }

 private:
  static constexpr int64_t kWindowMs = 30000;
  static constexpr int64_t kSamples = 2;
  struct Sample {
    int64_t start;
    double sum = 0, count = 0, max = kNaN;
  };
  std::vector<Sample> live(int64_t now) const {
    std::vector<Sample> out;
    for (const auto& s : samples_)
      if (now - s.start < kSamples * kWindowMs) out.push_back(s);
    return out;
  }
  std::vector<Sample> samples_;
  size_t current_ = 0;
};

// A source's reading: totals so far (kCumulative), one report's window (kWindow), or a current
// value in `sum` (kGauge).
struct Reading {
  double sum = 0, count = 0, max = kNaN;
};
enum class Source { kCumulative, kWindow, kGauge };
// How a row shows its source: Kafka's CumulativeSum/Count, Rate (per second, per hour), Avg,
// Max, Value, or a whole number (a Long metric, printed without decimals).
enum class Stat { kTotal, kRate, kRatePerHour, kAvg, kMax, kValue, kLong };
enum class Scope { kClient, kNode, kTopic, kPartition };

// What a row reads: the report (`top`), the broker, topic or partition of its scope, the counters.
struct Ctx {
  const Json& top;
  const Json* broker;
  const Json* topic;
  const Json* partition;
  const PerfCounters& c;
  const std::string& topic_name;
  int64_t now;
};

double num(const Json* j, const char* key) {
  if (!j || !j->is_object()) return 0;
  auto it = j->find(key);
  return it != j->end() && it->is_number() ? it->get<double>() : 0;
}

const Json* child(const Json* j, const char* key) {
  if (!j || !j->is_object()) return nullptr;
  auto it = j->find(key);
  return it != j->end() && it->is_object() ? &*it : nullptr;
}

// One of librdkafka's window statistics ({min, max, avg, sum, cnt, ...}), scaled.
Reading window(const Json* j, const char* key, double scale) {
  const Json* w = child(j, key);
  Reading r{num(w, "sum") * scale, num(w, "cnt")};
  if (r.count > 0) r.max = num(w, "max") * scale;
  return r;
}

void merge(Reading& into, const Reading& r) {
  into.sum += r.sum;
  into.count += r.count;
  if (!std::isnan(r.max) && !(r.max <= into.max)) into.max = r.max;
}

// Every broker of the report but librdkafka's internal one (it has no connection).
template <class F>
void for_brokers(const Json& top, F f) {
  if (const Json* brokers = child(&top, "brokers"))
    for (const auto& [name, b] : brokers->items())
      if (b.is_object() && b.value("source", "") != "internal") f(b);
}

Reading over_brokers(const Ctx& x, Reading (*one)(const Json&)) {
  Reading r;
  for_brokers(x.top, [&](const Json& b) { merge(r, one(b)); });
  return r;
}

double requests(const Json& top, const char* api) {
  double n = 0;
  for_brokers(top, [&](const Json& b) { n += num(child(&b, "req"), api); });
  return n;
}

// A consumed partition's position: the application's offset, or, before it consumed anything
// there, where librdkafka fetches from when nothing fetched waits (an empty partition); -1 when
// unknown.
double position(const Json* p) {
  double app = num(p, "app_offset");
  if (app >= 0) return app;
  double next = num(p, "next_offset");
  return next >= 0 && num(p, "fetchq_cnt") == 0 ? next : -1;
}

Reading counter(double v) { return Reading{v, v > 0 ? 1.0 : 0.0}; }
Reading own(const PerfWindow& w) { return Reading{w.sum, w.count, w.max}; }

constexpr unsigned kP = 1, kC = 2, kBoth = 3;

// One row: for which tools, its group ("{client}" and "{node}" are producer- or consumer-metrics
// and -node-metrics), its name, where it is tagged, what it reads and how it shows it.
struct RowSpec {
  unsigned tools;
  const char* group;
  const char* name;
  Scope scope;
  Source source;
  Stat stat;
  Reading (*read)(const Ctx&);
};

// In Kafka's order (its table is sorted by name).
const std::vector<RowSpec>& row_specs() {
  using S = Source;
  using T = Stat;
  using Sc = Scope;
  static const std::vector<RowSpec> kRows = {
      {kBoth, "app-info", "start-time-ms", Sc::kClient, S::kGauge, T::kLong,
       [](const Ctx& x) { return Reading{(double)x.c.start_ms}; }},
      {kC, "consumer-coordinator-metrics", "assigned-partitions", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx& x) { return Reading{(double)x.c.assigned_partitions}; }},
      {kC, "consumer-coordinator-metrics", "commit-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(requests(x.top, "OffsetCommit")); }},
      {kC, "consumer-coordinator-metrics", "commit-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(requests(x.top, "OffsetCommit")); }},
      {kC, "consumer-coordinator-metrics", "heartbeat-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(requests(x.top, "Heartbeat")); }},
      {kC, "consumer-coordinator-metrics", "heartbeat-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(requests(x.top, "Heartbeat")); }},
      {kC, "consumer-coordinator-metrics", "join-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(requests(x.top, "JoinGroup")); }},
      {kC, "consumer-coordinator-metrics", "join-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(requests(x.top, "JoinGroup")); }},
      {kC, "consumer-coordinator-metrics", "last-rebalance-seconds-ago", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx& x) {
         const Json* cgrp = child(&x.top, "cgrp");
         return Reading{cgrp && x.c.rebalance_ms.count > 0 ? std::floor(num(cgrp, "rebalance_age") / 1000.0) : -1.0};
       }},
      {kC, "consumer-coordinator-metrics", "rebalance-latency-avg", Sc::kClient, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return own(x.c.rebalance_ms); }},
      {kC, "consumer-coordinator-metrics", "rebalance-latency-max", Sc::kClient, S::kCumulative, T::kMax,
       [](const Ctx& x) { return own(x.c.rebalance_ms); }},
      {kC, "consumer-coordinator-metrics", "rebalance-latency-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return own(x.c.rebalance_ms); }},
      {kC, "consumer-coordinator-metrics", "rebalance-rate-per-hour", Sc::kClient, S::kCumulative, T::kRatePerHour,
       [](const Ctx& x) { return counter(x.c.rebalance_ms.count); }},
      {kC, "consumer-coordinator-metrics", "rebalance-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(x.c.rebalance_ms.count); }},
      {kC, "consumer-coordinator-metrics", "sync-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(requests(x.top, "SyncGroup")); }},
      {kC, "consumer-coordinator-metrics", "sync-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(requests(x.top, "SyncGroup")); }},
      {kC, "consumer-fetch-manager-metrics", "bytes-consumed-rate", Sc::kTopic, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.topics.at(x.topic_name).second); }},
      {kC, "consumer-fetch-manager-metrics", "bytes-consumed-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.bytes); }},
      {kC, "consumer-fetch-manager-metrics", "bytes-consumed-total", Sc::kTopic, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.topics.at(x.topic_name).second); }},
      {kC, "consumer-fetch-manager-metrics", "bytes-consumed-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.bytes); }},
      {kC, "consumer-fetch-manager-metrics", "fetch-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(requests(x.top, "Fetch")); }},
      {kC, "consumer-fetch-manager-metrics", "fetch-throttle-time-avg", Sc::kClient, S::kWindow, T::kAvg,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "throttle", 1.0); }); }},
      {kC, "consumer-fetch-manager-metrics", "fetch-throttle-time-max", Sc::kClient, S::kWindow, T::kMax,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "throttle", 1.0); }); }},
      {kC, "consumer-fetch-manager-metrics", "fetch-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(requests(x.top, "Fetch")); }},
      {kC, "consumer-fetch-manager-metrics", "records-consumed-rate", Sc::kTopic, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.topics.at(x.topic_name).first); }},
      {kC, "consumer-fetch-manager-metrics", "records-consumed-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.records); }},
      {kC, "consumer-fetch-manager-metrics", "records-consumed-total", Sc::kTopic, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.topics.at(x.topic_name).first); }},
      {kC, "consumer-fetch-manager-metrics", "records-consumed-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.records); }},
      // The high watermark less the position, and the position less the log start offset.
      {kC, "consumer-fetch-manager-metrics", "records-lag", Sc::kPartition, S::kGauge, T::kValue,
       [](const Ctx& x) {
         return Reading{std::max(0.0, num(x.partition, "hi_offset") - position(x.partition))};
       }},
      {kC, "consumer-fetch-manager-metrics", "records-lead", Sc::kPartition, S::kGauge, T::kValue,
       [](const Ctx& x) {
         return Reading{std::max(0.0, position(x.partition) - std::max(0.0, num(x.partition, "lo_offset")))};
       }},
      // The tool never calls commitSync() nor committed(): no time spent in either.
      {kC, "consumer-metrics", "commit-sync-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx&) { return Reading{}; }},
      {kC, "consumer-metrics", "committed-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx&) { return Reading{}; }},
      {kBoth, "kafka-metrics-count", "count", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx&) { return Reading{}; }},  // the table's own size: filled in by table()
      {kP, "producer-metrics", "batch-size-avg", Sc::kClient, S::kWindow, T::kAvg,
       [](const Ctx& x) {
         Reading r;
         if (const Json* topics = child(&x.top, "topics"))
           for (const auto& [name, t] : topics->items()) merge(r, window(&t, "batchsize", 1.0));
         return r;
       }},
      {kP, "producer-metrics", "batch-size-max", Sc::kClient, S::kWindow, T::kMax,
       [](const Ctx& x) {
         Reading r;
         if (const Json* topics = child(&x.top, "topics"))
           for (const auto& [name, t] : topics->items()) merge(r, window(&t, "batchsize", 1.0));
         return r;
       }},
      {kBoth, "{client}", "connection-close-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return counter(num(&b, "disconnects")); }); }},
      {kBoth, "{client}", "connection-close-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return counter(num(&b, "disconnects")); }); }},
      {kBoth, "{client}", "connection-count", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx& x) {
         return over_brokers(x, [](const Json& b) { return Reading{b.value("state", "") == "UP" ? 1.0 : 0.0}; });
       }},
      {kBoth, "{client}", "connection-creation-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return counter(num(&b, "connects")); }); }},
      {kBoth, "{client}", "connection-creation-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return counter(num(&b, "connects")); }); }},
      {kP, "producer-metrics", "flush-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.flush_ns); }},
      {kBoth, "{client}", "incoming-byte-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(&x.top, "rx_bytes")); }},
      {kBoth, "{client}", "incoming-byte-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(&x.top, "rx_bytes")); }},
      {kC, "consumer-metrics", "last-poll-seconds-ago", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx& x) {
         return Reading{x.c.last_poll_ms ? std::floor((double)(x.now - x.c.last_poll_ms) / 1000.0) : -1.0};
       }},
      // The age of the oldest topic metadata the producer holds.
      {kP, "producer-metrics", "metadata-age", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx& x) {
         double age = 0;
         if (const Json* topics = child(&x.top, "topics"))
           for (const auto& [name, t] : topics->items()) age = std::max(age, num(&t, "metadata_age") / 1000.0);
         return Reading{age};
       }},
      {kC, "consumer-metrics", "poll-idle-ratio-avg", Sc::kClient, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return own(x.c.poll_idle_ratios); }},
      // Kafka counts the reads and writes its selector completed: requests sent and responses read.
      {kBoth, "{client}", "network-io-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(&x.top, "tx") + num(&x.top, "rx")); }},
      {kBoth, "{client}", "network-io-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(&x.top, "tx") + num(&x.top, "rx")); }},
      {kBoth, "{client}", "outgoing-byte-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(&x.top, "tx_bytes")); }},
      {kBoth, "{client}", "outgoing-byte-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(&x.top, "tx_bytes")); }},
      {kP, "producer-metrics", "produce-throttle-time-avg", Sc::kClient, S::kWindow, T::kAvg,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "throttle", 1.0); }); }},
      {kP, "producer-metrics", "produce-throttle-time-max", Sc::kClient, S::kWindow, T::kMax,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "throttle", 1.0); }); }},
      {kP, "producer-metrics", "record-error-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.errors); }},
      {kP, "producer-metrics", "record-error-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.errors); }},
      // librdkafka's internal queue latency: each record's wait before it is sent, in ms.
      {kP, "producer-metrics", "record-queue-time-avg", Sc::kClient, S::kWindow, T::kAvg,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "int_latency", 1e-3); }); }},
      {kP, "producer-metrics", "record-queue-time-max", Sc::kClient, S::kWindow, T::kMax,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "int_latency", 1e-3); }); }},
      {kP, "producer-metrics", "record-send-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.records); }},
      {kP, "producer-metrics", "record-send-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.records); }},
      {kP, "producer-metrics", "record-size-avg", Sc::kClient, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return own(x.c.record_sizes); }},
      {kP, "producer-metrics", "record-size-max", Sc::kClient, S::kCumulative, T::kMax,
       [](const Ctx& x) { return own(x.c.record_sizes); }},
      {kP, "producer-metrics", "records-per-request-avg", Sc::kClient, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return Reading{num(&x.top, "txmsgs"), requests(x.top, "Produce")}; }},
      {kP, "producer-metrics", "request-latency-avg", Sc::kClient, S::kWindow, T::kAvg,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "rtt", 1e-3); }); }},
      {kP, "producer-metrics", "request-latency-max", Sc::kClient, S::kWindow, T::kMax,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return window(&b, "rtt", 1e-3); }); }},
      {kBoth, "{client}", "request-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(&x.top, "tx")); }},
      {kBoth, "{client}", "request-size-avg", Sc::kClient, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return Reading{num(&x.top, "tx_bytes"), num(&x.top, "tx")}; }},
      {kBoth, "{client}", "request-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(&x.top, "tx")); }},
      {kP, "producer-metrics", "requests-in-flight", Sc::kClient, S::kGauge, T::kValue,
       [](const Ctx& x) { return over_brokers(x, [](const Json& b) { return Reading{num(&b, "waitresp_cnt")}; }); }},
      {kBoth, "{client}", "response-rate", Sc::kClient, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(&x.top, "rx")); }},
      {kBoth, "{client}", "response-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(&x.top, "rx")); }},
      {kC, "consumer-metrics", "time-between-poll-avg", Sc::kClient, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return own(x.c.poll_gaps_ms); }},
      {kC, "consumer-metrics", "time-between-poll-max", Sc::kClient, S::kCumulative, T::kMax,
       [](const Ctx& x) { return own(x.c.poll_gaps_ms); }},
      // The tool never aborts, prepares nor sends offsets to a transaction: no time spent there.
      {kP, "producer-metrics", "txn-abort-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx&) { return Reading{}; }},
      {kP, "producer-metrics", "txn-begin-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.txn_begin_ns); }},
      {kP, "producer-metrics", "txn-commit-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.txn_commit_ns); }},
      {kP, "producer-metrics", "txn-init-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.txn_init_ns); }},
      {kP, "producer-metrics", "txn-prepare-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx&) { return Reading{}; }},
      {kP, "producer-metrics", "txn-send-offsets-time-ns-total", Sc::kClient, S::kCumulative, T::kTotal,
       [](const Ctx&) { return Reading{}; }},
      {kBoth, "{node}", "incoming-byte-rate", Sc::kNode, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(x.broker, "rxbytes")); }},
      {kBoth, "{node}", "incoming-byte-total", Sc::kNode, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(x.broker, "rxbytes")); }},
      {kBoth, "{node}", "outgoing-byte-rate", Sc::kNode, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(x.broker, "txbytes")); }},
      {kBoth, "{node}", "outgoing-byte-total", Sc::kNode, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(x.broker, "txbytes")); }},
      {kBoth, "{node}", "request-latency-avg", Sc::kNode, S::kWindow, T::kAvg,
       [](const Ctx& x) { return window(x.broker, "rtt", 1e-3); }},
      {kBoth, "{node}", "request-latency-max", Sc::kNode, S::kWindow, T::kMax,
       [](const Ctx& x) { return window(x.broker, "rtt", 1e-3); }},
      {kBoth, "{node}", "request-rate", Sc::kNode, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(x.broker, "tx")); }},
      {kBoth, "{node}", "request-size-avg", Sc::kNode, S::kCumulative, T::kAvg,
       [](const Ctx& x) { return Reading{num(x.broker, "txbytes"), num(x.broker, "tx")}; }},
      {kBoth, "{node}", "request-total", Sc::kNode, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(x.broker, "tx")); }},
      {kBoth, "{node}", "response-rate", Sc::kNode, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter(num(x.broker, "rx")); }},
      {kBoth, "{node}", "response-total", Sc::kNode, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter(num(x.broker, "rx")); }},
      // A topic's bytes are its batches' bytes, as written.
      {kP, "producer-topic-metrics", "byte-rate", Sc::kTopic, S::kWindow, T::kRate,
       [](const Ctx& x) { return window(x.topic, "batchsize", 1.0); }},
      {kP, "producer-topic-metrics", "byte-total", Sc::kTopic, S::kWindow, T::kTotal,
       [](const Ctx& x) { return window(x.topic, "batchsize", 1.0); }},
      {kP, "producer-topic-metrics", "record-error-rate", Sc::kTopic, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.errors); }},
      {kP, "producer-topic-metrics", "record-error-total", Sc::kTopic, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.errors); }},
      {kP, "producer-topic-metrics", "record-send-rate", Sc::kTopic, S::kCumulative, T::kRate,
       [](const Ctx& x) { return counter((double)x.c.topics.at(x.topic_name).first); }},
      {kP, "producer-topic-metrics", "record-send-total", Sc::kTopic, S::kCumulative, T::kTotal,
       [](const Ctx& x) { return counter((double)x.c.topics.at(x.topic_name).first); }},
  };
  return kRows;
}

}  // namespace

// One row instance: its samples, what its source read last, its total and current value.
struct PerfMetrics::State {
  Stat stat;
  Sampled sampled;
  Reading last;
  double total = 0;
  double value = 0;
};

PerfMetrics::PerfMetrics(Tool tool, std::string client_id, const PerfCounters* counters)
    : tool_(tool),
      client_id_(std::move(client_id)),
      counters_(counters),
      rows_(std::make_unique<std::map<std::string, State>>()) {}

PerfMetrics::~PerfMetrics() = default;

void PerfMetrics::on_report(const char* json, size_t len) {
  last_json_.assign(json, len);
  reports_++;
  update(now_ms());
}

void PerfMetrics::await_report(const std::function<void()>& poll_once, int64_t timeout_ms) {
  int64_t before = reports_, deadline = now_ms() + timeout_ms;
  while (reports_ == before && now_ms() < deadline) poll_once();
  if (reports_ == before) update(now_ms());  // no report: the counters at least are current
}

void PerfMetrics::update(int64_t now) {
  Json top = Json::parse(last_json_, nullptr, false);
  if (!top.is_object()) top = Json::object();
  const bool producer = tool_ == Tool::kProducer;
  const std::string client_tags = "{client-id=" + client_id_;
  // The brokers by node id, as Kafka's client tags its connections: a bootstrap broker keeps
  // its connection once librdkafka learns its id (one node, where Kafka's client has node -1 and
  // the learned node), one whose id is unknown is node -1, -2, ...; the coordinators'
  // connections (librdkafka's logical brokers) are left out: Kafka tags them with ids of its own.
  std::vector<std::pair<std::string, const Json*>> nodes;
  int bootstrap = 0;
  for_brokers(top, [&](const Json& b) {
    if (b.value("source", "") == "logical") return;
    int64_t id = b.value("nodeid", (int64_t)-1);
    if (id < 0) id = -(++bootstrap);
    nodes.emplace_back("node-" + std::to_string(id), &b);
  });
  const Json* topics = child(&top, "topics");
  static const std::string kNoTopic;
  for (const auto& spec : row_specs()) {
    if (!(spec.tools & (producer ? kP : kC))) continue;
    std::string group = spec.group;
    if (group == "{client}") group = producer ? "producer-metrics" : "consumer-metrics";
    if (group == "{node}") group = producer ? "producer-node-metrics" : "consumer-node-metrics";
    const std::string prefix = group + ":" + spec.name + ":";
    auto take = [&](const std::string& name, const Ctx& x) {
      Reading r = spec.read(x);
      auto [it, fresh] = rows_->try_emplace(name);
      State& s = it->second;
      s.stat = spec.stat;
      Reading delta = r;
      if (spec.source == Source::kCumulative) {
        delta = Reading{r.sum - s.last.sum, r.count - s.last.count, r.max};
        s.last = r;
      }
      if (spec.source == Source::kGauge) {
        s.value = r.sum;
        return;
      }
      if (delta.count > 0 || delta.sum != 0) {
        s.sampled.record(delta.sum, delta.count, delta.max, now);
        s.total += delta.sum;
      }
    };
    switch (spec.scope) {
      case Scope::kClient:
        take(prefix + client_tags + "}", Ctx{top, nullptr, nullptr, nullptr, *counters_, kNoTopic, now});
        break;
      case Scope::kNode:
        for (const auto& [node, b] : nodes)
          take(prefix + client_tags + ", node-id=" + node + "}", Ctx{top, b, nullptr, nullptr, *counters_, kNoTopic, now});
        break;
      case Scope::kTopic:
        for (const auto& [topic, counts] : counters_->topics) {
          const Json* t = topics ? child(topics, topic.c_str()) : nullptr;
          take(prefix + client_tags + ", topic=" + topic + "}", Ctx{top, nullptr, t, nullptr, *counters_, topic, now});
        }
        break;
      case Scope::kPartition:
        if (!topics) break;
        for (const auto& [topic, t] : topics->items()) {
          const Json* parts = child(&t, "partitions");
          if (!parts) continue;
          for (const auto& [id, p] : parts->items()) {
            // Partitions this consumer reads: a known position (the unassigned -1 has none).
            if (num(&p, "partition") < 0 || position(&p) < 0 || p.value("fetch_state", "none") == "none") continue;
            take(prefix + client_tags + ", topic=" + topic + ", partition=" + id + "}",
                 Ctx{top, nullptr, &t, &p, *counters_, topic, now});
          }
        }
        break;
    }
  }
  measured_ms_ = now;
}

std::vector<std::pair<std::string, std::string>> PerfMetrics::table() const {
  std::vector<std::pair<std::string, std::string>> out;
  const int64_t now = measured_ms_;
  for (const auto& [name, s] : *rows_) {
    std::string v;
    switch (s.stat) {
      case Stat::kTotal: v = java_fixed(s.total, 3); break;
      case Stat::kRate: v = java_fixed(s.sampled.rate_per_sec(now), 3); break;
      case Stat::kRatePerHour: v = java_fixed(s.sampled.rate_per_sec(now) * 3600.0, 3); break;
      case Stat::kAvg: v = java_fixed(s.sampled.avg(now), 3); break;
      case Stat::kMax: v = java_fixed(s.sampled.max(now), 3); break;
      case Stat::kValue: v = java_fixed(s.value, 3); break;
      case Stat::kLong: v = std::to_string((int64_t)s.value); break;
    }
    out.emplace_back(name, v);
  }
  for (auto& [name, v] : out)
    if (name.rfind("kafka-metrics-count:count:", 0) == 0) v = java_fixed((double)out.size(), 3);
  return out;
}

}  // namespace moldau::ops
