#include "moldau/ops/console_producer.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <random>
#include <regex>

#include "moldau/client/config.h"
#include "moldau/common/murmur2.h"
#include "moldau/ops/java_config.h"

namespace moldau::ops {

const std::vector<OptionDoc>& console_producer_help_table() {
  // Kafka 4.4's ConsoleProducer options, in its words (they are the tool's output), and our
  // --broker-list.
  static const std::vector<OptionDoc> kDocs = {
      {"batch-size", "Integer: size", "The buffer size in bytes allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control batch.size in producer configs. Please note that this option will be replaced if max-partition-memory-bytes is also set.", false, "16384"},
      {"broker-list", "String: broker-list", "(Moldau) The same as --bootstrap-server, which it was called before Kafka 4.0 (which dropped it); kept for the command lines written for Kafka 2 and 3."},
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"command-config", "String: config file", "Producer config properties file. Note that [command-property] takes precedence over this config."},
      {"command-property", "String: producer_prop", "Producer config properties in the form key=value."},
      {"compression-codec", "String: compression-codec", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'", true, ""},
      {"help", "", "Print usage information."},
      {"line-reader", "String: reader_class", "The class name of the class to use for reading lines from standard in. By default each line is read as a separate message.", false, "org.apache.kafka.tools.LineMessageReader"},
      {"max-block-ms", "Long: max block on send", "The max time that the producer will block for during a send request.", false, "60000"},
      {"max-memory-bytes", "Long: total memory in bytes", "The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs.", false, "33554432"},
      {"max-partition-memory-bytes", "Integer: memory in bytes per partition", "(Deprecated) The buffer size in bytes allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control batch.size in producer configs. This option will be removed in Apache Kafka 5.0. Use --batch-size instead.", false, "16384"},
      {"message-send-max-retries", "Integer", "Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs.", false, "3"},
      {"metadata-expiry-ms", "Long: metadata expiration interval", "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs.", false, "300000"},
      {"producer-property", "String: producer_prop", "(DEPRECATED) Producer config properties in the form key=value. This option will be removed in a future version. Use --command-property instead."},
      {"producer.config", "String: config file", "(DEPRECATED) Producer config properties file. Note that [command-property] takes precedence over this config. This option will be removed in a future version. Use --command-config instead."},
      {"property", "String: prop", "(DEPRECATED) A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader.\nDefault properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  \"h1:v1,h2:v2...\\tkey\\tvalue\"\n parse.key=true:\n  \"key\\tvalue\"\n parse.headers=true:\n  \"h1:v1,h2:v2...\\tvalue\"\n This option will be removed in a future version. Use --reader-property instead."},
      {"reader-config", "String: config file", "Config properties file for the message reader. Note that [reader-property] takes precedence over this config."},
      {"reader-property", "String: prop", "A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader.\nDefault properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  \"h1:v1,h2:v2...\\tkey\\tvalue\"\n parse.key=true:\n  \"key\\tvalue\"\n parse.headers=true:\n  \"h1:v1,h2:v2...\\tvalue\""},
      {"request-required-acks", "String: request required acks", "The required `acks` of the producer requests", false, "-1"},
      {"request-timeout-ms", "Integer: request timeout ms", "The ack timeout of the producer requests. Value must be non-negative and non-zero.", false, "1500"},
      {"retry-backoff-ms", "Long", "Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs.", false, "100"},
      {"socket-buffer-size", "Integer: size", "The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs.", false, "102400"},
      {"sync", "", "If set message send requests to the brokers are synchronously, one at a time as they arrive."},
      {"timeout", "Long: timeout_ms", "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs.", false, "1000"},
      {"topic", "String: topic", "REQUIRED: The topic name to produce messages to."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

void drop_unknown_client_properties(Properties& props) {
  rd_kafka_conf_t* scratch = rd_kafka_conf_new();
  std::vector<std::string> unknown;
  for (const auto& [k, v] : props.entries()) {
    std::string key = client::translate_java_property(k);
    // Names the client's Config maps itself.
    if (key.empty() || key == "buffer.memory" || key == "sasl.jaas.config") continue;
    char err[512];
    if (rd_kafka_conf_set(scratch, key.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_UNKNOWN)
      unknown.push_back(k);
  }
  rd_kafka_conf_destroy(scratch);
  for (const auto& k : unknown) props.erase(k);
}

Result<LineReader> LineReader::create(const Properties& p) {
  LineReader r;
  r.parse_key_ = p.get_flag("parse.key", r.parse_key_);
  if (auto v = p.get("key.separator")) r.key_sep_ = *v;
  r.parse_headers_ = p.get_flag("parse.headers", r.parse_headers_);
  if (auto v = p.get("headers.delimiter")) r.headers_delim_ = *v;
  if (auto v = p.get("headers.separator")) r.headers_sep_ = *v;
  if (auto v = p.get("headers.key.separator")) r.headers_key_sep_ = *v;
  r.ignore_error_ = p.get_flag("ignore.error", r.ignore_error_);
  auto fail = [](const char* m) { return Status(ErrorCode::kInvalidConfig, m); };
  if (r.headers_delim_ == r.headers_sep_) return fail("headers.delimiter and headers.separator may not be equal");
  if (r.headers_delim_ == r.headers_key_sep_) return fail("headers.delimiter and headers.key.separator may not be equal");
  if (r.headers_sep_ == r.headers_key_sep_) return fail("headers.separator and headers.key.separator may not be equal");
  if (auto v = p.get("null.marker")) r.null_marker_ = *v;
  if (r.null_marker_) {
    if (*r.null_marker_ == r.key_sep_) return fail("null.marker and key.separator may not be equal");
    if (*r.null_marker_ == r.headers_sep_) return fail("null.marker and headers.separator may not be equal");
    if (*r.null_marker_ == r.headers_delim_) return fail("null.marker and headers.delimiter may not be equal");
    if (*r.null_marker_ == r.headers_key_sep_) return fail("null.marker and headers.key.separator may not be equal");
  }
  return r;
}

Result<LineReader::Record> LineReader::parse(const std::string& line, int64_t n) const {
  auto field = [&](bool enabled, size_t start, const std::string& delim, const char* what,
                   std::optional<std::string>& out) -> Status {
    if (!enabled) return Status();
    size_t i = line.find(delim, start);
    if (i == std::string::npos) {
      if (ignore_error_) return Status();
      return Status(ErrorCode::kInvalidRecord, std::string("No ") + what + " found on line number " +
                                                   std::to_string(n) + ": '" + line + "'");
    }
    out = line.substr(start, i - start);
    return Status();
  };
  std::optional<std::string> headers, key;
  MOLDAU_RETURN_IF_ERROR(field(parse_headers_, 0, headers_delim_, "headers delimiter", headers));
  size_t hoff = headers ? headers->size() + headers_delim_.size() : 0;
  MOLDAU_RETURN_IF_ERROR(field(parse_key_, hoff, key_sep_, "key separator", key));
  size_t koff = key ? key->size() + key_sep_.size() : 0;
  Record r;
  std::string value = line.substr(hoff + koff);
  if (key && key != null_marker_) r.key = *key;
  if (value != null_marker_) r.value = value;
  if (headers && headers != null_marker_) {
    // Java's Pattern.split: the separator is a regex; trailing empty strings are dropped.
    std::vector<std::string> pairs;
    try {
      std::regex re(headers_sep_);
      pairs.assign(std::sregex_token_iterator(headers->begin(), headers->end(), re, -1), {});
    } catch (const std::regex_error&) {
      pairs.push_back(*headers);
    }
    while (!pairs.empty() && pairs.back().empty() && pairs.size() > 1) pairs.pop_back();
    for (const auto& pair : pairs) {
      size_t i = pair.find(headers_key_sep_);
      if (i == std::string::npos) {
        if (!ignore_error_)
          return Status(ErrorCode::kInvalidRecord, "No header key separator found in pair '" + pair +
                                                       "' on line number " + std::to_string(n));
        r.headers.emplace_back(pair, std::nullopt);
        continue;
      }
      std::string k = pair.substr(0, i);
      if (k == null_marker_)
        return Status(ErrorCode::kInvalidRecord, "Header keys should not be equal to the null marker '" +
                                                     *null_marker_ + "' as they can't be null");
      std::string v = pair.substr(i + headers_key_sep_.size());
      r.headers.emplace_back(k, v == null_marker_ ? std::nullopt : std::optional<std::string>(v));
    }
  }
  return r;
}

namespace {

// The exception Kafka's producer reports for a record librdkafka failed with `err`.
std::string producer_exception(rd_kafka_resp_err_t err, const std::string& topic, int64_t size, int64_t max_request,
                               int64_t block_ms, bool ever_delivered) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      return "org.apache.kafka.common.errors.RecordTooLargeException: The message is " + std::to_string(size) +
             " bytes when serialized which is larger than " + std::to_string(max_request) +
             ", which is the value of the max.request.size configuration.";
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
      if (!ever_delivered)
        return "org.apache.kafka.common.errors.TimeoutException: Topic " + topic + " not present in metadata after " +
               std::to_string(block_ms) + " ms.";
      return "org.apache.kafka.common.errors.TimeoutException: Expiring 1 record(s) for " + topic + ": " +
             std::to_string(block_ms) + " ms has passed since batch creation";
    default:
      return std::string("org.apache.kafka.common.KafkaException: ") + rd_kafka_err2str(err);
  }
}

// What Kafka's record overhead adds to key and value ("when serialized").
constexpr int64_t kRecordOverhead = 88;

struct FailureLog {
  std::string topic;
  int64_t max_request = 1048576;
  int64_t block_ms = 60000;
  bool ever_delivered = false;
};

// The partition the Java producer picks for a record of `topic`: murmur2 of the key, a random
// one without (its sticky partitioner's first choice). nullopt when the topic's partitions are
// not known within `block_ms` (the send then fails as any send to a missing topic does).
std::optional<int32_t> partition_for(client::Producer& producer, const std::string& topic,
                                     const std::optional<std::string>& key, int64_t block_ms) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer.handle(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(producer.handle(), 0, handle, &md,
                                              static_cast<int>(std::clamp<int64_t>(block_ms, 1, INT32_MAX)));
  int32_t count = 0;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
    count = md->topics[0].partition_cnt;
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(handle);
  if (count <= 0) return std::nullopt;
  if (key) return default_partition(*key, count);
  std::random_device random;
  return static_cast<int32_t>(random() % static_cast<uint32_t>(count));
}

// Kafka's ErrorLoggingCallback: one ERROR line per failed record, then its exception.
void log_send_failure(const FailureLog& f, const std::optional<size_t>& key_len, const std::optional<size_t>& value_len,
                      rd_kafka_resp_err_t err) {
  int64_t size = kRecordOverhead + static_cast<int64_t>(key_len.value_or(0) + value_len.value_or(0));
  std::fprintf(stderr,
               "[%s] ERROR Error when sending message to topic %s with key: %s, value: %s with error: "
               "(org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n%s\n",
               log_timestamp().c_str(), f.topic.c_str(),
               key_len ? (std::to_string(*key_len) + " bytes").c_str() : "null",
               value_len ? (std::to_string(*value_len) + " bytes").c_str() : "null",
               producer_exception(err, f.topic, size, f.max_request, f.block_ms, f.ever_delivered).c_str());
}

void on_delivery_report(const rd_kafka_message_t* m, void* ctx) {
  auto* f = static_cast<FailureLog*>(ctx);
  if (!m->err) {
    f->ever_delivered = true;
    return;
  }
  log_send_failure(*f, m->key ? std::optional<size_t>(m->key_len) : std::nullopt,
                   m->payload ? std::optional<size_t>(m->len) : std::nullopt, m->err);
}

// Java's ConfigDef.ValidString for the two producer settings the tool passes through.
std::optional<std::string> invalid_producer_config(const Properties& props) {
  if (auto acks = props.get("acks")) {
    if (*acks != "all" && *acks != "-1" && *acks != "0" && *acks != "1")
      return "Invalid value " + *acks + " for configuration acks: String must be one of: all, -1, 0, 1";
  }
  if (auto c = props.get("compression.type")) {
    if (*c != "none" && *c != "gzip" && *c != "snappy" && *c != "lz4" && *c != "zstd")
      return "Invalid value " + *c + " for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd";
  }
  // ProducerConfig's typed settings, in the order it defines them (ConfigDef checks them in
  // that order), with their ConfigDef.Range minimums.
  using T = JavaConfigType;
  static const JavaSetting kTyped[] = {
      {"buffer.memory", T::kLong, 0},
      {"retries", T::kInt, 0},
      {"batch.size", T::kInt, 0},
      {"partitioner.adaptive.partitioning.enable", T::kBoolean},
      {"partitioner.availability.timeout.ms", T::kLong, 0},
      {"partitioner.ignore.keys", T::kBoolean},
      {"linger.ms", T::kLong, 0},
      {"delivery.timeout.ms", T::kInt, 0},
      {"send.buffer.bytes", T::kInt, -1},
      {"receive.buffer.bytes", T::kInt, -1},
      {"max.request.size", T::kInt, 0},
      {"reconnect.backoff.ms", T::kLong, 0},
      {"reconnect.backoff.max.ms", T::kLong, 0},
      {"retry.backoff.ms", T::kLong, 0},
      {"retry.backoff.max.ms", T::kLong, 0},
      {"enable.metrics.push", T::kBoolean},
      {"max.block.ms", T::kLong, 0},
      {"request.timeout.ms", T::kInt, 0},
      {"metadata.max.age.ms", T::kLong, 0},
      {"metadata.max.idle.ms", T::kLong, 5000},
      {"metrics.sample.window.ms", T::kLong, 0},
      {"metrics.num.samples", T::kInt, 1},
      {"max.in.flight.requests.per.connection", T::kInt, 1},
      {"socket.connection.setup.timeout.ms", T::kLong},
      {"socket.connection.setup.timeout.max.ms", T::kLong},
      {"connections.max.idle.ms", T::kLong},
      {"enable.idempotence", T::kBoolean},
      {"transaction.timeout.ms", T::kInt},
  };
  if (auto bad = java_config_error(props, kTyped)) return bad;
  return std::nullopt;
}

// A config file read as Kafka's tool reads it: one it cannot read ends the tool with the JVM's
// exception (printed by the tool's catch-all, exit status 1).
Properties load_props_or_java_exit(const std::string& path) {
  std::string cls;
  auto r = load_props_as_java(path, &cls);
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", cls.c_str(), r.status().message().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

const char* kProducerUsage = "This tool helps to read data from standard input and publish it to Kafka.";

std::atomic<int> g_signal{0};
void on_signal(int sig) { g_signal = sig; }

}  // namespace

int run_console_producer(const ConsoleProducerOptions& o) {
  const auto& docs = console_producer_help_table();
  if (o.no_args || o.help) usage_exit(kProducerUsage, docs);
  if (o.version) version_exit();
  if (!o.topic) usage_exit("Missing required argument \"[topic]\"", docs);
  // An option and its deprecated name may not be given together.
  if (!o.producer_property.empty() && !o.command_property.empty())
    usage_exit("Options --command-property and --producer-property cannot be specified together.", docs);
  if (o.producer_config && o.command_config)
    usage_exit("Options --command-config and --producer.config cannot be specified together.", docs);
  if (!o.property.empty() && !o.reader_property.empty())
    usage_exit("Options --reader-property and --property cannot be specified together.", docs);
  // Kafka 4 warns about its deprecated options on standard output, in this order.
  if (!o.producer_property.empty())
    std::printf("Warning: --producer-property is deprecated and will be removed in a future version. Use --command-property instead.\n");
  if (o.producer_config)
    std::printf("Warning: --producer.config is deprecated and will be removed in a future version. Use --command-config instead.\n");
  if (!o.property.empty())
    std::printf("Warning: --property is deprecated and will be removed in a future version. Use --reader-property instead.\n");
  if (o.max_partition_memory_bytes_given)
    std::printf("Warning: --max-partition-memory-bytes is deprecated and will be removed in Apache Kafka 5.0. Use --batch-size instead.\n");
  std::fflush(stdout);
  // --broker-list is Kafka 3's name of --bootstrap-server (Kafka 4 dropped it; we keep it).
  std::optional<std::string> servers = o.bootstrap_server ? o.bootstrap_server : o.broker_list;
  // ToolsUtils.validateBootstrapServer, after the deprecated options are dealt with
  if (!servers || servers->find_first_not_of(" \t") == std::string::npos)
    usage_exit("Error while validating the bootstrap address\n", docs);
  if (invalid_bootstrap_url(*servers) || servers->find(':') == std::string::npos)
    usage_exit("Please provide valid host:port like host1:9091,host2:9092\n", docs);
  // Kafka 4's only reader (Kafka 3's kafka.tools.ConsoleProducer$LineMessageReader is gone).
  if (o.line_reader && *o.line_reader != "org.apache.kafka.tools.LineMessageReader") {
    std::fprintf(stderr, "java.lang.ClassNotFoundException: %s\n", o.line_reader->c_str());
    return 1;
  }

  // Reader properties: --reader-config, then --property and --reader-property.
  Properties reader_props;
  if (o.reader_config) reader_props = load_props_or_java_exit(*o.reader_config);
  merge_props(reader_props, parse_key_values(o.property));
  merge_props(reader_props, parse_key_values(o.reader_property));
  auto reader_r = LineReader::create(reader_props);
  if (!reader_r.ok()) {
    std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", reader_r.status().message().c_str());
    return 1;
  }

  // Producer properties: the config files, the property options, then the options.
  Properties props;
  if (o.producer_config) props = load_props_or_java_exit(*o.producer_config);
  if (o.command_config) props = load_props_or_java_exit(*o.command_config);
  merge_props(props, parse_key_values(o.producer_property));
  merge_props(props, parse_key_values(o.command_property));
  props.set("bootstrap.servers", *servers);
  if (o.compression_codec) props.set("compression.type", o.compression_codec->empty() ? "gzip" : *o.compression_codec);
  else if (!props.contains("compression.type")) props.set("compression.type", "none");
  if (!props.contains("client.id")) props.set("client.id", "console-producer");
  // Java's default partitioner hashes keys with murmur2; librdkafka's default does not.
  if (!props.contains("partitioner") && !props.contains("partitioner.class")) props.set("partitioner", "murmur2_random");
  if (o.number_error) {
    // joptsimple's conversion error, met as producerProps reads the options (after the reader and
    // the config files), caught by the tool and printed alone (no usage).
    std::fprintf(stderr, "%s\n", o.number_error->c_str());
    return 1;
  }
  // CommandLineUtils.maybeMergeOptions: an option given, or a default where the file has none.
  auto merge = [&](const char* key, const std::optional<std::string>& given, const std::string& dflt) {
    if (given)
      props.set(key, *given);
    else if (!props.contains(key))
      props.set(key, dflt);
  };
  auto str = [](const auto& opt) -> std::optional<std::string> {
    if (!opt) return std::nullopt;
    return std::to_string(*opt);
  };
  merge("linger.ms", str(o.timeout), "1000");
  merge("acks", o.acks_given ? std::optional<std::string>(o.request_required_acks) : std::nullopt, "-1");
  merge("request.timeout.ms", str(o.request_timeout_ms), "1500");
  merge("retries", str(o.message_send_max_retries), "3");
  merge("retry.backoff.ms", str(o.retry_backoff_ms), "100");
  merge("send.buffer.bytes", str(o.socket_buffer_size), "102400");
  merge("buffer.memory", str(o.max_memory_bytes), "33554432");
  merge("batch.size", str(o.batch_size), "16384");
  if (o.max_partition_memory_bytes) props.set("batch.size", std::to_string(*o.max_partition_memory_bytes));
  merge("metadata.max.age.ms", str(o.metadata_expiry_ms), "300000");
  merge("max.block.ms", str(o.max_block_ms), "60000");
  if (auto bad = invalid_producer_config(props)) {
    std::fprintf(stderr, "org.apache.kafka.common.config.ConfigException: %s\n", bad->c_str());
    return 1;
  }
  FailureLog failures;
  failures.topic = *o.topic;
  // Both checked above.
  failures.block_ms = java_long(props.get_or("max.block.ms", "60000")).value_or(60000);
  failures.max_request = java_int(props.get_or("max.request.size", "1048576")).value_or(1048576);
  // max.block.ms bounds how long a record may wait for a broker that is down or a topic whose
  // metadata never comes; librdkafka's nearest is message.timeout.ms. max.request.size is
  // librdkafka's message.max.bytes.
  if (!props.contains("message.timeout.ms") && !props.contains("delivery.timeout.ms"))
    props.set("message.timeout.ms", std::to_string(std::max<int64_t>(failures.block_ms, 1)));
  if (!props.contains("message.max.bytes")) props.set("message.max.bytes", std::to_string(failures.max_request));
  // Java's names that librdkafka does not know: applied above.
  props.erase("max.block.ms");
  props.erase("max.request.size");
  // Java's batch.size 0 sends each record on its own; librdkafka's least is 1.
  if (props.get("batch.size") == std::optional<std::string>("0")) props.set("batch.size", "1");
  // The tool never begins a transaction, so a transactional id makes Kafka's producer refuse
  // the first send (before initTransactions); the tool ends there.
  const bool transactional = !props.get_or("transactional.id", "").empty();
  drop_unknown_client_properties(props);
  auto prod_r = client::Producer::create(props);
  if (!prod_r.ok()) {
    std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", prod_r.status().message().c_str());
    return 1;
  }
  auto& producer = **prod_r;
  producer.set_delivery_hook(&on_delivery_report, &failures);
  // SIGTERM and SIGINT end the reading (without SA_RESTART the blocked read returns); what was
  // read is then delivered before exit, as Kafka's shutdown hook closes its producer.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  const bool prompt = isatty(STDIN_FILENO);
  std::string line;
  int64_t n = 0;
  int rc = 0;
  while (true) {
    ++n;
    if (prompt) {
      std::fputs(">", stdout);
      std::fflush(stdout);
    }
    if (g_signal != 0 || !std::getline(std::cin, line) || g_signal != 0) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // Java's readLine
    auto rec = reader_r->parse(line, n);
    if (!rec.ok()) {
      std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rec.status().message().c_str());
      rc = 1;
      break;
    }
    auto key_len = rec->key ? std::optional<size_t>(rec->key->size()) : std::nullopt;
    auto value_len = rec->value ? std::optional<size_t>(rec->value->size()) : std::nullopt;
    if (transactional) {
      if (auto partition = partition_for(producer, *o.topic, rec->key, failures.block_ms)) {
        // Kafka's exception ends its tool, whose JVM then hangs in its shutdown hook until killed;
        // ours exits 1.
        std::fprintf(stderr,
                     "java.lang.IllegalStateException: Cannot add partition %s-%d to transaction before completing "
                     "a call to initTransactions\n",
                     o.topic->c_str(), *partition);
        rc = 1;
        break;
      }
    }
    Status st = producer.send(*o.topic, rec->key, rec->value, rec->headers);
    if (!st.ok()) {
      // Refused before it was queued (too large): Kafka fails this record alone; the lines after
      // it are still sent. --sync stops here.
      rd_kafka_resp_err_t err = st.code() == ErrorCode::kMessageTooLarge ? RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
                                                                         : RD_KAFKA_RESP_ERR__FAIL;
      if (o.sync) {
        int64_t size = kRecordOverhead + static_cast<int64_t>(key_len.value_or(0) + value_len.value_or(0));
        std::fprintf(stderr, "java.util.concurrent.ExecutionException: %s\n",
                     producer_exception(err, *o.topic, size, failures.max_request, failures.block_ms,
                                        failures.ever_delivered).c_str());
        rc = 1;
        break;
      }
      log_send_failure(failures, key_len, value_len, err);
      continue;
    }
    if (o.sync) {
      int64_t failed_before = producer.failed();
      (void)producer.flush(std::numeric_limits<int>::max());
      if (producer.failed() > failed_before) {
        rc = 1;
        break;
      }
    }
  }
  (void)producer.flush(std::numeric_limits<int>::max());
  if (g_signal != 0) return 128 + g_signal;  // the JVM's status after a signal
  // Like Kafka, records that failed were logged one by one, and the exit status stays 0 unless
  // --sync stopped at one (see the man page).
  return rc;
}

int console_producer_main(int argc, char** argv) {
  const auto& docs = console_producer_help_table();
  ConsoleProducerOptions o;
  o.no_args = argc <= 1;
  if (o.no_args) usage_exit(kProducerUsage, docs);
  auto parsed = parse_args(argc, argv, docs);
  if (!parsed.ok()) {
    if (parsed.status().message() == "zookeeper is not a recognized option") zookeeper_exit();
    usage_exit(parsed.status().message(), docs);
  }
  const ParsedArgs& a = *parsed;
  o.help = a.has("help");
  o.version = a.has("version");
  o.sync = a.has("sync");
  auto one = [&](const char* name) -> std::optional<std::string> {
    auto v = single_value(a, name);
    if (!v.ok()) usage_exit(v.status().message(), docs);
    return *v;
  };
  auto all = [&](const char* name) {
    const auto* v = a.values(name);
    return v ? *v : std::vector<std::string>{};
  };
  auto number = [&](const char* name) -> std::optional<int64_t> {
    auto v = one(name);
    if (!v) return std::nullopt;
    if (auto n = java_long(*v)) return n;
    if (!o.number_error) o.number_error = "Cannot parse argument '" + *v + "' of option " + name;
    return std::nullopt;
  };
  o.topic = one("topic");
  o.bootstrap_server = one("bootstrap-server");
  o.broker_list = one("broker-list");
  if (a.has("compression-codec")) {
    const auto* v = a.values("compression-codec");
    o.compression_codec = v->empty() ? std::string() : v->back();
  }
  auto i32 = [&](const char* name) -> std::optional<int32_t> {
    auto v = number(name);
    if (!v) return std::nullopt;
    if (*v < INT32_MIN || *v > INT32_MAX) {  // joptsimple's Integer
      if (!o.number_error) o.number_error = "Cannot parse argument '" + *one(name) + "' of option " + name;
      return std::nullopt;
    }
    return static_cast<int32_t>(*v);
  };
  // In the order Kafka's producerProps reads them: the first that is not a number is reported.
  o.timeout = number("timeout");
  o.request_timeout_ms = number("request-timeout-ms");
  o.message_send_max_retries = i32("message-send-max-retries");
  o.retry_backoff_ms = number("retry-backoff-ms");
  o.socket_buffer_size = i32("socket-buffer-size");
  o.max_memory_bytes = number("max-memory-bytes");
  o.batch_size = i32("batch-size");
  o.max_partition_memory_bytes = i32("max-partition-memory-bytes");
  o.max_partition_memory_bytes_given = a.has("max-partition-memory-bytes");
  o.metadata_expiry_ms = number("metadata-expiry-ms");
  o.max_block_ms = number("max-block-ms");
  if (auto acks = one("request-required-acks")) {
    o.request_required_acks = *acks;
    o.acks_given = true;
  }
  o.line_reader = one("line-reader");
  o.reader_config = one("reader-config");
  o.producer_config = one("producer.config");
  o.command_config = one("command-config");
  o.property = all("property");
  o.producer_property = all("producer-property");
  o.reader_property = all("reader-property");
  o.command_property = all("command-property");
  return run_console_producer(o);
}

}  // namespace moldau::ops
