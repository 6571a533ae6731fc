#pragma once
// kafka-console-consumer: records of a topic to stdout (Kafka's ConsoleConsumer with its
// DefaultMessageFormatter).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moldau/client/consumer.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/deserializers.h"

namespace moldau::ops {

struct ConsoleConsumerOptions {
  bool no_args = false, help = false, version = false;
  std::optional<std::string> zookeeper;
  std::optional<std::string> topic, whitelist, include, bootstrap_server, group, isolation_level;
  std::optional<int32_t> partition, max_messages, timeout_ms;
  std::optional<std::string> offset;
  std::optional<std::string> formatter, formatter_config, consumer_config, key_deserializer, value_deserializer;
  std::vector<std::string> property, consumer_property;
  bool from_beginning = false, skip_message_on_error = false, enable_systest_events = false;
};

int run_console_consumer(const ConsoleConsumerOptions& opts);
const std::vector<OptionDoc>& console_consumer_help_table();

// Kafka's DefaultMessageFormatter.
class MessageFormatter {
 public:
  // Reads print.*, the separators and key.deserializer / value.deserializer from the
  // formatter properties.
  explicit MessageFormatter(const Properties& props);
  // A deserializer class this tool does not know ("java.lang.ClassNotFoundException: ...").
  const Status& config_status() const { return config_status_; }
  // The bytes printed for one record, or the deserializer's error (Kafka's
  // SerializationException message).
  Result<std::string> format(const client::Message& m) const;

 private:
  std::optional<Deserializer> key_deserializer_, value_deserializer_;
  Status config_status_;
  bool print_timestamp_ = false, print_key_ = false, print_value_ = true, print_partition_ = false,
       print_offset_ = false, print_headers_ = false;
  std::string key_sep_ = "\t", line_sep_ = "\n", headers_sep_ = ",", null_literal_ = "null";
};

}  // namespace moldau::ops
