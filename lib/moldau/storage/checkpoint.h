#pragma once
// Kafka's small text files, byte-compatible with Kafka's CheckpointFile formats:
//
//   offset checkpoints (recovery-point-offset-checkpoint, log-start-offset-checkpoint,
//   replication-offset-checkpoint, cleaner-offset-checkpoint), one per log dir:
//       0\n<count>\n<topic> <partition> <offset>\n...
//   leader-epoch-checkpoint, one per partition:
//       0\n<count>\n<epoch> <start offset>\n...
//   partition.metadata, one per partition:
//       version: 0\ntopic_id: <base64url topic id>\n
//
// All writes go through write_file_atomically (temp file, fsync, rename, directory fsync).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/common/uuid.h"

namespace moldau::storage {

using TopicPartition = std::pair<std::string, int32_t>;

Status write_offset_checkpoint(const std::string& path, const std::map<TopicPartition, int64_t>& offsets);
// A missing file reads as empty; a malformed one is an error naming the line.
Result<std::map<TopicPartition, int64_t>> read_offset_checkpoint(const std::string& path);

struct EpochEntry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  friend bool operator==(const EpochEntry&, const EpochEntry&) = default;
};
Status write_leader_epoch_checkpoint(const std::string& path, const std::vector<EpochEntry>& entries);
Result<std::vector<EpochEntry>> read_leader_epoch_checkpoint(const std::string& path);

Status write_partition_metadata(const std::string& path, const Uuid& topic_id);
Result<Uuid> read_partition_metadata(const std::string& path);

// Kafka's topic id rendering (base64url, no padding, 22 characters) and its parse.
std::string topic_id_to_string(const Uuid& id);
bool topic_id_from_string(const std::string& text, Uuid* out);

}  // namespace moldau::storage
