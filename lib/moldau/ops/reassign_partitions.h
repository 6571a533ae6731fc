#pragma once
// kafka-reassign-partitions (Kafka's ReassignPartitionsCommand): proposes (--generate), starts
// (--execute), checks (--verify), cancels (--cancel) and lists (--list) partition reassignments,
// with the replication throttles Kafka sets and clears, in Kafka's words, JSON and exit codes.
// Like Kafka's tool it prints its errors to stdout ("Error: ..." and the exception line).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops {

// Parses the command line as ReassignPartitionsCommand does, runs it; returns the exit code.
int reassign_partitions_main(int argc, char** argv);

// --- pure parts, unit-tested ---

// One entry of a reassignment JSON file: the partition, its target replicas and their log dirs
// ("any" when the file gives none).
struct ReassignmentEntry {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<std::string> log_dirs;
};

// The entries of a --reassignment-json-file document in file order (version 1 only), or the
// error as the tool prints it: the message, then after '\n' the Java exception class
// ("Not supported version field value 2\norg.apache.kafka.tools.AdminOperationException").
Result<std::vector<ReassignmentEntry>> parse_reassignment_json(const std::string& text);

// The topics of a --topics-to-move-json-file document, in file order; errors as above.
Result<std::vector<std::string>> parse_topics_json(const std::string& text);

// Kafka's reassignment JSON ({"version":1,"partitions":[...]}), partitions sorted by topic then
// partition; `log_dirs` per partition (missing: "any" for every replica).
std::string format_reassignment_json(
    const std::map<std::pair<std::string, int32_t>, std::vector<int32_t>>& assignment,
    const std::map<std::pair<std::string, int32_t>, std::vector<std::string>>& log_dirs = {});

// Kafka's rack-unaware replica assignment (AdminUtils): partition p's first replica is
// brokers[(p + start_index) % n], the followers shifted by `replica_shift` (which grows by one
// every n partitions). Kafka draws both at random in [0, n); pass them for a fixed answer.
std::map<int32_t, std::vector<int32_t>> assign_replicas_rack_unaware(const std::vector<int32_t>& brokers,
                                                                      int32_t partitions, int32_t replication_factor,
                                                                      int32_t start_index, int32_t replica_shift);

// Kafka's rack-aware replica assignment (AdminUtils): the brokers alternated by rack (racks in
// name order, each rack's brokers by id), then as above, a follower skipped while a rack or a
// broker without a replica of the partition remains. `racks` is broker id -> rack.
std::map<int32_t, std::vector<int32_t>> assign_replicas_rack_aware(const std::map<int32_t, std::string>& racks,
                                                                    int32_t partitions, int32_t replication_factor,
                                                                    int32_t start_index, int32_t replica_shift);

}  // namespace moldau::ops
