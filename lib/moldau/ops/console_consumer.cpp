#include "moldau/ops/console_consumer.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>

namespace moldau::ops {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

const std::vector<OptionDoc>& console_consumer_help_table() {
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The server(s) to connect to."},
      {"consumer-property", "String: consumer_prop", "A mechanism to pass user-defined properties in the form key=value to the consumer."},
      {"consumer.config", "String: config file", "Consumer config properties file. Note that [consumer-property] takes precedence over this config."},
      {"enable-systest-events", "", "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)"},
      {"formatter", "String: class", "The name of a class to use for formatting kafka messages for display. (default: kafka.tools.DefaultMessageFormatter)"},
      {"formatter-config", "String: config file", "Config properties file to initialize the message formatter. Note that [property] takes precedence over this config."},
      {"from-beginning", "", "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message."},
      {"group", "String: consumer group id", "The consumer group id of the consumer."},
      {"help", "", "Print usage information."},
      {"include", "String: Java regex (String)", "Regular expression specifying list of topics to include for consumption."},
      {"isolation-level", "String", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)"},
      {"key-deserializer", "String: deserializer for key", ""},
      {"max-messages", "Integer: num_messages", "The maximum number of messages to consume before exiting. If not set, consumption is continual."},
      {"offset", "String: consume offset", "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)"},
      {"partition", "Integer: partition", "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified."},
      {"property", "String: prop", "The properties to initialize the message formatter. Default properties include:\n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n headers.separator=<line.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>"},
      {"skip-message-on-error", "", "If there is an error when processing a message, skip it instead of halt."},
      {"timeout-ms", "Integer: timeout_ms", "If specified, exit if no message is available for consumption for the specified interval."},
      {"topic", "String: topic", "The topic to consume on."},
      {"value-deserializer", "String: deserializer for values", ""},
      {"version", "", "Display Kafka version."},
      {"whitelist", "String: Java regex (String)", "DEPRECATED, use --include instead; ignored if --include specified. Regular expression specifying list of topics to include for consumption."},
  };
  return kDocs;
}

MessageFormatter::MessageFormatter(const Properties& p) {
  print_timestamp_ = p.get_flag("print.timestamp", print_timestamp_);
  print_key_ = p.get_flag("print.key", print_key_);
  print_offset_ = p.get_flag("print.offset", print_offset_);
  print_partition_ = p.get_flag("print.partition", print_partition_);
  print_headers_ = p.get_flag("print.headers", print_headers_);
  print_value_ = p.get_flag("print.value", print_value_);
  if (auto v = p.get("key.separator")) key_sep_ = *v;
  if (auto v = p.get("line.separator")) line_sep_ = *v;
  if (auto v = p.get("headers.separator")) headers_sep_ = *v;
  if (auto v = p.get("null.literal")) null_literal_ = *v;
  for (auto [name, slot] : {std::pair{"key.deserializer", &key_deserializer_},
                            std::pair{"value.deserializer", &value_deserializer_}}) {
    if (auto v = p.get(name)) {
      auto d = deserializer_for(*v);
      if (d.ok())
        *slot = *d;
      else if (config_status_.ok())
        config_status_ = d.status();
    }
  }
}

Result<std::string> MessageFormatter::format(const client::Message& m) const {
  // As DefaultMessageFormatter: a deserializer's toString() of the bytes, else the bytes.
  std::optional<std::string> key = m.key, value = m.value;
  for (auto [field, d] : {std::pair{&key, &key_deserializer_}, std::pair{&value, &value_deserializer_}}) {
    if (*field && *d) {
      auto text = deserialize_to_text(**d, **field);
      if (!text.ok()) return text.status();
      *field = std::move(*text);
    }
  }
  std::string out;
  auto sep = [&](bool column) { out += column ? key_sep_ : line_sep_; };
  if (print_timestamp_) {
    if (m.timestamp_type == client::TimestampType::kNone)
      out += "NO_TIMESTAMP";
    else
      out += std::string(m.timestamp_type == client::TimestampType::kCreateTime ? "CreateTime" : "LogAppendTime") +
             ":" + std::to_string(m.timestamp);
    sep(print_offset_ || print_partition_ || print_headers_ || print_key_ || print_value_);
  }
  if (print_partition_) {
    out += "Partition:" + std::to_string(m.partition);
    sep(print_offset_ || print_headers_ || print_key_ || print_value_);
  }
  if (print_offset_) {
    out += "Offset:" + std::to_string(m.offset);
    sep(print_headers_ || print_key_ || print_value_);
  }
  if (print_headers_) {
    if (m.headers.empty()) {
      out += "NO_HEADERS";
    } else {
      for (size_t i = 0; i < m.headers.size(); i++) {
        out += m.headers[i].first + ":" + (m.headers[i].second ? *m.headers[i].second : null_literal_);
        if (i + 1 < m.headers.size()) out += headers_sep_;
      }
    }
    sep(print_key_ || print_value_);
  }
  if (print_key_) {
    out += key ? *key : null_literal_;
    sep(print_value_);
  }
  if (print_value_) {
    out += value ? *value : null_literal_;
    out += line_sep_;
  }
  return out;
}

int run_console_consumer(const ConsoleConsumerOptions& o) {
  const auto& docs = console_consumer_help_table();
  if (o.no_args || o.help) usage_exit("This tool helps to read data from Kafka topics and outputs it to standard output.", docs);
  if (o.version) version_exit();
  if (o.zookeeper) zookeeper_exit();
  if (o.formatter && *o.formatter != "kafka.tools.DefaultMessageFormatter" &&
      *o.formatter != "org.apache.kafka.tools.consumer.DefaultMessageFormatter") {
    if (*o.formatter == "kafka.tools.NoOpMessageFormatter" || *o.formatter == "kafka.tools.LoggingMessageFormatter") {
      // supported below
    } else {
      std::fprintf(stderr, "Exception in thread \"main\" java.lang.ClassNotFoundException: %s\n", o.formatter->c_str());
      return 1;
    }
  }
  Properties fprops;
  if (o.formatter_config) fprops = load_props_or_exit(*o.formatter_config);
  merge_props(fprops, parse_key_values(o.property));
  // ConsoleConsumerOptions hands --key-deserializer / --value-deserializer to the formatter.
  if (o.key_deserializer) fprops.set("key.deserializer", *o.key_deserializer);
  if (o.value_deserializer) fprops.set("value.deserializer", *o.value_deserializer);
  MessageFormatter formatter(fprops);
  if (!formatter.config_status().ok()) {
    std::fprintf(stderr, "Exception in thread \"main\" %s\n", formatter.config_status().message().c_str());
    return 1;
  }
  const bool noop = o.formatter && *o.formatter == "kafka.tools.NoOpMessageFormatter";

  std::optional<std::string> include = o.include ? o.include : o.whitelist;
  int given = (o.topic ? 1 : 0) + (include ? 1 : 0);
  if (given != 1)
    usage_exit(std::string("Exactly one of --include/--topic is required. ") +
                   (o.whitelist ? "--whitelist is DEPRECATED use --include instead; ignored if --include specified." : "()"),
               docs);
  if (o.partition) {
    if (!o.topic) usage_exit("The topic is required when partition is specified.", docs);
    if (o.from_beginning && o.offset) usage_exit("Options from-beginning and offset cannot be specified together.", docs);
  } else if (o.offset) {
    usage_exit("The partition is required when offset is specified.", docs);
  }
  int64_t start = RD_KAFKA_OFFSET_END;
  if (o.offset) {
    std::string s = *o.offset;
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    auto invalid = [&]() {
      usage_exit("The provided offset value '" + s + "' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.", docs);
    };
    if (s == "earliest")
      start = RD_KAFKA_OFFSET_BEGINNING;
    else if (s == "latest")
      start = RD_KAFKA_OFFSET_END;
    else {
      try {
        size_t used = 0;
        long long v = std::stoll(s, &used);
        if (used != s.size() || v < 0) invalid();
        start = v;
      } catch (...) {
        invalid();
      }
    }
  } else if (o.from_beginning) {
    start = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (!o.bootstrap_server) usage_exit("Missing required argument \"[bootstrap-server]\"", docs);

  Properties file_props;
  if (o.consumer_config) file_props = load_props_or_exit(*o.consumer_config);
  Properties extra = parse_key_values(o.consumer_property);
  std::vector<std::string> groups;
  auto add_group = [&](const std::optional<std::string>& g) {
    if (g && std::find(groups.begin(), groups.end(), *g) == groups.end()) groups.push_back(*g);
  };
  add_group(o.group);
  add_group(file_props.get("group.id"));
  add_group(extra.get("group.id"));
  if (groups.size() > 1)
    usage_exit("The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: '" +
                   join(groups, "', '") + "'",
               docs);
  if (!groups.empty() && o.partition) usage_exit("Options group and partition cannot be specified together.", docs);

  Properties props = file_props;
  merge_props(props, extra);
  if (props.contains("auto.offset.reset")) {
    std::string v = *props.get("auto.offset.reset");
    if (o.from_beginning && v != "earliest") {
      std::fprintf(stderr, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', please remove one option\n", v.c_str());
      return 1;
    }
  } else {
    props.set("auto.offset.reset", o.from_beginning ? "earliest" : "latest");
  }
  props.set("bootstrap.servers", *o.bootstrap_server);
  if (!props.contains("client.id")) props.set("client.id", "console-consumer");
  props.set("isolation.level", o.isolation_level.value_or(props.get_or("isolation.level", "read_uncommitted")));
  if (groups.empty()) {
    std::random_device rd;
    props.set("group.id", "console-consumer-" + std::to_string(rd() % 100000));
    if (!props.contains("enable.auto.commit")) props.set("enable.auto.commit", "false");
  } else {
    props.set("group.id", groups.front());
  }
  // Java's consumer commits only what poll() returned; librdkafka's equivalent is to store
  // offsets only for records we have printed.
  props.set("enable.auto.offset.store", "false");

  auto cons_r = client::Consumer::create(props);
  if (!cons_r.ok()) {
    std::fprintf(stderr, "%s\n", cons_r.status().message().c_str());
    return 1;
  }
  auto& consumer = **cons_r;
  Status st;
  if (o.partition)
    st = consumer.assign(*o.topic, *o.partition, start);
  else if (o.topic)
    st = consumer.subscribe({*o.topic});
  else {
    std::string re = *include;
    std::replace(re.begin(), re.end(), ',', '|');
    st = consumer.subscribe({"^(" + re + ")$"});
  }
  if (!st.ok()) {
    std::fprintf(stderr, "ERROR Unknown error when running consumer: %s\n", st.message().c_str());
    return 1;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int64_t count = 0;
  const int64_t max = o.max_messages ? *o.max_messages : -1;
  const int64_t timeout = o.timeout_ms && *o.timeout_ms >= 0 ? *o.timeout_ms : -1;
  auto last = std::chrono::steady_clock::now();
  int rc = 0;
  while (!g_stop && (max < 0 || count < max)) {
    auto r = consumer.poll(100);
    if (!r.ok()) {
      std::fprintf(stderr, "ERROR Error processing message, terminating consumer process:  (kafka.tools.ConsoleConsumer$)\n%s\n",
                   r.status().message().c_str());
      break;
    }
    if (!r->has_value()) {
      if (timeout >= 0 && std::chrono::steady_clock::now() - last > std::chrono::milliseconds(timeout)) {
        std::fprintf(stderr, "ERROR Error processing message, terminating consumer process:  (kafka.tools.ConsoleConsumer$)\n"
                             "org.apache.kafka.common.errors.TimeoutException\n");
        break;
      }
      continue;
    }
    last = std::chrono::steady_clock::now();
    const client::Message& m = **r;
    count++;
    if (!noop) {
      auto out = formatter.format(m);
      if (!out.ok()) {
        const std::string error = "org.apache.kafka.common.errors.SerializationException: " + out.status().message();
        if (!o.skip_message_on_error) {
          std::fprintf(stderr, "ERROR Unknown error when running consumer:  (kafka.tools.ConsoleConsumer$)\n%s\n",
                       error.c_str());
          consumer.close();
          return 1;
        }
        std::fprintf(stderr, "ERROR Error processing message, skipping this message:  (kafka.tools.ConsoleConsumer$)\n%s\n",
                     error.c_str());
      } else if (std::fwrite(out->data(), 1, out->size(), stdout) != out->size() || std::fflush(stdout) != 0) {
        std::fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
        break;
      }
    }
    // Mark the record consumed (offset + 1 is committed).
    auto* tpl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tpl, m.topic.c_str(), m.partition)->offset = m.offset + 1;
    consumer.store_offsets(tpl);
    rd_kafka_topic_partition_list_destroy(tpl);
  }
  consumer.close();
  std::fprintf(stderr, "Processed a total of %lld messages\n", (long long)count);
  return rc;
}

}  // namespace moldau::ops
