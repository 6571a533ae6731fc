#pragma once
// Owns the log directories (log.dirs) and every partition log in them.
//
// Per log dir: `<topic>-<partition>/` directories, the offset checkpoints
// (recovery-point-offset-checkpoint, log-start-offset-checkpoint,
// replication-offset-checkpoint, cleaner-offset-checkpoint) and the clean-shutdown marker
// `.kafka_cleanshutdown`. The broker calls run_retention / run_compaction / run_flush /
// checkpoint_all on timers.
//
// Thread-safety: the manager's own maps are guarded by a mutex; PartitionLogs lock themselves.
// Pointers returned by get()/create_partition() stay valid until delete_partition() or close().

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/common/uuid.h"
#include "moldau/storage/checkpoint.h"
#include "moldau/storage/log_config.h"
#include "moldau/storage/partition_log.h"

namespace moldau::storage {

inline constexpr char kCleanShutdownFile[] = ".kafka_cleanshutdown";
inline constexpr char kRecoveryPointCheckpoint[] = "recovery-point-offset-checkpoint";
inline constexpr char kLogStartCheckpoint[] = "log-start-offset-checkpoint";
inline constexpr char kReplicationCheckpoint[] = "replication-offset-checkpoint";
inline constexpr char kCleanerCheckpoint[] = "cleaner-offset-checkpoint";

// "<topic>-<partition>" -> (topic, partition); false when the name is not of that form.
bool parse_partition_dir_name(const std::string& name, std::string* topic, int32_t* partition);

class LogManager {
 public:
  // Returns the config of a topic (broker defaults + its overrides). Called while opening.
  using ConfigFor = std::function<LogConfig(const std::string& topic)>;

  // Creates missing dirs, removes `*-delete` dirs and `*-future` dirs (copies of a move to
  // another filesystem cut short by a crash), opens and recovers every partition found.
  // A partition directory found in two log dirs, one of them holding the moved marker
  // (kMovedMarkerFile): a crash came between the complete copy's rename into place and the old
  // directory's; the marked one is kept, the other removed, then the marker. Two unmarked (or
  // two marked) copies stop start-up with KAFKA_STORAGE_ERROR naming both (as Kafka's
  // LogManager does): move_partition never leaves them, so one is someone's copy and an
  // operator must say which to keep. Recovery is skipped when the dir's clean-shutdown marker
  // exists (the marker is then removed so that a crash from now on is detected).
  // `replicated`: the logs are replicas in a cluster, so each high watermark starts from
  // replication-offset-checkpoint (what was known committed), not from the log end.
  static Result<std::unique_ptr<LogManager>> open(const std::vector<std::string>& dirs,
                                                  const LogConfig& default_config,
                                                  ConfigFor config_for = nullptr, bool replicated = false);
  ~LogManager();

  // Creates (or returns the existing) log, on the dir holding the fewest partitions; writes
  // partition.metadata when topic_id is not zero.
  Result<PartitionLog*> create_partition(const std::string& topic, int32_t partition, const Uuid& topic_id,
                                         const LogConfig& config);
  // nullptr when absent.
  PartitionLog* get(const std::string& topic, int32_t partition) const;
  std::vector<PartitionLog*> all() const;
  // Renames the dir to `<topic>-<partition>.<32 hex>-delete` and removes it (Kafka's layout).
  Status delete_partition(const std::string& topic, int32_t partition);

  // Moves a partition's log into another of the log dirs (AlterReplicaLogDirs). `target_dir`
  // is one of dirs() (compared after normalization). Already there: nothing to do (and a copy
  // under way elsewhere is cancelled).
  // Same filesystem: done before returning. The target dir's checkpoints get the partition's
  // entries first (harmless while the directory is not there: start-up only looks up
  // partitions it finds), then PartitionLog::relocate renames the directory under the log's
  // lock (atomic; see there), then the partition counts in the target dir and both dirs'
  // checkpoints are rewritten. A crash at any point leaves the directory whole in exactly one
  // dir, with checkpoint entries beside it.
  // Another filesystem (st_dev differs, or the rename says EXDEV): returns at once and copies
  // on a thread of its own into a future dir (log_dir_mover.h), swapped in under mu_ and the
  // log's lock once caught up (docs/storage.md, "Moving a partition between log dirs"). A
  // second call for the same target while it runs does nothing; for another dir it cancels the
  // copy and starts over there. A copy that fails logs an error line and removes its future
  // dir; the partition stays where it was and goes on serving (Kafka would take the dir
  // offline). The PartitionLog* stays the same object either way.
  // Errors: LOG_DIR_NOT_FOUND (not a log dir), UNKNOWN_TOPIC_OR_PARTITION (no such log),
  // KAFKA_STORAGE_ERROR (I/O during a rename; nothing moved), INVALID_TOPIC_EXCEPTION (a copy
  // whose future dir name would exceed 255 bytes: "The topic name is too long.", as Kafka).
  Status move_partition(const std::string& topic, int32_t partition, const std::string& target_dir);

  // A copy to another filesystem under way, as DescribeLogDirs shows it (Kafka's future replica).
  struct FutureReplica {
    std::string topic;
    int32_t partition = 0;
    std::string dir;                // the target log dir, as in dirs()
    int64_t bytes = 0;              // copied so far
    int64_t copied_next_offset = -1;  // next offset of the last .log copied in full; -1: none yet
  };
  std::vector<FutureReplica> future_replicas() const;
  // replica.alter.log.dirs.io.max.bytes.per.second: the copies' rate outside the locks (the
  // last round, under them, is not held back). Applies to copies under way too.
  void set_move_throttle(int64_t bytes_per_second) { move_rate_.store(bytes_per_second); }
  // Cancels every copy under way and waits for their threads (close() does it too).
  void stop_moves();

  // Retention over every log, then removal of *.deleted files past file.delete.delay.ms.
  // Returns the number of segments deleted.
  Result<int32_t> run_retention(int64_t now_ms);
  // Compaction of every compacted log whose dirty ratio is reached, by `threads` cleaner
  // threads (log.cleaner.threads) taking the logs in turn; returns when all are done. The
  // first error is returned once every log was tried. Safe to call from a thread of its own
  // (the broker does): a log being deleted, and the manager closing, cancel its round and wait
  // for it; a log moved meanwhile ends its round with nothing swapped (PartitionLog::compact).
  Result<CompactionStats> run_compaction(int64_t now_ms, int32_t threads = 1);
  // Whether a compaction round is running on the partition now.
  bool cleaning(const std::string& topic, int32_t partition) const;
  // Tests: called in every round between its two passes (without the log's lock), with the
  // round's cancel flag. Set before any pass runs.
  void set_after_key_pass(std::function<void(const std::atomic<bool>& cancel)> hook) {
    after_key_pass_ = std::move(hook);
  }
  // flush.ms-driven flushes.
  Status run_flush(int64_t now_ms);
  Status flush_all();
  // Writes the four offset checkpoints of every dir.
  Status checkpoint_all();
  // Flushes, writes checkpoints, seals indexes; with `clean`, writes the clean-shutdown
  // marker in each dir. The manager must not be used afterwards.
  Status close(bool clean);

  const std::vector<std::string>& dirs() const { return dirs_; }
  // The dir holding a partition ("" when absent).
  std::string dir_of(const std::string& topic, int32_t partition) const;

 private:
  LogManager(std::vector<std::string> dirs, LogConfig default_config);
  Status load_dir(size_t index, const ConfigFor& config_for);
  // Removes the leftovers of moves to another filesystem that a crash interrupted (`*-future`
  // dirs; a partition in two dirs with the moved marker in one of them keeps that one).
  static Status settle_moves(const std::vector<std::string>& dirs);
  struct Move;
  void run_move(const std::shared_ptr<Move>& move);
  Status start_copy_locked(const TopicPartition& tp, size_t target);
  // Cancels the copy of `tp` under way, if any (its thread is joined later). Caller holds mu_.
  void cancel_move_locked(const TopicPartition& tp);
  // Cancels the compaction of `tp` under way, if any, and waits until it has let go of the log.
  void abort_cleaning_locked(std::unique_lock<std::mutex>& lock, const TopicPartition& tp);
  // Writes dir `index`'s four checkpoints from the logs in it, plus `also` (a log about to be
  // moved there) when not null. Caller holds mu_.
  Status checkpoint_dir_locked(size_t index, const TopicPartition* also = nullptr);

  mutable std::mutex mu_;
  std::vector<std::string> dirs_;
  LogConfig default_config_;
  struct Entry {
    std::unique_ptr<PartitionLog> log;
    size_t dir_index;
  };
  std::map<TopicPartition, Entry> logs_;
  std::map<TopicPartition, std::shared_ptr<Move>> moves_;  // copies under way
  std::vector<std::shared_ptr<Move>> threads_;            // every copy thread not joined yet
  std::atomic<int64_t> move_rate_{INT64_MAX};
  // The logs a compaction round is running on, each with its cancel flag (run_compaction).
  std::map<TopicPartition, std::shared_ptr<std::atomic<bool>>> cleaning_;
  std::condition_variable cleaning_done_;
  std::function<void(const std::atomic<bool>&)> after_key_pass_;
  bool closed_ = false;
  bool use_high_watermark_checkpoint_ = false;
};

}  // namespace moldau::storage
