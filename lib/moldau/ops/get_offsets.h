#pragma once
// kafka-get-offsets: the offsets of topic-partitions at a point in time (Kafka's GetOffsetShell):
// "topic:partition:offset" per line, ordered as Kafka orders them (by "topic-partition").

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops {

// Parses the command line as GetOffsetShell does, runs it; returns the exit code.
int get_offsets_main(int argc, char** argv);

// --- pure parts, unit-tested ---

// One rule of --topic-partitions ("topic:1", "topic:0-3", "topic", ":5-", "t:-3"): a topic
// regex (empty: any) and a partition range [lo, hi).
struct PartitionRule {
  std::string topic_regex;
  int32_t lo = 0, hi = INT32_MAX;
};
// Kafka's TOPIC_PARTITION_PATTERN per comma-separated rule; "Invalid rule specification: x".
Result<std::vector<PartitionRule>> parse_topic_partitions(const std::string& text);
// --time: latest/-1, earliest/-2, max-timestamp/-3, earliest-local/-4, latest-tiered/-5,
// earliest-pending-upload/-6, or a timestamp; Kafka's "Malformed time argument" otherwise.
Result<int64_t> parse_offset_time(const std::string& text);

}  // namespace moldau::ops
