#include "moldau/ops/e2e_latency.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "moldau/client/admin.h"
#include "moldau/client/consumer.h"
#include "moldau/client/producer.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/perf_common.h"

namespace moldau::ops {

namespace {
constexpr int kPollTimeoutMs = 60000;

int fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

bool parse_int(const std::string& s, int32_t& out) {
  try {
    size_t pos = 0;
    long long v = std::stoll(s, &pos);
    if (pos != s.size() || v < INT32_MIN || v > INT32_MAX) return false;
    out = (int32_t)v;
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace

int run_e2e_latency(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--version")) version_exit();
  if (args.size() != 5 && args.size() != 6)
    return fail(
        "USAGE: java org.apache.kafka.tools.EndToEndLatency broker_list topic num_messages producer_acks "
        "message_size_bytes [optional] properties_file");
  const std::string& brokers = args[0];
  const std::string& topic = args[1];
  int32_t num = 0, size = 0;
  if (!parse_int(args[2], num)) return fail("For input string: \"" + args[2] + "\"");
  const std::string& acks = args[3];
  if (!parse_int(args[4], size)) return fail("For input string: \"" + args[4] + "\"");
  if (acks != "1" && acks != "all") return fail("Latency testing requires synchronous acknowledgement. Please use 1 or all");
  if (num <= 0) return fail("num_messages must be positive");

  Properties file;
  if (args.size() == 6 && args[5].find_first_not_of(" \t") != std::string::npos) file = load_props_or_exit(args[5]);
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
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  std::string message((size_t)size, 'A');
  int64_t run_start = now_ns();
  for (int32_t i = 0; i < num; i++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    std::memset(message.data(), 'A' + (int)(seed % 26), message.size());  // Kafka: one random letter per message
    int64_t begin = now_ns();
    ack.done = false;
    if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, message.data(), message.size(), nullptr, 0,
                         nullptr) != 0)
      return fail(rd_kafka_err2str(rd_kafka_last_error()));
    while (!ack.done) rd_kafka_poll(prk, 100);
    if (ack.err) return fail(std::string("org.apache.kafka.common.KafkaException: ") + rd_kafka_err2str(ack.err));
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
    if (!m) return fail("poll() timed out before finding a result (timeout:[" + std::to_string(kPollTimeoutMs) + "])");
    std::string read(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
    if (read != message) return fail("The message read [" + read + "] did not match the message sent [" + message + "]");
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

}  // namespace moldau::ops
