#pragma once
// The copy behind a move of a partition to a log dir on another filesystem (AlterReplicaLogDirs;
// LogManager::move_partition runs it on a thread of its own). Kafka's shape: the partition is
// copied into `<target dir>/<topic>-<partition>.<32 hex>-future`, the future replica, which is
// swapped in once it has caught up.
//
// FutureDirCopy brings a future directory up to date with the partition directory, file by
// file. It relies on how PartitionLog changes its files: a .log, .index or .timeindex file only
// grows, except when it is truncated or replaced (compaction writes a new file under the old
// name; retention renames it away), and both bump PartitionLog::DirState::rewrites. So a file
// copied earlier whose inode is the same, whose size did not shrink and with no rewrite since
// needs only its new tail; anything else is copied whole. The small files (checkpoints,
// snapshots, partition.metadata, .txnindex) are rewritten atomically or appended, and are
// copied whole by the final round only.
//
// Rounds: catch_up() runs without the log's lock, from a listing taken under it (list()), and
// copies the growing files up to the sizes listed then (bytes past them may be a torn append).
// finish() runs under the log's lock (nothing changes meanwhile): every file, stale files
// removed, the .log files' modification times kept (retention and ListOffsets v0 read them),
// everything fsynced. The time appends wait in finish() is bounded by what arrived since the
// last catch-up round, not by the log's size.
//
// Not thread-safe: one copy, one thread. Progress is published through atomics for
// DescribeLogDirs.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::storage {

// Written into the future dir once its copy is complete, before it is renamed into place; a
// partition found in two log dirs with this file in exactly one is resolved at start-up in
// favour of the marked one (LogManager::open).
inline constexpr char kMovedMarkerFile[] = ".moldau-moved";
inline constexpr char kFutureDirSuffix[] = "-future";

struct SourceFile {
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
};
// name -> state of the regular files of a partition directory, leaving out what is not part of
// the log (segments awaiting deletion `*.deleted`, temp files `*.tmp`, compaction's
// `*.cleaned`/`*.swap`, the moved marker).
Result<std::map<std::string, SourceFile>> list_partition_files(const std::string& dir);

struct CopyProgress {
  std::atomic<int64_t> bytes{0};         // bytes in the future dir now
  std::atomic<int64_t> next_offset{-1};  // next offset of the last .log copied in full (-1: none yet)
};

class FutureDirCopy {
 public:
  // `future_dir` is created by the first round. `cancel` is checked between files and chunks.
  // `rate` (bytes per second, INT64_MAX: unlimited; may be null) holds catch_up() back.
  FutureDirCopy(std::string future_dir, const std::atomic<bool>* cancel, CopyProgress* progress,
                const std::atomic<int64_t>* rate = nullptr);

  // One round without the log's lock. `files`, `rewrites` and `segments` were taken together
  // under it (PartitionLog::with_flushed_dir). Returns the bytes copied by this round.
  // CANCELLED-like: returns kKafkaStorageError "cancelled" when *cancel became true.
  Result<int64_t> catch_up(const std::string& source, const std::map<std::string, SourceFile>& files,
                           uint64_t rewrites, const std::vector<std::pair<int64_t, int64_t>>& segments);
  // The last round, under the log's lock: afterwards the future dir holds exactly the files of
  // `source`, durably. Returns the bytes copied by this round.
  Result<int64_t> finish(const std::string& source, const std::map<std::string, SourceFile>& files,
                         uint64_t rewrites, const std::vector<std::pair<int64_t, int64_t>>& segments);

  const std::string& dir() const { return dir_; }
  bool cancelled() const { return cancel_->load(); }

 private:
  struct Copied {
    uint64_t inode = 0;    // of the source file read
    int64_t size = 0;      // bytes of it in the copy
    uint64_t rewrites = 0;  // the source's rewrite count when they were read
  };
  Result<int64_t> round(const std::string& source, const std::map<std::string, SourceFile>& files,
                        uint64_t rewrites, const std::vector<std::pair<int64_t, int64_t>>& segments, bool final);
  // Copies [from, to) of source/name into the future file (whole: from 0, the copy cut to what
  // was read). Returns the bytes copied.
  Result<int64_t> copy_file(const std::string& source, const std::string& name, int64_t from, int64_t to,
                            uint64_t rewrites, bool sync);
  void publish();
  // Sleeps as long as the rate asks after `bytes` more (catch-up rounds only).
  void throttle(int64_t bytes);

  std::string dir_;
  const std::atomic<bool>* cancel_;
  CopyProgress* progress_;
  std::map<std::string, Copied> copied_;
  bool created_ = false;
  const std::atomic<int64_t>* rate_;
  bool throttled_ = false;  // the round under way is a catch-up round
  int64_t window_rate_ = 0;
  std::chrono::steady_clock::time_point window_start_;
  int64_t window_bytes_ = 0;
};

// Whether a name is one the copy brings over as a growing file (.log, .index, .timeindex).
bool is_growing_segment_file(const std::string& name);

}  // namespace moldau::storage
