#include "moldau/storage/partition_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>

#include "moldau/common/log.h"
#include "moldau/storage/file_util.h"

namespace moldau::storage {

namespace pr = protocol;

namespace {

constexpr char kLeaderEpochFile[] = "leader-epoch-checkpoint";
constexpr char kPartitionMetadataFile[] = "partition.metadata";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<20 digits><ext>" -> base offset.
bool parse_segment_name(const std::string& name, const std::string& ext, int64_t* base) {
  if (name.size() != 20 + ext.size() || !ends_with(name, ext)) return false;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + (name[i] - '0');
  }
  *base = v;
  return true;
}

int64_t resolve_now(int64_t now_ms) { return now_ms >= 0 ? now_ms : wall_clock_ms(); }

// The producer-state view of a batch whose base offset is (or will be) `base`. A control
// batch's record says COMMIT or ABORT (key: version, type) and the coordinator epoch (value:
// version, epoch).
Result<ProducerBatch> producer_batch_of(const BatchHeader& h, const uint8_t* data, int64_t base) {
  ProducerBatch b;
  b.producer_id = h.producer_id;
  b.epoch = h.producer_epoch;
  b.first_seq = h.base_sequence;
  b.last_seq = h.base_sequence < 0
                   ? -1
                   : static_cast<int32_t>((static_cast<int64_t>(h.base_sequence) + h.last_offset_delta) %
                                          (static_cast<int64_t>(INT32_MAX) + 1));
  b.first_offset = base;
  b.last_offset = base + h.last_offset_delta;
  b.max_timestamp = h.max_timestamp;
  b.transactional = h.is_transactional();
  b.control = h.is_control();
  if (b.control) {
    std::vector<RecordView> recs;
    std::string error;
    if (!decode_records({data, h.size_in_bytes()}, &recs, &error) || recs.empty() || !recs[0].key ||
        recs[0].key->size() < 4)
      return Status(ErrorCode::kCorruptMessage, "control batch at offset " + std::to_string(base) + ": " +
                                                    (error.empty() ? "no control record" : error));
    b.commit = load_be16(recs[0].key->data() + 2) == 1;
    if (recs[0].value && recs[0].value->size() >= 6)
      b.coordinator_epoch = static_cast<int32_t>(load_be32(recs[0].value->data() + 2));
  }
  return b;
}

constexpr char kSnapshotExt[] = ".snapshot";
constexpr char kTxnIndexExt[] = ".txnindex";
constexpr size_t kSnapshotsToKeep = 3;

}  // namespace

PartitionLog::PartitionLog(std::string dir, std::string topic, int32_t partition, const LogConfig& config)
    : dir_(std::move(dir)), topic_(std::move(topic)), partition_(partition), config_(config) {}

PartitionLog::~PartitionLog() = default;

Result<std::unique_ptr<PartitionLog>> PartitionLog::open(const std::string& dir, const std::string& topic,
                                                         int32_t partition, const LogConfig& config,
                                                         const OpenOptions& options) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return io_error("create directory", dir, errno);
  auto log = std::unique_ptr<PartitionLog>(new PartitionLog(dir, topic, partition, config));
  int64_t now = resolve_now(options.now_ms);
  MOLDAU_RETURN_IF_ERROR(log->recover_files());
  MOLDAU_RETURN_IF_ERROR(log->load_segments(options, now));
  std::string meta = dir + "/" + kPartitionMetadataFile;
  if (file_exists(meta)) {
    MOLDAU_ASSIGN_OR_RETURN(Uuid id, read_partition_metadata(meta));
    log->topic_id_ = id;
  }
  MOLDAU_ASSIGN_OR_RETURN(log->epochs_, read_leader_epoch_checkpoint(dir + "/" + kLeaderEpochFile));
  MOLDAU_RETURN_IF_ERROR(log->truncate_epoch_cache_from_end(log->log_end_offset_));
  MOLDAU_RETURN_IF_ERROR(log->rebuild_producer_state());
  log->last_flush_ms_ = now;
  return log;
}

// Settles what interrupted deletions and compactions left behind.
Status PartitionLog::recover_files() {
  MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir_));
  for (const auto& n : names) {
    std::string path = dir_ + "/" + n;
    if (ends_with(n, ".deleted") || ends_with(n, ".cleaned") || ends_with(n, ".tmp")) {
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("delete", path, errno);
    }
  }
  for (const auto& n : names) {
    int64_t base = 0;
    if (!parse_segment_name(n, ".log.swap", &base)) continue;
    // The swap file is complete (it was fsynced before being renamed to .swap): roll forward.
    std::string stem = dir_ + "/" + offset_file_stem(base);
    for (const char* ext : {".log", ".index", ".timeindex"}) {
      std::string p = stem + ext;
      if (::unlink(p.c_str()) != 0 && errno != ENOENT) return io_error("delete", p, errno);
    }
    MOLDAU_RETURN_IF_ERROR(rename_file(stem + ".log.swap", stem + ".log"));
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
  }
  // Index files without a log file.
  MOLDAU_ASSIGN_OR_RETURN(names, list_dir(dir_));
  for (const auto& n : names) {
    int64_t base = 0;
    if (parse_segment_name(n, ".index", &base) || parse_segment_name(n, ".timeindex", &base)) {
      if (!file_exists(dir_ + "/" + offset_file_stem(base) + ".log")) ::unlink((dir_ + "/" + n).c_str());
    }
  }
  return Status();
}

Status PartitionLog::load_segments(const OpenOptions& options, int64_t now_ms) {
  MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir_));
  std::vector<int64_t> bases;
  for (const auto& n : names) {
    int64_t base = 0;
    if (parse_segment_name(n, ".log", &base)) bases.push_back(base);
  }
  std::sort(bases.begin(), bases.end());
  for (int64_t base : bases) {
    bool rebuilt = false;
    MOLDAU_ASSIGN_OR_RETURN(auto seg, LogSegment::open(dir_, base, config_, now_ms, &rebuilt));
    segments_.emplace(base, std::move(seg));
  }
  // A segment cut by recovery ends the log: later segments are dropped.
  bool cut = false;
  for (auto it = segments_.begin(); it != segments_.end();) {
    if (cut) {
      MOLDAU_RETURN_IF_ERROR(it->second->remove_files());
      it = segments_.erase(it);
      continue;
    }
    if (it->second->bytes_cut_on_open() > 0) cut = true;
    auto next = std::next(it);
    bool may_hold_unflushed = next == segments_.end() || next->first > options.recovery_point;
    if (!options.clean_shutdown && may_hold_unflushed && !cut) {
      MOLDAU_ASSIGN_OR_RETURN(int64_t bytes_cut, it->second->recover());
      if (bytes_cut > 0) cut = true;
    }
    ++it;
  }
  if (segments_.empty()) {
    int64_t base = std::max<int64_t>(options.log_start_offset, 0);
    MOLDAU_ASSIGN_OR_RETURN(auto seg, LogSegment::create(dir_, base, config_, now_ms));
    segments_.emplace(base, std::move(seg));
    dir_needs_sync_ = true;
  }
  log_end_offset_ = std::max(active()->next_offset(), active()->base_offset());
  log_start_offset_ = std::clamp(options.log_start_offset, segments_.begin()->first, log_end_offset_);
  high_watermark_ = options.high_watermark < 0 ? log_end_offset_
                                               : std::clamp(options.high_watermark, log_start_offset_, log_end_offset_);
  cleaner_offset_ = std::clamp(options.cleaner_offset, log_start_offset_, log_end_offset_);
  if (!options.clean_shutdown) {
    // What recovery validated may still be only in the page cache: make it durable, so the
    // recovery point can move to the log end.
    for (auto& [b, seg] : segments_) MOLDAU_RETURN_IF_ERROR(seg->flush());
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
    dir_needs_sync_ = false;
  }
  recovery_point_ = log_end_offset_;
  return Status();
}

Status PartitionLog::roll(int64_t now_ms) {
  LogSegment* cur = active();
  if (cur->empty()) return Status();
  MOLDAU_RETURN_IF_ERROR(cur->seal());
  MOLDAU_ASSIGN_OR_RETURN(auto seg, LogSegment::create(dir_, log_end_offset_, config_, now_ms));
  segments_.emplace(log_end_offset_, std::move(seg));
  dir_needs_sync_ = true;
  return write_producer_snapshot();
}

Result<AppendInfo> PartitionLog::append(std::span<uint8_t> batches, int32_t leader_epoch,
                                        const AppendOptions& options) {
  std::lock_guard lock(mu_);
  int64_t now = resolve_now(options.now_ms);
  bool log_append_time = config_.message_timestamp_type == TimestampType::kLogAppendTime;
  AppendInfo info;
  int64_t next = log_end_offset_;
  uint8_t* p = batches.data();
  uint8_t* end = p + batches.size();
  if (p == end) return Status(ErrorCode::kCorruptMessage, topic_ + "-" + std::to_string(partition_) + ": empty append");
  // First pass: framing and checks, so that nothing is changed when a batch is bad.
  std::vector<ProducerBatch> producer_batches;
  ProducerStateManager::Scratch scratch;
  int64_t prospective = log_end_offset_;
  const AppendOrigin origin = options.assign_offsets ? options.origin : AppendOrigin::kReplication;
  for (uint8_t* q = p; q < end;) {
    size_t left = static_cast<size_t>(end - q);
    auto where = [&] {
      return topic_ + "-" + std::to_string(partition_) + ": batch at byte " + std::to_string(q - p) + ": ";
    };
    if (left < kMinBatchSize) return Status(ErrorCode::kCorruptMessage, where() + "shorter than a batch header");
    BatchHeader h = decode_batch_header(q);
    if (h.batch_length < static_cast<int32_t>(kMinBatchSize - pr::kLogOverhead) || h.size_in_bytes() > left)
      return Status(ErrorCode::kCorruptMessage, where() + "bad batchLength " + std::to_string(h.batch_length));
    if (h.magic != 2) return Status(ErrorCode::kCorruptMessage, where() + "magic " + std::to_string(h.magic));
    if (h.last_offset_delta < 0) return Status(ErrorCode::kCorruptMessage, where() + "negative lastOffsetDelta");
    if (h.size_in_bytes() > static_cast<size_t>(config_.max_message_bytes))
      return Status(ErrorCode::kMessageTooLarge, where() + std::to_string(h.size_in_bytes()) +
                                                     " bytes exceed max.message.bytes " +
                                                     std::to_string(config_.max_message_bytes));
    if (options.verify_crc && !batch_crc_ok(q, h.size_in_bytes()))
      return Status(ErrorCode::kCorruptMessage, where() + "CRC mismatch");
    if (!options.assign_offsets) {
      if (h.base_offset < next)
        return Status(ErrorCode::kInvalidRequest, where() + "base offset " + std::to_string(h.base_offset) +
                                                      " below the log end offset " + std::to_string(next));
      next = h.next_offset();
    }
    int64_t base = options.assign_offsets ? prospective : h.base_offset;
    prospective = base + h.last_offset_delta + 1;
    if (h.producer_id >= 0) {
      MOLDAU_ASSIGN_OR_RETURN(ProducerBatch pb, producer_batch_of(h, q, base));
      MOLDAU_ASSIGN_OR_RETURN(std::optional<BatchMetadata> dup, producer_state_.check(pb, origin, scratch));
      if (dup) {
        // A retry: answer with the original batch's offsets, append nothing.
        AppendInfo d;
        d.first_offset = dup->first_offset;
        d.last_offset = dup->last_offset;
        d.log_start_offset = log_start_offset_;
        d.duplicate = true;
        return d;
      }
      producer_batches.push_back(pb);
    }
    q += h.size_in_bytes();
  }
  // Second pass: offsets, epochs, timestamps; no per-record work.
  next = log_end_offset_;
  for (uint8_t* q = p; q < end;) {
    BatchHeader h = decode_batch_header(q);
    if (options.assign_offsets) {
      store_be64(q + pr::kBaseOffsetPos, static_cast<uint64_t>(next));
      store_be32(q + pr::kLeaderEpochPos, static_cast<uint32_t>(leader_epoch));
      h.base_offset = next;
      if (log_append_time) {
        uint16_t attrs = static_cast<uint16_t>(h.attributes | pr::kTimestampTypeBit);
        store_be16(q + pr::kAttributesPos, attrs);
        store_be64(q + pr::kMaxTimestampPos, static_cast<uint64_t>(now));
        update_batch_crc(q, h.size_in_bytes());
        h.max_timestamp = now;
      }
    }
    if (info.first_offset < 0) info.first_offset = h.base_offset;
    info.last_offset = h.last_offset();
    if (h.max_timestamp > info.max_timestamp) {
      info.max_timestamp = h.max_timestamp;
      info.offset_of_max_timestamp = h.last_offset();
    }
    info.batches++;
    info.records += h.records_count;
    next = h.next_offset();
    q += h.size_in_bytes();
  }
  info.bytes = static_cast<int64_t>(batches.size());
  if (active()->should_roll(config_, info.bytes, info.last_offset, info.max_timestamp, now) ||
      (!options.assign_offsets && info.first_offset - active()->base_offset() > INT32_MAX)) {
    MOLDAU_RETURN_IF_ERROR(roll(now));
  }
  MOLDAU_RETURN_IF_ERROR(active()->append(batches));
  log_end_offset_ = next;
  for (auto& pb : producer_batches) {
    if (log_append_time) pb.max_timestamp = now;
    if (auto aborted = producer_state_.update(pb)) MOLDAU_RETURN_IF_ERROR(append_txn_index(*aborted));
  }
  if (options.update_high_watermark) high_watermark_ = log_end_offset_;
  if (log_append_time) info.log_append_time = now;
  info.log_start_offset = log_start_offset_;
  if (leader_epoch >= 0 && options.assign_offsets) MOLDAU_RETURN_IF_ERROR(update_epoch_cache(leader_epoch, info.first_offset));
  if (!options.assign_offsets) {
    // A replica keeps the leader's epochs: each batch's partitionLeaderEpoch starts an epoch.
    for (uint8_t* q = p; q < end;) {
      BatchHeader h = decode_batch_header(q);
      if (h.partition_leader_epoch >= 0) MOLDAU_RETURN_IF_ERROR(update_epoch_cache(h.partition_leader_epoch, h.base_offset));
      q += h.size_in_bytes();
    }
  }
  unflushed_messages_ += info.records;
  if (unflushed_messages_ >= config_.flush_interval_messages ||
      (config_.flush_interval_ms != LogConfig::kNever && now - last_flush_ms_ >= config_.flush_interval_ms)) {
    MOLDAU_RETURN_IF_ERROR(flush_locked(now));
  }
  return info;
}

Result<ReadResult> PartitionLog::read(int64_t offset, int32_t max_bytes, int64_t max_offset_exclusive,
                                      bool min_one_batch) {
  std::lock_guard lock(mu_);
  ReadResult out;
  out.log_start_offset = log_start_offset_;
  out.log_end_offset = log_end_offset_;
  out.high_watermark = high_watermark_;
  if (offset < log_start_offset_ || offset > log_end_offset_) {
    return Status(ErrorCode::kOffsetOutOfRange,
                  "Received request for offset " + std::to_string(offset) + " for partition " + topic_ + "-" +
                      std::to_string(partition_) + ", but we only have log segments from offset " +
                      std::to_string(log_start_offset_) + " up to " + std::to_string(log_end_offset_) + ".");
  }
  int64_t limit = max_offset_exclusive < 0 ? log_end_offset_ : std::min(max_offset_exclusive, log_end_offset_);
  if (offset >= limit) return out;
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  int64_t remaining = std::max(max_bytes, 0);
  bool min_one = min_one_batch;
  // Each segment read holds its file open until the response is sent: a bounded number per read
  // keeps a fetch over thousands of small segments within the descriptor limit.
  constexpr int kMaxSegmentsPerRead = 8;
  int segments_read = 0;
  for (; it != segments_.end() && it->first < limit && segments_read < kMaxSegmentsPerRead; ++it) {
    LogSegment* seg = it->second.get();
    int64_t max_pos = seg->size();
    Result<std::optional<LogSegment::Slice>> s = std::optional<LogSegment::Slice>();
    if (limit < seg->next_offset()) {
      auto lim = seg->translate_offset(limit);
      if (!lim.ok()) s = lim.status();
      else if (*lim) max_pos = (*lim)->position;
    }
    if (s.ok()) s = seg->read(std::max(offset, seg->base_offset()), remaining, max_pos, min_one);
    if (!s.ok()) {
      // What was read so far is good to send (e.g. out of descriptors for one more segment).
      if (!out.slices.empty()) break;
      return s.status();
    }
    ++segments_read;
    if (!*s) continue;
    const LogSegment::Slice& slice = **s;
    if (slice.slice.size <= 0) break;
    if (out.first_batch_offset < 0) out.first_batch_offset = slice.first_batch_offset;
    out.slices.push_back(slice.slice);
    out.bytes += slice.slice.size;
    remaining -= slice.slice.size;
    min_one = false;
    if (slice.slice.position + slice.slice.size < seg->size() || remaining <= 0) break;
  }
  return out;
}

int64_t PartitionLog::log_start_offset() const {
  std::lock_guard lock(mu_);
  return log_start_offset_;
}
int64_t PartitionLog::log_end_offset() const {
  std::lock_guard lock(mu_);
  return log_end_offset_;
}
int64_t PartitionLog::high_watermark() const {
  std::lock_guard lock(mu_);
  return high_watermark_;
}
void PartitionLog::set_high_watermark(int64_t hw) {
  std::lock_guard lock(mu_);
  high_watermark_ = std::clamp(hw, log_start_offset_, log_end_offset_);
}
int64_t PartitionLog::recovery_point() const {
  std::lock_guard lock(mu_);
  return recovery_point_;
}
int64_t PartitionLog::cleaner_offset() const {
  std::lock_guard lock(mu_);
  return cleaner_offset_;
}

Status PartitionLog::truncate_to(int64_t offset) {
  std::lock_guard lock(mu_);
  int64_t now = wall_clock_ms();
  // Nothing to cut from the log, but an epoch this replica started as leader without appending
  // to it (at the log end) must still go: it would make every fetch look divergent again.
  if (offset >= log_end_offset_) return truncate_epoch_cache_from_end(log_end_offset_);
  ++rewrites_;
  if (offset <= segments_.begin()->first) {
    while (!segments_.empty()) MOLDAU_RETURN_IF_ERROR(delete_segment(segments_.begin(), now));
    MOLDAU_ASSIGN_OR_RETURN(auto seg, LogSegment::create(dir_, std::max<int64_t>(offset, 0), config_, now));
    segments_.emplace(seg->base_offset(), std::move(seg));
    log_start_offset_ = std::max<int64_t>(offset, 0);
    log_end_offset_ = log_start_offset_;
  } else {
    while (segments_.rbegin()->first >= offset) MOLDAU_RETURN_IF_ERROR(delete_segment(std::prev(segments_.end()), now));
    MOLDAU_RETURN_IF_ERROR(active()->truncate_to(offset));
    log_end_offset_ = std::max(active()->next_offset(), active()->base_offset());
    log_start_offset_ = std::min(log_start_offset_, log_end_offset_);
  }
  dir_needs_sync_ = true;
  high_watermark_ = std::min(high_watermark_, log_end_offset_);
  recovery_point_ = std::min(recovery_point_, log_end_offset_);
  cleaner_offset_ = std::min(cleaner_offset_, log_end_offset_);
  MOLDAU_RETURN_IF_ERROR(rebuild_producer_state());
  return truncate_epoch_cache_from_end(log_end_offset_);
}

Status PartitionLog::truncate_fully_and_start_at(int64_t offset) {
  std::lock_guard lock(mu_);
  ++rewrites_;
  int64_t now = wall_clock_ms();
  while (!segments_.empty()) MOLDAU_RETURN_IF_ERROR(delete_segment(segments_.begin(), now));
  MOLDAU_ASSIGN_OR_RETURN(auto seg, LogSegment::create(dir_, std::max<int64_t>(offset, 0), config_, now));
  segments_.emplace(seg->base_offset(), std::move(seg));
  log_start_offset_ = log_end_offset_ = high_watermark_ = recovery_point_ = cleaner_offset_ =
      std::max<int64_t>(offset, 0);
  dir_needs_sync_ = true;
  epochs_.clear();
  MOLDAU_RETURN_IF_ERROR(write_leader_epoch_checkpoint(dir_ + "/" + kLeaderEpochFile, epochs_));
  return rebuild_producer_state();
}

Status PartitionLog::assign_epoch_start_offset(int32_t epoch, int64_t offset) {
  std::lock_guard lock(mu_);
  return update_epoch_cache(epoch, offset);
}

Result<std::optional<OffsetAndTimestamp>> PartitionLog::offset_for_timestamp(int64_t timestamp) {
  std::lock_guard lock(mu_);
  using R = std::optional<OffsetAndTimestamp>;
  if (timestamp == kLatestTimestamp) return R(OffsetAndTimestamp{log_end_offset_, -1});
  if (timestamp == kEarliestTimestamp || timestamp == kEarliestLocalTimestamp)
    return R(OffsetAndTimestamp{log_start_offset_, -1});
  if (timestamp == kMaxTimestamp) {
    LogSegment* best = nullptr;
    for (auto& [b, seg] : segments_)
      if (seg->next_offset() > log_start_offset_ && (!best || seg->max_timestamp() > best->max_timestamp()))
        best = seg.get();
    if (!best || best->max_timestamp() < 0) return R();
    MOLDAU_ASSIGN_OR_RETURN(OffsetAndTimestamp ot, best->max_timestamp_record());
    return R(ot);
  }
  if (timestamp < 0) return Status(ErrorCode::kInvalidRequest, "unsupported timestamp " + std::to_string(timestamp));
  for (auto& [b, seg] : segments_) {
    if (seg->next_offset() <= log_start_offset_ || seg->max_timestamp() < timestamp) continue;
    MOLDAU_ASSIGN_OR_RETURN(R found, seg->find_offset_by_timestamp(timestamp, log_start_offset_));
    if (found) return found;
  }
  return R();
}

Result<int64_t> PartitionLog::delete_records_before(int64_t offset) {
  std::lock_guard lock(mu_);
  if (offset < 0 || offset > high_watermark_)
    return Status(ErrorCode::kOffsetOutOfRange, "Cannot increment the log start offset to " + std::to_string(offset) +
                                                    " of partition " + topic_ + "-" + std::to_string(partition_) +
                                                    " since it is larger than the high watermark " +
                                                    std::to_string(high_watermark_));
  int64_t now = wall_clock_ms();
  if (offset > log_start_offset_) log_start_offset_ = offset;
  while (segments_.size() > 1 && std::next(segments_.begin())->first <= log_start_offset_)
    MOLDAU_RETURN_IF_ERROR(delete_segment(segments_.begin(), now));
  cleaner_offset_ = std::max(cleaner_offset_, log_start_offset_);
  return log_start_offset_;
}

Status PartitionLog::flush_locked(int64_t now_ms) {
  for (auto it = segments_.rbegin(); it != segments_.rend(); ++it) {
    LogSegment* seg = it->second.get();
    MOLDAU_RETURN_IF_ERROR(seg->flush());
    if (seg->base_offset() <= recovery_point_) break;
  }
  if (dir_needs_sync_) {
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
    dir_needs_sync_ = false;
  }
  recovery_point_ = log_end_offset_;
  unflushed_messages_ = 0;
  last_flush_ms_ = now_ms;
  return Status();
}

Status PartitionLog::flush() {
  std::lock_guard lock(mu_);
  return flush_locked(wall_clock_ms());
}

Status PartitionLog::maybe_flush(int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (recovery_point_ == log_end_offset_ && !dir_needs_sync_) {
    last_flush_ms_ = now_ms;
    return Status();
  }
  if (config_.flush_interval_ms == LogConfig::kNever || now_ms - last_flush_ms_ < config_.flush_interval_ms)
    return Status();
  return flush_locked(now_ms);
}

Status PartitionLog::delete_segment(std::map<int64_t, std::unique_ptr<LogSegment>>::iterator it, int64_t now_ms) {
  std::unique_ptr<LogSegment> seg = std::move(it->second);
  segments_.erase(it);
  ::unlink((dir_ + "/" + offset_file_stem(seg->base_offset()) + kTxnIndexExt).c_str());
  producer_state_.drop_aborted_before(segments_.empty() ? log_end_offset_ : segments_.begin()->first);
  MOLDAU_RETURN_IF_ERROR(seg->add_suffix(".deleted"));
  if (config_.file_delete_delay_ms <= 0) return seg->remove_files();
  pending_deletes_.push_back({std::move(seg), now_ms + config_.file_delete_delay_ms});
  return Status();
}

Status PartitionLog::remove_expired_files(int64_t now_ms) {
  std::lock_guard lock(mu_);
  Status first;
  for (auto it = pending_deletes_.begin(); it != pending_deletes_.end();) {
    if (it->due_ms <= now_ms) {
      Status s = it->segment->remove_files();
      if (!s.ok() && first.ok()) first = s;
      it = pending_deletes_.erase(it);
    } else {
      ++it;
    }
  }
  return first;
}

Result<int32_t> PartitionLog::apply_retention(int64_t now_ms) {
  std::lock_guard lock(mu_);
  int32_t deleted = 0;
  auto deletable = [&] { return segments_.size() > 1; };
  // Every deletion is logged with its reason, as Kafka does: data leaving the log is never silent.
  auto remove_first = [&](const std::string& reason) -> Status {
    LogSegment* seg = segments_.begin()->second.get();
    logger("log").info("[Log partition={}-{}, dir={}] Deleting segment (baseOffset={}, nextOffset={}, size={}, "
                       "largestRecordTimestamp={}) due to {}",
                       topic_, partition_, dir_, seg->base_offset(), seg->next_offset(), seg->size(),
                       seg->max_timestamp(), reason);
    ++deleted;
    return delete_segment(segments_.begin(), now_ms);
  };
  while (deletable() && std::next(segments_.begin())->first <= log_start_offset_) {
    MOLDAU_RETURN_IF_ERROR(remove_first("log start offset " + std::to_string(log_start_offset_) + " breach"));
  }
  if (config_.cleanup_delete) {
    if (config_.retention_ms >= 0) {
      while (deletable()) {
        LogSegment* seg = segments_.begin()->second.get();
        MOLDAU_ASSIGN_OR_RETURN(int64_t largest, seg->largest_timestamp());
        if (now_ms - largest <= config_.retention_ms) break;
        MOLDAU_RETURN_IF_ERROR(remove_first(
            "log retention time " + std::to_string(config_.retention_ms) + "ms breach based on the " +
            (seg->max_timestamp() >= 0 ? "largest record timestamp" : "last modified time") + " in the segment"));
      }
    }
    if (config_.retention_bytes >= 0) {
      int64_t total = 0;
      for (auto& [b, seg] : segments_) total += seg->size();
      int64_t diff = total - config_.retention_bytes;
      while (deletable() && diff - segments_.begin()->second->size() >= 0) {
        diff -= segments_.begin()->second->size();
        total -= segments_.begin()->second->size();
        MOLDAU_RETURN_IF_ERROR(remove_first("log retention size " + std::to_string(config_.retention_bytes) +
                                            " breach. Log size after deletion will be " + std::to_string(total)));
      }
    }
  }
  log_start_offset_ = std::max(log_start_offset_, segments_.begin()->first);
  high_watermark_ = std::max(high_watermark_, log_start_offset_);
  cleaner_offset_ = std::max(cleaner_offset_, log_start_offset_);
  if (deleted > 0) dir_needs_sync_ = true;
  return deleted;
}

Status PartitionLog::close() {
  std::lock_guard lock(mu_);
  for (auto& [b, seg] : segments_) MOLDAU_RETURN_IF_ERROR(seg->persist_indexes(false));
  MOLDAU_RETURN_IF_ERROR(write_producer_snapshot());
  return active()->seal();
}

std::string PartitionLog::dir() const {
  std::lock_guard lock(mu_);
  return dir_;
}

Status PartitionLog::relocate(const std::string& new_dir, bool* cross_device) {
  std::lock_guard lock(mu_);
  if (new_dir == dir_) return Status();
  struct stat st {};
  if (::lstat(new_dir.c_str(), &st) == 0)
    return Status(ErrorCode::kKafkaStorageError,
                  "cannot move " + dir_ + " to " + new_dir + ": the target already exists");
  // Everything durable before the move: a crash right after the rename finds the log complete
  // in the new place (and the recovery point checkpointed there by the caller holds).
  MOLDAU_RETURN_IF_ERROR(flush_locked(wall_clock_ms()));
  for (auto& pd : pending_deletes_) MOLDAU_RETURN_IF_ERROR(pd.segment->persist_indexes(false));
  if (::rename(dir_.c_str(), new_dir.c_str()) != 0) {
    int err = errno;
    if (err == EXDEV) {
      if (cross_device) *cross_device = true;
      return Status(ErrorCode::kKafkaStorageError,
                    "cannot move " + dir_ + " to " + new_dir +
                        ": the log dirs are on different filesystems");
    }
    return io_error("rename " + dir_ + " to", new_dir, err);
  }
  const std::string old_parent = std::filesystem::path(dir_).parent_path().string();
  dir_ = new_dir;
  for (auto& [b, seg] : segments_) seg->relocate(new_dir);
  for (auto& pd : pending_deletes_) pd.segment->relocate(new_dir);
  MOLDAU_RETURN_IF_ERROR(fsync_dir(std::filesystem::path(new_dir).parent_path().string()));
  return fsync_dir(old_parent);
}

Status PartitionLog::with_flushed_dir(const std::function<Status(const DirState&, std::string* new_dir)>& fn) {
  std::lock_guard lock(mu_);
  MOLDAU_RETURN_IF_ERROR(flush_locked(wall_clock_ms()));
  DirState state;
  state.dir = dir_;
  state.rewrites = rewrites_;
  state.log_end_offset = log_end_offset_;
  for (auto& [b, seg] : segments_) state.segments.emplace_back(b, seg->next_offset());
  std::string new_dir;
  Status s = fn(state, &new_dir);
  if (!new_dir.empty()) {
    dir_ = new_dir;
    for (auto& [b, seg] : segments_) seg->switch_dir(new_dir);
    // Their files were not copied (only live files are) and went with the old directory.
    pending_deletes_.clear();
    dir_needs_sync_ = false;
  }
  return s;
}

uint64_t PartitionLog::rewrite_count() const {
  std::lock_guard lock(mu_);
  return rewrites_;
}

void PartitionLog::mark_deleted() {
  std::lock_guard lock(mu_);
  segments_.clear();
  pending_deletes_.clear();
}

int64_t PartitionLog::size_bytes() const {
  std::lock_guard lock(mu_);
  int64_t total = 0;
  for (auto& [b, seg] : segments_) total += seg->size();
  return total;
}

std::vector<SegmentInfo> PartitionLog::segments() const {
  std::lock_guard lock(mu_);
  std::vector<SegmentInfo> out;
  for (auto& [b, seg] : segments_) {
    struct stat st {};
    int64_t mtime = ::stat(seg->log_path().c_str(), &st) == 0
                        ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000
                        : 0;
    out.push_back({seg->base_offset(), seg->next_offset(), seg->size(), seg->max_timestamp(), mtime});
  }
  return out;
}

size_t PartitionLog::segment_count() const {
  std::lock_guard lock(mu_);
  return segments_.size();
}

Status PartitionLog::update_epoch_cache(int32_t epoch, int64_t start_offset) {
  if (!epochs_.empty() && epochs_.back().epoch >= epoch) return Status();
  epochs_.push_back({epoch, start_offset});
  return write_leader_epoch_checkpoint(dir_ + "/" + kLeaderEpochFile, epochs_);
}

Status PartitionLog::truncate_epoch_cache_from_end(int64_t end_offset) {
  size_t before = epochs_.size();
  while (!epochs_.empty() && epochs_.back().start_offset >= end_offset && end_offset > 0) epochs_.pop_back();
  if (end_offset == 0) epochs_.clear();
  if (epochs_.size() == before) return Status();
  return write_leader_epoch_checkpoint(dir_ + "/" + kLeaderEpochFile, epochs_);
}

std::vector<EpochEntry> PartitionLog::leader_epochs() const {
  std::lock_guard lock(mu_);
  return epochs_;
}

int32_t PartitionLog::latest_epoch() const {
  std::lock_guard lock(mu_);
  return epochs_.empty() ? -1 : epochs_.back().epoch;
}

std::pair<int32_t, int64_t> PartitionLog::end_offset_for_epoch(int32_t epoch) const {
  std::lock_guard lock(mu_);
  if (epochs_.empty() || epoch < epochs_.front().epoch) return {-1, -1};
  for (size_t i = epochs_.size(); i-- > 0;) {
    if (epochs_[i].epoch <= epoch) {
      int64_t end = i + 1 < epochs_.size() ? epochs_[i + 1].start_offset : log_end_offset_;
      return {epochs_[i].epoch, end};
    }
  }
  return {-1, -1};
}

std::optional<Uuid> PartitionLog::topic_id() const {
  std::lock_guard lock(mu_);
  return topic_id_;
}

Status PartitionLog::set_topic_id(const Uuid& id) {
  std::lock_guard lock(mu_);
  MOLDAU_RETURN_IF_ERROR(write_partition_metadata(dir_ + "/" + kPartitionMetadataFile, id));
  topic_id_ = id;
  return Status();
}

const LogConfig& PartitionLog::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void PartitionLog::set_config(const LogConfig& config) {
  std::lock_guard lock(mu_);
  config_ = config;
}

// ---------------------------------------------------------------------------------------------
// Producer state and transactions

int64_t PartitionLog::last_stable_offset() const {
  std::lock_guard lock(mu_);
  int64_t first_unstable = producer_state_.first_unstable_offset();
  return first_unstable >= 0 ? std::min(first_unstable, high_watermark_) : high_watermark_;
}

std::vector<AbortedTxn> PartitionLog::aborted_transactions(int64_t from, int64_t to) const {
  std::lock_guard lock(mu_);
  return producer_state_.aborted_between(from, to);
}

std::vector<ProducerEntry> PartitionLog::producer_entries() const {
  std::lock_guard lock(mu_);
  std::vector<ProducerEntry> out;
  for (const auto& [pid, e] : producer_state_.producers()) out.push_back(e);
  return out;
}

void PartitionLog::expire_producers(int64_t now_ms, int64_t expiration_ms) {
  std::lock_guard lock(mu_);
  producer_state_.expire(now_ms, expiration_ms);
}

Status PartitionLog::append_txn_index(const AbortedTxn& a) {
  auto it = segments_.upper_bound(a.last_offset);
  if (it != segments_.begin()) --it;
  std::string path = dir_ + "/" + offset_file_stem(it->first) + kTxnIndexExt;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open", path, errno);
  std::string entry = encode_aborted_txn(a);
  ssize_t n = ::write(fd, entry.data(), entry.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(entry.size())) return io_error("write", path, n < 0 ? err : EIO);
  return Status();
}

Status PartitionLog::write_producer_snapshot() {
  std::string path = dir_ + "/" + offset_file_stem(log_end_offset_) + kSnapshotExt;
  MOLDAU_RETURN_IF_ERROR(write_file_atomically(path, producer_state_.encode_snapshot()));
  // Keep the newest few.
  MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir_));
  std::vector<int64_t> offsets;
  for (const auto& n : names) {
    int64_t off = 0;
    if (parse_segment_name(n, kSnapshotExt, &off)) offsets.push_back(off);
  }
  std::sort(offsets.begin(), offsets.end());
  for (size_t i = 0; i + kSnapshotsToKeep < offsets.size(); ++i)
    ::unlink((dir_ + "/" + offset_file_stem(offsets[i]) + kSnapshotExt).c_str());
  return Status();
}

Status PartitionLog::rebuild_producer_state() {
  producer_state_.clear();
  producer_state_.truncate_aborted(INT64_MIN);
  MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir_));
  // The newest usable snapshot at or below the log end; later ones describe cut offsets.
  std::vector<int64_t> snapshots;
  for (const auto& n : names) {
    int64_t off = 0;
    if (!parse_segment_name(n, kSnapshotExt, &off)) continue;
    if (off > log_end_offset_) {
      ::unlink((dir_ + "/" + n).c_str());
      continue;
    }
    snapshots.push_back(off);
  }
  std::sort(snapshots.rbegin(), snapshots.rend());
  int64_t from = segments_.begin()->first;
  for (int64_t off : snapshots) {
    if (off < segments_.begin()->first) break;
    std::string path = dir_ + "/" + offset_file_stem(off) + kSnapshotExt;
    auto bytes = read_whole_file(path);
    if (bytes.ok() && producer_state_.load_snapshot(*bytes, path).ok()) {
      from = off;
      break;
    }
    producer_state_.clear();
  }
  // Aborted transactions: the .txnindex entries before `from`; replay adds the later ones.
  for (auto& [base, seg] : segments_) {
    std::string path = dir_ + "/" + offset_file_stem(base) + kTxnIndexExt;
    if (!file_exists(path)) continue;
    MOLDAU_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
    std::vector<AbortedTxn> entries = decode_txn_index(bytes);
    std::string kept;
    for (const auto& a : entries) {
      if (a.last_offset >= from) continue;
      producer_state_.add_aborted(a);
      kept += encode_aborted_txn(a);
    }
    if (kept.size() != bytes.size()) MOLDAU_RETURN_IF_ERROR(write_file_atomically(path, kept));
  }
  // Replay the log after the snapshot.
  for (auto& [base, seg] : segments_) {
    if (seg->next_offset() <= from || seg->empty()) continue;
    int64_t pos = 0;
    if (from > base) {
      MOLDAU_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, seg->translate_offset(from));
      if (!loc) continue;
      pos = loc->position;
    }
    MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, seg->file());
    BatchScanner scanner(file->fd(), seg->log_path(), pos, seg->size(), true);
    ScannedBatch b;
    for (;;) {
      ScanResult r = scanner.next(&b);
      if (r != ScanResult::kBatch) {
        if (r == ScanResult::kIoError) return scanner.status();
        break;
      }
      if (b.header.producer_id < 0 || b.header.last_offset() < from) continue;
      auto pb = producer_batch_of(b.header, b.data, b.header.base_offset);
      if (!pb.ok()) continue;
      if (auto aborted = producer_state_.update(*pb)) MOLDAU_RETURN_IF_ERROR(append_txn_index(*aborted));
    }
  }
  return Status();
}

}  // namespace moldau::storage
