// kafka-consumer-perf-test: consume N records and report throughput (Kafka's ConsumerPerformance).
#include <CLI/CLI.hpp>

#include "moldau/ops/consumer_perf.h"

int main(int argc, char** argv) {
  moldau::ops::ConsumerPerfOptions o;
  o.no_args = argc <= 1;
  CLI::App app{"This tool is used to verify the consumer performance."};
  app.set_help_flag();
  int ignored = 0;
  app.add_flag("--help", o.help);
  app.add_flag("--version", o.version);
  app.add_option("--bootstrap-server", o.bootstrap_server);
  app.add_option("--broker-list", o.broker_list);
  app.add_option("--topic", o.topic);
  app.add_option("--include", o.include);
  app.add_option("--group", o.group);
  app.add_option("--messages", o.messages);
  app.add_option("--fetch-size", o.fetch_size);
  app.add_option("--socket-buffer-size", o.socket_buffer_size);
  app.add_flag("--from-latest", o.from_latest);
  app.add_option("--consumer.config", o.consumer_config);
  app.add_flag("--print-metrics", o.print_metrics);
  app.add_flag("--show-detailed-stats", o.show_detailed_stats);
  app.add_option("--timeout", o.timeout);
  app.add_option("--reporting-interval", o.reporting_interval);
  app.add_option("--date-format", o.date_format);
  app.add_flag("--hide-header", o.hide_header);
  app.add_option("--threads", ignored);
  app.add_option("--num-fetch-threads", ignored);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    moldau::ops::parse_error_exit(moldau::ops::Tool::kConsumerPerf, e.get_name(), e.what());
  }
  return moldau::ops::run_consumer_perf(o);
}
