#pragma once
// kafka-consumer-groups: list, describe, delete groups, reset and delete their offsets
// (Kafka's ConsumerGroupCommand), plus --output json (docs/tools-json.md).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/client/admin.h"
#include "moldau/ops/cli.h"

namespace moldau::ops {

struct ConsumerGroupsOptions {
  bool no_args = false, help = false, version = false;
  std::optional<std::string> zookeeper;
  std::optional<std::string> bootstrap_server, command_config;
  std::vector<std::string> group, topic;
  bool all_topics = false, list = false, describe = false, all_groups = false, del = false;
  int64_t timeout = 5000;
  bool reset_offsets = false, delete_offsets = false, dry_run = false, execute = false, export_csv = false;
  std::optional<int64_t> to_offset, shift_by;
  std::optional<std::string> from_file, to_datetime, by_duration;
  bool to_earliest = false, to_latest = false, to_current = false;
  bool members = false, verbose = false, offsets = false;
  bool state = false;                     // --state given
  std::optional<std::string> state_value;  // its value, if any
  std::string output = "text";
};

int run_consumer_groups(const ConsumerGroupsOptions& opts);
const std::vector<OptionDoc>& consumer_groups_help_table();

// --- pure parts, unit-tested ---

struct PartitionAssignmentRow {
  std::string group;
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  std::optional<int64_t> offset, log_end_offset, lag;
  std::optional<std::string> consumer_id, host, client_id;
};
// The --describe (--offsets) table: a blank line, the header, one line per row.
std::string format_offsets_table(const std::vector<PartitionAssignmentRow>& rows);

struct MemberRow {
  std::string group, consumer_id, group_instance_id, host, client_id;
  int num_partitions = 0;
  std::vector<client::TopicPartition> assignment;
};
std::string format_members_table(const std::vector<MemberRow>& rows, bool verbose);
// --describe --state
std::string format_state_table(const std::string& group, const client::BrokerInfo& coordinator,
                               const std::string& assignment_strategy, const std::string& state, int members);
// --list --state
std::string format_list_with_state(const std::vector<client::GroupListing>& groups);
// --reset-offsets plan: "\nGROUP  TOPIC  PARTITION  NEW-OFFSET" then rows.
std::string format_reset_plan(const std::map<std::string, std::map<client::TopicPartition, int64_t>>& plan);
// --export: "topic,partition,offset" lines for one group, "group,topic,partition,offset" for several.
std::string format_reset_csv(const std::map<std::string, std::map<client::TopicPartition, int64_t>>& plan,
                             bool single_group);
// Java's Duration.parse for "PnDTnHnMnS" (and negatives); milliseconds, or nullopt.
std::optional<int64_t> parse_iso_duration(const std::string& text);
// Kafka's Utils.getDateTime: "YYYY-MM-DDTHH:mm:SS[.sss][zone]" -> epoch ms (local time when no zone).
std::optional<int64_t> parse_datetime(const std::string& text);

}  // namespace moldau::ops
