#include "moldau/ops/console_producer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <regex>

namespace moldau::ops {

const std::vector<OptionDoc>& console_producer_help_table() {
  static const std::vector<OptionDoc> kDocs = {
      {"batch-size", "Integer: size", "Number of messages to send in a single batch if they are not being sent synchronously. please note that this option will be replaced if max-partition-memory-bytes is also set (default: 16384)"},
      {"bootstrap-server", "String: server to connect to", "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"broker-list", "String: broker-list", "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"compression-codec", "String: compression-codec", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'"},
      {"help", "", "Print usage information."},
      {"line-reader", "String: reader_class", "The class name of the class to use for reading lines from standard in. By default each line is read as a separate message. (default: kafka.tools.ConsoleProducer$LineMessageReader)"},
      {"max-block-ms", "Long: max block on send", "The max time that the producer will block for during a send request. (default: 60000)"},
      {"max-memory-bytes", "Long: total memory in bytes", "The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs. (default: 33554432)"},
      {"max-partition-memory-bytes", "Integer: memory in bytes per partition", "The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control `batch.size` in producer configs. (default: 16384)"},
      {"message-send-max-retries", "Integer", "Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs. (default: 2147483647)"},
      {"metadata-expiry-ms", "Long: metadata expiration interval", "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs. (default: 300000)"},
      {"producer-property", "String: producer_prop", "A mechanism to pass user-defined properties in the form key=value to the producer."},
      {"producer.config", "String: config file", "Producer config properties file. Note that [producer-property] takes precedence over this config."},
      {"property", "String: prop", "A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader.\nDefault properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  \"h1:v1,h2:v2...\\tkey\\tvalue\"\n parse.key=true:\n  \"key\\tvalue\"\n parse.headers=true:\n  \"h1:v1,h2:v2...\\tvalue\""},
      {"reader-config", "String: config file", "Config properties file for the message reader. Note that [property] takes precedence over this config."},
      {"request-required-acks", "String: request required acks", "The required `acks` of the producer requests (default: -1)"},
      {"request-timeout-ms", "Integer: request timeout ms", "The ack timeout of the producer requests. Value must be non-negative and non-zero. (default: 1500)"},
      {"retry-backoff-ms", "Long", "Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs. (default: 100)"},
      {"socket-buffer-size", "Integer: size", "The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs. (default: 102400)"},
      {"sync", "", "If set message send requests to the brokers are synchronously, one at a time as they arrive."},
      {"timeout", "Long: timeout_ms", "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs. (default: 1000)"},
      {"topic", "String: topic", "REQUIRED: The topic id to produce messages to."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
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

int run_console_producer(const ConsoleProducerOptions& o) {
  const auto& docs = console_producer_help_table();
  if (o.no_args || o.help) usage_exit("This tool helps to read data from standard input and publish it to Kafka.", docs);
  if (o.version) version_exit();
  if (o.zookeeper) zookeeper_exit();
  if (!o.bootstrap_server && !o.broker_list) usage_exit("Missing required option(s) [bootstrap-server]", docs);
  if (!o.topic) usage_exit("Missing required argument \"[topic]\"", docs);
  std::string servers = o.bootstrap_server ? *o.bootstrap_server : *o.broker_list;
  // ToolsUtils.validatePortOrDie
  {
    static const std::regex kHostPort(R"(^\s*[^\s:,]+:\d+\s*$|^\s*\[[0-9a-fA-F:.]+\]:\d+\s*$)");
    size_t s = 0;
    bool ok = !servers.empty();
    while (ok) {
      size_t c = servers.find(',', s);
      std::string hp = servers.substr(s, c == std::string::npos ? std::string::npos : c - s);
      if (!std::regex_match(hp, kHostPort)) ok = false;
      if (c == std::string::npos) break;
      s = c + 1;
    }
    if (!ok) usage_exit("Please provide valid host:port like host1:9091,host2:9092\n ", docs);
  }
  if (o.line_reader && *o.line_reader != "kafka.tools.ConsoleProducer$LineMessageReader" &&
      *o.line_reader != "org.apache.kafka.tools.LineMessageReader") {
    std::fprintf(stderr, "Error: only the default line reader is supported, not %s\n", o.line_reader->c_str());
    return 1;
  }

  // Reader properties: --reader-config, then --property.
  Properties reader_props;
  if (o.reader_config) reader_props = load_props_or_exit(*o.reader_config);
  merge_props(reader_props, parse_key_values(o.property));
  auto reader_r = LineReader::create(reader_props);
  if (!reader_r.ok()) {
    std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", reader_r.status().message().c_str());
    return 1;
  }

  // Producer properties: --producer.config, --producer-property, then the options.
  Properties props;
  if (o.producer_config) props = load_props_or_exit(*o.producer_config);
  merge_props(props, parse_key_values(o.producer_property));
  props.set("bootstrap.servers", servers);
  std::string codec = "none";
  if (o.compression_codec) codec = o.compression_codec->empty() ? "gzip" : *o.compression_codec;
  props.set("compression.type", codec);
  if (!props.contains("client.id")) props.set("client.id", "console-producer");
  // Java's default partitioner hashes keys with murmur2; librdkafka's default does not.
  if (!props.contains("partitioner") && !props.contains("partitioner.class")) props.set("partitioner", "murmur2_random");
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
  merge("retries", str(o.message_send_max_retries), "2147483647");
  merge("retry.backoff.ms", str(o.retry_backoff_ms), "100");
  merge("send.buffer.bytes", str(o.socket_buffer_size), "102400");
  merge("buffer.memory", str(o.max_memory_bytes), "33554432");
  merge("batch.size", str(o.batch_size), "16384");
  if (o.max_partition_memory_bytes) props.set("batch.size", std::to_string(*o.max_partition_memory_bytes));
  merge("metadata.max.age.ms", str(o.metadata_expiry_ms), "300000");
  // max.block.ms bounds how long a send may wait; librdkafka's nearest is message.timeout.ms.
  if (o.max_block_ms) props.set("message.timeout.ms", std::to_string(std::max<int64_t>(*o.max_block_ms, 1)));
  auto prod_r = client::Producer::create(props);
  if (!prod_r.ok()) {
    std::fprintf(stderr, "%s\n", prod_r.status().message().c_str());
    return 1;
  }
  auto& producer = **prod_r;
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
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // Java's readLine
    auto rec = reader_r->parse(line, n);
    if (!rec.ok()) {
      std::fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rec.status().message().c_str());
      rc = 1;
      break;
    }
    Status st = producer.send(*o.topic, rec->key, rec->value, rec->headers);
    if (!st.ok()) {
      std::fprintf(stderr, "ERROR Error when sending message to topic %s: %s\n", o.topic->c_str(), st.message().c_str());
      rc = 1;
      break;
    }
    if (o.sync) {
      Status f = producer.flush(60000);
      if (producer.failed() > 0 || !f.ok()) break;
    }
  }
  Status f = producer.flush(std::numeric_limits<int>::max());
  if (producer.failed() > 0) {
    std::fprintf(stderr, "ERROR %s (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n",
                 producer.first_error().c_str());
    if (producer.failed() > 1)
      std::fprintf(stderr, "ERROR %lld more records could not be delivered\n", (long long)producer.failed() - 1);
    return 1;
  }
  if (!f.ok()) {
    std::fprintf(stderr, "ERROR %s\n", f.message().c_str());
    return 1;
  }
  return rc;
}

}  // namespace moldau::ops
