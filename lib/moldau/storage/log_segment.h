#pragma once
// One segment of a partition log: <base>.log plus its .index and .timeindex. The .log file is
// opened on use through the bounded OpenFiles cache (open_files.h), in a shared FileHandle so
// that FileSlices handed to the network stay valid after the segment is closed, deleted or
// replaced. Not thread-safe: guarded by the partition's mutex.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "moldau/common/file_slice.h"
#include "moldau/common/result.h"
#include "moldau/storage/batch_scanner.h"
#include "moldau/storage/index.h"
#include "moldau/storage/log_config.h"

namespace moldau::storage {

struct OffsetAndTimestamp {
  int64_t offset = -1;
  int64_t timestamp = -1;
  friend bool operator==(const OffsetAndTimestamp&, const OffsetAndTimestamp&) = default;
};

// A batch located in a segment.
struct BatchLocation {
  int64_t position = 0;
  int32_t size = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};

class LogSegment {
 public:
  // Creates empty files for a new segment (an existing .log of that name is truncated).
  static Result<std::unique_ptr<LogSegment>> create(const std::string& dir, int64_t base_offset,
                                                    const LogConfig& config, int64_t now_ms);
  // Opens an existing segment. Loads its indexes; when they are missing or fail the sanity
  // check, rebuilds them by scanning (*rebuilt = true). Computes next_offset from the tail.
  static Result<std::unique_ptr<LogSegment>> open(const std::string& dir, int64_t base_offset,
                                                  const LogConfig& config, int64_t now_ms, bool* rebuilt);
  // The cleaner's copy of a segment, `<base>.log.cleaned` (complete and fsynced), opened as a
  // segment of its own with both indexes built by scanning it, into `<base>.index.cleaned` and
  // `<base>.timeindex.cleaned`: the work done before the partition's lock is taken, so that the
  // swap under it is renames only (install_cleaned). Its files keep the `.cleaned` names, which
  // start-up deletes, until then.
  static Result<std::unique_ptr<LogSegment>> open_cleaned(const std::string& dir, int64_t base_offset,
                                                          const LogConfig& config, int64_t now_ms);
  // The caller has renamed `<base>.log.cleaned` to `<base>.log` (through `.log.swap`); renames
  // the indexes to their own names too. The .log's descriptor stays valid across its renames.
  Status install_cleaned();
  ~LogSegment();

  int64_t base_offset() const { return base_offset_; }
  int64_t size() const { return size_; }
  // The offset after the last batch (base offset when empty).
  int64_t next_offset() const { return next_offset_; }
  bool empty() const { return size_ == 0; }
  const std::string& log_path() const { return log_path_; }
  // The open .log file (opened again if the cache closed it).
  Result<std::shared_ptr<FileHandle>> file() const;
  const OffsetIndex& offset_index() const { return offset_index_; }
  const TimeIndex& time_index() const { return time_index_; }
  // Largest batch max timestamp in the segment (-1 when none) and the last offset of that batch.
  int64_t max_timestamp() const { return max_timestamp_; }
  int64_t offset_of_max_timestamp() const { return offset_of_max_timestamp_; }
  // Kafka's rolling base: the first batch's max timestamp (-1 when it has none).
  int64_t rolling_base_timestamp() const { return rolling_base_ts_; }
  // What time retention measures: the largest record timestamp, or the .log file's modification
  // time when no record has a timestamp (as Kafka's LogSegment.largestTimestamp).
  Result<int64_t> largest_timestamp() const;
  bool has_unflushed_data() const { return unflushed_; }
  // Bytes cut from the tail when open() had to rebuild the indexes by recovery.
  int64_t bytes_cut_on_open() const { return last_recovery_cut_; }

  // Whether `bytes` more (with offsets up to `last_offset`, timestamps up to `max_timestamp`)
  // should go to a new segment. segment.ms counts from the first batch's timestamp to the new
  // batches' (Kafka's rule), or from the segment's creation when the first batch has none.
  bool should_roll(const LogConfig& config, int64_t bytes, int64_t last_offset, int64_t max_timestamp,
                   int64_t now_ms) const;

  // Appends whole, already offset-assigned batches with one pwrite; indexes them.
  Status append(std::span<const uint8_t> batches);

  // The first batch whose last offset >= offset, scanning from the offset index's hint.
  Result<std::optional<BatchLocation>> translate_offset(int64_t offset) const;

  // A slice for fetch: from the batch holding `offset`, at most max(max_bytes, first batch
  // size if min_one_batch) bytes, never past `max_position`. nullopt when no batch holds it.
  struct Slice {
    FileSlice slice;
    int64_t first_batch_offset = 0;
  };
  Result<std::optional<Slice>> read(int64_t offset, int64_t max_bytes, int64_t max_position,
                                    bool min_one_batch) const;

  // The first record at or after `start_offset` whose timestamp >= target.
  Result<std::optional<OffsetAndTimestamp>> find_offset_by_timestamp(int64_t target, int64_t start_offset) const;
  // The exact record of the max timestamp (first record carrying it).
  Result<OffsetAndTimestamp> max_timestamp_record() const;

  // Scans every batch from the start, checking lengths and CRCs, rebuilds both indexes and
  // cuts the file at the first invalid batch. Returns the bytes cut.
  Result<int64_t> recover();
  // Removes every batch whose last offset >= offset (whole batches, as Kafka does).
  Status truncate_to(int64_t offset);

  // fsyncs the .log (when it has unflushed data) and persists + fsyncs the indexes.
  Status flush();
  // On roll and close: final time index entry (Kafka's onBecomeInactiveSegment), indexes
  // written to their files (no fsync).
  Status seal();
  Status persist_indexes(bool sync);
  // Renames the three files by appending `suffix` (e.g. ".deleted"); the open fd stays valid.
  Status add_suffix(const std::string& suffix);
  // Unlinks the files (under whatever names they have now).
  Status remove_files();
  // The partition directory was renamed to `new_dir` (same files, same inodes): points the
  // .log path and both index paths into it, keeping any suffix (e.g. ".deleted"). Touches no
  // file; the cached descriptor (OpenFiles, by id) stays valid, and a reopen after eviction
  // uses the new path. Only for the owning PartitionLog, under its lock, right after the rename.
  void relocate(const std::string& new_dir);
  // The partition now lives in a copy of its directory at `new_dir` (a move to another
  // filesystem: other files, other inodes): relocate(), and the cached descriptor is dropped so
  // that the next use opens the copy. FileSlices in flight keep the old file's handle, which
  // stays readable after the old directory is removed. Same caller rules as relocate().
  void switch_dir(const std::string& new_dir);

 private:
  LogSegment(std::string dir, int64_t base_offset, const LogConfig& config, uint64_t file_id, int64_t size,
             int64_t now_ms);
  // The segment object over the .log at `path` (its indexes not loaded yet).
  static Result<std::unique_ptr<LogSegment>> open_file(const std::string& dir, int64_t base_offset,
                                                       const LogConfig& config, int64_t now_ms,
                                                       const std::string& path);
  Status load_tail_state();
  void index_batch(int64_t position, const BatchHeader& h, int32_t size);

  std::string dir_;
  int64_t base_offset_;
  std::string log_path_;
  uint64_t file_id_;  // in OpenFiles
  int64_t size_;
  int64_t next_offset_;
  int64_t index_interval_bytes_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  int64_t bytes_since_last_index_entry_ = 0;
  int64_t max_timestamp_ = -1;
  int64_t offset_of_max_timestamp_ = -1;
  int64_t rolling_base_ts_ = -1;
  int64_t created_ms_;
  bool unflushed_ = false;
  int64_t last_recovery_cut_ = 0;
};

}  // namespace moldau::storage
