// kafka-console-consumer: records of a topic to stdout (Kafka's ConsoleConsumer).
#include <CLI/CLI.hpp>

#include "moldau/ops/console_consumer.h"

int main(int argc, char** argv) {
  moldau::ops::ConsoleConsumerOptions o;
  o.no_args = argc <= 1;
  CLI::App app{"Read data from Kafka topics and write it to standard output."};
  app.set_help_flag();
  auto multi = [](CLI::Option* opt) { opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); };
  app.add_flag("--help", o.help);
  app.add_flag("--version", o.version);
  app.add_option("--zookeeper", o.zookeeper);
  app.add_option("--topic", o.topic);
  app.add_option("--whitelist", o.whitelist);
  app.add_option("--include", o.include);
  app.add_option("--partition", o.partition);
  app.add_option("--offset", o.offset);
  multi(app.add_option("--consumer-property", o.consumer_property));
  app.add_option("--consumer.config", o.consumer_config);
  app.add_option("--formatter", o.formatter);
  multi(app.add_option("--property", o.property));
  app.add_option("--formatter-config", o.formatter_config);
  app.add_flag("--from-beginning", o.from_beginning);
  app.add_option("--max-messages", o.max_messages);
  app.add_option("--timeout-ms", o.timeout_ms);
  app.add_flag("--skip-message-on-error", o.skip_message_on_error);
  app.add_option("--bootstrap-server", o.bootstrap_server);
  app.add_option("--key-deserializer", o.key_deserializer);
  app.add_option("--value-deserializer", o.value_deserializer);
  app.add_flag("--enable-systest-events", o.enable_systest_events);
  app.add_option("--isolation-level", o.isolation_level);
  app.add_option("--group", o.group);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    moldau::ops::parse_error_exit(moldau::ops::Tool::kConsoleConsumer, e.get_name(), e.what());
  }
  return moldau::ops::run_console_consumer(o);
}
