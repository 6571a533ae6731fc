#pragma once
// kafka-console-producer: lines from stdin to a topic (Kafka 4.4's ConsoleProducer with its
// LineMessageReader). A record that fails is logged and the lines after it are still sent, as
// in Kafka; --sync stops at the first failure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moldau/client/producer.h"
#include "moldau/ops/cli.h"

namespace moldau::ops {

struct ConsoleProducerOptions {
  bool no_args = false, help = false, version = false;
  std::optional<std::string> zookeeper;
  std::optional<std::string> topic, bootstrap_server, broker_list;
  bool sync = false;
  std::optional<std::string> compression_codec;  // "" when given without a value
  std::optional<int32_t> batch_size, message_send_max_retries, max_partition_memory_bytes, socket_buffer_size;
  std::optional<int64_t> retry_backoff_ms, timeout, request_timeout_ms, metadata_expiry_ms, max_block_ms,
      max_memory_bytes;
  std::string request_required_acks = "-1";
  bool acks_given = false;
  std::optional<std::string> line_reader, reader_config, producer_config, command_config;
  std::vector<std::string> property, producer_property, reader_property, command_property;
  // Kafka converts a number option's value when it builds the producer's properties, after its
  // warnings: the first value that is not a number ("Cannot parse argument ...").
  std::optional<std::string> number_error;
  bool max_partition_memory_bytes_given = false;
};

int run_console_producer(const ConsoleProducerOptions& opts);
// Parses the command line as Kafka's ConsoleProducer does (joptsimple), then runs it.
int console_producer_main(int argc, char** argv);
const std::vector<OptionDoc>& console_producer_help_table();

// Removes the properties the client library does not know: Kafka's clients pass over a
// property they do not use without a word at the tools' log level (WARN).
void drop_unknown_client_properties(Properties& props);

// Kafka's LineMessageReader: turns one input line into a record.
class LineReader {
 public:
  struct Record {
    std::optional<std::string> key, value;
    std::vector<client::Header> headers;
  };
  // Reads the reader properties (parse.key, key.separator, ...). Fails with Kafka's message
  // when separators clash.
  static Result<LineReader> create(const Properties& props);
  // `line_number` counts from 1. Fails with Kafka's message, e.g.
  // "No key separator found on line number 3: 'abc'".
  Result<Record> parse(const std::string& line, int64_t line_number) const;

 private:
  bool parse_key_ = false, parse_headers_ = false, ignore_error_ = false;
  std::string key_sep_ = "\t", headers_delim_ = "\t", headers_sep_ = ",", headers_key_sep_ = ":";
  std::optional<std::string> null_marker_;
};

}  // namespace moldau::ops
