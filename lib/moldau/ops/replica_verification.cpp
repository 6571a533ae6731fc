#include "moldau/ops/replica_verification.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <regex>
#include <set>
#include <thread>
#include <unistd.h>

#include "moldau/ops/admin_tool.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/fetch.h"
#include "moldau/protocol/messages/list_offsets.h"
#include "moldau/protocol/messages/metadata.h"

namespace moldau::ops {

namespace {

const char* kUsage = "Validate that all replicas for a set of topics have the same data.";
const char* kLogger = "(org.apache.kafka.tools.ReplicaVerificationTool)";
// Fetch's replica id for the debugging consumer: brokers answer it from followers too.
constexpr int32_t kDebuggingConsumerId = -2;
constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
// The admin client's default.api.timeout.ms and the consumer's request.timeout.ms, which
// Kafka's tool leaves at their defaults.
constexpr int kApiTimeoutMs = 60000;
constexpr int kRequestTimeoutMs = 30000;

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's ReplicaVerificationTool options in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"broker-list", "String: hostname:port,...,hostname:port",
       "REQUIRED: The list of hostname and port of the server to connect to."},
      {"fetch-size", "Integer: bytes", "The fetch size of each request.", false, "1048576"},
      {"help", "", "Print usage information."},
      {"max-wait-ms", "Integer: ms", "The max amount of time each fetch request waits.", false, "1000"},
      {"report-interval-ms", "Long: ms", "The reporting interval.", false, "30000"},
      // joptsimple breaks the argument text before "(earliest)" (\x01: a break).
      {"time", "Long: timestamp/-1(latest)/-2\x01(earliest)", "Timestamp for getting the initial offsets.", false, "-1"},
      {"topics-include", "String: Java regex (String)", "List of topics to verify replica consistency.", false, ".*"},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// What the parser accepts: Kafka's options and two names Moldau also takes, left out of the
// help so that it stays Kafka's (the man page lists them): --bootstrap-server, as Kafka's
// other tools name the option, and --topic-white-list, --topics-include's name before Kafka 3.
const std::vector<OptionDoc>& accepted() {
  static const std::vector<OptionDoc> kAccepted = [] {
    std::vector<OptionDoc> v = docs();
    v.push_back({"bootstrap-server", "String: hostname:port,...,hostname:port", ""});
    v.push_back({"topic-white-list", "String: Java regex (String)", ""});
    return v;
  }();
  return kAccepted;
}

std::string tp_string(const TopicPartition& tp) { return tp.first + "-" + std::to_string(tp.second); }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log_line(const char* level, const std::string& message) {
  std::fprintf(stderr, "[%s] %s %s %s\n", log_timestamp().c_str(), level, message.c_str(), kLogger);
  std::fflush(stderr);
}

void println(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
int64_t be64(const uint8_t* p) { return static_cast<int64_t>((uint64_t(be32(p)) << 32) | be32(p + 4)); }

// The option's value or, when the Moldau alias was given instead, the alias's.
std::string option_name(const ParsedArgs& a, const std::string& kafka, const std::string& alias) {
  return !a.has(kafka) && a.has(alias) ? alias : kafka;
}

// ToolsUtils.validateBootstrapServer's message for a bad list, or "".
std::string bootstrap_problem(const std::string& list) {
  if (list.find_first_not_of(" \t\r\n") == std::string::npos) return "Error while validating the bootstrap address\n";
  static const std::regex kHostPort(R"(.*?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+))");
  size_t start = 0;
  bool any = false;
  while (true) {
    size_t comma = list.find(',', start);
    std::string hp = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    // Java's split drops trailing empty pieces.
    bool trailing = comma == std::string::npos || list.find_first_not_of(',', comma) == std::string::npos;
    if (!(hp.empty() && trailing && any)) {
      if (!std::regex_match(hp, kHostPort)) return "Please provide valid host:port like host1:9091,host2:9092\n";
      any = true;
    }
    if (comma == std::string::npos || list.find_first_not_of(',', comma) == std::string::npos) break;
    start = comma + 1;
  }
  return "";
}

struct Partition {
  TopicPartition tp;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
};

// The metadata as the admin client gets it: retried until its default.api.timeout.ms.
Result<protocol::MetadataResponse> metadata_or_timeout(const std::vector<HostPort>& nodes) {
  auto deadline = RawClock::now() + std::chrono::milliseconds(kApiTimeoutMs);
  while (true) {
    auto md = raw_metadata(nodes, std::nullopt, std::min(deadline, RawClock::now() + std::chrono::seconds(10)));
    if (md.ok()) return md;
    if (RawClock::now() + std::chrono::seconds(1) >= deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return Status(ErrorCode::kRequestTimedOut,
                "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: "
                "listTopics");
}

struct Endpoint {
  std::string host;
  int32_t port = 0;
};

// One broker's connection, opened on first use and again after a failure.
class BrokerChannel {
 public:
  explicit BrokerChannel(Endpoint ep) : ep_(std::move(ep)) {}

  template <class Req, class Resp>
  Result<Resp> call(Req& req, int16_t our_max, RawClock::time_point deadline) {
    if (!conn_) {
      auto c = RawConnection::open(ep_.host, ep_.port, deadline);
      if (!c.ok()) return c.status();
      conn_ = std::move(c).value();
    }
    int16_t v = conn_->version_for(Req::kApiKey, our_max);
    if (v < 0) {
      conn_.reset();
      return Status(ErrorCode::kUnsupportedVersion, std::string(Req::kApiName) + " not supported");
    }
    auto r = conn_->template call<Req, Resp>(req, v, deadline);
    if (!r.ok()) conn_.reset();
    return r;
  }

 private:
  Endpoint ep_;
  std::unique_ptr<RawConnection> conn_;
};

// The initial offsets (ListOffsets at `time` to each leader); -1 where the broker has none.
std::map<TopicPartition, int64_t> list_offsets(std::map<int32_t, std::unique_ptr<BrokerChannel>>& channels,
                                               const std::vector<Partition>& partitions, int64_t time) {
  std::map<TopicPartition, int64_t> out;
  std::map<int32_t, std::vector<const Partition*>> by_leader;
  for (const auto& p : partitions) by_leader[p.leader].push_back(&p);
  for (auto& [leader, ps] : by_leader) {
    auto ch = channels.find(leader);
    if (ch == channels.end()) continue;
    protocol::ListOffsetsRequest req;
    req.replica_id = -1;
    for (const Partition* p : ps) {
      auto t = std::find_if(req.topics.begin(), req.topics.end(), [&](auto& x) { return x.name == p->tp.first; });
      if (t == req.topics.end()) {
        req.topics.emplace_back();
        t = req.topics.end() - 1;
        t->name = p->tp.first;
      }
      protocol::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition lp;
      lp.partition_index = p->tp.second;
      lp.timestamp = time;
      t->partitions.push_back(lp);
    }
    auto resp = ch->second->call<protocol::ListOffsetsRequest, protocol::ListOffsetsResponse>(
        req, 7, RawClock::now() + std::chrono::milliseconds(kRequestTimeoutMs));
    if (!resp.ok()) continue;
    for (const auto& t : resp->topics)
      for (const auto& p : t.partitions)
        if (p.error_code == 0) out[{t.name, p.partition_index}] = p.offset;
  }
  return out;
}

volatile std::sig_atomic_t g_stopping = 0;

// The JVM's answer to SIGINT and SIGTERM: shutdown hooks (here: nothing left to do, every line
// is flushed as printed), then exit 128 + the signal.
void on_signal(int sig) {
  g_stopping = 1;
  ::_exit(128 + sig);
}

}  // namespace

std::string report_time(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s,%03lld", buf, static_cast<long long>(epoch_ms % 1000));
  return out;
}

std::vector<VerifiedBatch> verified_batches(std::span<const uint8_t> records) {
  std::vector<VerifiedBatch> out;
  size_t pos = 0;
  // Each entry: base offset (8), size (4), then `size` bytes whose 5th byte is the magic.
  while (records.size() - pos >= 12) {
    const uint8_t* b = records.data() + pos;
    const int64_t base = be64(b);
    const int32_t size = static_cast<int32_t>(be32(b + 8));
    if (size < 5 || records.size() - pos - 12 < static_cast<size_t>(size)) break;
    const int8_t magic = static_cast<int8_t>(b[16]);
    VerifiedBatch vb;
    if (magic >= 2) {
      if (size < 15) break;
      vb.checksum = be32(b + 17);                                        // crc
      vb.last_offset = base + static_cast<int32_t>(be32(b + 23));  // baseOffset + lastOffsetDelta
    } else {
      vb.checksum = be32(b + 12);  // a legacy message's crc comes before its magic
      vb.last_offset = base;
    }
    vb.next_offset = vb.last_offset + 1;
    out.push_back(vb);
    pos += 12 + static_cast<size_t>(size);
  }
  return out;
}

ReplicaBuffer::ReplicaBuffer(const std::vector<std::pair<TopicPartition, int64_t>>& partitions,
                             int64_t report_interval_ms, int64_t now)
    : report_interval_ms_(report_interval_ms), last_report_ms_(now) {
  std::vector<int32_t> hashes;
  for (const auto& [tp, _] : partitions) hashes.push_back(java_topic_partition_hash(tp.first, tp.second));
  for (size_t i : java_hashmap_order(hashes)) entries_.push_back({partitions[i].first, partitions[i].second, {}});
}

int64_t ReplicaBuffer::offset(const TopicPartition& tp) const {
  for (const auto& e : entries_)
    if (e.tp == tp) return e.offset;
  return -1;
}

void ReplicaBuffer::add(const TopicPartition& tp, int32_t replica, ReplicaFetch fetch) {
  for (auto& e : entries_)
    if (e.tp == tp) e.fetched[replica] = std::move(fetch);
}

bool ReplicaBuffer::verify(int64_t now, const std::function<void(const std::string&)>& out) {
  max_lag_ = -1;
  for (auto& e : entries_) {
    // The replicas in the order Kafka's HashMap<Integer, ...> holds them.
    std::vector<int32_t> ids, hashes;
    for (const auto& [id, _] : e.fetched) ids.push_back(id), hashes.push_back(id);
    std::vector<int32_t> order;
    for (size_t i : java_hashmap_order(hashes)) order.push_back(ids[i]);
    std::map<int32_t, size_t> next;  // each replica's next batch
    int64_t max_hw = -1;
    for (const auto& [id, f] : e.fetched) max_hw = std::max(max_hw, f.high_watermark);

    bool in_all = true;
    while (in_all) {
      struct First {
        int32_t replica;
        VerifiedBatch batch;
      };
      std::optional<First> first;
      for (int32_t id : order) {
        const ReplicaFetch& f = e.fetched[id];
        size_t& i = next[id];
        if (i >= f.batches.size()) {
          in_all = false;
          continue;
        }
        const VerifiedBatch& b = f.batches[i++];
        if (b.last_offset >= f.high_watermark) {  // only up to the high watermark
          in_all = false;
        } else if (!first) {
          first = First{id, b};
        } else {
          if (first->batch.last_offset != b.last_offset) {
            out(report_time(now_ms()) + ": partition " + tp_string(e.tp) + ": replica " + std::to_string(first->replica) +
                "'s offset " + std::to_string(first->batch.last_offset) + " doesn't match replica " +
                std::to_string(id) + "'s offset " + std::to_string(b.last_offset));
            return false;
          }
          if (first->batch.checksum != b.checksum)
            out(report_time(now_ms()) + ": partition " + tp_string(e.tp) + " has unmatched checksum at offset " +
                std::to_string(b.last_offset) + "; replica " + std::to_string(first->replica) + "'s checksum " +
                std::to_string(first->batch.checksum) + "; replica " + std::to_string(id) + "'s checksum " +
                std::to_string(b.checksum));
        }
      }
      if (in_all) e.offset = first ? first->batch.next_offset : -1;
    }
    if (max_hw - e.offset > max_lag_) {
      offset_with_max_lag_ = e.offset;
      max_lag_ = max_hw - e.offset;
      max_lag_partition_ = e.tp;
    }
    e.fetched.clear();
  }
  if (now - last_report_ms_ > report_interval_ms_) {
    out(report_time(now) + ": max lag is " + std::to_string(max_lag_) + " for partition " +
        (max_lag_partition_ ? tp_string(*max_lag_partition_) : "null") + " at offset " +
        std::to_string(offset_with_max_lag_) + " among " + std::to_string(entries_.size()) + " partitions");
    last_report_ms_ = now;
  }
  return true;
}

int replica_verification_main(int argc, char** argv) {
  log_line("WARN", "This tool is deprecated and may be removed in a future major release.");
  const auto& options = docs();
  auto parsed = parse_args(argc, argv, accepted());
  if (!parsed.ok()) return admin_option_error(parsed.status().message());
  const ParsedArgs& a = *parsed;
  if (argc <= 1 || a.has("help")) usage_exit(kUsage, options);
  if (a.has("version")) version_exit();
  const std::string broker_opt = option_name(a, "broker-list", "bootstrap-server");
  if (!a.has(broker_opt)) usage_exit("Missing required argument \"[broker-list]\"", options);

  auto broker_list = single_value(a, broker_opt);
  if (!broker_list.ok()) return admin_option_error(broker_list.status().message());
  if (auto problem = bootstrap_problem(**broker_list); !problem.empty()) usage_exit(problem, options);
  auto nodes = parse_bootstrap(**broker_list);
  if (!nodes.ok()) return admin_tool_fail("Failed to create new KafkaAdminClient", "org.apache.kafka.common.KafkaException");

  auto md = metadata_or_timeout(*nodes);
  if (!md.ok()) return admin_call_fail(md.status().message());

  // The topics the include list allows (internal ones too); the regex is checked per topic, as
  // Kafka's filter does, so with no topics at all it is never looked at.
  const std::string include_opt = option_name(a, "topics-include", "topic-white-list");
  std::vector<const protocol::MetadataResponse::MetadataResponseTopic*> topics;
  for (const auto& t : md->topics) {
    if (!t.name || t.error_code != 0) continue;
    auto v = single_value(a, include_opt);
    if (!v.ok()) return admin_option_error(v.status().message());
    const std::string raw = v->value_or(".*");
    std::regex re;
    try {
      re = std::regex(raw);
    } catch (const std::regex_error&) {
      return admin_tool_fail(raw + " is an invalid regex", "java.lang.RuntimeException");
    }
    // TopicFilter's clean-up of the pattern: commas are alternatives, blanks and quotes go.
    std::string cleaned = raw;
    cleaned.erase(0, cleaned.find_first_not_of(" \t\r\n"));
    cleaned.erase(cleaned.find_last_not_of(" \t\r\n") + 1);
    std::replace(cleaned.begin(), cleaned.end(), ',', '|');
    cleaned.erase(std::remove(cleaned.begin(), cleaned.end(), ' '), cleaned.end());
    cleaned.erase(0, cleaned.find_first_not_of("\"'"));
    if (auto last = cleaned.find_last_not_of("\"'"); last != std::string::npos) cleaned.erase(last + 1);
    try {
      re = std::regex(cleaned);
    } catch (const std::regex_error&) {
      return admin_tool_fail(cleaned + " is an invalid regex.", "java.lang.RuntimeException");
    }
    if (std::regex_match(*t.name, re)) topics.push_back(&t);
  }
  if (topics.empty()) {
    log_line("ERROR", "No topics found. [topics-include] if specified, is either filtering out all topics or there is "
                      "no topic.");
    return 1;
  }

  std::vector<Partition> partitions;
  std::map<int32_t, std::vector<TopicPartition>> by_broker;  // each broker's replicas to fetch
  for (const auto* t : topics) {
    std::vector<const protocol::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition*> ps;
    for (const auto& p : t->partitions) ps.push_back(&p);
    std::sort(ps.begin(), ps.end(), [](auto* x, auto* y) { return x->partition_index < y->partition_index; });
    for (const auto* p : ps) {
      Partition part{{*t->name, p->partition_index}, p->leader_id, p->replica_nodes};
      for (int32_t r : p->replica_nodes) by_broker[r].push_back(part.tp);
      partitions.push_back(std::move(part));
    }
  }
  std::map<int32_t, std::unique_ptr<BrokerChannel>> channels;
  for (const auto& b : md->brokers) channels[b.node_id] = std::make_unique<BrokerChannel>(Endpoint{b.host, b.port});

  // Initial offsets, in the order Kafka's ReplicaBuffer is built: --time, the offsets, then
  // --report-interval-ms.
  auto time = long_value(a, "time");
  if (!time.ok()) return admin_option_error(time.status().message());
  const int64_t at = time->value_or(kLatest);
  std::vector<TopicPartition> tps;
  std::vector<int32_t> hashes;
  for (const auto& p : partitions) {
    tps.push_back(p.tp);
    hashes.push_back(java_topic_partition_hash(p.tp.first, p.tp.second));
  }
  if (at < 0 && at != kLatest && at != kEarliest) {
    const TopicPartition& first = tps[java_hashmap_order(hashes).front()];
    return admin_tool_fail("The target time for partition " + tp_string(first) + " is " + std::to_string(at) +
                               ". The target time cannot be negative.",
                           "java.lang.IllegalArgumentException");
  }
  auto offsets = list_offsets(channels, partitions, at);
  std::vector<std::pair<TopicPartition, int64_t>> initial;
  for (const auto& tp : tps) {
    auto it = offsets.find(tp);
    if ((it == offsets.end() || it->second < 0) && at >= 0)
      return admin_tool_fail(
          "Cannot invoke \"org.apache.kafka.clients.consumer.OffsetAndTimestamp.offset()\" because the return value "
          "of \"java.util.Map$Entry.getValue()\" is null",
          "java.lang.NullPointerException");
    initial.push_back({tp, it == offsets.end() ? -1 : it->second});
  }
  auto interval = long_value(a, "report-interval-ms");
  if (!interval.ok()) return admin_option_error(interval.status().message());
  ReplicaBuffer buffer(initial, interval->value_or(30000), now_ms());
  auto fetch_size = int_value(a, "fetch-size");
  if (!fetch_size.ok()) return admin_option_error(fetch_size.status().message());
  auto max_wait = int_value(a, "max-wait-ms");
  if (!max_wait.ok()) return admin_option_error(max_wait.status().message());
  const int32_t fetch_bytes = fetch_size->value_or(1048576);
  const int32_t wait_ms = max_wait->value_or(1000);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  println(report_time(now_ms()) + ": verification process is started");

  // Each round: every broker fetched at once (one thread each, as Kafka's fetcher threads), then
  // the verification once all have answered.
  std::vector<std::pair<int32_t, BrokerChannel*>> fetchers;
  for (const auto& [id, _] : by_broker) {
    auto ch = channels.find(id);
    if (ch == channels.end()) channels[id] = std::make_unique<BrokerChannel>(Endpoint{"", 0});
    fetchers.push_back({id, channels[id].get()});
  }
  while (!g_stopping) {
    std::vector<std::map<TopicPartition, ReplicaFetch>> results(fetchers.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < fetchers.size(); i++) {
      threads.emplace_back([&, i] {
        auto [id, ch] = fetchers[i];
        protocol::FetchRequest req;
        req.replica_id = kDebuggingConsumerId;
        req.max_wait_ms = wait_ms;
        req.min_bytes = 1;
        req.max_bytes = INT32_MAX;
        req.isolation_level = 0;
        req.session_id = 0;
        req.session_epoch = -1;
        for (const auto& tp : by_broker[id]) {
          auto t = std::find_if(req.topics.begin(), req.topics.end(), [&](auto& x) { return x.topic == tp.first; });
          if (t == req.topics.end()) {
            req.topics.emplace_back();
            t = req.topics.end() - 1;
            t->topic = tp.first;
          }
          protocol::FetchRequest::FetchTopic::FetchPartition fp;
          fp.partition = tp.second;
          fp.fetch_offset = buffer.offset(tp);
          fp.log_start_offset = 0;
          fp.partition_max_bytes = fetch_bytes;
          t->partitions.push_back(fp);
        }
        auto deadline = RawClock::now() + std::chrono::milliseconds(int64_t(wait_ms) + kRequestTimeoutMs);
        auto resp = ch->call<protocol::FetchRequest, protocol::FetchResponse>(req, 12, deadline);
        if (resp.ok()) {
          for (const auto& t : resp->responses)
            for (const auto& p : t.partitions) {
              ReplicaFetch f;
              f.high_watermark = p.high_watermark;
              if (p.error_code == 0 && p.records.data) f.batches = verified_batches(*p.records.data);
              results[i][{t.topic, p.partition_index}] = std::move(f);
            }
        } else {
          // As Kafka's fetcher after a failed request: an empty answer for each partition.
          for (const auto& tp : by_broker[id]) results[i][tp] = ReplicaFetch{};
          std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 1000)));
        }
      });
    }
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < fetchers.size(); i++)
      for (auto& [tp, f] : results[i]) buffer.add(tp, fetchers[i].first, std::move(f));
    if (!buffer.verify(now_ms(), println)) return 1;
  }
  return 0;
}

}  // namespace moldau::ops
