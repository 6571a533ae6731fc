#include "moldau/ops/producer_perf.h"

#include <librdkafka/rdkafka.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "moldau/client/producer.h"
#include "moldau/common/properties.h"
#include "moldau/ops/argparse.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/deserializers.h"
#include "moldau/ops/perf_common.h"
#include "moldau/ops/perf_metrics.h"

namespace moldau::ops {

namespace {

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

// java.nio's Path.toAbsolutePath: the working directory before a relative path; neither "." nor
// ".." nor a symbolic link is resolved, repeated and trailing slashes go.
std::string java_absolute_path(const std::string& path) {
  std::string p = path;
  if (p.empty() || p[0] != '/') {
    char cwd[4096];
    std::string dir = getcwd(cwd, sizeof cwd) ? cwd : ".";
    p = p.empty() ? dir : dir + "/" + p;
  }
  std::string out;
  for (char c : p)
    if (!(c == '/' && !out.empty() && out.back() == '/')) out += c;
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// The message of the PatternSyntaxException java.util.regex.Pattern throws for the usual
// mistakes in a regex (an unclosed group or class, an unmatched ')', a quantifier with nothing
// before it, a trailing backslash): the description, " near index N" when it has an index, the
// pattern, and a caret under the index when it is inside the pattern. Nothing when none is found.
std::optional<std::string> java_regex_error(const std::string& p) {
  auto message = [&](const std::string& desc, long index) {
    std::string m = desc;
    if (index >= 0) m += " near index " + std::to_string(index);
    m += "\n" + p;
    if (index >= 0 && index < (long)p.size()) m += "\n" + std::string((size_t)index, ' ') + "^";
    return m;
  };
  int depth = 0;
  bool can_repeat = false;  // something precedes that a quantifier may apply to
  bool after_quantifier = false;
  for (size_t i = 0; i < p.size(); i++) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return message("Unexpected internal error", (long)p.size());
      i++;
      can_repeat = true, after_quantifier = false;
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') j++;
      if (j < p.size() && p[j] == ']') j++;
      for (; j < p.size() && p[j] != ']'; j++)
        if (p[j] == '\\') j++;
      if (j >= p.size()) return message("Unclosed character class", (long)p.size() - 1);
      i = j;
      can_repeat = true, after_quantifier = false;
    } else if (c == '(') {
      depth++;
      can_repeat = false, after_quantifier = false;
    } else if (c == ')') {
      if (depth == 0) return message("Unmatched closing ')'", (long)i - 1);
      depth--;
      can_repeat = true, after_quantifier = false;
    } else if (c == '|') {
      can_repeat = false, after_quantifier = false;
    } else if (c == '*' || c == '+' || c == '?') {
      if (after_quantifier && (c == '?' || c == '+')) {
        after_quantifier = false;  // a lazy or possessive quantifier
        can_repeat = false;
      } else if (!can_repeat) {
        return message(std::string("Dangling meta character '") + c + "'", (long)i);
      } else {
        can_repeat = false, after_quantifier = true;
      }
    } else {
      can_repeat = true, after_quantifier = false;
    }
  }
  if (depth > 0) return message("Unclosed group", (long)p.size());
  return std::nullopt;
}

// The client's opaque: what its delivery reports and statistics reports update.
struct Run {
  ProducerPerfStats* stats = nullptr;
  ProducerPerfStats* steady = nullptr;  // from the first record after the warmup on
  int64_t errors = 0;
  PerfCounters counters;                 // for --print-metrics
  std::pair<int64_t, int64_t>* topic_counts = nullptr;
  std::unique_ptr<PerfMetrics> metrics;  // with --print-metrics only
};

// What a delivery report needs of its record: when it was sent, and whether the steady-state
// stats existed then (Kafka's callback holds them from the send on).
void* send_tag(int64_t send_ms, bool steady) { return reinterpret_cast<void*>(static_cast<intptr_t>(send_ms * 2 + (steady ? 1 : 0))); }

void on_delivery(const rd_kafka_message_t* m, void* ctx) {
  auto* run = static_cast<Run*>(ctx);
  if (!run->stats) return;
  int64_t now = now_ms();
  if (m->err) {
    run->counters.errors++;
    if (run->errors++ < 10)
      std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rd_kafka_err2str(m->err));
    return;
  }
  run->counters.records++;
  run->counters.bytes += (int64_t)m->len;
  run->counters.record_sizes.add((double)(m->key_len + m->len));
  if (run->topic_counts) run->topic_counts->first++, run->topic_counts->second += (int64_t)m->len;
  int64_t tag = (int64_t)(intptr_t)m->_private;
  int64_t sent_ms = tag / 2;
  run->stats->record((int32_t)(now - sent_ms), (int32_t)m->len, now);
  if ((tag & 1) && run->steady) run->steady->record((int32_t)(now - sent_ms), (int32_t)m->len, now);
}

void on_statistics(const char* json, size_t len, void* ctx) {
  auto* run = static_cast<Run*>(ctx);
  if (run->metrics) run->metrics->on_report(json, len);
}

}  // namespace

ProducerPerfStats::ProducerPerfStats(int64_t n, int64_t start_ms, int64_t reporting_interval_ms, bool steady_state)
    : start_(start_ms),
      window_start_(start_ms),
      sampling_(n / std::min<int64_t>(n, 500000)),
      reporting_interval_ms_(reporting_interval_ms),
      steady_state_(steady_state) {
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
  if (now - window_start_ >= reporting_interval_ms_) {
    if (steady_state_ && count_ == window_count_) std::fputs("In steady state.\n", stdout);
    if (!suppress_) std::fputs(window_line(now).c_str(), stdout);
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
  return std::to_string(count_) + (steady_state_ ? " steady state" : "") + " records sent, " + java_fixed(recs, 6) + " records/sec (" + java_fixed(mb, 2) +
         " MB/sec), " + java_fixed((double)total_latency_ / (double)count_, 2) + " ms avg latency, " +
         java_fixed((double)max_latency_, 2) + " ms max latency, " + std::to_string(pct(0.5)) + " ms 50th, " +
         std::to_string(pct(0.95)) + " ms 95th, " + std::to_string(pct(0.99)) + " ms 99th, " +
         std::to_string(pct(0.999)) + " ms 99.9th.\n";
}

const argparse::Parser& producer_perf_parser() {
  using argparse::Argument;
  using argparse::Type;
  // Kafka 4.4's ProducerPerformance arguments, in its words and order (they are its help).
  static const argparse::Parser kParser = [] {
    argparse::Parser p;
    p.prog = "kafka-producer-perf-test";
    p.description =
        "This tool is used to verify the producer performance. To enable transactions, you can specify a "
        "transactional id or set a transaction duration using --transaction-duration-ms. There are three ways to "
        "specify the transactional id: set transactional.id=<id> via --command-property, set transactional.id=<id> "
        "in the config file via --command-config, or use --transactional-id <id>.";
    p.mutex_description =
        "Note that you must provide exactly one of --record-size, --payload-file or --payload-monotonic.";
    auto arg = [&](std::vector<std::string> flags, std::string dest, std::string metavar, Type type,
                   std::string help) -> Argument& {
      Argument a;
      a.flags = std::move(flags);
      a.dest = std::move(dest);
      a.metavar = std::move(metavar);
      a.type = type;
      a.help = std::move(help);
      p.args.push_back(a);
      return p.args.back();
    };
    arg({"-h", "--help"}, "help", "", Type::kFlag, "show this help message and exit");
    arg({"--bootstrap-server"}, "bootstrapServer", "BOOTSTRAP-SERVER", Type::kString,
        "The server(s) to connect to. This config takes precedence over bootstrap.servers specified via "
        "--command-property or --command-config.");
    arg({"--topic"}, "topic", "TOPIC", Type::kString, "Produce records to this topic.").required = true;
    arg({"--num-records"}, "numRecords", "NUM-RECORDS", Type::kLong, "Number of records to produce.").required = true;
    const std::string exactly_one =
        " Note that you must provide exactly one of --record-size, --payload-file or --payload-monotonic.";
    arg({"--record-size"}, "recordSize", "RECORD-SIZE", Type::kInteger, "Record size in bytes." + exactly_one)
        .in_mutex_group = true;
    arg({"--payload-file"}, "payloadFile", "PAYLOAD-FILE", Type::kString,
        "File to read the record payloads from. This works only for UTF-8 encoded text files. Payloads will be "
        "read from this file and a payload will be randomly selected when sending records." + exactly_one)
        .in_mutex_group = true;
    auto& mono = arg({"--payload-monotonic"}, "payloadMonotonic", "", Type::kFlag,
                     "Payload is a monotonically increasing integer." + exactly_one);
    mono.in_mutex_group = true;
    mono.default_text = "false";
    arg({"--payload-delimiter"}, "payloadDelimiter", "PAYLOAD-DELIMITER", Type::kString,
        "Provides the delimiter to be used when --payload-file is provided. Defaults to new line. Note that this "
        "parameter will be ignored if --payload-file is not provided.")
        .default_text = "\\n";
    arg({"--throughput"}, "throughput", "THROUGHPUT", Type::kDouble,
        "Throttle maximum record throughput to *approximately* THROUGHPUT records/sec. Set this to -1 to disable "
        "throttling.")
        .required = true;
    arg({"--producer-props"}, "producerConfig", "PROP-NAME=PROP-VALUE", Type::kString,
        "(DEPRECATED) Kafka producer related configuration properties like client.id. These configs take "
        "precedence over those passed via --command-config or --producer.config. This option will be removed in a "
        "future version. Use --command-property instead. Example: --command-property linger.ms=10 "
        "batch.size=32768")
        .one_or_more = true;
    arg({"--command-property"}, "commandProperties", "PROP-NAME=PROP-VALUE", Type::kString,
        "Kafka producer related configuration properties like client.id. These configs take precedence over those "
        "passed via --command-config or --producer.config. Example: --command-property linger.ms=10 "
        "batch.size=32768")
        .one_or_more = true;
    arg({"--producer.config"}, "producerConfigFile", "CONFIG-FILE", Type::kString,
        "(DEPRECATED) Producer config properties file. This option will be removed in a future version. Use "
        "--command-config instead.");
    arg({"--command-config"}, "commandConfigFile", "CONFIG-FILE", Type::kString, "Producer config properties file.");
    arg({"--print-metrics"}, "printMetrics", "", Type::kFlag, "Print out metrics at the end of the test.")
        .default_text = "false";
    arg({"--transactional-id"}, "transactionalId", "TRANSACTIONAL-ID", Type::kString,
        "The transactional id to use. This config takes precedence over the transactional.id specified via "
        "--command-property or --command-config. Note that if the transactional id is not specified while "
        "--transaction-duration-ms is provided, the default value for the transactional id will be "
        "performance-producer- followed by a random uuid.");
    arg({"--transaction-duration-ms"}, "transactionDurationMs", "TRANSACTION-DURATION", Type::kLong,
        "The maximum duration of each transaction. The commitTransaction will be called after this time has "
        "elapsed. The value should be greater than 0. If the transactional id is specified via --command-property, "
        "--command-config or --transactional-id but --transaction-duration-ms is not specified, the default value "
        "will be 3000.");
    arg({"--warmup-records"}, "warmupRecords", "WARMUP-RECORDS", Type::kLong,
        "The number of records to treat as warmup. These initial records will not be included in steady-state "
        "statistics. An additional summary line will be printed describing the steady-state statistics.")
        .default_text = "0";
    arg({"--reporting-interval"}, "reportingInterval", "INTERVAL-MS", Type::kLong,
        "Interval in milliseconds at which to print progress info.")
        .default_text = "5000";
    arg({"--record-key-range"}, "recordKeyRange", "KEY-RANGE", Type::kInteger,
        "The range of keys to use when --key-distribution is 'range' or 'random'. Keys will be integers in [0, "
        "KEY-RANGE). Required for range and random distributions.");
    auto& dist = arg({"--key-distribution"}, "keyDistribution", "KEY-DISTRIBUTION", Type::kString,
                     "The key distribution to use: 'none' for null keys, 'range' for round-robin keys in [0, "
                     "KEY-RANGE), or 'random' for random keys in [0, KEY-RANGE). Requires --record-key-range when set "
                     "to 'range' or 'random'.");
    dist.choices = {"none", "range", "random"};
    dist.default_text = "none";
    arg({"--random-seed"}, "randomSeed", "RANDOM-SEED", Type::kLong,
        "Seed for the pseudo-random number generator used by --key-distribution random and random payload "
        "generation. The default value of 0 ensures deterministic, reproducible benchmark runs. Set to a different "
        "value when non-repeating sequences are required.")
        .default_text = "0";
    return p;
  }();
  return kParser;
}

void producer_perf_usage_error(const std::string& message) { argparse::error_exit(producer_perf_parser(), message); }

int producer_perf_main(int argc, char** argv) {
  const auto& parser = producer_perf_parser();
  // Not an option of Kafka's tool (it has none): every Moldau tool tells its version.
  if (argc == 2 && std::string(argv[1]) == "--version") version_exit();
  if (argc <= 1) {
    std::fputs(argparse::format_help(parser, argparse::format_width()).c_str(), stdout);
    return 0;
  }
  bool help = false;
  auto ns = argparse::parse(parser, argc, argv, &help);
  if (help) {
    // argparse4j prints the help; Kafka's tool then exits 1 (its HelpScreenException).
    std::fputs(argparse::format_help(parser, argparse::format_width()).c_str(), stdout);
    return 1;
  }
  if (!ns.ok()) producer_perf_usage_error(ns.status().message());
  auto one = [&](const char* dest) -> std::optional<std::string> {
    auto it = ns->find(dest);
    return it == ns->end() ? std::nullopt : std::optional<std::string>(it->second.front());
  };
  auto list = [&](const char* dest) -> std::optional<std::vector<std::string>> {
    auto it = ns->find(dest);
    return it == ns->end() ? std::nullopt : std::optional<std::vector<std::string>>(it->second);
  };
  ProducerPerfOptions o;
  o.bootstrap_server = one("bootstrapServer");
  o.topic = one("topic");
  o.num_records = std::stoll(*one("numRecords"));
  o.warmup_records = std::max<int64_t>(one("warmupRecords") ? std::stoll(*one("warmupRecords")) : 0, 0);
  if (auto v = one("recordSize")) o.record_size = std::stoi(*v);
  o.throughput = std::stod(*one("throughput"));
  o.payload_monotonic = one("payloadMonotonic").has_value();
  o.print_metrics = one("printMetrics").has_value();
  o.reporting_interval_ms = one("reportingInterval") ? std::stoll(*one("reportingInterval")) : 5000;
  auto producer_props = list("producerConfig");
  auto producer_config = one("producerConfigFile");
  auto command_props = list("commandProperties");
  auto command_config = one("commandConfigFile");
  o.payload_file = one("payloadFile");
  if (auto v = one("transactionDurationMs")) o.transaction_duration_ms = std::stoll(*v);
  o.transactional_id = one("transactionalId");
  // Kafka's ConfigPostProcessor, in its order.
  if (*o.num_records <= 0) producer_perf_usage_error("--num-records should be greater than zero.");
  if (o.warmup_records >= *o.num_records)
    producer_perf_usage_error(
        "The value for --warmup-records must be strictly fewer than the number of records in the test, "
        "--num-records.");
  if (o.record_size && *o.record_size <= 0) producer_perf_usage_error("--record-size should be greater than zero.");
  if (!o.bootstrap_server && !command_props && !producer_props && !producer_config && !command_config)
    producer_perf_usage_error(
        "At least one of --bootstrap-server, --command-property, --producer-props, --producer.config or "
        "--command-config must be specified.");
  if (command_props && producer_props)
    producer_perf_usage_error("--command-property and --producer-props cannot be specified together.");
  if (command_config && producer_config)
    producer_perf_usage_error("--command-config and --producer.config cannot be specified together.");
  if (o.transaction_duration_ms && *o.transaction_duration_ms <= 0)
    producer_perf_usage_error("--transaction-duration-ms should be greater than zero.");
  if (o.reporting_interval_ms <= 0) producer_perf_usage_error("--reporting-interval should be greater than zero.");
  if (auto v = one("recordKeyRange")) o.record_key_range = std::stoi(*v);
  if (o.record_key_range && *o.record_key_range <= 0)
    producer_perf_usage_error("--record-key-range should be greater than zero.");
  o.key_distribution = one("keyDistribution").value_or("none");
  if (o.key_distribution != "none" && !o.record_key_range)
    producer_perf_usage_error("--record-key-range is required when --key-distribution is 'range' or 'random'.");
  if (o.key_distribution == "none" && o.record_key_range)
    producer_perf_usage_error("--key-distribution must be 'range' or 'random' when --record-key-range is specified.");
  o.random_seed = one("randomSeed") ? std::stoll(*one("randomSeed")) : 0;
  if (auto v = one("payloadDelimiter")) o.payload_delimiter = *v;
  o.producer_props_deprecated = producer_props.has_value();
  o.producer_config_deprecated = producer_config.has_value();
  o.producer_props = command_props ? *command_props : producer_props.value_or(std::vector<std::string>{});
  o.producer_config = command_config ? command_config : producer_config;
  return run_producer_perf(o);
}

int run_producer_perf(const ProducerPerfOptions& o) {
  // Payloads from a file, as Kafka reads them: a java.util.Scanner whose delimiter is the regex
  // --payload-delimiter (its default "\n" is the regex for a newline). At each token the Scanner
  // skips one delimiter, then takes everything up to the next one: a leading or trailing
  // delimiter adds nothing, two in a row add an empty payload.
  std::vector<std::string> payloads;
  if (o.payload_file) {
    std::printf("Reading payloads from: %s\n", java_absolute_path(*o.payload_file).c_str());
    struct stat st;
    if (::stat(o.payload_file->c_str(), &st) != 0 || st.st_size == 0) {
      std::fflush(stdout);
      std::fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: File does not exist or empty file provided.\n");
      return 1;
    }
    std::regex delim;
    auto bad_regex = java_regex_error(o.payload_delimiter);
    if (!bad_regex) {
      try {
        delim = std::regex(o.payload_delimiter, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        bad_regex = std::string(e.what()) + "\n" + o.payload_delimiter;
      }
    }
    if (bad_regex) {
      std::fflush(stdout);
      std::fprintf(stderr, "Exception in thread \"main\" java.util.regex.PatternSyntaxException: %s\n",
                   bad_regex->c_str());
      return 1;
    }
    // A file the Scanner cannot read (a directory) gives no payloads, as its IOException ends the input.
    std::ifstream in(*o.payload_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = S_ISREG(st.st_mode) ? java_utf8(ss.str()) : std::string();
    size_t pos = 0;
    while (pos < all.size()) {
      std::smatch m;
      if (std::regex_search(all.cbegin() + (ptrdiff_t)pos, all.cend(), m, delim, std::regex_constants::match_continuous) &&
          m.length(0) > 0)
        pos += (size_t)m.length(0);
      if (pos >= all.size()) break;
      size_t end = all.size();
      if (std::regex_search(all.cbegin() + (ptrdiff_t)pos, all.cend(), m, delim) && m.length(0) > 0)
        end = pos + (size_t)m.position(0);
      payloads.push_back(all.substr(pos, end - pos));
      pos = end;
    }
    std::printf("Number of records read: %zu\n", payloads.size());
  }
  if (o.producer_props_deprecated)
    std::printf("Option --producer-props has been deprecated and will be removed in a future version. Use "
                "--command-property instead.\n");
  if (o.producer_config_deprecated)
    std::printf("Option --producer.config has been deprecated and will be removed in a future version. Use "
                "--command-config instead.\n");

  // Properties: --producer.config, then --producer-props (Kafka: exactly one '=' per prop).
  Properties props;
  if (o.producer_config) {
    // Kafka's Utils.loadProps; nothing catches its exception (a missing file: NoSuchFileException).
    std::string cls;
    auto r = load_props_as_java(*o.producer_config, &cls);
    if (!r.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "Exception in thread \"main\" %s: %s\n", cls.c_str(), r.status().message().c_str());
      return 1;
    }
    props = std::move(r).value();
  }
  for (const auto& p : o.producer_props) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || p.find('=', eq + 1) != std::string::npos) {
      std::fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid property: %s\n", p.c_str());
      return 1;
    }
    props.set(p.substr(0, eq), p.substr(eq + 1));
  }
  if (o.bootstrap_server) props.set("bootstrap.servers", *o.bootstrap_server);
  if (!props.contains("client.id")) props.set("client.id", "perf-producer-client");
  bool txn = o.transaction_duration_ms || o.transactional_id || props.contains("transactional.id");
  int64_t txn_duration = o.transaction_duration_ms.value_or(3000);
  if (txn) {
    std::string id = o.transactional_id ? *o.transactional_id
                                        : props.get_or("transactional.id", "performance-producer-" + random_uuid());
    props.set("transactional.id", id);
  }
  // Kafka's producer refuses a bootstrap address without a port when it is constructed; nothing
  // catches that in Kafka's tool, so the JVM reports it.
  if (auto bad = invalid_bootstrap_url(props.get_or("bootstrap.servers", ""))) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to construct kafka "
                 "producer\nCaused by: org.apache.kafka.common.config.ConfigException: Invalid url in "
                 "bootstrap.servers: %s\n",
                 bad->c_str());
    return 1;
  }
  // The Java producer's constructor refuses an empty transactional id.
  if (txn && props.get_or("transactional.id", "").empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Invalid value  for "
                         "configuration transactional.id: String must be non-empty\n");
    return 1;
  }
  Run run;  // outlives the producer, whose callbacks report to it
  run.counters.start_ms = now_ms();
  client::StatisticsHook stats_hook;
  if (o.print_metrics) {
    run.metrics = std::make_unique<PerfMetrics>(PerfMetrics::Tool::kProducer, props.get_or("client.id", ""), &run.counters);
    run.topic_counts = &run.counters.topics[*o.topic];
    stats_hook = {&on_statistics, &run, PerfMetrics::kReportIntervalMs};
  }
  auto prod_r = client::Producer::create(props, stats_hook);
  if (!prod_r.ok()) {
    std::fprintf(stderr, "%s\n", prod_r.status().message().c_str());
    return 1;
  }
  auto& producer = **prod_r;
  producer.set_delivery_hook(&on_delivery, &run);
  rd_kafka_t* rk = producer.handle();
  auto txn_call = [&](rd_kafka_error_t* err, const char* what) {
    if (!err) return;
    std::fprintf(stderr, "Exception in thread \"main\" org.apache.kafka.common.KafkaException: %s: %s\n", what,
                 rd_kafka_error_string(err));
    rd_kafka_error_destroy(err);
    std::exit(1);
  };
  // Times a transactional call into `ns` (the producer's txn-*-time-ns-total).
  auto timed = [](int64_t& ns, auto call) {
    int64_t t0 = now_ns();
    auto r = call();
    ns += now_ns() - t0;
    return r;
  };
  if (txn)
    txn_call(timed(run.counters.txn_init_ns, [&] { return rd_kafka_init_transactions(rk, 60000); }), "initTransactions");

  // Kafka's generator, seeded with --random-seed: a record-size payload is refilled with random
  // upper-case letters for every record, then the record's key is drawn (so a seeded run writes
  // the records Kafka's tool writes); a payload-file record is one of the file's, drawn alike.
  const int32_t size = o.record_size.value_or(0);
  std::string random_payload((size_t)size, 'A');
  SplittableRandom rng(o.random_seed);
  if (!o.record_size && !o.payload_monotonic && payloads.empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: No payload file, record size "
                         "or payload-monotonic option provided.\n");
    return 1;
  }

  const int64_t n = *o.num_records;
  if (o.warmup_records > 0)
    std::printf("Warmup first %lld records. Steady state results will print after the complete test summary.\n",
                static_cast<long long>(o.warmup_records));
  int64_t start = now_ms();
  ProducerPerfStats stats(n, start, o.reporting_interval_ms);
  std::unique_ptr<ProducerPerfStats> steady;
  run.stats = &stats;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic->c_str(), nullptr);
  Throttler throttler(*o.throughput, now_ns());
  int64_t txn_size = 0, txn_start = 0;
  std::string monotonic, key;
  for (int64_t i = 0; i < n; i++) {
    const char* data;
    size_t len;
    if (o.warmup_records > 0 && i == o.warmup_records) {
      steady = std::make_unique<ProducerPerfStats>(n - o.warmup_records, now_ms(), o.reporting_interval_ms, true);
      run.steady = steady.get();
      stats.suppress_printing();
    }
    if (o.payload_monotonic) {
      monotonic = std::to_string(i);
      data = monotonic.data();
      len = monotonic.size();
    } else if (!payloads.empty()) {
      const auto& p = payloads[(size_t)rng.next_int((int32_t)payloads.size())];
      data = p.data();
      len = p.size();
    } else {
      for (auto& c : random_payload) c = (char)('A' + rng.next_int(26));
      data = random_payload.data();
      len = random_payload.size();
    }
    // Keys as Kafka's generateKey: the record's index modulo the range, or a random one in it.
    const char* key_data = nullptr;
    size_t key_len = 0;
    if (o.key_distribution != "none") {
      int32_t range = *o.record_key_range;
      key = std::to_string(o.key_distribution == "range" ? static_cast<int32_t>(i % range) : rng.next_int(range));
      key_data = key.data();
      key_len = key.size();
    }
    if (txn && txn_size == 0) {
      txn_call(timed(run.counters.txn_begin_ns, [&] { return rd_kafka_begin_transaction(rk); }), "beginTransaction");
      txn_start = now_ms();
    }
    int64_t send_ms = now_ms();
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(data), len, key_data,
                            key_len, send_tag(send_ms, steady != nullptr)) != 0) {
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
      txn_call(timed(run.counters.txn_commit_ns, [&] { return rd_kafka_commit_transaction(rk, -1); }),
               "commitTransaction");
      txn_size = 0;
    }
    throttler.maybe_throttle(i, now_ns());
  }
  if (txn && txn_size != 0)
    txn_call(timed(run.counters.txn_commit_ns, [&] { return rd_kafka_commit_transaction(rk, -1); }),
             "commitTransaction");
  rd_kafka_topic_destroy(rkt);
  int64_t flush_start = now_ns();
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_poll(rk, 10);
  rd_kafka_poll(rk, 0);
  run.counters.flush_ns += now_ns() - flush_start;
  std::fputs(stats.total_line(now_ms()).c_str(), stdout);
  if (steady) std::fputs(steady->total_line(now_ms()).c_str(), stdout);
  if (o.print_metrics) {
    // One more report, so that the table counts the run's last requests.
    run.metrics->await_report([&] { rd_kafka_poll(rk, 10); }, 3 * PerfMetrics::kReportIntervalMs);
    print_metrics(run.metrics->table());
  }
  return 0;  // as Kafka: failed sends are reported on stderr, the exit code stays 0
}

}  // namespace moldau::ops
