#include "moldau/ops/consumer_perf.h"

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <random>
#include <regex>

#include "moldau/client/consumer.h"
#include "moldau/ops/perf_common.h"

namespace moldau::ops {

const std::vector<OptionDoc>& consumer_perf_help_table() {
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: server to connect to", "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to."},
      {"broker-list", "String: broker-list", "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"consumer.config", "String: config file", "Consumer config properties file."},
      {"date-format", "String: date format", "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)"},
      {"fetch-size", "Integer: size", "The amount of data to fetch in a single request. (default: 1048576)"},
      {"from-latest", "", "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message."},
      {"group", "String: gid", "The group id to consume on. (default: perf-consumer-<random>)"},
      {"help", "", "Print usage information."},
      {"hide-header", "", "If set, skips printing the header for the stats"},
      {"messages", "Long: count", "REQUIRED: The number of messages to send or consume"},
      {"num-fetch-threads", "Integer: count", "DEPRECATED AND IGNORED: Number of fetcher threads. (default: 1)"},
      {"print-metrics", "", "Print out the metrics."},
      {"reporting-interval", "Long: interval_ms", "Interval in milliseconds at which to print progress info. (default: 5000)"},
      {"show-detailed-stats", "", "If set, stats are reported for each reporting interval as configured by reporting-interval"},
      {"socket-buffer-size", "Integer: size", "The size of the tcp RECV size. (default: 2097152)"},
      {"threads", "Integer: count", "DEPRECATED AND IGNORED: Number of processing threads. (default: 10)"},
      {"timeout", "Long: milliseconds", "The maximum allowed time in milliseconds between returned records. (default: 10000)"},
      {"topic", "String: topic", "REQUIRED: The topic to consume from."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

std::string consumer_perf_header(bool detailed) {
  const char* extra = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
  return std::string(detailed ? "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec"
                              : "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec") +
         extra + "\n";
}

namespace {
void print_progress(int64_t bytes, int64_t last_bytes, int64_t msgs, int64_t last_msgs, int64_t start, int64_t end,
                    const std::string& fmt, int64_t join_ms) {
  double elapsed = (double)(end - start);
  double total_mb = (double)bytes / (1024 * 1024);
  double interval_mb = (double)(bytes - last_bytes) / (1024 * 1024);
  std::printf("%s, %d, %s, %s, %lld, %s", java_date_format(fmt, end).c_str(), 0, java_fixed(total_mb, 4).c_str(),
              java_fixed(1000.0 * interval_mb / elapsed, 4).c_str(), (long long)msgs,
              java_fixed((double)(msgs - last_msgs) / elapsed * 1000.0, 4).c_str());
  int64_t fetch_ms = end - start - join_ms;
  double mbs = fetch_ms <= 0 ? 0.0 : 1000.0 * interval_mb / (double)fetch_ms;
  double ns = fetch_ms <= 0 ? 0.0 : 1000.0 * (double)(msgs - last_msgs) / (double)fetch_ms;
  std::printf(", %lld, %lld, %s, %s\n", (long long)join_ms, (long long)fetch_ms, java_fixed(mbs, 4).c_str(),
              java_fixed(ns, 4).c_str());
}
}  // namespace

int run_consumer_perf(const ConsumerPerfOptions& o) {
  const auto& docs = consumer_perf_help_table();
  if (o.no_args || o.help) usage_exit("This tool is used to verify the consumer performance.", docs);
  if (o.version) version_exit();
  if (!o.messages) usage_exit("Missing required argument \"[messages]\"", docs);
  if (!o.topic && !o.include) usage_exit("Exactly one of the following arguments is required: [topic], [include]", docs);
  if (!o.bootstrap_server && !o.broker_list) usage_exit("Missing required argument \"[bootstrap-server]\"", docs);
  if (!std::regex_match(o.reporting_interval, std::regex("^\\d+$")))
    usage_exit("Cannot parse argument '" + o.reporting_interval + "' of option reporting-interval", docs);
  int64_t reporting_ms = std::stoll(o.reporting_interval);
  if (reporting_ms <= 0) {
    std::fprintf(stderr, "Reporting interval must be greater than 0.\n");
    return 1;
  }

  Properties props;
  if (o.consumer_config) props = load_props_or_exit(*o.consumer_config);
  props.set("bootstrap.servers", o.bootstrap_server ? *o.bootstrap_server : *o.broker_list);
  std::string group = o.group ? *o.group : "perf-consumer-" + std::to_string(std::random_device{}() % 100000);
  props.set("group.id", group);
  props.set("receive.buffer.bytes", std::to_string(o.socket_buffer_size));
  props.set("max.partition.fetch.bytes", std::to_string(o.fetch_size));
  props.set("auto.offset.reset", o.from_latest ? "latest" : "earliest");
  props.set("check.crcs", "false");
  if (!props.contains("client.id")) props.set("client.id", "perf-consumer-client");

  if (!o.hide_header) std::fputs(consumer_perf_header(o.show_detailed_stats).c_str(), stdout);
  auto cons_r = client::Consumer::create(props);
  if (!cons_r.ok()) {
    std::fprintf(stderr, "%s\n", cons_r.status().message().c_str());
    return 1;
  }
  auto& consumer = **cons_r;
  rd_kafka_t* rk = consumer.handle();
  int64_t start = now_ms();
  Status st = consumer.subscribe({o.topic ? *o.topic : "^" + *o.include});
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  // Messages are read in batches straight from librdkafka's queue, without copies.
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
  const int64_t want = *o.messages;
  int64_t msgs = 0, bytes = 0, last_msgs = 0, last_bytes = 0, join_ms = 0, join_round_ms = 0;
  bool assigned = false;
  int64_t now = now_ms(), last_report = now, last_consumed = now;
  rd_kafka_message_t* batch[1024];
  while (msgs < want && now - last_consumed <= o.timeout) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch, (size_t)std::min<int64_t>(1024, want - msgs + 0));
    now = now_ms();
    if (!assigned) {
      rd_kafka_topic_partition_list_t* a = nullptr;
      if (rd_kafka_assignment(rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
        if (a->cnt > 0) {
          assigned = true;
          join_ms += now - start;
          join_round_ms += now - start;
        }
        rd_kafka_topic_partition_list_destroy(a);
      }
    }
    if (n > 0) last_consumed = now;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t* m = batch[i];
      if (!m->err) {
        msgs++;
        bytes += (int64_t)m->key_len + (int64_t)m->len;
        if (now - last_report >= reporting_ms) {
          if (o.show_detailed_stats)
            print_progress(bytes, last_bytes, msgs, last_msgs, last_report, now, o.date_format, join_round_ms);
          join_round_ms = 0;
          last_report = now;
          last_msgs = msgs;
          last_bytes = bytes;
        }
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "%s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
  }
  if (msgs < want)
    std::printf("WARNING: Exiting before consuming the expected number of messages: timeout (%lld ms) exceeded. "
                "You can use the --timeout option to increase the timeout.\n",
                (long long)o.timeout);
  int64_t end = now_ms();
  rd_kafka_queue_destroy(q);
  consumer.close();
  double elapsed = (double)(end - start) / 1000.0;
  int64_t fetch_ms = end - start - join_ms;
  if (!o.show_detailed_stats) {
    double mb = (double)bytes / (1024 * 1024);
    std::printf("%s, %s, %s, %s, %lld, %s, %lld, %lld, %s, %s\n", java_date_format(o.date_format, start).c_str(),
                java_date_format(o.date_format, end).c_str(), java_fixed(mb, 4).c_str(),
                java_fixed(mb / elapsed, 4).c_str(), (long long)msgs, java_fixed((double)msgs / elapsed, 4).c_str(),
                (long long)join_ms, (long long)fetch_ms, java_fixed(mb / ((double)fetch_ms / 1000.0), 4).c_str(),
                java_fixed((double)msgs / ((double)fetch_ms / 1000.0), 4).c_str());
  }
  if (o.print_metrics) {
    std::string tags = "{client-id=" + props.get_or("client.id", "") + "}";
    double secs = (double)fetch_ms / 1000.0;
    print_metrics({
        {"consumer-fetch-manager-metrics:records-consumed-total:" + tags, (double)msgs},
        {"consumer-fetch-manager-metrics:bytes-consumed-total:" + tags, (double)bytes},
        {"consumer-fetch-manager-metrics:records-consumed-rate:" + tags, secs > 0 ? (double)msgs / secs : 0.0},
        {"consumer-fetch-manager-metrics:bytes-consumed-rate:" + tags, secs > 0 ? (double)bytes / secs : 0.0},
        {"consumer-coordinator-metrics:rebalance-latency-total:" + tags, (double)join_ms},
    });
  }
  return 0;
}

}  // namespace moldau::ops
