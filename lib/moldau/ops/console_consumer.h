#pragma once
// kafka-console-consumer: records of a topic to stdout (Kafka's ConsoleConsumer with its
// DefaultMessageFormatter).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moldau/client/consumer.h"
#include "moldau/ops/cli.h"

namespace moldau::ops {

struct ConsoleConsumerOptions {
  bool no_args = false, help = false, version = false;
  std::optional<std::string> zookeeper;
  std::optional<std::string> topic, whitelist, include, bootstrap_server, group, isolation_level;
  std::optional<int32_t> partition, max_messages, timeout_ms;
  std::optional<std::string> offset;
  std::optional<std::string> formatter, formatter_config, consumer_config, command_config, key_deserializer,
      value_deserializer;
  std::vector<std::string> property, consumer_property, formatter_property, command_property;
  std::optional<std::string> max_messages_error;  // joptsimple's message for a --max-messages it could not read
  bool from_beginning = false, skip_message_on_error = false, enable_systest_events = false;
};

int run_console_consumer(const ConsoleConsumerOptions& opts);
// Parses the command line as Kafka's ConsoleConsumer does (joptsimple), then runs it.
int console_consumer_main(int argc, char** argv);
const std::vector<OptionDoc>& console_consumer_help_table();

// Kafka's DefaultMessageFormatter.
class MessageFormatter {
 public:
  // Reads print.* and the separators from the formatter properties.
  explicit MessageFormatter(const Properties& props);
  // The bytes printed for one record.
  std::string format(const client::Message& m) const;
  // The same, or the deserializer's error (Kafka's SerializationException message, e.g. "Size
  // of data received by IntegerDeserializer is not 4").
  Result<std::string> format_checked(const client::Message& m) const;
  // Whether Kafka's serialization package has this deserializer (the ones the tool decodes).
  static bool known_deserializer(const std::string& cls);

 private:
  std::string key_deserializer_, value_deserializer_;
  bool print_timestamp_ = false, print_key_ = false, print_value_ = true, print_partition_ = false,
       print_offset_ = false, print_headers_ = false;
  std::string key_sep_ = "\t", line_sep_ = "\n", headers_sep_ = ",", null_literal_ = "null";
};

}  // namespace moldau::ops
