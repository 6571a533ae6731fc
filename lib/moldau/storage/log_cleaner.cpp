// Compaction of a PartitionLog (cleanup.policy=compact). The rules, and the crash-safe file
// protocol (.cleaned -> .swap -> .log), are written down in docs/storage.md.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <unordered_map>
#include <vector>

#include "moldau/storage/file_util.h"
#include "moldau/storage/partition_log.h"

namespace moldau::storage {

namespace pr = protocol;

namespace {

// Whether a batch's records can be looked at (uncompressed data batch).
bool decodable(const BatchHeader& h) {
  return h.compression() == pr::Compression::kNone && !h.is_control();
}

std::string key_string(std::span<const uint8_t> k) { return std::string(k.begin(), k.end()); }

}  // namespace

Result<CompactionStats> PartitionLog::compact(int64_t now_ms, bool force) {
  std::lock_guard lock(mu_);
  CompactionStats stats;
  if (!config_.cleanup_compact || segments_.size() < 2) return stats;
  // Cleanable: every non-active segment, stopping at one still within min.compaction.lag.ms.
  std::vector<LogSegment*> cleanable;
  for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
    LogSegment* seg = it->second.get();
    if (config_.min_compaction_lag_ms > 0 && seg->max_timestamp() > now_ms - config_.min_compaction_lag_ms) break;
    cleanable.push_back(seg);
  }
  if (cleanable.empty()) return stats;
  int64_t total = 0, dirty = 0;
  for (LogSegment* seg : cleanable) {
    total += seg->size();
    if (seg->next_offset() > cleaner_offset_) dirty += seg->size();
  }
  if (total == 0 || (dirty == 0 && !force)) return stats;
  if (!force && static_cast<double>(dirty) / static_cast<double>(total) < config_.min_cleanable_dirty_ratio)
    return stats;

  // Pass 1: the last offset of every key, and each producer's last batch.
  std::unordered_map<std::string, int64_t> last_offset_of_key;
  std::unordered_map<int64_t, int64_t> last_batch_of_producer;
  std::vector<RecordView> recs;
  std::string err;
  for (LogSegment* seg : cleanable) {
    MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, seg->file());
    BatchScanner scan(file->fd(), seg->log_path(), 0, seg->size(), true);
    ScannedBatch b;
    ScanResult r;
    while ((r = scan.next(&b)) == ScanResult::kBatch) {
      if (b.header.producer_id >= 0) last_batch_of_producer[b.header.producer_id] = b.header.base_offset;
      if (!decodable(b.header)) continue;
      recs.clear();
      if (!decode_records({b.data, b.size}, &recs, &err)) continue;
      for (const auto& rec : recs)
        if (rec.key) last_offset_of_key[key_string(*rec.key)] = rec.offset;
    }
    if (r == ScanResult::kIoError) return scan.status();
  }

  // Pass 2: rewrite each segment that loses something.
  std::vector<int64_t> bases;
  for (LogSegment* seg : cleanable) bases.push_back(seg->base_offset());
  for (int64_t base : bases) {
    LogSegment* seg = segments_.at(base).get();
    bool drop_tombstones = seg->max_timestamp() < now_ms - config_.delete_retention_ms;
    std::vector<uint8_t> out;
    out.reserve(static_cast<size_t>(seg->size()));
    bool changed = false;
    MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, seg->file());
    BatchScanner scan(file->fd(), seg->log_path(), 0, seg->size(), true);
    ScannedBatch b;
    ScanResult r;
    while ((r = scan.next(&b)) == ScanResult::kBatch) {
      const uint8_t* data = b.data;
      auto copy_whole = [&] { out.insert(out.end(), data, data + b.size); };
      recs.clear();
      if (!decodable(b.header) || !decode_records({b.data, b.size}, &recs, &err)) {
        copy_whole();
        continue;
      }
      std::vector<const RecordView*> keep;
      for (const auto& rec : recs) {
        if (!rec.key) continue;  // a compacted topic's records need keys; Kafka drops keyless ones
        if (last_offset_of_key[key_string(*rec.key)] > rec.offset) continue;
        if (!rec.value && drop_tombstones) continue;
        keep.push_back(&rec);
      }
      if (keep.size() == recs.size()) {
        copy_whole();
        continue;
      }
      changed = true;
      stats.records_removed += static_cast<int64_t>(recs.size() - keep.size());
      bool keep_empty = b.header.producer_id >= 0 &&
                        last_batch_of_producer[b.header.producer_id] == b.header.base_offset;
      if (keep.empty() && !keep_empty) continue;
      // Same header (base offset, lastOffsetDelta, base timestamp, producer fields), the
      // surviving records' bytes unchanged (their deltas stay relative to the same base).
      size_t start = out.size();
      out.insert(out.end(), data, data + kMinBatchSize);
      int64_t max_ts = -1;
      for (const RecordView* rec : keep) {
        out.insert(out.end(), rec->raw.begin(), rec->raw.end());
        max_ts = std::max(max_ts, rec->timestamp);
      }
      uint8_t* nb = out.data() + start;
      size_t size = out.size() - start;
      store_be32(nb + pr::kBatchLengthPos, static_cast<uint32_t>(size - pr::kLogOverhead));
      store_be32(nb + pr::kRecordsCountPos, static_cast<uint32_t>(keep.size()));
      if (!b.header.log_append_time() && !keep.empty()) store_be64(nb + pr::kMaxTimestampPos, static_cast<uint64_t>(max_ts));
      update_batch_crc(nb, size);
    }
    if (r == ScanResult::kIoError) return scan.status();
    if (!changed) continue;
    stats.segments_cleaned++;
    stats.bytes_before += seg->size();
    stats.bytes_after += static_cast<int64_t>(out.size());

    std::string stem = dir_ + "/" + offset_file_stem(base);
    std::string cleaned = stem + ".log.cleaned", swap = stem + ".log.swap";
    int fd = ::open(cleaned.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("create", cleaned, errno);
    Status s = pwrite_all(fd, out.data(), out.size(), 0, cleaned);
    if (s.ok() && ::fsync(fd) != 0) s = io_error("fsync", cleaned, errno);
    ::close(fd);
    MOLDAU_RETURN_IF_ERROR(s);
    MOLDAU_RETURN_IF_ERROR(rename_file(cleaned, swap));
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
    // From here a crash rolls forward: open() replaces the segment with the .swap file.
    MOLDAU_RETURN_IF_ERROR(replace_segment(base, now_ms));
  }
  cleaner_offset_ = active()->base_offset();
  return stats;
}

// Replaces segment `base` with its completed .log.swap file. In-flight FileSlices keep the
// old file alive through its shared handle.
Status PartitionLog::replace_segment(int64_t base, int64_t now_ms) {
  std::string stem = dir_ + "/" + offset_file_stem(base);
  auto it = segments_.find(base);
  MOLDAU_RETURN_IF_ERROR(it->second->remove_files());
  segments_.erase(it);
  MOLDAU_RETURN_IF_ERROR(rename_file(stem + ".log.swap", stem + ".log"));
  MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
  bool rebuilt = false;
  MOLDAU_ASSIGN_OR_RETURN(auto seg, LogSegment::open(dir_, base, config_, now_ms, &rebuilt));
  MOLDAU_RETURN_IF_ERROR(seg->seal());
  segments_.emplace(base, std::move(seg));
  return Status();
}

}  // namespace moldau::storage
