#pragma once
// kafka-topics: create, list, describe, alter (partitions) and delete topics, with Kafka 4.4's
// checks, messages and output (TopicCommand), plus --output json (docs/tools-json.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <map>

#include "moldau/client/admin.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/raw_metadata.h"

namespace moldau::ops {

struct TopicsOptions {
  bool no_args = false, help = false, version = false;
  std::optional<std::string> zookeeper;
  std::optional<std::string> bootstrap_server, command_config, topic, topic_id, replica_assignment;
  bool list = false, create = false, del = false, alter = false, describe = false;
  std::vector<std::string> config, delete_config;
  std::optional<int32_t> partitions, replication_factor, partition_size_limit;
  bool has_partitions = false, has_replication_factor = false;  // given, even if not a number
  std::optional<std::string> conversion_error;  // joptsimple's message for a number it could not read
  bool under_replicated = false, unavailable = false, under_min_isr = false, at_min_isr = false;
  bool topics_with_overrides = false, if_exists = false, if_not_exists = false, exclude_internal = false;
  std::string output = "text";  // "text" or "json"
};

// Runs the command; returns the process exit code (usage errors exit directly).
int run_topics(const TopicsOptions& opts);
// Parses the command line as Kafka's TopicCommand does, then runs it.
int topics_main(int argc, char** argv);

const std::vector<OptionDoc>& topics_help_table();

// --- pure parts, unit-tested ---

// Kafka's IncludeList: the --topic argument as a regex (commas mean '|', quotes stripped),
// matched against the whole name.
bool topic_matches(const std::string& pattern, const std::string& topic);
bool is_internal_topic(const std::string& topic);
// Whether --topic compiles as Kafka's IncludeList would compile it.
bool valid_topic_regex(const std::string& pattern);
// "0:1,1:2" -> {0:[0,1]...}; an error message on bad input (Kafka's wording).
Result<std::map<int32_t, std::vector<int32_t>>> parse_replica_assignment(const std::string& text);

struct TopicView {
  client::TopicInfo info;
  std::vector<client::ConfigEntry> configs;
  std::map<int32_t, OngoingReassignment> reassignments;  // by partition, those in progress
};
// The replication factor Kafka's tool shows for a partition: while a reassignment that still
// involves its replicas is in progress, the list's size without the replicas being added.
size_t replication_factor(const client::PartitionInfo& p, const OngoingReassignment* r);
// "Topic: t\tTopicId: ...\tPartitionCount: N\tReplicationFactor: R\tConfigs: k=v,...\n"
std::string format_topic_line(const TopicView& t);
// "\tTopic: t\tPartition: p\tLeader: l\tReplicas: a,b\tIsr: a,b\tElr: \tLastKnownElr: \n"; Elr and
// LastKnownElr are "N/A" when the broker has no DescribeTopicPartitions (as Kafka prints them).
// A partition being reassigned also shows "\tAdding Replicas: ..\tRemoving Replicas: .." after
// its ISR.
std::string format_partition_line(const std::string& topic, const client::PartitionInfo& p, bool elr_known = true,
                                  const OngoingReassignment* reassignment = nullptr);

}  // namespace moldau::ops
