#pragma once
// kafka-replica-verification (Kafka's ReplicaVerificationTool): reads the metadata, fetches
// every partition of the chosen topics from every replica as the debugging consumer (Fetch
// replica id -2, which followers answer too), compares the record batches replica by replica
// up to the high watermark, and every report interval prints the largest lag between the
// verified offset and the high watermark. It runs until killed (SIGINT: exit 130, SIGTERM:
// 143, as the JVM's). Talks PLAINTEXT only (raw_client.h).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace moldau::ops {

// Parses the command line as ReplicaVerificationTool does, runs it; returns the exit code
// (it returns only on an error).
int replica_verification_main(int argc, char** argv);

// --- pure parts, unit-tested ---

// One record batch as the tool compares it: its last offset, the offset after it, its CRC.
struct VerifiedBatch {
  int64_t last_offset = 0;
  int64_t next_offset = 0;
  uint32_t checksum = 0;
};

// The whole batches of a Fetch response's records field (magic 2 batches, or the shallow
// entries of magic 0/1 message sets); an incomplete batch at the end is left out, as Kafka's
// batch iterator leaves it.
std::vector<VerifiedBatch> verified_batches(std::span<const uint8_t> records);

using TopicPartition = std::pair<std::string, int32_t>;

// What one replica answered for one partition.
struct ReplicaFetch {
  int64_t high_watermark = -1;
  std::vector<VerifiedBatch> batches;
};

// Kafka's ReplicaBuffer: the fetch offset of each partition, what each replica returned in the
// current round, and the verification after each round. Not thread-safe: the caller fills it
// after every fetch of a round has returned, then calls verify.
class ReplicaBuffer {
 public:
  // `partitions`: each partition with its initial fetch offset, in the order the metadata lists
  // them; `report_interval_ms`: how often verify prints the max lag; `now_ms`: the start.
  ReplicaBuffer(const std::vector<std::pair<TopicPartition, int64_t>>& partitions, int64_t report_interval_ms,
                int64_t now_ms);

  int64_t offset(const TopicPartition& tp) const;
  void add(const TopicPartition& tp, int32_t replica, ReplicaFetch fetch);

  // Compares the replicas of every partition batch by batch, moves the fetch offsets past
  // what all replicas agree on, and prints (through `println`) the checksum mismatches and,
  // when the report interval has passed, the max lag line. Returns false when the replicas
  // disagree on an offset (the tool then exits 1, as Kafka's).
  bool verify(int64_t now_ms, const std::function<void(const std::string&)>& println);

 private:
  struct Entry {
    TopicPartition tp;
    int64_t offset = -1;
    std::map<int32_t, ReplicaFetch> fetched;  // by replica id; iterated in Java's HashMap order
  };
  std::vector<Entry> entries_;  // in Java's HashMap order of TopicPartition
  int64_t report_interval_ms_;
  int64_t last_report_ms_;
  int64_t max_lag_ = -1;
  int64_t offset_with_max_lag_ = -1;
  std::optional<TopicPartition> max_lag_partition_;
};

// Kafka's DATE_FORMAT of this tool for a time in ms since the epoch ("2026-12-02 12:37:15,035",
// local time).
std::string report_time(int64_t epoch_ms);

}  // namespace moldau::ops
