// kafka-producer-perf-test: produce N records as fast as asked and report throughput and
// latency (Kafka's ProducerPerformance).
#include <CLI/CLI.hpp>

#include "moldau/ops/producer_perf.h"

int main(int argc, char** argv) {
  moldau::ops::ProducerPerfOptions o;
  if (argc <= 1) o.help = true;
  CLI::App app{"producer-performance"};
  app.set_help_flag();
  app.add_flag("-h,--help", o.help);
  app.add_flag("--version", o.version);
  app.add_option("--topic", o.topic);
  app.add_option("--num-records", o.num_records);
  app.add_option("--record-size", o.record_size);
  app.add_option("--payload-file", o.payload_file);
  app.add_option("--payload-delimiter", o.payload_delimiter);
  app.add_option("--throughput", o.throughput);
  auto* props = app.add_option("--producer-props", o.producer_props)->expected(1, 1 << 20);
  app.add_option("--producer.config", o.producer_config);
  app.add_flag("--print-metrics", o.print_metrics);
  app.add_option("--transactional-id", o.transactional_id);
  app.add_option("--transaction-duration-ms", o.transaction_duration_ms);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (e.get_name() == "ExtrasError") {
      auto colon = what.find(": ");
      what = "unrecognized arguments: '" + (colon == std::string::npos ? what : what.substr(colon + 2)) + "'";
    } else if (e.get_name() == "ArgumentMismatch") {
      auto colon = what.find(':');
      what = "argument " + what.substr(0, colon) + ": expected one argument";
    }
    moldau::ops::producer_perf_usage_error(what);
  }
  o.producer_props_given = props->count() > 0;
  return moldau::ops::run_producer_perf(o);
}
