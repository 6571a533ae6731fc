#pragma once
// A segment's sparse indexes, Kafka's file formats:
//   .index      8-byte entries: relative offset int32, position int32 (big-endian)
//   .timeindex 12-byte entries: timestamp int64, relative offset int32
// Entries are added every index.interval.bytes of appended data. The entries live in memory
// (a vector) and are written to the file by persist(): only the entries added since the last
// persist are written, and the file is cut when entries were truncated away. Files are exactly
// entries * entry size bytes (Kafka preallocates and trims on close; we never preallocate).
// Not thread-safe: owned by a LogSegment, guarded by its partition's mutex.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::storage {

struct OffsetIndexEntry {
  int64_t offset = 0;    // absolute (relative on disk)
  int32_t position = 0;  // byte position of a batch in the .log file
};

struct TimeIndexEntry {
  int64_t timestamp = 0;
  int64_t offset = 0;  // absolute (relative on disk)
};

// The shared part: in-memory entries, persistence, truncation.
template <class Entry>
class SparseIndex {
 public:
  SparseIndex(std::string path, int64_t base_offset, int64_t max_index_bytes);

  const std::string& path() const { return path_; }
  int64_t base_offset() const { return base_offset_; }
  size_t entries() const { return entries_.size(); }
  const Entry& entry(size_t i) const { return entries_[i]; }
  bool empty() const { return entries_.empty(); }
  const Entry& last() const { return entries_.back(); }
  size_t max_entries() const { return max_entries_; }
  bool full() const { return entries_.size() >= max_entries_; }
  int64_t size_bytes() const;

  // Reads the file. Returns false (and leaves the index empty) when the file is missing or
  // fails the sanity check (size not a multiple of the entry size, offsets not increasing or
  // below the base, positions past `log_size`): the caller rebuilds it from the log.
  Result<bool> load(int64_t log_size);
  // Drops entries whose offset is >= `offset`.
  void truncate_to_offset(int64_t offset);
  void clear() { truncate_to_offset(base_offset_); entries_.clear(); }
  // Writes entries not yet on disk; cuts the file if entries were dropped. `sync`: fsync too.
  Status persist(bool sync);
  // Renames the file (and remembers the new path).
  Status rename_to(const std::string& new_path);
  Status remove_file();
  void set_path(std::string p) { path_ = std::move(p); }

 protected:
  static constexpr size_t kEntrySize = std::is_same_v<Entry, TimeIndexEntry> ? 12 : 8;
  void encode(const Entry& e, uint8_t* out) const;
  Entry decode(const uint8_t* in) const;
  bool sane(const Entry& prev, const Entry& e, bool first, int64_t log_size) const;

  std::string path_;
  int64_t base_offset_;
  size_t max_entries_;
  std::vector<Entry> entries_;
  size_t persisted_ = 0;       // entries_[0, persisted_) are in the file
  bool file_too_long_ = true;  // the file may hold more than persisted_ entries: cut it
  bool unsynced_ = true;       // written since the last fsync (or never synced)
};

class OffsetIndex : public SparseIndex<OffsetIndexEntry> {
 public:
  using SparseIndex::SparseIndex;
  static constexpr size_t kEntryBytes = 8;
  // Adds (offset, position); offset must exceed the last entry's.
  void append(int64_t offset, int32_t position);
  // The entry with the largest offset <= target; {base_offset, 0} when there is none.
  OffsetIndexEntry lookup(int64_t target) const;
};

class TimeIndex : public SparseIndex<TimeIndexEntry> {
 public:
  using SparseIndex::SparseIndex;
  static constexpr size_t kEntryBytes = 12;
  // Adds (timestamp, offset) when timestamp exceeds the last entry's (Kafka's maybeAppend).
  void maybe_append(int64_t timestamp, int64_t offset);
  // The entry with the largest timestamp <= target; {-1, base_offset} when there is none.
  TimeIndexEntry lookup(int64_t target) const;
};

}  // namespace moldau::storage
