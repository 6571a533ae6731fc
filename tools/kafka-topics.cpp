// kafka-topics: create, list, describe, alter and delete topics (Kafka's TopicCommand).
#include <CLI/CLI.hpp>

#include "moldau/ops/cli.h"
#include "moldau/ops/topics.h"

int main(int argc, char** argv) {
  moldau::ops::TopicsOptions o;
  o.no_args = argc <= 1;
  CLI::App app{"Create, delete, describe, or change a topic."};
  app.set_help_flag();
  app.add_flag("--help", o.help);
  app.add_flag("--version", o.version);
  app.add_option("--zookeeper", o.zookeeper);
  app.add_option("--bootstrap-server", o.bootstrap_server);
  app.add_option("--command-config", o.command_config);
  app.add_flag("--list", o.list);
  app.add_flag("--create", o.create);
  app.add_flag("--delete", o.del);
  app.add_flag("--alter", o.alter);
  app.add_flag("--describe", o.describe);
  app.add_option("--topic", o.topic);
  app.add_option("--topic-id", o.topic_id);
  app.add_option("--config", o.config)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--delete-config", o.delete_config)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--partitions", o.partitions);
  app.add_option("--replication-factor", o.replication_factor);
  app.add_option("--replica-assignment", o.replica_assignment);
  app.add_flag("--under-replicated-partitions", o.under_replicated);
  app.add_flag("--unavailable-partitions", o.unavailable);
  app.add_flag("--under-min-isr-partitions", o.under_min_isr);
  app.add_flag("--at-min-isr-partitions", o.at_min_isr);
  app.add_flag("--topics-with-overrides", o.topics_with_overrides);
  app.add_flag("--if-exists", o.if_exists);
  app.add_flag("--if-not-exists", o.if_not_exists);
  app.add_flag("--exclude-internal", o.exclude_internal);
  app.add_option("--output", o.output);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    moldau::ops::parse_error_exit(moldau::ops::Tool::kTopics, e.get_name(), e.what());
  }
  return moldau::ops::run_topics(o);
}
