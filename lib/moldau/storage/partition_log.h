#pragma once
// The log of one partition: an ordered set of segments in `<dir>/<topic>-<partition>/`.
//
// Thread-safety: every public member function takes the partition's mutex, so a PartitionLog
// may be used from several threads; the broker's single event loop never contends. FileSlices
// returned by read() stay valid after the call (they share the segment's file handle), even
// if the segment is deleted later; bytes below the log end offset are never rewritten in
// place, except by truncate_to() and compaction (which replaces whole files).
//
// Offsets: log_start_offset() <= high_watermark() <= log_end_offset(). The high watermark is
// a separate value: append() moves it to the log end when AppendOptions::update_high_watermark
// is set (single node), set_high_watermark() sets it otherwise.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moldau/common/file_slice.h"
#include "moldau/common/result.h"
#include "moldau/common/uuid.h"
#include "moldau/storage/checkpoint.h"
#include "moldau/storage/log_config.h"
#include "moldau/storage/log_segment.h"
#include "moldau/storage/producer_state.h"

namespace moldau::storage {

// ListOffsets' special timestamps.
inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kMaxTimestamp = -3;
inline constexpr int64_t kEarliestLocalTimestamp = -4;

struct AppendOptions {
  // Leader append: rewrite baseOffset (and partitionLeaderEpoch) from the log end offset.
  // false: replica append; the batches' offsets are kept and must start at or after the log end.
  bool assign_offsets = true;
  // The append time (LogAppendTime, time-based roll, flush.ms); -1 reads the wall clock.
  int64_t now_ms = -1;
  // Check each batch's CRC. The broker may turn this off when protocol::validate_batch ran.
  bool verify_crc = true;
  // Single node: the high watermark follows the log end offset.
  bool update_high_watermark = true;
  // Producer-state checks (producer_state.h): kClient for Produce, with duplicate detection.
  // Replica appends (assign_offsets false) are not checked.
  AppendOrigin origin = AppendOrigin::kCoordinator;
};

struct AppendInfo {
  int64_t first_offset = -1;  // base offset of the first batch
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // the time written when the topic uses LogAppendTime, else -1
  int64_t log_start_offset = 0;
  int64_t max_timestamp = -1;
  int64_t offset_of_max_timestamp = -1;
  int32_t batches = 0;
  int64_t records = 0;
  int64_t bytes = 0;
  // A client retry of a batch already in the log: nothing was appended and the offsets are
  // the original batch's.
  bool duplicate = false;
};

struct ReadResult {
  // File ranges to send in order. The last one may end inside a batch (as Kafka's do); clients
  // drop a partial trailing batch.
  std::vector<FileSlice> slices;
  int64_t first_batch_offset = -1;  // base offset of the first batch sent; -1 when none
  int64_t bytes = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t high_watermark = 0;
};

struct SegmentInfo {
  int64_t base_offset = 0;
  int64_t next_offset = 0;
  int64_t size_bytes = 0;
  int64_t max_timestamp = -1;
  int64_t last_modified_ms = 0;  // the .log file's mtime (ListOffsets v0 answers by it)
};

struct CompactionStats {
  int32_t segments_cleaned = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  int64_t records_removed = 0;
  // Batches kept as they are because they could not be decoded (decompressed beyond the
  // cleaner's bound, or malformed); logged.
  int32_t undecodable_batches_kept = 0;
  // LogManager::run_compaction: how many cleaner threads the pass ran on.
  int32_t threads = 1;
  // The round stopped early: cancelled, or the log changed under it (truncation, retention, a
  // move). What it swapped in stays; the rest waits for the next pass.
  bool aborted = false;
};

struct CompactOptions {
  bool force = false;  // clean even below min.cleanable.dirty.ratio (or with nothing dirty)
  // Set from another thread: the round stops at the next batch (LogManager, before it deletes
  // or moves the log, or closes).
  const std::atomic<bool>* cancel = nullptr;
  // Tests: called between the key pass and the rewrite, with the log's lock not held.
  std::function<void()> after_key_pass;
};

class PartitionLog {
 public:
  struct OpenOptions {
    int64_t recovery_point = 0;    // from recovery-point-offset-checkpoint
    int64_t log_start_offset = 0;  // from log-start-offset-checkpoint
    int64_t cleaner_offset = 0;    // from cleaner-offset-checkpoint
    bool clean_shutdown = false;   // .kafka_cleanshutdown was present: skip recovery
    // From replication-offset-checkpoint: the high watermark to start from (clamped to the log);
    // -1 starts it at the log end, as a single node does.
    int64_t high_watermark = -1;
    int64_t now_ms = -1;
  };

  // Opens (creating the directory when missing) and recovers the log in `dir`. Leftovers of
  // interrupted operations are settled first: *.deleted and *.cleaned removed, *.swap rolled
  // forward. Unclean: every segment that may hold offsets >= recovery_point is scanned
  // (length + CRC per batch), the first bad batch and everything after it are cut, later
  // segments dropped, indexes rebuilt. Clean: index files are sanity-checked and rebuilt only
  // when they fail.
  static Result<std::unique_ptr<PartitionLog>> open(const std::string& dir, const std::string& topic,
                                                    int32_t partition, const LogConfig& config,
                                                    const OpenOptions& options);
  ~PartitionLog();

  // The partition directory now (it changes when relocate() moves the log to another log dir).
  std::string dir() const;
  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }

  // Appends whole v2 batches (the buffer is modified in place: baseOffset, leader epoch, and
  // for LogAppendTime the timestamp type, maxTimestamp and CRC). One write for the buffer.
  // Errors: CORRUPT_MESSAGE (bad framing/CRC), MESSAGE_TOO_LARGE (batch > max.message.bytes),
  // KAFKA_STORAGE_ERROR (I/O; the log may then hold a partial tail, cut by recovery).
  Result<AppendInfo> append(std::span<uint8_t> batches, int32_t leader_epoch, const AppendOptions& options = {});

  // File ranges from the batch holding `offset`: at most max_bytes (the whole first batch
  // when min_one_batch), only batches below max_offset_exclusive (-1: the log end; pass the
  // high watermark for consumers). OFFSET_OUT_OF_RANGE outside [log start, log end].
  Result<ReadResult> read(int64_t offset, int32_t max_bytes, int64_t max_offset_exclusive, bool min_one_batch);

  int64_t log_start_offset() const;
  int64_t log_end_offset() const;
  int64_t high_watermark() const;
  // Clamped to [log start, log end].
  void set_high_watermark(int64_t hw);
  int64_t recovery_point() const;
  int64_t cleaner_offset() const;

  // Removes every batch holding offsets >= offset (whole batches). Below the first segment
  // the log restarts empty at `offset`.
  Status truncate_to(int64_t offset);
  // Removes everything and restarts the log, empty, at `offset` (a follower that fell behind
  // the leader's log start); the epoch cache and producer state start over.
  Status truncate_fully_and_start_at(int64_t offset);

  // ListOffsets: kLatestTimestamp -> {log end, -1}; kEarliestTimestamp/kEarliestLocalTimestamp
  // -> {log start, -1}; kMaxTimestamp -> the first record with the largest timestamp; t >= 0
  // -> the first record (offset >= log start) whose timestamp >= t. nullopt: no such record.
  Result<std::optional<OffsetAndTimestamp>> offset_for_timestamp(int64_t timestamp);

  // DeleteRecords: moves the log start offset up to `offset` (<= high watermark, else
  // OFFSET_OUT_OF_RANGE) and deletes segments wholly below it. Returns the new log start.
  Result<int64_t> delete_records_before(int64_t offset);

  // fsyncs segments with unflushed data and their indexes; the recovery point becomes the
  // log end offset.
  Status flush();
  // Flushes when flush.ms has elapsed since the last flush (and there is something to flush).
  Status maybe_flush(int64_t now_ms);

  // Retention by log start, retention.ms and retention.bytes (when cleanup.policy has
  // delete): whole non-active segments, renamed *.deleted, removed after file.delete.delay.ms.
  // Returns the number of segments deleted.
  Result<int32_t> apply_retention(int64_t now_ms);
  // Removes *.deleted files whose delay has passed.
  Status remove_expired_files(int64_t now_ms);

  // Compaction (cleanup.policy has compact), when the dirty ratio reaches
  // min.cleanable.dirty.ratio or `force`. See docs/storage.md for the rules. The log's lock is
  // held only to pick the segments and to swap each cleaned one in: the segments are read and
  // rewritten without it, so appends and reads go on meanwhile. A segment that changed in
  // between (truncated, deleted, moved) ends the round with `aborted` set, nothing lost.
  Result<CompactionStats> compact(int64_t now_ms, bool force = false);
  Result<CompactionStats> compact(int64_t now_ms, const CompactOptions& options);

  // Seals the active segment's indexes (clean close). The log must not be used afterwards.
  Status close();
  // Closes and removes the directory's files (after the caller renamed the directory).
  void mark_deleted();

  // Moves the partition directory to `new_dir` (a path that must not exist yet, on the same
  // filesystem, whose parent exists), for AlterReplicaLogDirs. Under the partition's lock, so
  // no append, read or flush sees a half-moved log: flushes (data, indexes, recovery point =
  // log end), renames the directory with rename(2) (atomic: after a crash the whole directory is
  // in one place or the other), then points every stored path (segments and their indexes,
  // segments awaiting deletion; the epoch checkpoint, producer snapshots, .txnindex and
  // partition.metadata paths are derived from dir() on use) into `new_dir`, and fsyncs both
  // parents. Open descriptors stay valid across the rename, so FileSlices in flight are
  // unaffected. Errors leave the log where it was and usable: KAFKA_STORAGE_ERROR when
  // `new_dir` exists, when it is on another filesystem (EXDEV: nothing is copied here; the
  // caller copies, see with_flushed_dir) or when the rename fails; an fsync failure after the rename is returned with the log already moved.
  // `cross_device` (when not null) is set when the rename failed with EXDEV, so that the
  // caller can copy instead (LogManager: bind mounts of one filesystem look alike by st_dev).
  Status relocate(const std::string& new_dir, bool* cross_device = nullptr);

  // For a copy of the partition to another filesystem (LogManager's future replica, see
  // log_dir_mover.h). The state a copier needs, taken under the log's lock right after a flush.
  struct DirState {
    std::string dir;
    // Counts the changes to files of the directory other than appends: truncation (truncate_to,
    // truncate_fully_and_start_at) and compaction's replacement of a segment. While it stays
    // the same, a .log, .index or .timeindex file with the same inode only grew, so a copy of
    // its first bytes is still good.
    uint64_t rewrites = 0;
    int64_t log_end_offset = 0;
    // (base offset, next offset) of each segment, in offset order.
    std::vector<std::pair<int64_t, int64_t>> segments;
  };
  // Flushes (data, indexes, recovery point = log end) and calls fn(state, &new_dir) under the
  // log's lock, so nothing is appended, truncated, compacted or deleted meanwhile; fn must not
  // call this log. When fn leaves `new_dir` non-empty (whatever it returns), the directory has
  // been replaced by a complete copy at `new_dir`: the log then lives there (dir() and every
  // segment; each segment reopens its .log from the copy, LogSegment::switch_dir), and segments
  // awaiting deletion are dropped (their files went with the old directory). The object stays
  // the same. Returns fn's status (or the flush's).
  Status with_flushed_dir(const std::function<Status(const DirState&, std::string* new_dir)>& fn);
  uint64_t rewrite_count() const;

  int64_t size_bytes() const;
  std::vector<SegmentInfo> segments() const;
  size_t segment_count() const;

  // Leader epochs: (epoch, start offset) pairs, persisted in leader-epoch-checkpoint.
  std::vector<EpochEntry> leader_epochs() const;
  // A new leader records where its epoch starts (before any append in it), so that followers
  // truncate to the right place. Ignored when the cache already has this epoch or a later one.
  Status assign_epoch_start_offset(int32_t epoch, int64_t offset);
  int32_t latest_epoch() const;  // -1 when none
  // OffsetForLeaderEpoch: {largest epoch <= requested, its end offset}; {-1, -1} when unknown.
  std::pair<int32_t, int64_t> end_offset_for_epoch(int32_t epoch) const;

  // Transactions (producer_state.h). The last stable offset: the first offset of the oldest
  // open transaction, capped by the high watermark.
  int64_t last_stable_offset() const;
  // Aborted transactions overlapping [from, to), for read_committed fetches.
  std::vector<AbortedTxn> aborted_transactions(int64_t from, int64_t to) const;
  // A copy of the producer entries (DescribeProducers).
  std::vector<ProducerEntry> producer_entries() const;
  // Forgets producers idle for producer.id.expiration.ms with no open transaction.
  void expire_producers(int64_t now_ms, int64_t expiration_ms);

  std::optional<Uuid> topic_id() const;
  Status set_topic_id(const Uuid& id);  // writes partition.metadata

  const LogConfig& config() const;
  void set_config(const LogConfig& config);

 private:
  PartitionLog(std::string dir, std::string topic, int32_t partition, const LogConfig& config);
  Status recover_files();
  Status load_segments(const OpenOptions& options, int64_t now_ms);
  Status roll(int64_t now_ms);
  Status flush_locked(int64_t now_ms);
  Status delete_segment(std::map<int64_t, std::unique_ptr<LogSegment>>::iterator it, int64_t now_ms);
  Status update_epoch_cache(int32_t epoch, int64_t start_offset);
  Status truncate_epoch_cache_from_end(int64_t end_offset);
  LogSegment* active() const { return segments_.rbegin()->second.get(); }
  Status replace_segment(int64_t base, std::unique_ptr<LogSegment> cleaned);
  struct CleaningSnapshot;  // log_cleaner.cpp
  bool snapshot_holds_locked(const CleaningSnapshot& snap, int64_t base, const LogSegment* identity) const;
  // Producer state: snapshot at the log end (on roll and close), and the rebuild from the
  // last snapshot at or below the log end plus the log after it (open, truncation).
  Status write_producer_snapshot();
  Status rebuild_producer_state();
  Status append_txn_index(const AbortedTxn& a);

  mutable std::mutex mu_;
  std::string dir_;
  std::string topic_;
  int32_t partition_;
  LogConfig config_;
  std::map<int64_t, std::unique_ptr<LogSegment>> segments_;  // by base offset; never empty
  int64_t log_start_offset_ = 0;
  int64_t log_end_offset_ = 0;
  int64_t high_watermark_ = 0;
  int64_t recovery_point_ = 0;
  int64_t cleaner_offset_ = 0;
  int64_t unflushed_messages_ = 0;
  int64_t last_flush_ms_ = 0;
  bool dir_needs_sync_ = false;
  std::vector<EpochEntry> epochs_;
  std::optional<Uuid> topic_id_;
  struct PendingDelete {
    std::unique_ptr<LogSegment> segment;
    int64_t due_ms;
  };
  std::vector<PendingDelete> pending_deletes_;
  ProducerStateManager producer_state_;
  uint64_t rewrites_ = 0;  // DirState::rewrites
};

}  // namespace moldau::storage
