#pragma once
// kafka-consumer-groups: list, describe, delete groups, reset and delete their offsets
// (Kafka 4.4's ConsumerGroupCommand: its options, messages, layouts and exit codes), plus
// --output json (docs/tools-json.md).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/client/admin.h"
#include "moldau/ops/cli.h"

namespace moldau::ops {

// Parses the command line as ConsumerGroupCommand does, runs it; returns the exit code.
int consumer_groups_main(int argc, char** argv);
const std::vector<OptionDoc>& consumer_groups_help_table();

// --- pure parts, unit-tested ---

// One row of --describe (--offsets): a partition of the group, or a member without one.
struct PartitionAssignmentRow {
  std::string group;
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  std::optional<int32_t> leader_epoch;
  std::optional<int64_t> offset, log_end_offset, lag;
  std::optional<std::string> consumer_id, host, client_id;
};
// The --describe (--offsets) table: a blank line, the header, one line per row, a newline.
// `verbose` adds LEADER-EPOCH.
std::string format_offsets_table(const std::vector<PartitionAssignmentRow>& rows, bool verbose = false);

struct MemberRow {
  std::string group, consumer_id, group_instance_id, host, client_id;
  int num_partitions = 0;
  std::vector<client::TopicPartition> assignment;
};
// --describe --members [--verbose]: the header (always) and a line per member.
std::string format_members_table(const std::string& group, const std::vector<MemberRow>& rows, bool verbose);
// --describe --state [--verbose]
std::string format_state_table(const std::string& group, const client::BrokerInfo& coordinator,
                               const std::string& assignment_strategy, const std::string& state, int members,
                               bool verbose);
// --list --state/--type: one column each asked for (type, state), Kafka's widths.
std::string format_list_table(const std::vector<client::GroupListing>& groups, bool with_type, bool with_state,
                              const std::string& type = "Classic");
// --reset-offsets plan: "\nGROUP  TOPIC  PARTITION  NEW-OFFSET" then rows, in the order given
// (Kafka's HashMap order, see reset_plan_order), then a newline.
using ResetPlan = std::vector<std::pair<std::string, std::vector<std::pair<client::TopicPartition, int64_t>>>>;
std::string format_reset_plan(const ResetPlan& plan);
// --export: "topic,partition,offset" lines for one group, "group,topic,partition,offset" for several.
std::string format_reset_csv(const ResetPlan& plan, bool single_group);
// Orders groups and their partitions as Kafka's HashMaps iterate them.
ResetPlan reset_plan_order(const std::vector<std::pair<std::string, std::map<client::TopicPartition, int64_t>>>& plan);
// Java's Duration.parse ("PnDTnHnMnS", signs, fractions of seconds): milliseconds, or nullopt.
std::optional<int64_t> parse_iso_duration(const std::string& text);
// Kafka's Utils.getDateTime: "yyyy-MM-ddTHH:mm:ss.SSS" with an optional zone (Z, +hh, +hhmm,
// +hh:mm; UTC when none) -> epoch ms; or the message of Java's ParseException.
Result<int64_t> parse_datetime(const std::string& text);
// What RE2 (Kafka's --validate-regex) says of a regular expression: "" when valid, else the
// description of its error in RE2/J's words ("missing closing )").
std::string re2_error(const std::string& regex);

}  // namespace moldau::ops
