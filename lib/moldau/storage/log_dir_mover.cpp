#include "moldau/storage/log_dir_mover.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <vector>

#include "moldau/storage/file_util.h"

namespace moldau::storage {

namespace {

constexpr int64_t kChunk = 1 << 20;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status cancelled_status(const std::string& dir) {
  return Status(ErrorCode::kKafkaStorageError, "copy into " + dir + " cancelled");
}

// "<20 digits>.log" -> base offset; -1 otherwise.
int64_t log_file_base(const std::string& name) {
  if (name.size() != 24 || !ends_with(name, ".log")) return -1;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

}  // namespace

bool is_growing_segment_file(const std::string& name) {
  return ends_with(name, ".log") || ends_with(name, ".index") || ends_with(name, ".timeindex");
}

Result<std::map<std::string, SourceFile>> list_partition_files(const std::string& dir) {
  MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir));
  std::map<std::string, SourceFile> out;
  for (const auto& n : names) {
    if (n == kMovedMarkerFile || ends_with(n, ".deleted") || ends_with(n, ".tmp") || ends_with(n, ".cleaned") ||
        ends_with(n, ".swap"))
      continue;
    std::string path = dir + "/" + n;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return io_error("stat", path, errno);
    if (!S_ISREG(st.st_mode)) continue;
    out[n] = SourceFile{static_cast<uint64_t>(st.st_ino), static_cast<int64_t>(st.st_size),
                        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  return out;
}

FutureDirCopy::FutureDirCopy(std::string future_dir, const std::atomic<bool>* cancel, CopyProgress* progress,
                             const std::atomic<int64_t>* rate)
    : dir_(std::move(future_dir)), cancel_(cancel), progress_(progress), rate_(rate) {}

void FutureDirCopy::throttle(int64_t bytes) {
  const int64_t rate = rate_ ? rate_->load() : INT64_MAX;
  if (!throttled_ || rate <= 0 || rate == INT64_MAX) return;
  auto now = std::chrono::steady_clock::now();
  if (rate != window_rate_ || now - window_start_ > std::chrono::seconds(10)) {
    window_rate_ = rate;
    window_start_ = now;
    window_bytes_ = 0;
  }
  window_bytes_ += bytes;
  const auto due = window_start_ + std::chrono::nanoseconds(static_cast<int64_t>(
                                       static_cast<double>(window_bytes_) * 1e9 / static_cast<double>(rate)));
  // In steps, so that a cancel or a new rate is seen soon.
  while (!cancel_->load() && std::chrono::steady_clock::now() < due && rate_->load() == rate)
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(due - std::chrono::steady_clock::now(),
                                                                   std::chrono::milliseconds(50)));
}

void FutureDirCopy::publish() {
  int64_t total = 0;
  for (const auto& [n, c] : copied_) total += c.size;
  progress_->bytes.store(total);
}

Result<int64_t> FutureDirCopy::catch_up(const std::string& source, const std::map<std::string, SourceFile>& files,
                                        uint64_t rewrites, const std::vector<std::pair<int64_t, int64_t>>& segments) {
  return round(source, files, rewrites, segments, false);
}

Result<int64_t> FutureDirCopy::finish(const std::string& source, const std::map<std::string, SourceFile>& files,
                                      uint64_t rewrites, const std::vector<std::pair<int64_t, int64_t>>& segments) {
  return round(source, files, rewrites, segments, true);
}

Result<int64_t> FutureDirCopy::round(const std::string& source, const std::map<std::string, SourceFile>& files,
                                     uint64_t rewrites, const std::vector<std::pair<int64_t, int64_t>>& segments,
                                     bool final) {
  if (!created_) {
    if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) return io_error("create directory", dir_, errno);
    created_ = true;
  }
  throttled_ = !final;
  std::map<int64_t, int64_t> next_of(segments.begin(), segments.end());
  int64_t copied_bytes = 0;
  // Names sort segment files by base offset (20 digits), so the .log files come in offset order.
  for (const auto& [name, src] : files) {
    if (cancel_->load()) return cancelled_status(dir_);
    const bool growing = is_growing_segment_file(name);
    if (!growing && !final) continue;
    auto it = copied_.find(name);
    const bool tail_ok = growing && it != copied_.end() && it->second.inode == src.inode &&
                         it->second.rewrites == rewrites && src.size >= it->second.size;
    int64_t from = tail_ok ? it->second.size : 0;
    if (from < src.size || !tail_ok) {
      // fsynced at once: a catch-up round does it without the log's lock.
      MOLDAU_ASSIGN_OR_RETURN(int64_t n, copy_file(source, name, from, src.size, rewrites, true));
      copied_bytes += n;
    }
    if (final && ends_with(name, ".log")) {
      std::string path = dir_ + "/" + name;
      struct timespec times[2];
      times[0].tv_sec = 0;
      times[0].tv_nsec = UTIME_OMIT;
      times[1].tv_sec = src.mtime_ns / 1000000000;
      times[1].tv_nsec = src.mtime_ns % 1000000000;
      if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return io_error("set the time of", path, errno);
    }
    if (int64_t base = log_file_base(name); base >= 0) {
      if (auto n = next_of.find(base); n != next_of.end()) progress_->next_offset.store(n->second);
    }
  }
  if (final) {
    // Files the source no longer has (deleted segments, old snapshots).
    for (auto it = copied_.begin(); it != copied_.end();) {
      if (files.contains(it->first)) {
        ++it;
        continue;
      }
      std::string path = dir_ + "/" + it->first;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("delete", path, errno);
      it = copied_.erase(it);
    }
    publish();
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir_));
  }
  return copied_bytes;
}

Result<int64_t> FutureDirCopy::copy_file(const std::string& source, const std::string& name, int64_t from, int64_t to,
                                         uint64_t rewrites, bool sync) {
  const std::string src_path = source + "/" + name;
  const std::string dst_path = dir_ + "/" + name;
  int in = ::open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
  // Gone since the listing (retention, compaction's swap; a catch-up round holds no lock): the
  // last round copies whatever is there then.
  if (in < 0 && errno == ENOENT && throttled_) return int64_t{0};
  if (in < 0) return io_error("open", src_path, errno);
  struct stat st {};
  if (::fstat(in, &st) != 0) {
    int err = errno;
    ::close(in);
    return io_error("stat", src_path, err);
  }
  int out = ::open(dst_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return io_error("create", dst_path, err);
  }
  Copied& c = copied_[name];
  if (from == 0) {
    c.size = 0;
    publish();
  }
  c.inode = static_cast<uint64_t>(st.st_ino);
  c.rewrites = rewrites;
  const int64_t rate = rate_ ? rate_->load() : INT64_MAX;
  // Smaller chunks under a low rate: steadier, and a cancel is seen sooner.
  const int64_t chunk = throttled_ && rate > 0 && rate != INT64_MAX ? std::clamp<int64_t>(rate / 10, 4096, kChunk) : kChunk;
  std::vector<char> buf(static_cast<size_t>(std::min<int64_t>(chunk, std::max<int64_t>(to - from, 1))));
  Status s;
  int64_t pos = from;
  while (pos < to) {
    if (cancel_->load()) {
      s = cancelled_status(dir_);
      break;
    }
    size_t want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(buf.size()), to - pos));
    ssize_t n = ::pread(in, buf.data(), want, pos);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = io_error("read", src_path, errno);
      break;
    }
    if (n == 0) break;  // cut meanwhile: a rewrite, seen by the next round
    s = pwrite_all(out, buf.data(), static_cast<size_t>(n), pos, dst_path);
    if (!s.ok()) break;
    pos += n;
    c.size = pos;
    progress_->bytes.fetch_add(n);
    throttle(n);
  }
  if (s.ok() && from == 0 && ::ftruncate(out, pos) != 0) s = io_error("truncate", dst_path, errno);
  if (s.ok() && sync && ::fdatasync(out) != 0) s = io_error("fsync", dst_path, errno);
  if (!s.ok()) c.rewrites = ~uint64_t{0};  // copy it whole next time
  ::close(in);
  ::close(out);
  if (!s.ok()) return s;
  return pos - from;
}

}  // namespace moldau::storage
