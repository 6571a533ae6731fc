#include "moldau/ops/console_consumer.h"
#include "moldau/ops/deserializers.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <cstring>
#include <regex>
#include <set>
#include <variant>

#include <nlohmann/json.hpp>

#include "moldau/ops/console_producer.h"
#include "moldau/ops/coordinator_records.h"
#include "moldau/ops/java_config.h"

namespace moldau::ops {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
void on_signal(int sig) {
  g_signal = sig;
  g_stop = true;
}

bool is_internal(const std::string& topic) { return topic == "__consumer_offsets" || topic == "__transaction_state"; }

// --include: Java's consumer subscribes to the pattern and leaves out internal topics
// (exclude.internal.topics); librdkafka's pattern subscription would include them, so the
// pattern is matched here, against the topics the cluster has, and the matching ones are
// subscribed by name. `current` is the set subscribed so far; resubscribes only on a change.
Status subscribe_include(client::Consumer& consumer, const std::string& include, std::set<std::string>& current) {
  std::string re = include;
  std::replace(re.begin(), re.end(), ',', '|');
  std::regex pattern;
  try {
    pattern = std::regex(re);
  } catch (const std::regex_error&) {
    return Status(ErrorCode::kInvalidRequest, include + " is an invalid regex.");
  }
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(consumer.handle(), 1, nullptr, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) return Status();
  std::set<std::string> matched;
  for (int i = 0; i < md->topic_cnt; i++) {
    std::string t = md->topics[i].topic;
    if (!is_internal(t) && std::regex_match(t, pattern)) matched.insert(t);
  }
  rd_kafka_metadata_destroy(md);
  if (matched == current || matched.empty()) return Status();
  current = matched;
  return consumer.subscribe(std::vector<std::string>(matched.begin(), matched.end()));
}

// Java's consumer commits the position of every assigned partition, also of those it printed
// nothing from (where the position is where the offset reset put it), so that the group's
// describe lists every partition. The partitions a printed record stored are left as they are.
void store_idle_positions(client::Consumer& consumer, const std::set<std::pair<std::string, int32_t>>& stored,
                          bool earliest) {
  rd_kafka_t* rk = consumer.handle();
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR || !assigned) return;
  rd_kafka_topic_partition_list_t* idle = rd_kafka_topic_partition_list_new(assigned->cnt);
  for (int i = 0; i < assigned->cnt; i++) {
    const auto& e = assigned->elems[i];
    if (!stored.count({e.topic, e.partition})) rd_kafka_topic_partition_list_add(idle, e.topic, e.partition);
  }
  if (idle->cnt > 0 && rd_kafka_committed(rk, idle, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_partition_list_t* store = rd_kafka_topic_partition_list_new(idle->cnt);
    for (int i = 0; i < idle->cnt; i++) {
      const auto& e = idle->elems[i];
      if (e.offset >= 0) continue;  // committed before: its position is that offset
      int64_t lo = -1, hi = -1;
      if (rd_kafka_query_watermark_offsets(rk, e.topic, e.partition, &lo, &hi, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        continue;
      rd_kafka_topic_partition_list_add(store, e.topic, e.partition)->offset = earliest ? lo : hi;
    }
    if (store->cnt > 0) rd_kafka_offsets_store(rk, store);
    rd_kafka_topic_partition_list_destroy(store);
  }
  rd_kafka_topic_partition_list_destroy(idle);
  rd_kafka_topic_partition_list_destroy(assigned);
}

// The order Java's HashSet<String> (16 buckets, as for a few entries) iterates `values` in:
// by bucket of the spread String.hashCode, then in the order they were added.
std::vector<std::string> java_hash_set_order(const std::vector<std::string>& values) {
  auto bucket = [](const std::string& s) {
    uint32_t h = 0;
    for (unsigned char c : s) h = 31 * h + c;  // UTF-16 units: the same for ASCII
    return (h ^ (h >> 16)) & 15u;
  };
  std::vector<std::string> out = values;
  std::stable_sort(out.begin(), out.end(),
                   [&](const std::string& a, const std::string& b) { return bucket(a) < bucket(b); });
  return out;
}

// The consumer's settings Java's ConsumerConfig checks before it connects, with its messages.
std::optional<std::string> invalid_consumer_config(const Properties& props) {
  // The types of the consumer settings people set by hand (ConfigDef's INT, LONG, BOOLEAN).
  using T = JavaConfigType;
  static const JavaSetting kTyped[] = {
      {"max.poll.records", T::kInt},          {"session.timeout.ms", T::kInt},
      {"heartbeat.interval.ms", T::kInt},     {"max.poll.interval.ms", T::kInt},
      {"fetch.min.bytes", T::kInt},           {"fetch.max.bytes", T::kInt},
      {"max.partition.fetch.bytes", T::kInt}, {"fetch.max.wait.ms", T::kInt},
      {"request.timeout.ms", T::kInt},        {"auto.commit.interval.ms", T::kInt},
      {"receive.buffer.bytes", T::kInt},      {"send.buffer.bytes", T::kInt},
      {"default.api.timeout.ms", T::kInt},    {"retry.backoff.ms", T::kLong},
      {"reconnect.backoff.ms", T::kLong},     {"metadata.max.age.ms", T::kLong},
      {"connections.max.idle.ms", T::kLong},  {"enable.auto.commit", T::kBoolean},
      {"allow.auto.create.topics", T::kBoolean}, {"check.crcs", T::kBoolean},
      {"exclude.internal.topics", T::kBoolean},
  };
  if (auto bad = java_config_error(props, kTyped)) return bad;
  if (auto v = props.get("auto.offset.reset")) {
    if (*v != "earliest" && *v != "latest" && *v != "none" && v->rfind("by_duration:", 0) != 0)
      return "Invalid value " + *v + " for configuration auto.offset.reset: Invalid value `" + *v +
             "` for configuration auto.offset.reset. The value must be either 'earliest', 'latest', 'none' or of "
             "the format 'by_duration:<PnDTnHnMn.nS.>'.";
  }
  if (auto v = props.get("isolation.level"); v && *v != "read_committed" && *v != "read_uncommitted")
    return "Invalid value " + *v + " for configuration isolation.level: String must be one of: read_committed, "
           "read_uncommitted";
  return std::nullopt;
}

// What ends Kafka's tool before its consumer runs (a consumer it could not create) is logged.
void log_unknown_error(const std::string& exception) {
  std::fprintf(stderr,
               "[%s] ERROR Unknown error when running consumer:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\n%s\n",
               log_timestamp().c_str(), exception.c_str());
}
}  // namespace

const std::vector<OptionDoc>& console_consumer_help_table() {
  // Kafka 4.4's ConsoleConsumer options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: server to connect to", "REQUIRED: The server(s) to connect to."},
      {"command-config", "String: config file", "Consumer config properties file. Note that [command-property] takes precedence over this config."},
      {"command-property", "String: consumer_prop", "Consumer config properties in the form key=value."},
      {"consumer-property", "String: consumer_prop", "(DEPRECATED) Consumer config properties in the form key=value. This option will be removed in a future version. Use --command-property instead."},
      {"consumer.config", "String: config file", "(DEPRECATED) Consumer config properties file. Note that [command-property] takes precedence over this config. This option will be removed in a future version. Use --command-config instead."},
      {"enable-systest-events", "", "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)"},
      {"formatter", "String: class", "The name of a class to use for formatting kafka messages for display.", false, "org.apache.kafka.tools.consumer.DefaultMessageFormatter"},
      {"formatter-config", "String: config file", "Config properties file to initialize the message formatter. Note that [formatter-property] takes precedence over this config."},
      {"formatter-property", "String: prop", "The properties to initialize the message formatter. Default properties include:\n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.epoch=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n headers.separator=<headers.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>\nUsers can also pass in customized properties for their formatter; more specifically, users can pass in properties keyed with 'key.deserializer.', 'value.deserializer.' and 'headers.deserializer.' prefixes to configure their deserializers."},
      {"from-beginning", "", "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message."},
      {"group", "String: consumer group id", "The consumer group id of the consumer."},
      {"help", "", "Print usage information."},
      {"include", "String: Java regex (String)", "Regular expression specifying list of topics to include for consumption."},
      {"isolation-level", "String", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages.", false, "read_uncommitted"},
      {"key-deserializer", "String: deserializer for keys", "The name of the class to use for deserializing keys."},
      {"max-messages", "Integer: num_messages", "The maximum number of messages to consume before exiting. If not set, consumption is continual."},
      {"offset", "String: consume offset", "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end", false, "latest"},
      {"partition", "Integer: partition", "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified."},
      {"property", "String: prop", "(DEPRECATED) The properties to initialize the message formatter. Default properties include:\n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.epoch=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n headers.separator=<headers.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>\nUsers can also pass in customized properties for their formatter; more specifically, users can pass in properties keyed with 'key.deserializer.', 'value.deserializer.' and 'headers.deserializer.' prefixes to configure their deserializers.\nThis option will be removed in a future version. Use --formatter-property instead."},
      {"skip-message-on-error", "", "If there is an error when processing a message, skip it instead of halt."},
      {"timeout-ms", "Long: timeout_ms", "If specified, exit if no message is available for consumption for the specified interval."},
      {"topic", "String: topic", "The topic to consume from."},
      {"value-deserializer", "String: deserializer for values", "The name of the class to use for deserializing values."},
      {"version", "", "Display Kafka version."},
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
  if (auto v = p.get("key.deserializer")) key_deserializer_ = *v;
  if (auto v = p.get("value.deserializer")) value_deserializer_ = *v;
}

namespace {

// Kafka's deserializers, as DefaultMessageFormatter prints what they return (toString()).
// Unknown classes never get here: the tool drops them (with Kafka's log line) before it reads
// a record. Like Kafka's
// formatter, a null key or value is deserialized as the bytes of the null literal (a
// LongDeserializer refuses a tombstone's "null": 4 bytes, not 8).
Result<std::optional<std::string>> deserialize(const std::string& cls, const std::optional<std::string>& data,
                                               const std::string& null_literal) {
  if (cls.empty()) return data;
  auto d = deserializer_for(cls);
  if (!d.ok()) return data;
  const std::string& input = data ? *data : null_literal;
  if (*d == Deserializer::kVoid) {
    if (!input.empty()) return Status(ErrorCode::kInvalidRecord, "Data should be null for a VoidDeserializer.");
    return std::optional<std::string>{};
  }
  MOLDAU_ASSIGN_OR_RETURN(auto text, deserialize_to_text(*d, input));
  return std::optional<std::string>{std::move(text)};
}

}  // namespace

bool MessageFormatter::known_deserializer(const std::string& cls) { return deserializer_for(cls).ok(); }

std::string MessageFormatter::format(const client::Message& m) const {
  auto r = format_checked(m);
  return r.ok() ? *r : std::string();
}

Result<std::string> MessageFormatter::format_checked(const client::Message& raw) const {
  client::Message m = raw;
  if (print_key_) {
    MOLDAU_ASSIGN_OR_RETURN(m.key, deserialize(key_deserializer_, raw.key, null_literal_));
  }
  if (print_value_) {
    MOLDAU_ASSIGN_OR_RETURN(m.value, deserialize(value_deserializer_, raw.value, null_literal_));
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
    out += m.key ? *m.key : null_literal_;
    sep(print_value_);
  }
  if (print_value_) {
    out += m.value ? *m.value : null_literal_;
    out += line_sep_;
  }
  return out;
}

int run_console_consumer(const ConsoleConsumerOptions& o) {
  const auto& docs = console_consumer_help_table();
  if (o.no_args || o.help) usage_exit("This tool helps to read data from Kafka topics and outputs it to standard output.", docs);
  if (o.version) version_exit();
  if (!o.bootstrap_server) usage_exit("Missing required argument \"[bootstrap-server]\"", docs);
  if ((o.topic ? 1 : 0) + (o.include ? 1 : 0) != 1)
    usage_exit("Exactly one of the following arguments is required: [topic], [include]", docs);
  if (!o.consumer_property.empty() && !o.command_property.empty())
    usage_exit("Options --consumer-property and --command-property cannot be specified together.", docs);
  if (o.consumer_config && o.command_config)
    usage_exit("Options --consumer.config and --command-config cannot be specified together.", docs);
  // Kafka 4 warns about its deprecated options on standard output (of --property with the
  // formatter, below).
  if (!o.consumer_property.empty())
    std::printf("Option --consumer-property is deprecated and will be removed in a future version. Use --command-property instead.\n");
  if (o.consumer_config)
    std::printf("Option --consumer.config is deprecated and will be removed in a future version. Use --command-config instead.\n");
  std::fflush(stdout);
  std::optional<std::string> include = o.include;
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
      // Long.parseLong's rules (no blanks around it), and no negative offset.
      auto v = java_long(s);
      if (!v || *v < 0) invalid();
      start = *v;
    }
  } else if (o.from_beginning) {
    start = RD_KAFKA_OFFSET_BEGINNING;
  }

  Properties file_props;
  if (auto path = o.consumer_config ? o.consumer_config : o.command_config) {
    std::string cls;
    auto loaded = load_props_as_java(*path, &cls);
    if (!loaded.ok()) {
      // Uncaught in Kafka's tool: the JVM reports it.
      std::fprintf(stderr, "Exception in thread \"main\" %s: %s\n", cls.c_str(), loaded.status().message().c_str());
      return 1;
    }
    file_props = std::move(loaded).value();
  }
  Properties extra = parse_key_values(o.consumer_property);
  merge_props(extra, parse_key_values(o.command_property));
  std::vector<std::string> groups;
  auto add_group = [&](const std::optional<std::string>& g) {
    if (g && std::find(groups.begin(), groups.end(), *g) == groups.end()) groups.push_back(*g);
  };
  add_group(o.group);
  add_group(file_props.get("group.id"));
  add_group(extra.get("group.id"));
  groups = java_hash_set_order(groups);
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
  // Java's consumer asks the broker to create a topic it subscribes to (allow.auto.create.topics
  // defaults to true there, false in librdkafka): started first, as in the quickstart, the
  // consumer then sees the first record.
  if (!props.contains("allow.auto.create.topics")) props.set("allow.auto.create.topics", "true");
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

  // Kafka 4.4's formatters of its coordinators' records: each record as JSON (no separator
  // between records, as Kafka writes them), records of other types skipped.
  std::optional<CoordinatorLog> coordinator_log;
  std::set<int16_t> coordinator_types;  // empty: all
  if (o.formatter == "org.apache.kafka.tools.consumer.OffsetsMessageFormatter") {
    coordinator_log = CoordinatorLog::kGroups;
    coordinator_types = {0, 1};
  } else if (o.formatter == "org.apache.kafka.tools.consumer.GroupMetadataMessageFormatter") {
    coordinator_log = CoordinatorLog::kGroups;
    coordinator_types = {2};
  } else if (o.formatter == "org.apache.kafka.tools.consumer.TransactionLogMessageFormatter") {
    coordinator_log = CoordinatorLog::kTransactions;
  }
  if (o.formatter && !coordinator_log && *o.formatter != "kafka.tools.DefaultMessageFormatter" &&
      *o.formatter != "org.apache.kafka.tools.consumer.NoOpMessageFormatter" &&
      *o.formatter != "org.apache.kafka.tools.consumer.DefaultMessageFormatter") {
    if (*o.formatter == "kafka.tools.NoOpMessageFormatter" || *o.formatter == "kafka.tools.LoggingMessageFormatter") {
      // supported below
    } else {
      // Kafka's tool catches the ClassNotFoundException: its message (the class) before the usage.
      usage_exit(*o.formatter, docs);
    }
  }
  if (!o.property.empty() && !o.formatter_property.empty())
    usage_exit("Options --property and --formatter-property cannot be specified together.", docs);
  if (!o.property.empty()) {
    std::printf("Option --property is deprecated and will be removed in a future version. Use --formatter-property instead.\n");
    std::fflush(stdout);
  }
  // The formatter's properties: --formatter-config, the deserializer options, then
  // --formatter-property (or --property). A file it cannot read ends the tool with its usage.
  Properties fprops;
  if (o.formatter_config) {
    std::string cls;
    auto loaded = load_props_as_java(*o.formatter_config, &cls);
    if (!loaded.ok()) usage_exit(loaded.status().message(), docs);
    fprops = std::move(loaded).value();
  }
  if (o.key_deserializer && !o.key_deserializer->empty()) fprops.set("key.deserializer", *o.key_deserializer);
  if (o.value_deserializer && !o.value_deserializer->empty())
    fprops.set("value.deserializer", *o.value_deserializer);
  merge_props(fprops, parse_key_values(o.property));
  merge_props(fprops, parse_key_values(o.formatter_property));
  // DefaultMessageFormatter logs a deserializer class it cannot load and goes on without it.
  for (const char* name : {"key.deserializer", "value.deserializer"}) {
    auto d = fprops.get(name);
    if (d && !MessageFormatter::known_deserializer(*d)) {
      if (!coordinator_log)
        std::fprintf(stderr,
                     "[%s] ERROR Unable to instantiate a deserializer from %s "
                     "(org.apache.kafka.tools.consumer.DefaultMessageFormatter)\njava.lang.ClassNotFoundException: %s\n",
                     log_timestamp().c_str(), d->c_str(), d->c_str());
      fprops.erase(name);
    }
  }
  MessageFormatter formatter(fprops);
  const bool noop = o.formatter && (*o.formatter == "kafka.tools.NoOpMessageFormatter" ||
                                    *o.formatter == "org.apache.kafka.tools.consumer.NoOpMessageFormatter");
  if (auto bad = invalid_consumer_config(props)) {
    log_unknown_error("org.apache.kafka.common.config.ConfigException: " + *bad);
    return 1;
  }
  // Java names its assignors by class; librdkafka by protocol name.
  if (auto strategies = props.get("partition.assignment.strategy")) {
    static const std::map<std::string, std::string> kAssignors = {
        {"org.apache.kafka.clients.consumer.RangeAssignor", "range"},
        {"org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin"},
        {"org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky"},
    };
    std::vector<std::string> names;
    size_t start = 0;
    while (start <= strategies->size()) {
      size_t comma = strategies->find(',', start);
      std::string name = strategies->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      auto it = kAssignors.find(name);
      if (!name.empty()) names.push_back(it != kAssignors.end() ? it->second : name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    props.set("partition.assignment.strategy", join(names, ","));
  }
  drop_unknown_client_properties(props);
  auto cons_r = client::Consumer::create(props);
  if (!cons_r.ok()) {
    log_unknown_error("org.apache.kafka.common.KafkaException: " + cons_r.status().message());
    return 1;
  }
  auto& consumer = **cons_r;
  // --enable-systest-events: once the consumer exists, Kafka's shutdown hook reports the end on
  // standard output, whatever ended the tool.
  auto done = [&](int code) {
    if (o.enable_systest_events) {
      std::printf("shutdown_complete\n");
      std::fflush(stdout);
    }
    return code;
  };
  if (o.max_messages_error) {
    // Kafka reads --max-messages once the consumer runs: it fails there, after its summary.
    consumer.close();
    std::fprintf(stderr,
                 "Processed a total of 0 messages\n[%s] ERROR Unknown error when running consumer:  "
                 "(org.apache.kafka.tools.consumer.ConsoleConsumer)\njoptsimple.OptionArgumentConversionException: %s\n",
                 log_timestamp().c_str(), o.max_messages_error->c_str());
    return done(1);
  }
  std::set<std::string> included;
  if (o.topic && props.get_or("allow.auto.create.topics", "true") == "true") {
    // librdkafka 2.0's group join asks for the topic's metadata without auto-creation; asking
    // for this one topic's metadata with it, as Java's consumer does, has a missing topic made.
    if (rd_kafka_topic_t* rkt = rd_kafka_topic_new(consumer.handle(), o.topic->c_str(), nullptr)) {
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(consumer.handle(), 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
      rd_kafka_topic_destroy(rkt);
    }
  }
  Status st;
  if (o.partition)
    st = consumer.assign(*o.topic, *o.partition, start);
  else if (o.topic)
    st = consumer.subscribe({*o.topic});
  else
    st = subscribe_include(consumer, *include, included);
  if (!st.ok()) {
    std::fprintf(stderr, "ERROR Unknown error when running consumer: %s\n", st.message().c_str());
    return done(1);
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Partitions whose position a printed record stored, for the commit at close.
  std::set<std::pair<std::string, int32_t>> stored;
  auto last_include_check = std::chrono::steady_clock::now();
  int64_t count = 0;
  const int64_t max = o.max_messages ? *o.max_messages : -1;
  const int64_t timeout = o.timeout_ms && *o.timeout_ms >= 0 ? *o.timeout_ms : -1;
  auto last = std::chrono::steady_clock::now();
  int rc = 0;
  std::optional<std::string> fatal;  // what ends the tool as an uncaught exception
  while (!g_stop && (max < 0 || count < max)) {
    if (include && !o.topic && std::chrono::steady_clock::now() - last_include_check > std::chrono::seconds(3)) {
      // New topics that match --include join the subscription, as Java's pattern subscription does.
      last_include_check = std::chrono::steady_clock::now();
      (void)subscribe_include(consumer, *include, included);
    }
    auto r = consumer.poll(100);
    if (!r.ok()) {
      std::fprintf(stderr,
                   "[%s] ERROR Error processing message, terminating consumer process:  "
                   "(org.apache.kafka.tools.consumer.ConsoleConsumer)\n%s\n",
                   log_timestamp().c_str(), r.status().message().c_str());
      break;
    }
    if (!r->has_value()) {
      if (timeout >= 0 && std::chrono::steady_clock::now() - last > std::chrono::milliseconds(timeout)) {
        std::fprintf(stderr,
                     "[%s] ERROR Error processing message, terminating consumer process:  "
                     "(org.apache.kafka.tools.consumer.ConsoleConsumer)\n"
                     "org.apache.kafka.common.errors.TimeoutException: null\n",  // log4j prints the null message
                     log_timestamp().c_str());
        break;
      }
      continue;
    }
    last = std::chrono::steady_clock::now();
    const client::Message& m = **r;
    count++;
    if (coordinator_log) {
      std::string out;
      if (m.key) {
        auto key = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(m.key->data()), m.key->size());
        std::optional<std::span<const uint8_t>> value;
        if (m.value) value = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(m.value->data()), m.value->size());
        auto d = decode_coordinator_record(*coordinator_log, key, value, false);
        if (auto* e = std::get_if<CoordinatorRecordError>(&d); e && !e->unknown_type) {
          std::fprintf(stderr,
                       "[%s] ERROR Error processing message, %s:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\n"
                       "java.lang.RuntimeException: Could not read record at offset %lld due to: %s\n",
                       log_timestamp().c_str(),
                       o.skip_message_on_error ? "skipping this message" : "terminating consumer process",
                       static_cast<long long>(m.offset), e->message.c_str());
          if (o.skip_message_on_error) continue;
          count--;
          rc = 1;
          break;
        }
        if (auto* rec = std::get_if<CoordinatorRecord>(&d);
            rec && (coordinator_types.empty() || coordinator_types.count(rec->type))) {
          nlohmann::ordered_json j;
          j["key"]["type"] = rec->type;
          j["key"]["data"] = rec->key;
          if (rec->value) {
            j["value"]["version"] = rec->version;
            j["value"]["data"] = *rec->value;
          } else {
            j["value"] = nullptr;
          }
          out = compact_json(j);
        }
      }
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
        break;
      }
    } else if (!noop) {
      auto formatted = formatter.format_checked(m);
      if (!formatted.ok()) {
        // Kafka's ConsoleConsumer: a record its deserializer refuses is skipped with
        // --skip-message-on-error; otherwise the exception ends the tool, counted, and is
        // logged after the summary.
        std::string exception = "org.apache.kafka.common.errors.SerializationException: " + formatted.status().message();
        if (o.skip_message_on_error) {
          std::fprintf(stderr,
                       "[%s] ERROR Error processing message, skipping this message:  "
                       "(org.apache.kafka.tools.consumer.ConsoleConsumer)\n%s\n",
                       log_timestamp().c_str(), exception.c_str());
          continue;
        }
        fatal = exception;
        rc = 1;
        break;
      }
      std::string out = *formatted;
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
        break;
      }
    }
    // Mark the record consumed (offset + 1 is committed).
    auto* tpl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tpl, m.topic.c_str(), m.partition)->offset = m.offset + 1;
    consumer.store_offsets(tpl);
    rd_kafka_topic_partition_list_destroy(tpl);
    stored.emplace(m.topic, m.partition);
  }
  if (!groups.empty() && props.get_or("enable.auto.commit", "true") == "true")
    store_idle_positions(consumer, stored, props.get_or("auto.offset.reset", "latest") == "earliest");
  consumer.close();
  std::fprintf(stderr, "Processed a total of %lld messages\n", (long long)count);
  if (fatal) log_unknown_error(*fatal);
  // Stopped by a signal, the JVM exits with 128 + its number once the shutdown hook is done.
  if (g_signal != 0) return done(128 + g_signal);
  return done(rc);
}

}  // namespace moldau::ops

namespace moldau::ops {

int console_consumer_main(int argc, char** argv) {
  const auto& docs = console_consumer_help_table();
  ConsoleConsumerOptions o;
  o.no_args = argc <= 1;
  if (o.no_args) usage_exit("This tool helps to read data from Kafka topics and outputs it to standard output.", docs);
  auto parsed = parse_args(argc, argv, docs);
  if (!parsed.ok()) {
    if (parsed.status().message() == "zookeeper is not a recognized option") zookeeper_exit();
    usage_exit(parsed.status().message(), docs);
  }
  const ParsedArgs& a = *parsed;
  auto one = [&](const char* name) -> std::optional<std::string> {
    auto v = single_value(a, name);
    if (!v.ok()) usage_exit(v.status().message(), docs);
    return *v;
  };
  auto all = [&](const char* name) {
    const auto* v = a.values(name);
    return v ? *v : std::vector<std::string>{};
  };
  auto i32 = [&](const char* name) -> std::optional<int32_t> {
    auto v = int_value(a, name);
    if (!v.ok()) usage_exit(v.status().message(), docs);
    return *v;
  };
  o.help = a.has("help");
  o.version = a.has("version");
  o.from_beginning = a.has("from-beginning");
  o.skip_message_on_error = a.has("skip-message-on-error");
  o.enable_systest_events = a.has("enable-systest-events");
  o.topic = one("topic");
  o.include = one("include");
  o.bootstrap_server = one("bootstrap-server");
  o.group = one("group");
  o.isolation_level = one("isolation-level");
  o.offset = one("offset");
  o.formatter = one("formatter");
  o.formatter_config = one("formatter-config");
  o.consumer_config = one("consumer.config");
  o.command_config = one("command-config");
  o.key_deserializer = one("key-deserializer");
  o.value_deserializer = one("value-deserializer");
  o.property = all("property");
  o.formatter_property = all("formatter-property");
  o.consumer_property = all("consumer-property");
  o.command_property = all("command-property");
  o.partition = i32("partition");
  if (auto v = int_value(a, "max-messages"); v.ok())
    o.max_messages = *v;
  else
    o.max_messages_error = v.status().message();
  // --timeout-ms is a Long in Kafka 4.
  if (auto t = one("timeout-ms")) {
    auto n = java_long(*t);
    if (!n) {
      // Kafka reads it while building its options, outside any handler: the JVM dies of it.
      std::fprintf(stderr,
                   "Exception in thread \"main\" joptsimple.OptionArgumentConversionException: Cannot parse argument "
                   "'%s' of option timeout-ms\n",
                   t->c_str());
      return 1;
    }
    o.timeout_ms = static_cast<int32_t>(std::min<int64_t>(*n, INT32_MAX));
  }
  return run_console_consumer(o);
}

}  // namespace moldau::ops
