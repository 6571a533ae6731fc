// kafka-console-producer: lines from stdin to a topic (Kafka's ConsoleProducer).
#include <CLI/CLI.hpp>

#include "moldau/ops/console_producer.h"

int main(int argc, char** argv) {
  moldau::ops::ConsoleProducerOptions o;
  o.no_args = argc <= 1;
  CLI::App app{"Read data from standard input and publish it to Kafka."};
  app.set_help_flag();
  auto multi = [](CLI::Option* opt) { opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); };
  app.add_flag("--help", o.help);
  app.add_flag("--version", o.version);
  app.add_option("--zookeeper", o.zookeeper);
  app.add_option("--topic", o.topic);
  app.add_option("--bootstrap-server", o.bootstrap_server);
  app.add_option("--broker-list", o.broker_list);
  app.add_flag("--sync", o.sync);
  app.add_option("--compression-codec", o.compression_codec)->expected(0, 1);
  app.add_option("--batch-size", o.batch_size);
  app.add_option("--message-send-max-retries", o.message_send_max_retries);
  app.add_option("--retry-backoff-ms", o.retry_backoff_ms);
  app.add_option("--timeout", o.timeout);
  auto* acks = app.add_option("--request-required-acks", o.request_required_acks);
  app.add_option("--request-timeout-ms", o.request_timeout_ms);
  app.add_option("--metadata-expiry-ms", o.metadata_expiry_ms);
  app.add_option("--max-block-ms", o.max_block_ms);
  app.add_option("--max-memory-bytes", o.max_memory_bytes);
  app.add_option("--max-partition-memory-bytes", o.max_partition_memory_bytes);
  app.add_option("--socket-buffer-size", o.socket_buffer_size);
  app.add_option("--line-reader", o.line_reader);
  app.add_option("--reader-config", o.reader_config);
  app.add_option("--producer.config", o.producer_config);
  multi(app.add_option("--property", o.property));
  multi(app.add_option("--producer-property", o.producer_property));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    moldau::ops::parse_error_exit(moldau::ops::Tool::kConsoleProducer, e.get_name(), e.what());
  }
  if (o.compression_codec && *o.compression_codec == "") o.compression_codec = "";
  o.acks_given = acks->count() > 0;
  return moldau::ops::run_console_producer(o);
}
