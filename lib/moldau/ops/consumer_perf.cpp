#include "moldau/ops/consumer_perf.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <regex>
#include <utility>

#include "moldau/client/consumer.h"
#include "moldau/ops/perf_common.h"
#include "moldau/ops/perf_metrics.h"

namespace moldau::ops {

const std::vector<OptionDoc>& consumer_perf_help_table() {
  // Kafka 4.4's ConsumerPerformance options, in its words (they are the tool's output). The
  // default group is drawn per run, as Kafka draws it.
  static const std::string kGroup = "perf-consumer-" + std::to_string(std::random_device{}() % 100000);
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The server(s) to connect to."},
      {"topic", "String: topic", "The topic to consume from."},
      {"include", "String: Java regex (String)",
       "Regular expression specifying list of topics to include for consumption."},
      {"group", "String: gid", "The group id to consume on.", false, kGroup},
      {"fetch-size", "Integer: size", "The maximum amount of data to fetch from a single partition per request.",
       false, "1048576"},
      {"command-property", "String: prop1=val1",
       "Kafka consumer related configuration properties like client.id. These configs take precedence over those "
       "passed via --command-config or --consumer.config."},
      {"from-latest", "",
       "If the consumer does not already have an established offset to consume from, start with the latest record "
       "present in the log rather than the earliest record."},
      {"socket-buffer-size", "Integer: size", "The size of the tcp RECV size.", false, "2097152"},
      {"consumer.config", "String: config file",
       "(DEPRECATED) Consumer config properties file. This option will be removed in a future version. Use "
       "--command-config instead."},
      {"command-config", "String: config file", "Config properties file."},
      {"print-metrics", "", "Print out the metrics."},
      {"show-detailed-stats", "",
       "If set, stats are reported for each reporting interval as configured by reporting-interval."},
      {"timeout", "Long: milliseconds", "The maximum allowed time in milliseconds between returned records.", true,
       "10000"},
      {"messages", "Long: count",
       "(DEPRECATED) The number of records to consume. This option will be removed in a future version. Use "
       "--num-records instead."},
      {"num-records", "Long: count", "REQUIRED: The number of records to consume."},
      {"reporting-interval", "Long: interval_ms", "Interval in milliseconds at which to print progress info.", false,
       "5000"},
      {"date-format", "String: date format",
       "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.", false,
       "yyyy-MM-dd HH:mm:ss:SSS"},
      {"hide-header", "", "If set, skips printing the header for the stats."},
      {"help", "", "Print usage information."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

int consumer_perf_main(int argc, char** argv) {
  const auto& docs = consumer_perf_help_table();
  static const char* kDescription = "This tool is used to verify the consumer performance.";
  auto parsed = parse_args(argc, argv, docs);
  if (!parsed.ok()) usage_exit(parsed.status().message(), docs);
  const ParsedArgs& a = *parsed;
  // ConsumerPerfOptions' checks, in Kafka's order.
  if (argc <= 1 || a.has("help")) usage_exit(kDescription, docs);
  if (a.has("version")) version_exit();
  if (!a.has("bootstrap-server")) usage_exit("Missing required argument \"[bootstrap-server]\"", docs);
  if (a.has("topic") == a.has("include"))
    usage_exit("Exactly one of the following arguments is required: [topic], [include]", docs);
  if (a.has("messages") == a.has("num-records"))
    usage_exit("Exactly one of the following arguments is required: [messages], [num-records]", docs);
  if (a.has("consumer.config") && a.has("command-config"))
    usage_exit("Option \"[consumer.config]\" can't be used with option \"[command-config]\"", docs);
  if (a.has("messages")) std::printf("Warning: --messages is deprecated. Use --num-records instead.\n");
  if (a.has("consumer.config")) std::printf("Warning: --consumer.config is deprecated. Use --command-config instead.\n");

  // Values are converted where Kafka's tool first asks for them: a bad one fails the run there
  // (after the header), with the exception's message.
  auto str = [&](const char* name) -> std::optional<std::string> {
    auto v = single_value(a, name);
    if (!v.ok()) perf_option_exit(v.status().message());
    return *v;
  };
  auto number = [&](const char* name, int64_t dflt, bool is_int) -> int64_t {
    auto v = str(name);
    if (!v) return dflt;
    auto n = is_int ? std::optional<int64_t>(java_int(*v)) : java_long(*v);
    if (is_int && !java_int(*v)) n.reset();
    if (!n) perf_option_exit("Cannot parse argument '" + *v + "' of option " + name);
    return *n;
  };
  ConsumerPerfOptions o;
  o.hide_header = a.has("hide-header");
  o.show_detailed_stats = a.has("show-detailed-stats");
  if (!o.hide_header) std::fputs(consumer_perf_header(o.show_detailed_stats).c_str(), stdout);
  // props(): the config file, the command properties over it, then the options.
  if (const auto* v = a.values("command-property")) o.command_properties = *v;
  o.config_file = a.has("consumer.config") ? str("consumer.config") : str("command-config");
  o.bootstrap_server = *str("bootstrap-server");
  o.group = str("group");
  if (!o.group) o.group = docs[3].default_value;
  o.socket_buffer_size = static_cast<int32_t>(number("socket-buffer-size", 2 * 1024 * 1024, true));
  o.fetch_size = static_cast<int32_t>(number("fetch-size", 1024 * 1024, true));
  o.from_latest = a.has("from-latest");
  o.topic = str("topic");
  o.include = str("include");
  o.print_metrics = a.has("print-metrics");
  // consume(): the record count, the timeout, the reporting interval, the date format.
  o.num_records = a.has("messages") ? number("messages", 0, false) : number("num-records", 0, false);
  o.timeout = number("timeout", 10000, false);
  o.reporting_interval = number("reporting-interval", 5000, false);
  if (o.reporting_interval <= 0) perf_failure_exit("Reporting interval must be greater than 0.", "java.lang.IllegalArgumentException");
  if (auto v = str("date-format")) o.date_format = *v;
  if (auto err = java_date_pattern_error(o.date_format)) perf_failure_exit(*err, "java.lang.IllegalArgumentException");
  return run_consumer_perf(o);
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

void on_statistics(const char* json, size_t len, void* ctx) { static_cast<PerfMetrics*>(ctx)->on_report(json, len); }
}  // namespace

int run_consumer_perf(const ConsumerPerfOptions& o) {
  Properties props;
  if (o.config_file) {
    std::string cls;
    auto r = load_props_as_java(*o.config_file, &cls);
    if (!r.ok()) perf_failure_exit(r.status().message(), cls);
    props = std::move(r).value();
  }
  merge_props(props, parse_key_values(o.command_properties));
  props.set("bootstrap.servers", o.bootstrap_server);
  props.set("group.id", *o.group);
  // The Java consumer's checks of the two sizes the options set: -1 is the OS's receive buffer
  // (librdkafka's 0), 0 is refused when the socket is made; a fetch of 0 bytes still returns
  // the first batch (librdkafka's least, 1, does the same).
  if (o.socket_buffer_size < -1)
    perf_failure_exit("Invalid value " + std::to_string(o.socket_buffer_size) +
                      " for configuration receive.buffer.bytes: Value must be at least -1",
                      "org.apache.kafka.common.config.ConfigException");
  if (o.fetch_size < 0)
    perf_failure_exit("Invalid value " + std::to_string(o.fetch_size) +
                      " for configuration max.partition.fetch.bytes: Value must be at least 0",
                      "org.apache.kafka.common.config.ConfigException");
  if (o.socket_buffer_size == 0) perf_failure_exit("Invalid receive size", "java.lang.IllegalArgumentException");
  props.set("receive.buffer.bytes", std::to_string(o.socket_buffer_size == -1 ? 0 : o.socket_buffer_size));
  props.set("max.partition.fetch.bytes", std::to_string(o.fetch_size == 0 ? 1 : o.fetch_size));
  props.set("auto.offset.reset", o.from_latest ? "latest" : "earliest");
  props.set("check.crcs", "false");
  if (!props.contains("client.id")) props.set("client.id", "perf-consumer-client");
  // Kafka's consumer refuses a bootstrap address without a port when it is constructed.
  if (auto bad = invalid_bootstrap_url(o.bootstrap_server))
    perf_failure_exit("Failed to construct kafka consumer", "org.apache.kafka.common.KafkaException",
                      "org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: " + *bad);
  // The Java consumer refuses a group id that trims to nothing (Java's trim: every character up
  // to the space) when it is constructed.
  if (std::all_of(o.group->begin(), o.group->end(), [](char c) { return (unsigned char)c <= ' '; }))
    perf_failure_exit("Failed to construct kafka consumer", "org.apache.kafka.common.KafkaException",
                      "org.apache.kafka.common.errors.InvalidGroupIdException: The configured group.id should not be "
                      "an empty string or whitespace.");
  const int64_t reporting_ms = o.reporting_interval;
  // The metrics outlive the consumer, whose statistics reports they read (--print-metrics).
  PerfCounters counters;
  counters.start_ms = now_ms();
  std::unique_ptr<PerfMetrics> metrics;
  client::StatisticsHook stats_hook;
  if (o.print_metrics) {
    metrics = std::make_unique<PerfMetrics>(PerfMetrics::Tool::kConsumer, props.get_or("client.id", ""), &counters);
    stats_hook = {&on_statistics, metrics.get(), PerfMetrics::kReportIntervalMs};
  }
  auto cons_r = client::Consumer::create(props, stats_hook);
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
  const int64_t want = o.num_records;
  int64_t msgs = 0, bytes = 0, last_msgs = 0, last_bytes = 0, join_ms = 0, join_round_ms = 0;
  bool assigned = false;
  int64_t last_poll_ns = 0;
  int64_t now = now_ms(), last_report = now, last_consumed = now;
  // Kafka's tool counts every record a poll returns, up to max.poll.records (500), even past
  // --num-records: a batch here is as big, and counted whole.
  size_t poll_records = 500;
  if (auto v = java_int(props.get_or("max.poll.records", "500")); v && *v > 0) poll_records = (size_t)*v;
  std::vector<rd_kafka_message_t*> batch(poll_records);
  auto& per_topic = counters.topics;  // records, bytes
  rd_kafka_topic_t* last_rkt = nullptr;
  std::pair<int64_t, int64_t>* topic_counts = nullptr;
  while (msgs < want && now - last_consumed <= o.timeout) {
    // As the Java consumer's poll(100 ms): waits for the first record only, then takes what has
    // arrived (a batch call would wait the whole timeout for a full batch).
    // One poll as Kafka's consumer measures its polls (the idle ratio in ns: a poll here can
    // take less than a millisecond).
    int64_t poll_ms = now_ms(), poll_ns = now_ns();
    counters.poll_gaps_ms.add(counters.last_poll_ms ? (double)(poll_ms - counters.last_poll_ms) : 0.0);
    int64_t since_last_poll_ns = last_poll_ns ? poll_ns - last_poll_ns : 0;
    counters.last_poll_ms = poll_ms;
    last_poll_ns = poll_ns;
    ssize_t n = rd_kafka_consume_batch_queue(q, 0, batch.data(), batch.size());
    if (n == 0) {
      if (rd_kafka_message_t* first = rd_kafka_consume_queue(q, 100)) {
        batch[0] = first;
        ssize_t more = batch.size() > 1 ? rd_kafka_consume_batch_queue(q, 0, batch.data() + 1, batch.size() - 1) : 0;
        n = 1 + std::max<ssize_t>(more, 0);
      }
    }
    now = now_ms();
    int64_t poll_time_ns = now_ns() - poll_ns;
    if (poll_time_ns + since_last_poll_ns > 0)
      counters.poll_idle_ratios.add((double)poll_time_ns / (double)(poll_time_ns + since_last_poll_ns));
    if (!assigned) {
      rd_kafka_topic_partition_list_t* a = nullptr;
      if (rd_kafka_assignment(rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
        if (a->cnt > 0) {
          assigned = true;
          join_ms += now - start;
          join_round_ms += now - start;
          counters.rebalance_ms.add((double)(now - start));
          counters.assigned_partitions = a->cnt;
        }
        rd_kafka_topic_partition_list_destroy(a);
      }
    }
    if (n > 0) last_consumed = now;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t* m = batch[i];
      if (!m->err) {
        msgs++;
        int64_t size = (int64_t)m->key_len + (int64_t)m->len;
        bytes += size;
        if (m->rkt != last_rkt) {  // the per-topic counts of --print-metrics
          last_rkt = m->rkt;
          topic_counts = &per_topic[rd_kafka_topic_name(m->rkt)];
        }
        topic_counts->first++;
        topic_counts->second += size;
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
    counters.records = msgs;
    counters.bytes = bytes;
  }
  if (msgs < want)
    std::printf("WARNING: Exiting before consuming the expected number of records: timeout (%lld ms) exceeded. "
                "You can use the --timeout option to increase the timeout.\n",
                (long long)o.timeout);
  int64_t end = now_ms();
  counters.records = msgs;
  counters.bytes = bytes;
  if (metrics) {
    // One more report, so that the table counts the run's last requests. The partitions are
    // paused first: what librdkafka fetched meanwhile is dropped, not consumed.
    rd_kafka_topic_partition_list_t* a = nullptr;
    if (rd_kafka_assignment(rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
      rd_kafka_pause_partitions(rk, a);
      rd_kafka_topic_partition_list_destroy(a);
    }
    metrics->await_report(
        [&] {
          if (rd_kafka_message_t* m = rd_kafka_consume_queue(q, 10)) rd_kafka_message_destroy(m);
        },
        3 * PerfMetrics::kReportIntervalMs);
  }
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
  if (metrics) print_metrics(metrics->table());
  return 0;
}

}  // namespace moldau::ops
