// kafka-consumer-groups: list, describe, delete consumer groups and reset their offsets
// (Kafka's ConsumerGroupCommand).
#include <CLI/CLI.hpp>

#include "moldau/ops/consumer_groups.h"

int main(int argc, char** argv) {
  moldau::ops::ConsumerGroupsOptions o;
  o.no_args = argc <= 1;
  CLI::App app{"List, describe, delete consumer groups, or reset their offsets."};
  app.set_help_flag();
  auto multi = [](CLI::Option* opt) { opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); };
  app.add_flag("--help", o.help);
  app.add_flag("--version", o.version);
  app.add_option("--zookeeper", o.zookeeper);
  app.add_option("--bootstrap-server", o.bootstrap_server);
  app.add_option("--command-config", o.command_config);
  multi(app.add_option("--group", o.group));
  multi(app.add_option("--topic", o.topic));
  app.add_flag("--all-topics", o.all_topics);
  app.add_flag("--list", o.list);
  app.add_flag("--describe", o.describe);
  app.add_flag("--all-groups", o.all_groups);
  app.add_flag("--delete", o.del);
  app.add_option("--timeout", o.timeout);
  app.add_flag("--reset-offsets", o.reset_offsets);
  app.add_flag("--delete-offsets", o.delete_offsets);
  app.add_flag("--dry-run", o.dry_run);
  app.add_flag("--execute", o.execute);
  app.add_flag("--export", o.export_csv);
  app.add_option("--to-offset", o.to_offset);
  app.add_option("--from-file", o.from_file);
  app.add_option("--to-datetime", o.to_datetime);
  app.add_option("--by-duration", o.by_duration);
  app.add_flag("--to-earliest", o.to_earliest);
  app.add_flag("--to-latest", o.to_latest);
  app.add_flag("--to-current", o.to_current);
  app.add_option("--shift-by", o.shift_by);
  app.add_flag("--members", o.members);
  app.add_flag("--verbose", o.verbose);
  app.add_flag("--offsets", o.offsets);
  auto* state = app.add_option("--state", o.state_value)->expected(0, 1);
  app.add_option("--output", o.output);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    moldau::ops::parse_error_exit(moldau::ops::Tool::kConsumerGroups, e.get_name(), e.what());
  }
  o.state = state->count() > 0;
  if (o.state && o.state_value && o.state_value->empty()) o.state_value.reset();
  return moldau::ops::run_consumer_groups(o);
}
