#include "moldau/ops/producer_perf.h"

#include <librdkafka/rdkafka.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "moldau/client/producer.h"
#include "moldau/common/properties.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/perf_common.h"

namespace moldau::ops {

namespace {

constexpr int64_t kReportingIntervalMs = 5000;

const char* kUsage =
    "usage: producer-performance [-h] --topic TOPIC --num-records NUM-RECORDS\n"
    "                            (--record-size RECORD-SIZE | --payload-file PAYLOAD-FILE)\n"
    "                            [--payload-delimiter PAYLOAD-DELIMITER] --throughput THROUGHPUT\n"
    "                            [--producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]]\n"
    "                            [--producer.config CONFIG-FILE] [--print-metrics]\n"
    "                            [--transactional-id TRANSACTIONAL-ID]\n"
    "                            [--transaction-duration-ms TRANSACTION-DURATION]\n";

// Kafka's ThroughputThrottler: sleeps so that `sent` records after `elapsed` stay near the target.
class Throttler {
 public:
  Throttler(double per_sec, int64_t start_ns) : per_sec_(per_sec), start_ns_(start_ns) {}
  void maybe_throttle(int64_t sent, int64_t now_ns) {
    if (per_sec_ < 0) return;
    if (per_sec_ == 0) {
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
    // The time at which `sent` records are due; sleep when ahead by 2 ms or more (Kafka's
    // MIN_SLEEP_NS), so short sleeps do not dominate.
    int64_t due_ns = start_ns_ + (int64_t)((double)sent * 1e9 / per_sec_);
    if (due_ns - now_ns >= 2'000'000) std::this_thread::sleep_for(std::chrono::nanoseconds(due_ns - now_ns));
  }

 private:
  double per_sec_;
  int64_t start_ns_;
};

struct Run {
  ProducerPerfStats* stats;
  int64_t errors = 0;
};

void on_delivery(const rd_kafka_message_t* m, void* ctx) {
  auto* run = static_cast<Run*>(ctx);
  int64_t now = now_ms();
  if (m->err) {
    if (run->errors++ < 10)
      std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rd_kafka_err2str(m->err));
    return;
  }
  int64_t sent_ms = (int64_t)(intptr_t)m->_private;
  run->stats->record((int32_t)(now - sent_ms), (int32_t)m->len, now);
}

}  // namespace

ProducerPerfStats::ProducerPerfStats(int64_t n, int64_t start_ms)
    : start_(start_ms), window_start_(start_ms), sampling_(n / std::min<int64_t>(n, 500000)) {
  latencies_.assign((size_t)(n / sampling_) + 1, 0);
}

void ProducerPerfStats::record(int32_t latency, int32_t bytes, int64_t now) {
  count_++;
  bytes_ += bytes;
  total_latency_ += latency;
  max_latency_ = std::max(max_latency_, latency);
  window_count_++;
  window_bytes_ += bytes;
  window_total_latency_ += latency;
  window_max_latency_ = std::max(window_max_latency_, latency);
  if (iteration_ % sampling_ == 0 && index_ < latencies_.size()) latencies_[index_++] = latency;
  if (now - window_start_ >= kReportingIntervalMs) {
    std::fputs(window_line(now).c_str(), stdout);
    std::fflush(stdout);
    window_start_ = now;
    window_count_ = window_total_latency_ = window_bytes_ = 0;
    window_max_latency_ = 0;
  }
  iteration_++;
}

std::string ProducerPerfStats::window_line(int64_t now) const {
  double elapsed = (double)(now - window_start_);
  double recs = 1000.0 * (double)window_count_ / elapsed;
  double mb = 1000.0 * (double)window_bytes_ / elapsed / (1024.0 * 1024.0);
  return std::to_string(window_count_) + " records sent, " + java_fixed(recs, 1) + " records/sec (" +
         java_fixed(mb, 2) + " MB/sec), " + java_fixed((double)window_total_latency_ / (double)window_count_, 1) +
         " ms avg latency, " + java_fixed((double)window_max_latency_, 1) + " ms max latency.\n";
}

std::string ProducerPerfStats::total_line(int64_t now) {
  double elapsed = (double)(now - start_);
  double recs = 1000.0 * (double)count_ / elapsed;
  double mb = 1000.0 * (double)bytes_ / elapsed / (1024.0 * 1024.0);
  size_t size = std::min(index_, latencies_.size());
  std::sort(latencies_.begin(), latencies_.begin() + (ptrdiff_t)size);
  auto pct = [&](double p) { return latencies_[(size_t)(p * (double)size)]; };
  return std::to_string(count_) + " records sent, " + java_fixed(recs, 6) + " records/sec (" + java_fixed(mb, 2) +
         " MB/sec), " + java_fixed((double)total_latency_ / (double)count_, 2) + " ms avg latency, " +
         java_fixed((double)max_latency_, 2) + " ms max latency, " + std::to_string(pct(0.5)) + " ms 50th, " +
         std::to_string(pct(0.95)) + " ms 95th, " + std::to_string(pct(0.99)) + " ms 99th, " +
         std::to_string(pct(0.999)) + " ms 99.9th.\n";
}

std::string producer_perf_help() {
  std::string h = kUsage;
  h +=
      "\n"
      "This tool is used to verify the producer performance. To enable transactions, you can specify a\n"
      "transaction id or set a transaction duration using --transaction-duration-ms. There are three ways\n"
      "to specify the transaction id: set transaction.id=<id> via --producer-props, set\n"
      "transaction.id=<id> in the config file via --producer.config, or use --transaction-id <id>.\n"
      "\n"
      "optional arguments:\n"
      "  -h, --help             show this help message and exit\n"
      "  --topic TOPIC          produce messages to this topic\n"
      "  --num-records NUM-RECORDS\n"
      "                         number of messages to produce\n"
      "  --payload-delimiter PAYLOAD-DELIMITER\n"
      "                         provides delimiter to be used when --payload-file is provided. Defaults to\n"
      "                         new line. Note that this parameter will be ignored if --payload-file is not\n"
      "                         provided. (default: \\n)\n"
      "  --throughput THROUGHPUT\n"
      "                         throttle maximum message throughput to *approximately* THROUGHPUT\n"
      "                         messages/sec. Set this to -1 to disable throttling.\n"
      "  --producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]\n"
      "                         kafka producer related configuration properties like\n"
      "                         bootstrap.servers,client.id etc. These configs take precedence over those\n"
      "                         passed via --producer.config.\n"
      "  --producer.config CONFIG-FILE\n"
      "                         producer config properties file.\n"
      "  --print-metrics        print out metrics at the end of the test. (default: false)\n"
      "  --transactional-id TRANSACTIONAL-ID\n"
      "                         The transactional id to use. This config takes precedence over the\n"
      "                         transactional.id specified via --producer.config or --producer-props. Note\n"
      "                         that if the transactional id is not specified while\n"
      "                         --transaction-duration-ms is provided, the default value for the\n"
      "                         transactional id will be performance-producer- followed by a random uuid.\n"
      "  --transaction-duration-ms TRANSACTION-DURATION\n"
      "                         The max age of each transaction. The commitTransaction will be called after\n"
      "                         this time has elapsed. Transactions are only enabled if this value is\n"
      "                         positive. (default: 0)\n"
      "  --version              Display Kafka version.\n"
      "\n"
      "  either --record-size or --payload-file must be specified but not both.\n"
      "\n"
      "  --record-size RECORD-SIZE\n"
      "                         message size in bytes. Note that you must provide exactly one of\n"
      "                         --record-size or --payload-file.\n"
      "  --payload-file PAYLOAD-FILE\n"
      "                         file to read the message payloads from. This works only for UTF-8 encoded\n"
      "                         text files. Payloads will be read from this file and a payload will be\n"
      "                         randomly selected when sending messages. Note that you must provide exactly\n"
      "                         one of --record-size or --payload-file.\n";
  return h;
}

void producer_perf_usage_error(const std::string& message) {
  std::fprintf(stderr, "%sproducer-performance: error: %s\n", kUsage, message.c_str());
  std::exit(1);
}

int run_producer_perf(const ProducerPerfOptions& o) {
  if (o.help) {
    std::fputs(producer_perf_help().c_str(), stdout);
    return 0;
  }
  if (o.version) version_exit();
  if (!o.topic) producer_perf_usage_error("argument --topic is required");
  if (!o.num_records) producer_perf_usage_error("argument --num-records is required");
  if (!o.throughput) producer_perf_usage_error("argument --throughput is required");
  if (o.record_size && o.payload_file)
    producer_perf_usage_error("argument --payload-file: not allowed with argument --record-size");
  if (!o.record_size && !o.payload_file)
    producer_perf_usage_error("one of the arguments --record-size --payload-file is required");
  if (*o.num_records <= 0) producer_perf_usage_error("--num-records should be greater than zero");
  if (o.record_size && *o.record_size <= 0) producer_perf_usage_error("--record-size should be greater than zero");
  if (!o.producer_props_given && !o.producer_config)
    producer_perf_usage_error("Either --producer-props or --producer.config must be specified.");
  if (o.transaction_duration_ms && *o.transaction_duration_ms <= 0)
    producer_perf_usage_error("--transaction-duration-ms should be greater than zero");

  // Payloads from a file, split at the delimiter (Java's Scanner skips empty tokens).
  std::vector<std::string> payloads;
  if (o.payload_file) {
    std::string delim = o.payload_delimiter == "\\n" ? "\n" : o.payload_delimiter;
    char abs[4096];
    std::printf("Reading payloads from: %s\n", realpath(o.payload_file->c_str(), abs) ? abs : o.payload_file->c_str());
    std::ifstream in(*o.payload_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    if (!in || all.empty()) {
      std::fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: File does not exist or empty file provided.\n");
      return 1;
    }
    size_t pos = 0;
    while (pos <= all.size()) {
      size_t e = delim.empty() ? std::string::npos : all.find(delim, pos);
      std::string tok = all.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
      if (!tok.empty()) payloads.push_back(std::move(tok));
      if (e == std::string::npos) break;
      pos = e + delim.size();
    }
    std::printf("Number of messages read: %zu\n", payloads.size());
  }

  // Properties: --producer.config, then --producer-props (Kafka: exactly one '=' per prop).
  Properties props;
  if (o.producer_config) props = load_props_or_exit(*o.producer_config);
  for (const auto& p : o.producer_props) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || p.find('=', eq + 1) != std::string::npos) {
      std::fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid property: %s\n", p.c_str());
      return 1;
    }
    props.set(p.substr(0, eq), p.substr(eq + 1));
  }
  if (!props.contains("client.id")) props.set("client.id", "perf-producer-client");
  bool txn = o.transaction_duration_ms || o.transactional_id || props.contains("transactional.id");
  int64_t txn_duration = o.transaction_duration_ms.value_or(3000);
  if (txn) {
    std::string id = o.transactional_id ? *o.transactional_id
                                        : props.get_or("transactional.id", "performance-producer-" + random_uuid());
    props.set("transactional.id", id);
  }
  auto prod_r = client::Producer::create(props);
  if (!prod_r.ok()) {
    std::fprintf(stderr, "%s\n", prod_r.status().message().c_str());
    return 1;
  }
  auto& producer = **prod_r;
  rd_kafka_t* rk = producer.handle();
  auto txn_call = [&](rd_kafka_error_t* err, const char* what) {
    if (!err) return;
    std::fprintf(stderr, "Exception in thread \"main\" org.apache.kafka.common.KafkaException: %s: %s\n", what,
                 rd_kafka_error_string(err));
    rd_kafka_error_destroy(err);
    std::exit(1);
  };
  if (txn) txn_call(rd_kafka_init_transactions(rk, 60000), "initTransactions");

  // Random payloads without per-byte work on the hot path: Kafka refills the payload with
  // random upper-case letters for every record; we draw each record from a random offset of a
  // pool of such letters, so records still differ and compress like Kafka's.
  const int32_t size = o.record_size.value_or(0);
  std::string pool;
  std::mt19937_64 rng(0);
  if (o.record_size) {
    pool.resize((size_t)size + 65536);
    for (auto& c : pool) c = (char)('A' + rng() % 26);
  }

  const int64_t n = *o.num_records;
  int64_t start = now_ms();
  ProducerPerfStats stats(n, start);
  Run run{&stats};
  producer.set_delivery_hook(&on_delivery, &run);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic->c_str(), nullptr);
  Throttler throttler(*o.throughput, now_ns());
  int64_t txn_size = 0, txn_start = 0;
  for (int64_t i = 0; i < n; i++) {
    const char* data;
    size_t len;
    if (!payloads.empty()) {
      const auto& p = payloads[rng() % payloads.size()];
      data = p.data();
      len = p.size();
    } else {
      data = pool.data() + rng() % 65536;
      len = (size_t)size;
    }
    if (txn && txn_size == 0) {
      txn_call(rd_kafka_begin_transaction(rk), "beginTransaction");
      txn_start = now_ms();
    }
    int64_t send_ms = now_ms();
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(data), len, nullptr,
                            0, (void*)(intptr_t)send_ms) != 0) {
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rd_kafka_err2str(err));
        rd_kafka_topic_destroy(rkt);
        return 1;
      }
      rd_kafka_poll(rk, 1);  // the local queue is full: serve delivery reports while waiting
    }
    if ((i & 255) == 0) rd_kafka_poll(rk, 0);
    txn_size++;
    if (txn && txn_duration <= send_ms - txn_start) {
      txn_call(rd_kafka_commit_transaction(rk, -1), "commitTransaction");
      txn_size = 0;
    }
    throttler.maybe_throttle(i, now_ns());
  }
  if (txn && txn_size != 0) txn_call(rd_kafka_commit_transaction(rk, -1), "commitTransaction");
  rd_kafka_topic_destroy(rkt);
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_poll(rk, 10);
  rd_kafka_poll(rk, 0);
  std::fputs(stats.total_line(now_ms()).c_str(), stdout);
  if (o.print_metrics) {
    double secs = (double)(now_ms() - start) / 1000.0;
    std::string tags = "{client-id=" + props.get_or("client.id", "") + "}";
    print_metrics({
        {"producer-metrics:record-send-total:" + tags, (double)stats.count()},
        {"producer-metrics:record-send-rate:" + tags, secs > 0 ? (double)stats.count() / secs : 0.0},
        {"producer-metrics:record-error-total:" + tags, (double)run.errors},
        {"producer-metrics:record-size-avg:" + tags, stats.count() ? (double)stats.bytes() / (double)stats.count() : 0.0},
        {"producer-metrics:outgoing-byte-total:" + tags, (double)stats.bytes()},
        {"producer-metrics:request-latency-avg:" + tags, stats.avg_latency()},
        {"producer-metrics:request-latency-max:" + tags, (double)stats.max_latency()},
    });
  }
  return 0;  // as Kafka: failed sends are reported on stderr, the exit code stays 0
}

}  // namespace moldau::ops
