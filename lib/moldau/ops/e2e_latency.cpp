#include "moldau/ops/e2e_latency.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "moldau/client/admin.h"
#include "moldau/client/consumer.h"
#include "moldau/client/producer.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/perf_common.h"

namespace moldau::ops {

namespace {
constexpr int kPollTimeoutMs = 60000;
constexpr const char* kDescription =
    "This tool measures end-to-end latency in Kafka by sending messages and timing their reception.";

// A failure inside the run: Kafka's tool prints the exception's message and its stack trace
// (the tool's own checks throw RuntimeExceptions).
int fail(const std::string& message, const std::string& exception_class = "java.lang.RuntimeException") {
  perf_failure_exit(message, exception_class);
}

struct E2eOptions {
  std::string bootstrap, topic, acks;
  int32_t num = 0, size = 0, key_size = 0, num_headers = 0, header_key_size = 0, header_value_size = 0;
  std::optional<std::string> command_config;
};

// Kafka's randomBytesOfLen: `len` copies of one random upper-case letter.
std::string random_letters(JavaRandom& random, int32_t len) {
  return std::string(static_cast<size_t>(len), static_cast<char>(random.next_int(26) + 65));
}

std::string java_bytes(const std::string* b) {
  if (!b) return "null";
  std::string out = "[";
  for (size_t i = 0; i < b->size(); i++) out += (i ? ", " : "") + std::to_string(static_cast<int>(static_cast<signed char>((*b)[i])));
  return out + "]";
}

int run(const E2eOptions& o);
}  // namespace

const std::vector<OptionDoc>& e2e_latency_help_table() {
  // Kafka 4.4's EndToEndLatency options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: bootstrap-server",
       "REQUIRED: The Kafka broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"topic", "String: topic-name", "REQUIRED: The topic to use for the test."},
      {"num-records", "Integer: count", "REQUIRED: The number of messages to send."},
      {"producer-acks", "String: producer-acks", "REQUIRED: Producer acknowledgements. Must be '1' or 'all'."},
      {"record-size", "Integer: bytes", "REQUIRED: The size of each message payload in bytes."},
      {"record-key-size", "Integer: bytes",
       "Optional: The size of the message key in bytes. If not set, messages are sent without a key.", true, "0"},
      {"record-header-key-size", "Integer: bytes",
       "Optional: The size of the message header key in bytes. Used together with record-header-size.", true, "0"},
      {"record-header-size", "Integer: bytes",
       "Optional: The size of message header value in bytes. Use -1 for null header value.", true, "0"},
      {"num-headers", "Integer: count", "Optional: The number of headers to include in each message.", true, "0"},
      {"command-config", "String: config-file",
       "Optional: A property file for Kafka producer/consumer/admin client configuration.", true},
      {"help", "", "Print usage information."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

int e2e_latency_main(int argc, char** argv) {
  const auto& docs = e2e_latency_help_table();
  std::vector<std::string> args(argv + 1, argv + argc);
  // convertLegacyArgsIfNeeded: without any of the required named options, the arguments are
  // the positional form of Kafka 3 (5 or 6 of them).
  static const char* kNamed[] = {"--bootstrap-server", "--topic", "--num-records", "--producer-acks", "--record-size"};
  bool named = std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return std::any_of(std::begin(kNamed), std::end(kNamed), [&](const char* n) { return a == n; });
  });
  if (!args.empty() && !named) {
    if (args.size() != 5 && args.size() != 6) {
      std::fprintf(stderr,
                   "Invalid number of arguments. Expected 5 or 6 positional arguments, but got %zu. Usage: "
                   "bootstrap-server topic num-records producer-acks record-size [optional] command-config\n",
                   args.size());
      return 1;
    }
    std::vector<std::string> conv;
    const char* names[] = {"--bootstrap-server", "--topic", "--num-records", "--producer-acks", "--record-size",
                           "--command-config"};
    for (size_t i = 0; i < args.size(); i++) {
      conv.push_back(names[i]);
      conv.push_back(args[i]);
    }
    std::printf(
        "WARNING: Positional argument usage is deprecated and will be removed in Apache Kafka 5.0. Please use named "
        "arguments instead: --bootstrap-server, --topic, --num-records, --producer-acks, --record-size, "
        "--command-config\n");
    args = conv;
  }
  std::vector<char*> cargv{argv[0]};
  for (auto& a : args) cargv.push_back(a.data());
  auto parsed = parse_args(static_cast<int>(cargv.size()), cargv.data(), docs);
  if (!parsed.ok()) usage_exit(parsed.status().message(), docs);
  const ParsedArgs& a = *parsed;
  // CommandLineUtils.maybePrintHelpOrVersion, then checkRequiredArgs in Kafka's order.
  if (args.empty() || a.has("help")) usage_exit(kDescription, docs);
  if (a.has("version")) version_exit();
  for (const char* req : {"bootstrap-server", "topic", "num-records", "producer-acks", "record-size"})
    if (!a.has(req)) usage_exit(std::string("Missing required argument \"[") + req + "]\"", docs);
  // Values are converted where Kafka's checkArgs asks for them: a bad one is an exception there.
  auto str = [&](const char* name) -> std::optional<std::string> {
    auto v = single_value(a, name);
    if (!v.ok()) perf_option_exit(v.status().message());
    return *v;
  };
  auto integer = [&](const char* name, int32_t dflt) -> int32_t {
    auto v = str(name);
    if (!v) return dflt;
    auto n = java_int(*v);
    if (!n) perf_option_exit("Cannot parse argument '" + *v + "' of option " + name);
    return *n;
  };
  E2eOptions o;
  o.acks = *str("producer-acks");
  if (o.acks != "1" && o.acks != "all")
    usage_exit("Invalid value for --producer-acks. Latency testing requires synchronous acknowledgement. Please use "
               "'1' or 'all'.",
               docs);
  o.num = integer("num-records", 0);
  if (o.num <= 0) usage_exit("Value for --num-records must be a positive integer.", docs);
  o.size = integer("record-size", 0);
  if (o.size < 0) usage_exit("Value for --record-size must be a non-negative integer.", docs);
  o.key_size = integer("record-key-size", 0);
  if (o.key_size < 0) usage_exit("Value for --record-key-size must be a non-negative integer.", docs);
  o.header_key_size = integer("record-header-key-size", 0);
  if (o.header_key_size < 0) usage_exit("Value for --record-header-key-size must be a non-negative integer.", docs);
  o.header_value_size = integer("record-header-size", 0);
  if (o.header_value_size < -1)
    usage_exit("Value for --record-header-size must be a non-negative integer or -1 for null header value.", docs);
  o.num_headers = integer("num-headers", 0);
  if (o.num_headers < 0) usage_exit("Value for --num-headers must be a non-negative integer.", docs);
  o.bootstrap = *str("bootstrap-server");
  o.topic = *str("topic");
  o.command_config = str("command-config");
  return run(o);
}

namespace {
int run(const E2eOptions& o) {
  const std::string& brokers = o.bootstrap;
  const std::string& topic = o.topic;
  const std::string& acks = o.acks;
  const int32_t num = o.num;
  // Kafka builds the consumer first: a bootstrap it cannot use fails there.
  if (auto bad = invalid_bootstrap_url(brokers))
    perf_failure_exit("Failed to construct kafka consumer", "org.apache.kafka.common.KafkaException",
                      "org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: " + *bad);
  Properties file;
  if (o.command_config && o.command_config->find_first_not_of(" \t") != std::string::npos) {
    std::string cls;
    auto r = load_props_as_java(*o.command_config, &cls);
    if (!r.ok()) return fail(r.status().message(), cls);
    file = std::move(r).value();
  }
  auto with_bootstrap = [&] {
    Properties p = file;
    p.set("bootstrap.servers", brokers);
    return p;
  };

  // Consumer: a fresh group, no commits, from the end, no temporal batching on the broker
  // (fetch.wait.max.ms=0, as Kafka sets fetch.max.wait.ms=0; a properties file may override it).
  Properties cprops = with_bootstrap();
  cprops.set("group.id", "test-group-" + std::to_string(now_ms()));
  cprops.set("enable.auto.commit", "false");
  cprops.set("auto.offset.reset", "latest");
  if (!file.contains("fetch.wait.max.ms") && !file.contains("fetch.max.wait.ms")) cprops.set("fetch.wait.max.ms", "0");
  if (auto v = file.get("fetch.max.wait.ms")) {
    cprops.erase("fetch.max.wait.ms");
    cprops.set("fetch.wait.max.ms", *v);
  }
  Properties pprops = with_bootstrap();
  pprops.set("linger.ms", "0");
  pprops.set("acks", acks);

  auto admin_r = client::Admin::create(with_bootstrap());
  if (!admin_r.ok()) return fail(admin_r.status().message());
  auto md = (*admin_r)->metadata();
  if (!md.ok()) return fail(md.status().message());
  std::vector<int32_t> partitions;
  for (const auto& t : md->topics)
    if (t.name == topic && t.error == ErrorCode::kNone)
      for (const auto& p : t.partitions) partitions.push_back(p.partition);
  if (partitions.empty()) {
    std::printf("Topic \"%s\" does not exist. Will create topic with 1 partition(s) and replication factor = 1\n",
                topic.c_str());
    std::fflush(stdout);
    client::NewTopic nt;
    nt.name = topic;
    nt.partitions = 1;
    nt.replication_factor = 1;
    auto r = (*admin_r)->create_topics({nt});
    if (!r.ok() || (r->size() == 1 && (*r)[0].error != ErrorCode::kNone && (*r)[0].error != ErrorCode::kTopicAlreadyExists)) {
      std::printf("Creation of topic %s failed\n", topic.c_str());
      return fail(r.ok() ? (*r)[0].message : r.status().message());
    }
    partitions = {0};
  }
  admin_r->reset();

  auto cons_r = client::Consumer::create(cprops);
  if (!cons_r.ok()) return fail(cons_r.status().message());
  auto prod_r = client::Producer::create(pprops);
  if (!prod_r.ok()) return fail(prod_r.status().message());
  rd_kafka_t* crk = (*cons_r)->handle();
  rd_kafka_t* prk = (*prod_r)->handle();
  // Kafka's seekToEnd + position: assign each partition at its current end offset, looked up
  // before the first send, so the first record is not skipped by a late offset lookup.
  {
    auto* l = rd_kafka_topic_partition_list_new((int)partitions.size());
    for (int32_t p : partitions) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(crk, topic.c_str(), p, &lo, &hi, 30000);
      if (e) {
        rd_kafka_topic_partition_list_destroy(l);
        return fail(rd_kafka_err2str(e));
      }
      rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = hi;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(crk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) return fail(rd_kafka_err2str(e));
  }

  rd_kafka_topic_t* rkt = rd_kafka_topic_new(prk, topic.c_str(), nullptr);
  struct Ack {
    bool done = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  } ack;
  (*prod_r)->set_delivery_hook(
      [](const rd_kafka_message_t* m, void* ctx) {
        auto* a = static_cast<Ack*>(ctx);
        a->done = true;
        a->err = m->err;
      },
      &ack);

  std::vector<int64_t> lat_ns((size_t)num);
  double total = 0;
  // Kafka's records: for each, a key, a value and the headers from one java.util.Random(0).
  JavaRandom random(0);
  int64_t run_start = now_ns();
  for (int32_t i = 0; i < num; i++) {
    std::string key = random_letters(random, o.key_size);
    std::string message = random_letters(random, o.size);
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    for (int32_t h = 0; h < o.num_headers; h++) {
      std::string hk = random_letters(random, o.header_key_size);
      std::optional<std::string> hv;
      if (o.header_value_size != -1) hv = random_letters(random, o.header_value_size);
      headers.emplace_back(std::move(hk), std::move(hv));
    }
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [hk, hv] : headers)
        rd_kafka_header_add(hdrs, hk.data(), (ssize_t)hk.size(), hv ? hv->data() : nullptr, hv ? (ssize_t)hv->size() : 0);
    }
    int64_t begin = now_ns();
    ack.done = false;
    rd_kafka_resp_err_t perr = rd_kafka_producev(
        prk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(message.data(), message.size()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (perr) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      return fail(rd_kafka_err2str(perr));
    }
    while (!ack.done) rd_kafka_poll(prk, 100);
    if (ack.err) return fail(rd_kafka_err2str(ack.err));
    rd_kafka_message_t* m = nullptr;
    int64_t deadline = now_ms() + kPollTimeoutMs;
    while (!m && now_ms() < deadline) {
      m = rd_kafka_consumer_poll(crk, 100);
      if (m && m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) std::fprintf(stderr, "%s\n", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        m = nullptr;
      }
    }
    int64_t elapsed = now_ns() - begin;
    if (!m) return fail("poll() timed out before finding a result (timeout:[" + std::to_string(kPollTimeoutMs) + "ms])");
    // Kafka's validate: the value, the key, then the headers, each as sent.
    std::string read(static_cast<const char*>(m->payload), m->len);
    std::optional<std::string> read_key;
    if (m->key) read_key.emplace(static_cast<const char*>(m->key), m->key_len);
    std::vector<std::pair<std::string, std::optional<std::string>>> read_headers;
    rd_kafka_headers_t* rh = nullptr;
    if (rd_kafka_message_headers(m, &rh) == RD_KAFKA_RESP_ERR_NO_ERROR && rh) {
      const char* name;
      const void* val;
      size_t vlen;
      for (size_t idx = 0; rd_kafka_header_get_all(rh, idx, &name, &val, &vlen) == RD_KAFKA_RESP_ERR_NO_ERROR; idx++)
        read_headers.emplace_back(name, val ? std::optional<std::string>(std::string(static_cast<const char*>(val), vlen))
                                            : std::nullopt);
    }
    rd_kafka_message_destroy(m);
    if (read != message)
      return fail("The message value read [" + read + "] did not match the message value sent [" + message + "]");
    if (!read_key) return fail("Expected message key but received null");
    if (*read_key != key)
      return fail("The message key read [" + *read_key + "] did not match the message key sent [" + key + "]");
    if (!headers.empty()) {
      if (read_headers.empty()) return fail("Expected message headers but received none");
      for (size_t h = 0; h < headers.size() && h < read_headers.size(); h++) {
        const auto& [sk, sv] = headers[h];
        const auto& [rk, rv] = read_headers[h];
        if (rk != sk || rv != sv)
          return fail("The message header read [" + rk + ":" + java_bytes(rv ? &*rv : nullptr) +
                      "] did not match the message header sent [" + sk + ":" + java_bytes(sv ? &*sv : nullptr) + "]");
      }
      if (headers.size() != read_headers.size()) return fail("Header count mismatch between sent and received messages");
    }
    if (i % 1000 == 0) {
      std::printf("%d\t%s\n", i, java_double(elapsed / 1000.0 / 1000.0).c_str());
      std::fflush(stdout);
    }
    total += (double)elapsed;
    lat_ns[(size_t)i] = elapsed;
  }
  double run_secs = (double)(now_ns() - run_start) / 1e9;
  rd_kafka_topic_destroy(rkt);
  std::printf("Avg latency: %s ms\n", java_fixed(total / num / 1000.0 / 1000.0, 4).c_str());
  std::sort(lat_ns.begin(), lat_ns.end());
  auto at = [&](double p) { return lat_ns[(size_t)((double)lat_ns.size() * p)]; };
  std::printf("Percentiles: 50th = %lld, 99th = %lld, 99.9th = %lld\n", (long long)(at(0.5) / 1000000),
              (long long)(at(0.99) / 1000000), (long long)(at(0.999) / 1000000));
  std::fflush(stdout);
  std::fprintf(stderr, "Percentiles (us): 50th = %lld, 99th = %lld, 99.9th = %lld; %.0f records/s\n",
               (long long)(at(0.5) / 1000), (long long)(at(0.99) / 1000), (long long)(at(0.999) / 1000),
               num / run_secs);
  (*cons_r)->close();
  return 0;
}
}  // namespace

}  // namespace moldau::ops
