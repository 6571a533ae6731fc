#include "moldau/storage/log_segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <vector>

#include "moldau/storage/file_util.h"
#include "moldau/storage/open_files.h"

namespace moldau::storage {

namespace {
std::string seg_path(const std::string& dir, int64_t base, const char* ext) {
  return dir + "/" + offset_file_stem(base) + ext;
}
}  // namespace

LogSegment::LogSegment(std::string dir, int64_t base_offset, const LogConfig& config, uint64_t file_id,
                       int64_t size, int64_t now_ms)
    : dir_(std::move(dir)),
      base_offset_(base_offset),
      log_path_(seg_path(dir_, base_offset, ".log")),
      file_id_(file_id),
      size_(size),
      next_offset_(base_offset),
      index_interval_bytes_(config.index_interval_bytes),
      offset_index_(seg_path(dir_, base_offset, ".index"), base_offset, config.segment_index_bytes),
      time_index_(seg_path(dir_, base_offset, ".timeindex"), base_offset, config.segment_index_bytes),
      created_ms_(now_ms) {}

LogSegment::~LogSegment() { OpenFiles::instance().forget(file_id_); }

namespace {
constexpr char kCleanedSuffix[] = ".cleaned";
}  // namespace

Result<std::unique_ptr<LogSegment>> LogSegment::open_file(const std::string& dir, int64_t base_offset,
                                                          const LogConfig& config, int64_t now_ms,
                                                          const std::string& path) {
  uint64_t id = OpenFiles::new_id();
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, OpenFiles::instance().get(id, path));
  struct stat st;
  if (::fstat(file->fd(), &st) != 0) {
    int err = errno;
    OpenFiles::instance().forget(id);
    return io_error("stat", path, err);
  }
  auto seg = std::unique_ptr<LogSegment>(new LogSegment(dir, base_offset, config, id, st.st_size, now_ms));
  seg->log_path_ = path;
  return seg;
}

Result<std::unique_ptr<LogSegment>> LogSegment::open_cleaned(const std::string& dir, int64_t base_offset,
                                                             const LogConfig& config, int64_t now_ms) {
  const std::string path = seg_path(dir, base_offset, ".log") + kCleanedSuffix;
  MOLDAU_ASSIGN_OR_RETURN(auto seg, open_file(dir, base_offset, config, now_ms, path));
  seg->offset_index_.set_path(seg->offset_index_.path() + kCleanedSuffix);
  seg->time_index_.set_path(seg->time_index_.path() + kCleanedSuffix);
  MOLDAU_ASSIGN_OR_RETURN(int64_t cut, seg->recover());
  if (cut > 0)
    return Status(ErrorCode::kCorruptMessage,
                  "the cleaned copy " + path + " does not read back whole (" + std::to_string(cut) + " bytes)");
  MOLDAU_RETURN_IF_ERROR(seg->seal());
  return seg;
}

Status LogSegment::install_cleaned() {
  log_path_ = seg_path(dir_, base_offset_, ".log");
  MOLDAU_RETURN_IF_ERROR(offset_index_.rename_to(seg_path(dir_, base_offset_, ".index")));
  return time_index_.rename_to(seg_path(dir_, base_offset_, ".timeindex"));
}

Result<std::shared_ptr<FileHandle>> LogSegment::file() const { return OpenFiles::instance().get(file_id_, log_path_); }

Result<int64_t> LogSegment::largest_timestamp() const {
  if (max_timestamp_ >= 0) return max_timestamp_;
  struct stat st;
  if (::stat(log_path_.c_str(), &st) != 0) return io_error("stat", log_path_, errno);
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Result<std::unique_ptr<LogSegment>> LogSegment::create(const std::string& dir, int64_t base_offset,
                                                       const LogConfig& config, int64_t now_ms) {
  std::string path = seg_path(dir, base_offset, ".log");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create", path, errno);
  uint64_t id = OpenFiles::new_id();
  OpenFiles::instance().put(id, fd);
  auto seg = std::unique_ptr<LogSegment>(new LogSegment(dir, base_offset, config, id, 0, now_ms));
  MOLDAU_RETURN_IF_ERROR(seg->offset_index_.remove_file());
  MOLDAU_RETURN_IF_ERROR(seg->time_index_.remove_file());
  // Both indexes exist from the start, as in Kafka (an empty index is a valid one).
  for (const char* suffix : {".index", ".timeindex"}) {
    std::string index_path = seg_path(dir, base_offset, suffix);
    int index_fd = ::open(index_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (index_fd < 0) return io_error("create", index_path, errno);
    ::close(index_fd);
  }
  return seg;
}

Result<std::unique_ptr<LogSegment>> LogSegment::open(const std::string& dir, int64_t base_offset,
                                                     const LogConfig& config, int64_t now_ms, bool* rebuilt) {
  MOLDAU_ASSIGN_OR_RETURN(auto seg, open_file(dir, base_offset, config, now_ms, seg_path(dir, base_offset, ".log")));
  *rebuilt = false;
  MOLDAU_ASSIGN_OR_RETURN(bool offset_ok, seg->offset_index_.load(seg->size_));
  MOLDAU_ASSIGN_OR_RETURN(bool time_ok, seg->time_index_.load(seg->size_));
  bool ok = offset_ok && time_ok;
  if (ok) {
    Status tail = seg->load_tail_state();
    if (tail.code() == ErrorCode::kKafkaStorageError) return tail;
    ok = tail.ok();
  }
  if (!ok) {
    *rebuilt = true;
    MOLDAU_ASSIGN_OR_RETURN(seg->last_recovery_cut_, seg->recover());
  }
  return seg;
}

void LogSegment::index_batch(int64_t position, const BatchHeader& h, int32_t size) {
  if (h.max_timestamp > max_timestamp_) {
    max_timestamp_ = h.max_timestamp;
    offset_of_max_timestamp_ = h.last_offset();
  }
  if (bytes_since_last_index_entry_ > index_interval_bytes_) {
    offset_index_.append(h.last_offset(), static_cast<int32_t>(position));
    time_index_.maybe_append(max_timestamp_, offset_of_max_timestamp_);
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += size;
}

Status LogSegment::load_tail_state() {
  int64_t start = offset_index_.empty() ? 0 : offset_index_.last().position;
  if (!time_index_.empty()) {
    max_timestamp_ = time_index_.last().timestamp;
    offset_of_max_timestamp_ = time_index_.last().offset;
  }
  next_offset_ = base_offset_;
  if (!offset_index_.empty()) next_offset_ = offset_index_.last().offset + 1;
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  BatchScanner scan(file->fd(), log_path_, start, size_, false);
  ScannedBatch b;
  bool first = true;
  for (;;) {
    ScanResult r = scan.next(&b);
    if (r == ScanResult::kEnd) break;
    if (r == ScanResult::kIoError) return scan.status();
    if (r != ScanResult::kBatch) return Status(ErrorCode::kCorruptMessage, log_path_ + ": " + scan.reason());
    if (b.header.last_offset_delta < 0 || b.header.base_offset < base_offset_)
      return Status(ErrorCode::kCorruptMessage, log_path_ + ": bad offsets at " + std::to_string(b.position));
    if (b.header.max_timestamp > max_timestamp_) {
      max_timestamp_ = b.header.max_timestamp;
      offset_of_max_timestamp_ = b.header.last_offset();
    }
    next_offset_ = b.header.next_offset();
    first = false;
  }
  (void)first;
  bytes_since_last_index_entry_ = size_ - start;
  rolling_base_ts_ = -1;
  if (size_ >= static_cast<int64_t>(kMinBatchSize)) {
    uint8_t hdr[kMinBatchSize];
    MOLDAU_RETURN_IF_ERROR(pread_all(file->fd(), hdr, sizeof hdr, 0, log_path_));
    rolling_base_ts_ = decode_batch_header(hdr).max_timestamp;
  }
  return Status();
}

bool LogSegment::should_roll(const LogConfig& config, int64_t bytes, int64_t last_offset, int64_t max_timestamp,
                             int64_t now_ms) const {
  if (size_ == 0) return false;
  if (size_ > config.segment_bytes - bytes) return true;
  int64_t waited = rolling_base_ts_ >= 0 ? max_timestamp - rolling_base_ts_ : now_ms - created_ms_;
  if (waited > config.segment_ms) return true;
  if (offset_index_.full() || time_index_.full()) return true;
  if (last_offset - base_offset_ > std::numeric_limits<int32_t>::max()) return true;
  return false;
}

Status LogSegment::append(std::span<const uint8_t> batches) {
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  Status written = pwrite_all(file->fd(), batches.data(), batches.size(), size_, log_path_);
  if (!written.ok()) {
    // A short write (disk full, I/O error) may have left part of the batches after size_: cut
    // it off, so the file holds exactly the batches appended before and a later append or a
    // recovery after a clean shutdown never sees the torn tail.
    (void)::ftruncate(file->fd(), size_);
    return written;
  }
  int64_t pos = size_;
  const uint8_t* p = batches.data();
  const uint8_t* end = p + batches.size();
  bool was_empty = size_ == 0;
  while (p < end) {
    BatchHeader h = decode_batch_header(p);
    int32_t sz = static_cast<int32_t>(h.size_in_bytes());
    if (was_empty) {
      rolling_base_ts_ = h.max_timestamp;
      was_empty = false;
    }
    index_batch(pos, h, sz);
    next_offset_ = h.next_offset();
    pos += sz;
    p += sz;
  }
  size_ = pos;
  unflushed_ = true;
  return Status();
}

Result<std::optional<BatchLocation>> LogSegment::translate_offset(int64_t offset) const {
  int64_t start = offset_index_.lookup(offset).position;
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  BatchScanner scan(file->fd(), log_path_, start, size_, false);
  ScannedBatch b;
  for (;;) {
    ScanResult r = scan.next(&b);
    if (r == ScanResult::kBatch) {
      if (b.header.last_offset() >= offset)
        return std::optional<BatchLocation>(BatchLocation{b.position, static_cast<int32_t>(b.size),
                                                          b.header.base_offset, b.header.last_offset()});
      continue;
    }
    if (r == ScanResult::kEnd) return std::optional<BatchLocation>();
    if (r == ScanResult::kIoError) return scan.status();
    return Status(ErrorCode::kCorruptMessage, log_path_ + ": " + scan.reason());
  }
}

Result<std::optional<LogSegment::Slice>> LogSegment::read(int64_t offset, int64_t max_bytes,
                                                          int64_t max_position, bool min_one_batch) const {
  MOLDAU_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, translate_offset(offset));
  if (!loc || loc->position >= max_position) return std::optional<Slice>();
  int64_t adjusted = min_one_batch ? std::max<int64_t>(max_bytes, loc->size) : max_bytes;
  int64_t len = std::min(max_position - loc->position, adjusted);
  len = std::min<int64_t>(len, std::numeric_limits<int32_t>::max());
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  Slice s;
  s.slice = FileSlice{std::move(file), loc->position, static_cast<int32_t>(len)};
  s.first_batch_offset = loc->base_offset;
  return std::optional<Slice>(s);
}

namespace {
// Reads one whole batch and, when uncompressed, its records.
Status read_batch(int fd, const std::string& path, const BatchLocation& loc, std::vector<uint8_t>* buf,
                  std::vector<RecordView>* recs, bool* decoded) {
  buf->resize(static_cast<size_t>(loc.size));
  MOLDAU_RETURN_IF_ERROR(pread_all(fd, buf->data(), buf->size(), loc.position, path));
  std::string err;
  *decoded = decode_records(*buf, recs, &err);
  return Status();
}
}  // namespace

Result<std::optional<OffsetAndTimestamp>> LogSegment::find_offset_by_timestamp(int64_t target,
                                                                               int64_t start_offset) const {
  if (max_timestamp_ < target) return std::optional<OffsetAndTimestamp>();
  TimeIndexEntry te = time_index_.lookup(target);
  int64_t start = offset_index_.lookup(std::max(te.offset, start_offset)).position;
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  BatchScanner scan(file->fd(), log_path_, start, size_, false);
  ScannedBatch b;
  for (;;) {
    ScanResult r = scan.next(&b);
    if (r == ScanResult::kEnd) return std::optional<OffsetAndTimestamp>();
    if (r == ScanResult::kIoError) return scan.status();
    if (r != ScanResult::kBatch) return Status(ErrorCode::kCorruptMessage, log_path_ + ": " + scan.reason());
    if (b.header.max_timestamp < target || b.header.last_offset() < start_offset) continue;
    BatchLocation loc{b.position, static_cast<int32_t>(b.size), b.header.base_offset, b.header.last_offset()};
    std::vector<uint8_t> buf;
    std::vector<RecordView> recs;
    bool decoded = false;
    MOLDAU_RETURN_IF_ERROR(read_batch(file->fd(), log_path_, loc, &buf, &recs, &decoded));
    if (!decoded) {
      // Compressed (or undecodable): the batch is the finest granularity we can offer.
      return std::optional<OffsetAndTimestamp>(
          OffsetAndTimestamp{std::max(b.header.base_offset, start_offset), b.header.max_timestamp});
    }
    for (const auto& rec : recs)
      if (rec.timestamp >= target && rec.offset >= start_offset)
        return std::optional<OffsetAndTimestamp>(OffsetAndTimestamp{rec.offset, rec.timestamp});
  }
}

Result<OffsetAndTimestamp> LogSegment::max_timestamp_record() const {
  OffsetAndTimestamp out{offset_of_max_timestamp_, max_timestamp_};
  if (max_timestamp_ < 0) return out;
  MOLDAU_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, translate_offset(offset_of_max_timestamp_));
  if (!loc) return out;
  std::vector<uint8_t> buf;
  std::vector<RecordView> recs;
  bool decoded = false;
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  MOLDAU_RETURN_IF_ERROR(read_batch(file->fd(), log_path_, *loc, &buf, &recs, &decoded));
  if (decoded)
    for (const auto& rec : recs)
      if (rec.timestamp == max_timestamp_) return OffsetAndTimestamp{rec.offset, rec.timestamp};
  return out;
}

Result<int64_t> LogSegment::recover() {
  offset_index_.clear();
  time_index_.clear();
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = -1;
  bytes_since_last_index_entry_ = 0;
  next_offset_ = base_offset_;
  rolling_base_ts_ = -1;
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  BatchScanner scan(file->fd(), log_path_, 0, size_, true);
  ScannedBatch b;
  int64_t valid = 0;
  bool first = true;
  for (;;) {
    ScanResult r = scan.next(&b);
    if (r == ScanResult::kIoError) return scan.status();
    if (r != ScanResult::kBatch) break;
    const BatchHeader& h = b.header;
    if (h.last_offset_delta < 0 || h.base_offset < next_offset_ ||
        h.last_offset() - base_offset_ > std::numeric_limits<int32_t>::max())
      break;
    if (first) rolling_base_ts_ = h.max_timestamp;
    first = false;
    index_batch(b.position, h, static_cast<int32_t>(b.size));
    next_offset_ = h.next_offset();
    valid = b.position + static_cast<int64_t>(b.size);
  }
  int64_t cut = size_ - valid;
  if (cut > 0) {
    if (::ftruncate(file->fd(), valid) != 0) return io_error("truncate", log_path_, errno);
    size_ = valid;
    unflushed_ = true;
  }
  MOLDAU_RETURN_IF_ERROR(persist_indexes(false));
  return cut;
}

Status LogSegment::truncate_to(int64_t offset) {
  MOLDAU_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, translate_offset(offset));
  if (!loc) return Status();
  MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
  if (::ftruncate(file->fd(), loc->position) != 0) return io_error("truncate", log_path_, errno);
  size_ = loc->position;
  unflushed_ = true;
  offset_index_.truncate_to_offset(offset);
  time_index_.truncate_to_offset(offset);
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = -1;
  MOLDAU_RETURN_IF_ERROR(load_tail_state());
  if (size_ == 0) {
    next_offset_ = base_offset_;
  } else {
    next_offset_ = loc->base_offset;
  }
  return persist_indexes(false);
}

Status LogSegment::persist_indexes(bool sync) {
  MOLDAU_RETURN_IF_ERROR(offset_index_.persist(sync));
  return time_index_.persist(sync);
}

Status LogSegment::flush() {
  if (unflushed_) {
    MOLDAU_ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> file, this->file());
    if (::fdatasync(file->fd()) != 0) return io_error("fsync", log_path_, errno);
    unflushed_ = false;
  }
  return persist_indexes(true);
}

Status LogSegment::seal() {
  if (max_timestamp_ >= 0) time_index_.maybe_append(max_timestamp_, offset_of_max_timestamp_);
  return persist_indexes(false);
}

Status LogSegment::add_suffix(const std::string& suffix) {
  MOLDAU_RETURN_IF_ERROR(persist_indexes(false));
  MOLDAU_RETURN_IF_ERROR(rename_file(log_path_, log_path_ + suffix));
  log_path_ += suffix;
  MOLDAU_RETURN_IF_ERROR(offset_index_.rename_to(offset_index_.path() + suffix));
  return time_index_.rename_to(time_index_.path() + suffix);
}

Status LogSegment::remove_files() {
  if (::unlink(log_path_.c_str()) != 0 && errno != ENOENT) return io_error("delete", log_path_, errno);
  MOLDAU_RETURN_IF_ERROR(offset_index_.remove_file());
  return time_index_.remove_file();
}

void LogSegment::relocate(const std::string& new_dir) {
  auto moved = [&](const std::string& path) {
    // Every path of this segment starts with dir_ + "/" (seg_path); the tail is the file name.
    return new_dir + path.substr(dir_.size());
  };
  log_path_ = moved(log_path_);
  offset_index_.set_path(moved(offset_index_.path()));
  time_index_.set_path(moved(time_index_.path()));
  dir_ = new_dir;
}

void LogSegment::switch_dir(const std::string& new_dir) {
  relocate(new_dir);
  OpenFiles::instance().forget(file_id_);
}

}  // namespace moldau::storage
