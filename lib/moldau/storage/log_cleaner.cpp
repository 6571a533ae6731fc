// Compaction of a PartitionLog (cleanup.policy=compact), after Kafka's LogCleaner and
// MemoryRecords.filterTo: compressed batches are decompressed, filtered record by record and
// recompressed with their own codec. The rules, and the crash-safe file protocol (.cleaned ->
// .swap -> .log), are written down in docs/storage.md.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "moldau/common/log.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/compression.h"
#include "moldau/protocol/record.h"
#include "moldau/storage/file_util.h"
#include "moldau/storage/partition_log.h"

namespace moldau::storage {

namespace pr = protocol;

namespace {

spdlog::logger& cleaner_log() { return logger("LogCleaner"); }

// What one compressed batch may inflate to in the cleaner's memory. A batch is at most
// max.message.bytes on disk; 64 times that (at least 8 MiB, at most 256 MiB) covers real data,
// while a decompression bomb is kept as it is (and logged) instead of filling memory.
size_t max_decompressed_bytes(const LogConfig& config) {
  size_t by_ratio = 64 * static_cast<size_t>(std::max<int32_t>(config.max_message_bytes, 0));
  return std::clamp<size_t>(by_ratio, size_t{8} << 20, size_t{256} << 20);
}

// KIP-534: a batch's delete horizon lives in baseTimestamp when attributes bit 6 is set.
std::optional<int64_t> delete_horizon(const BatchHeader& h) {
  if (!(h.attributes & pr::kDeleteHorizonBit)) return std::nullopt;
  return h.base_timestamp;
}

int64_t saturating_add(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) return std::numeric_limits<int64_t>::max();
  return a + b;
}

enum class Marker { kEmpty, kAbort, kCommit, kOther };

// The marker a control batch holds; kEmpty for a control batch already emptied by cleaning.
Marker marker_of(const ScannedBatch& b) {
  auto d = pr::decode_records({b.data, b.size});
  if (!d.ok()) return Marker::kOther;
  if (d->records.empty()) return Marker::kEmpty;
  auto c = pr::parse_control_record(d->records[0]);
  if (!c.ok()) return Marker::kOther;
  if (c->type == static_cast<int16_t>(pr::ControlType::kAbort)) return Marker::kAbort;
  if (c->type == static_cast<int16_t>(pr::ControlType::kCommit)) return Marker::kCommit;
  return Marker::kOther;
}

// Kafka's CleanedTransactionMetadata: walks the cleaned range in offset order and says, per
// batch, whether the transactions let it go. Data batches of aborted transactions go. A COMMIT
// marker may go once no batch of its transaction is left, an ABORT marker once none of its
// aborted batches is left: the data always goes first, so a read_committed reader never meets
// aborted records without the marker that tells it to skip them.
class TransactionWalk {
 public:
  explicit TransactionWalk(std::vector<AbortedTxn> aborted) : aborted_(std::move(aborted)) {
    std::sort(aborted_.begin(), aborted_.end(),
              [](const AbortedTxn& x, const AbortedTxn& y) { return x.first_offset < y.first_offset; });
  }

  // Whether a data batch belongs to an aborted transaction.
  bool on_data_batch(const BatchHeader& h) {
    consume_up_to(h.last_offset());
    if (!h.is_transactional()) return false;
    if (auto it = ongoing_aborted_.find(h.producer_id); it != ongoing_aborted_.end()) {
      it->second = true;  // a batch of it is still in the log
      return true;
    }
    ongoing_committed_.insert(h.producer_id);
    return false;
  }

  // Whether a control batch's marker may go: its transaction has no data left in the log.
  bool on_control_batch(const BatchHeader& h, Marker marker) {
    consume_up_to(h.last_offset());
    switch (marker) {
      case Marker::kEmpty:
        return true;
      case Marker::kAbort: {
        auto it = ongoing_aborted_.find(h.producer_id);
        if (it == ongoing_aborted_.end()) return true;
        bool data_left = it->second;
        ongoing_aborted_.erase(it);
        return !data_left;
      }
      case Marker::kCommit:
        return ongoing_committed_.erase(h.producer_id) == 0;
      case Marker::kOther:
        return false;
    }
    return false;
  }

 private:
  void consume_up_to(int64_t offset) {
    while (next_ < aborted_.size() && aborted_[next_].first_offset <= offset)
      ongoing_aborted_.try_emplace(aborted_[next_++].producer_id, false);
  }

  std::vector<AbortedTxn> aborted_;  // by first offset
  size_t next_ = 0;
  std::unordered_map<int64_t, bool> ongoing_aborted_;  // producer id -> a data batch was seen
  std::set<int64_t> ongoing_committed_;
};

// The cleaned copy of one segment, written to <base>.log.cleaned. Nothing is written until the
// first batch that changes; the unchanged prefix is then copied from the segment, so a segment
// that loses nothing costs no writes. Output goes out in chunks of kChunk bytes, so memory stays
// bounded by the largest batch. The file is removed unless finish() succeeded.
class CleanedSegmentWriter {
 public:
  CleanedSegmentWriter(int source_fd, std::string source_path, std::string path)
      : source_fd_(source_fd), source_path_(std::move(source_path)), path_(std::move(path)) {}
  ~CleanedSegmentWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (started_ && !finished_) ::unlink(path_.c_str());
  }
  CleanedSegmentWriter(const CleanedSegmentWriter&) = delete;
  CleanedSegmentWriter& operator=(const CleanedSegmentWriter&) = delete;

  // A batch kept byte for byte.
  Status keep(std::span<const uint8_t> batch) {
    if (!started_) {
      prefix_ += static_cast<int64_t>(batch.size());
      return Status();
    }
    return append(batch);
  }
  // A batch replaced by `bytes` (empty: dropped).
  Status replace(std::span<const uint8_t> bytes) {
    if (!started_) MOLDAU_RETURN_IF_ERROR(start());
    return append(bytes);
  }
  bool changed() const { return started_; }
  int64_t size() const { return written_ + static_cast<int64_t>(buf_.size()); }
  const std::string& path() const { return path_; }

  // Writes what is buffered, fsyncs and closes.
  Status finish() {
    MOLDAU_RETURN_IF_ERROR(flush());
    if (::fsync(fd_) != 0) return io_error("fsync", path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return io_error("close", path_, errno);
    finished_ = true;
    return Status();
  }

 private:
  static constexpr size_t kChunk = 1 << 20;

  Status start() {
    started_ = true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return io_error("create", path_, errno);
    std::vector<uint8_t> chunk;
    for (int64_t pos = 0; pos < prefix_;) {
      size_t n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kChunk), prefix_ - pos));
      chunk.resize(n);
      MOLDAU_RETURN_IF_ERROR(pread_all(source_fd_, chunk.data(), n, pos, source_path_));
      MOLDAU_RETURN_IF_ERROR(pwrite_all(fd_, chunk.data(), n, written_, path_));
      written_ += static_cast<int64_t>(n);
      pos += static_cast<int64_t>(n);
    }
    return Status();
  }
  Status append(std::span<const uint8_t> bytes) {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    return buf_.size() >= kChunk ? flush() : Status();
  }
  Status flush() {
    if (buf_.empty()) return Status();
    MOLDAU_RETURN_IF_ERROR(pwrite_all(fd_, buf_.data(), buf_.size(), written_, path_));
    written_ += static_cast<int64_t>(buf_.size());
    buf_.clear();
    return Status();
  }

  int source_fd_;
  std::string source_path_;
  std::string path_;
  int fd_ = -1;
  bool started_ = false;
  bool finished_ = false;
  int64_t prefix_ = 0;   // bytes of the source kept unchanged before the first change
  int64_t written_ = 0;  // bytes in the file so far
  std::vector<uint8_t> buf_;
};

// Kafka's DefaultRecordBatch.writeEmptyHeader: the batch's offsets, producer fields, flags and
// max timestamp with no records, uncompressed, so that producer state survives its records.
std::vector<uint8_t> empty_batch(const BatchHeader& h) {
  std::vector<uint8_t> out(kMinBatchSize);
  uint8_t* p = out.data();
  auto attributes = static_cast<int16_t>(h.attributes & (pr::kTimestampTypeBit | pr::kTransactionalBit |
                                                         pr::kControlBit));
  store_be64(p + pr::kBaseOffsetPos, static_cast<uint64_t>(h.base_offset));
  store_be32(p + pr::kBatchLengthPos, static_cast<uint32_t>(kMinBatchSize - pr::kLogOverhead));
  store_be32(p + pr::kLeaderEpochPos, static_cast<uint32_t>(h.partition_leader_epoch));
  p[pr::kMagicPos] = static_cast<uint8_t>(pr::kMagicV2);
  store_be16(p + pr::kAttributesPos, static_cast<uint16_t>(attributes));
  store_be32(p + pr::kLastOffsetDeltaPos, static_cast<uint32_t>(h.last_offset_delta));
  store_be64(p + pr::kBaseTimestampPos, static_cast<uint64_t>(pr::kNoTimestamp));
  store_be64(p + pr::kMaxTimestampPos, static_cast<uint64_t>(h.max_timestamp));
  store_be64(p + pr::kProducerIdPos, static_cast<uint64_t>(h.producer_id));
  store_be16(p + pr::kProducerEpochPos, static_cast<uint16_t>(h.producer_epoch));
  store_be32(p + pr::kBaseSequencePos, static_cast<uint32_t>(h.base_sequence));
  store_be32(p + pr::kRecordsCountPos, 0);
  update_batch_crc(p, out.size());
  return out;
}

// Kafka's MemoryRecords.buildRetainedRecordsInto: the kept records in a batch of the same
// codec, base offset, lastOffsetDelta (the producer's last sequence stays derivable), timestamp
// type, producer fields and flags.
Result<std::vector<uint8_t>> rebuild_batch(const BatchHeader& h, const std::vector<const pr::Record*>& kept,
                                           std::optional<int64_t> horizon) {
  pr::BatchBuilder::Options o;
  o.compression = h.compression();
  o.base_offset = h.base_offset;
  o.partition_leader_epoch = h.partition_leader_epoch;
  o.producer_id = h.producer_id;
  o.producer_epoch = h.producer_epoch;
  o.base_sequence = h.base_sequence;
  o.transactional = h.is_transactional();
  o.control = h.is_control();
  o.log_append_time = h.log_append_time();
  o.log_append_time_ms = h.max_timestamp;
  o.explicit_offsets = true;
  o.last_offset_delta = h.last_offset_delta;
  o.delete_horizon_ms = horizon;
  pr::BatchBuilder builder(o);
  for (const pr::Record* r : kept) builder.add(*r);
  return builder.build();
}

// Inputs shared by every batch of one cleaning round.
struct CleaningRound {
  const std::unordered_map<std::string, int64_t>* last_offset_of_key = nullptr;
  int64_t now_ms = 0;
  int64_t delete_retention_ms = 0;
  int64_t end_offset = 0;  // after the last batch of the round
  size_t max_decompressed = 0;
  std::string log_name;  // topic-partition, for log lines
};

// What transaction and producer state decided for one batch (Kafka's checkBatchRetention).
struct BatchVerdict {
  bool discard_records = false;     // the batch's records may all go
  bool retain_empty = false;        // keep at least the header
  bool marker_for_empty_txn = false;  // a marker whose transaction has no data left
};

// Filters one batch into `out` (Kafka's filterTo for one batch). Sets *records_removed.
Status clean_batch(const ScannedBatch& b, const BatchVerdict& v, const CleaningRound& round,
                   CleanedSegmentWriter& out, CompactionStats& stats, int64_t* records_removed) {
  const BatchHeader& h = b.header;
  std::span<const uint8_t> bytes(b.data, b.size);
  *records_removed = 0;
  if (v.discard_records && !v.retain_empty) {
    *records_removed = std::max(h.records_count, 0);
    return out.replace({});
  }
  auto decoded = pr::decode_records(bytes, {.max_decompressed_bytes = round.max_decompressed});
  if (!decoded.ok()) {
    // Too large decompressed (a bomb) or unreadable: nothing of it is removed, and its keys did
    // not enter the map either, so nothing else is removed because of it.
    cleaner_log().warn("Cleaning {}: batch at offset {} ({}) is kept as it is: {}", round.log_name,
                       h.base_offset, compression_name(h.attributes), decoded.status().message());
    ++stats.undecodable_batches_kept;
    return out.keep(bytes);
  }
  const std::optional<int64_t> horizon = delete_horizon(h);
  const bool retain_deletes = !horizon || round.now_ms < *horizon;
  std::vector<const pr::Record*> kept;
  bool tombstones = false;
  for (const pr::Record& r : decoded->records) {
    bool keep;
    if (v.discard_records) {
      keep = false;
    } else if (h.is_control()) {
      keep = true;
    } else if (!r.key) {
      keep = false;  // a compacted topic's records need keys; Kafka drops keyless ones
    } else {
      auto it = round.last_offset_of_key->find(std::string(*r.key));
      int64_t latest = it == round.last_offset_of_key->end() ? -1 : it->second;
      keep = r.offset >= latest && (r.value || retain_deletes);
    }
    if (!keep) continue;
    kept.push_back(&r);
    if (!r.value) tombstones = true;
  }
  *records_removed = static_cast<int64_t>(decoded->records.size() - kept.size());
  if (kept.empty()) {
    if (!v.retain_empty) return out.replace({});
    if (decoded->records.empty()) return out.keep(bytes);  // already an empty header
    return out.replace(empty_batch(h));
  }
  // Tombstones and markers of emptied transactions get a delete horizon the first time the
  // cleaner keeps them; a later round removes them once it has passed (KIP-534).
  const bool set_horizon = (tombstones || v.marker_for_empty_txn) && !horizon;
  if (kept.size() == decoded->records.size() && !set_horizon) return out.keep(bytes);
  auto rebuilt = rebuild_batch(h, kept, set_horizon ? saturating_add(round.now_ms, round.delete_retention_ms) : horizon);
  if (!rebuilt.ok()) {
    cleaner_log().warn("Cleaning {}: batch at offset {} could not be rebuilt, kept as it is: {}", round.log_name,
                       h.base_offset, rebuilt.status().message());
    *records_removed = 0;
    return out.keep(bytes);
  }
  return out.replace(*rebuilt);
}

// Removes the entries of a .txnindex whose ABORT markers (producer id, marker offset) the
// cleaner removed.
Status remove_txn_index_entries(const std::string& path, const std::vector<std::pair<int64_t, int64_t>>& markers) {
  if (markers.empty() || !file_exists(path)) return Status();
  MOLDAU_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
  std::string kept;
  for (const AbortedTxn& a : decode_txn_index(bytes)) {
    bool removed = std::find(markers.begin(), markers.end(), std::pair{a.producer_id, a.last_offset}) != markers.end();
    if (!removed) kept += encode_aborted_txn(a);
  }
  if (kept.size() == bytes.size()) return Status();
  return write_file_atomically(path, kept);
}

Status scan_failure(const BatchScanner& scan, ScanResult r, const std::string& log_path) {
  if (r == ScanResult::kIoError) return scan.status();
  return Status(ErrorCode::kCorruptMessage, "compaction of " + log_path + " stopped: " + scan.reason());
}

}  // namespace

Result<CompactionStats> PartitionLog::compact(int64_t now_ms, bool force) {
  CompactOptions options;
  options.force = force;
  return compact(now_ms, options);
}

// What the cleaner works from once it has let go of the log's lock: the cleanable segments as
// they were, each with its open file (a handle keeps the bytes readable whatever happens to
// the name), and the producer and transaction state of that moment.
struct PartitionLog::CleaningSnapshot {
  struct Segment {
    int64_t base = 0;
    const LogSegment* identity = nullptr;  // compared, never dereferenced, after the lock is let go
    std::shared_ptr<FileHandle> file;
    std::string log_path;
    int64_t size = 0;
  };
  std::string dir;
  uint64_t rewrites = 0;
  LogConfig config;
  std::vector<Segment> segments;
  std::vector<AbortedTxn> aborted;
  // Producer id -> (offset of its last data batch or -1, epoch): the batches kept for the
  // producer state even when they lose every record.
  std::unordered_map<int64_t, std::pair<int64_t, int16_t>> producers;
};

// Whether segment `base` of the snapshot is still in the log, unchanged, where it was. Truncation,
// another compaction (both count in rewrites_), retention, DeleteRecords and a move to
// another log dir each fail it; appends never touch a non-active segment.
bool PartitionLog::snapshot_holds_locked(const CleaningSnapshot& snap, int64_t base, const LogSegment* identity) const {
  if (dir_ != snap.dir || rewrites_ != snap.rewrites) return false;
  auto it = segments_.find(base);
  return it != segments_.end() && it->second.get() == identity && std::next(it) != segments_.end();
}

Result<CompactionStats> PartitionLog::compact(int64_t now_ms, const CompactOptions& options) {
  CompactionStats stats;
  CleaningSnapshot snap;
  CleaningRound round;
  round.now_ms = now_ms;
  {
    std::lock_guard lock(mu_);
    if (!config_.cleanup_compact || segments_.size() < 2) return stats;
    // Cleanable: whole non-active segments below the last stable offset (records of an open
    // transaction may still be aborted, so they must not supersede anything), stopping at one
    // still within min.compaction.lag.ms. Kafka's first uncleanable offset.
    const int64_t first_unstable = producer_state_.first_unstable_offset();
    const int64_t stable_end = first_unstable >= 0 ? std::min(first_unstable, high_watermark_) : high_watermark_;
    std::vector<LogSegment*> cleanable;
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
      LogSegment* seg = it->second.get();
      if (seg->next_offset() > stable_end) break;
      if (config_.min_compaction_lag_ms > 0 && seg->max_timestamp() > now_ms - config_.min_compaction_lag_ms) break;
      cleanable.push_back(seg);
    }
    if (cleanable.empty()) return stats;
    int64_t total = 0, dirty = 0;
    for (LogSegment* seg : cleanable) {
      total += seg->size();
      if (seg->next_offset() > cleaner_offset_) dirty += seg->size();
    }
    if (total == 0 || (dirty == 0 && !options.force)) return stats;
    if (!options.force && static_cast<double>(dirty) / static_cast<double>(total) < config_.min_cleanable_dirty_ratio)
      return stats;

    snap.dir = dir_;
    snap.rewrites = rewrites_;
    snap.config = config_;
    for (LogSegment* seg : cleanable) {
      MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, seg->file());
      snap.segments.push_back({seg->base_offset(), seg, std::move(file), seg->log_path(), seg->size()});
    }
    round.delete_retention_ms = config_.delete_retention_ms;
    round.end_offset = cleanable.back()->next_offset();
    round.max_decompressed = max_decompressed_bytes(config_);
    round.log_name = topic_ + "-" + std::to_string(partition_);
    snap.aborted = producer_state_.aborted_between(cleanable.front()->base_offset(), round.end_offset);
    for (const auto& [pid, e] : producer_state_.producers())
      snap.producers.emplace(pid, std::pair{e.last_offset(), e.epoch});
  }
  // From here the log's lock is taken only to swap a cleaned segment in: appends, fetches and
  // the rest of the broker go on while the segments are read and rewritten. A producer that
  // appends meanwhile only makes the snapshot keep one batch more than needed.
  auto cancelled = [&] { return options.cancel && options.cancel->load(std::memory_order_relaxed); };
  auto give_up = [&] {
    stats.aborted = true;
    return stats;
  };
  // A read that fails may be the log changing under the cleaner (a truncation shortens or
  // rewrites a segment file in place): then the round ends as aborted, not as an error.
  auto failed = [&](const CleaningSnapshot::Segment& seg, Status status) -> Result<CompactionStats> {
    std::lock_guard lock(mu_);
    if (!snapshot_holds_locked(snap, seg.base, seg.identity)) return give_up();
    return status;
  };

  // Pass 1: the last offset of every key, over every record of committed or non-transactional
  // data batches (compressed ones decompressed, one batch in memory at a time).
  std::unordered_map<std::string, int64_t> last_offset_of_key;
  round.last_offset_of_key = &last_offset_of_key;
  {
    TransactionWalk txns(snap.aborted);
    for (const auto& seg : snap.segments) {
      BatchScanner scan(seg.file->fd(), seg.log_path, 0, seg.size, true);
      ScannedBatch b;
      ScanResult r;
      while ((r = scan.next(&b)) == ScanResult::kBatch) {
        if (cancelled()) return give_up();
        if (b.header.is_control()) {
          txns.on_control_batch(b.header, marker_of(b));
          continue;
        }
        if (txns.on_data_batch(b.header)) continue;  // aborted: supersedes nothing
        auto decoded = pr::decode_records({b.data, b.size}, {.max_decompressed_bytes = round.max_decompressed});
        if (!decoded.ok()) continue;  // kept whole by pass 2, which logs it
        for (const pr::Record& rec : decoded->records)
          if (rec.key) last_offset_of_key[std::string(*rec.key)] = rec.offset;
      }
      if (r != ScanResult::kEnd) return failed(seg, scan_failure(scan, r, seg.log_path));
    }
  }
  if (options.after_key_pass) options.after_key_pass();

  // Pass 2: rewrite each segment that loses something, and swap it in under the lock.
  auto last_batch_of_producer = [&](const BatchHeader& h) {
    // Kafka keeps the batch holding an active producer's last sequence (or, with no data
    // batch known, its last marker, for the epoch), even when it loses every record.
    auto it = snap.producers.find(h.producer_id);
    if (it == snap.producers.end()) return false;
    const auto [last_offset, epoch] = it->second;
    if (last_offset >= 0) return h.last_offset() == last_offset;
    return h.is_control() && h.producer_epoch == epoch;
  };
  TransactionWalk txns(snap.aborted);
  for (const auto& seg : snap.segments) {
    const std::string stem = snap.dir + "/" + offset_file_stem(seg.base);
    CleanedSegmentWriter out(seg.file->fd(), seg.log_path, stem + ".log.cleaned");
    std::vector<std::pair<int64_t, int64_t>> removed_abort_markers;  // producer id, offset
    CompactionStats segment_stats;
    BatchScanner scan(seg.file->fd(), seg.log_path, 0, seg.size, true);
    ScannedBatch b;
    ScanResult r;
    while ((r = scan.next(&b)) == ScanResult::kBatch) {
      if (cancelled()) return give_up();
      const BatchHeader& h = b.header;
      BatchVerdict v;
      Marker marker = Marker::kOther;
      bool discardable;
      if (h.is_control()) {
        marker = marker_of(b);
        discardable = txns.on_control_batch(h, marker);
        // A marker goes only after its delete horizon, set by an earlier round.
        auto horizon = delete_horizon(h);
        v.discard_records = discardable && horizon && *horizon <= now_ms;
        v.marker_for_empty_txn = discardable;
      } else {
        v.discard_records = txns.on_data_batch(h);
      }
      // The last batch of the round stays too, so that the log keeps its last offset.
      v.retain_empty = (h.producer_id >= 0 && last_batch_of_producer(h)) || h.next_offset() == round.end_offset;
      int64_t removed = 0;
      if (Status st = clean_batch(b, v, round, out, segment_stats, &removed); !st.ok()) return failed(seg, st);
      segment_stats.records_removed += removed;
      if (marker == Marker::kAbort && v.discard_records) removed_abort_markers.emplace_back(h.producer_id, h.base_offset);
    }
    if (r != ScanResult::kEnd) return failed(seg, scan_failure(scan, r, seg.log_path));
    stats.undecodable_batches_kept += segment_stats.undecodable_batches_kept;
    if (!out.changed()) continue;
    MOLDAU_RETURN_IF_ERROR(out.finish());
    // Its indexes too are built here, without the lock: the swap below is renames only.
    auto cleaned = LogSegment::open_cleaned(snap.dir, seg.base, snap.config, now_ms);
    auto discard = [&](const std::string& dir) {
      for (const char* ext : {".log.cleaned", ".index.cleaned", ".timeindex.cleaned"})
        ::unlink((dir + "/" + offset_file_stem(seg.base) + ext).c_str());
    };
    if (!cleaned.ok()) {
      discard(snap.dir);
      return failed(seg, cleaned.status());
    }

    std::lock_guard lock(mu_);
    // The log changed under the cleaner: the cleaned copy is of a segment that is gone or
    // different now. It is dropped; the next pass starts over from the log as it is.
    if (!snapshot_holds_locked(snap, seg.base, seg.identity)) {
      discard(snap.dir);
      // A move within the filesystem took the files along with the directory.
      if (dir_ != snap.dir) discard(dir_);
      return give_up();
    }
    stats.segments_cleaned++;
    stats.records_removed += segment_stats.records_removed;
    stats.bytes_before += seg.size;
    stats.bytes_after += out.size();
    // The aborted transactions whose markers went have no data left: their .txnindex entries
    // go first, so that a crash in between leaves a marker without an entry (harmless), never
    // an entry whose marker is gone (a reader would skip the producer's later data).
    MOLDAU_RETURN_IF_ERROR(remove_txn_index_entries(stem + ".txnindex", removed_abort_markers));
    for (const auto& [pid, offset] : removed_abort_markers) producer_state_.remove_aborted(pid, offset);
    MOLDAU_RETURN_IF_ERROR(rename_file(out.path(), stem + ".log.swap"));
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
    // From here a crash rolls forward: open() replaces the segment with the .swap file.
    MOLDAU_RETURN_IF_ERROR(replace_segment(seg.base, std::move(cleaned).value()));
    // The swap is this round's own change: the segments after it still hold.
    snap.rewrites = rewrites_;
  }
  {
    std::lock_guard lock(mu_);
    if (dir_ != snap.dir || rewrites_ != snap.rewrites) return give_up();
    cleaner_offset_ = std::max(cleaner_offset_, round.end_offset);
  }
  if (stats.segments_cleaned > 0) {
    cleaner_log().info("Cleaned log {} up to offset {}: {} segments, {} bytes -> {} bytes, {} records removed",
                       round.log_name, round.end_offset, stats.segments_cleaned, stats.bytes_before,
                       stats.bytes_after, stats.records_removed);
  }
  return stats;
}

// Replaces segment `base` with its completed .log.swap file, whose segment (indexes built) the
// cleaner opened as `cleaned`. In-flight FileSlices keep the old file alive through its shared
// handle. A crash between the renames leaves the new .log with no index (rebuilt on open) or
// the .swap (rolled forward); the `.cleaned` indexes are deleted on open either way.
Status PartitionLog::replace_segment(int64_t base, std::unique_ptr<LogSegment> cleaned) {
  std::string stem = dir_ + "/" + offset_file_stem(base);
  auto it = segments_.find(base);
  ++rewrites_;  // a new file under the old name
  MOLDAU_RETURN_IF_ERROR(it->second->remove_files());
  segments_.erase(it);
  MOLDAU_RETURN_IF_ERROR(rename_file(stem + ".log.swap", stem + ".log"));
  MOLDAU_RETURN_IF_ERROR(cleaned->install_cleaned());
  MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
  segments_.emplace(base, std::move(cleaned));
  return Status();
}

}  // namespace moldau::storage
