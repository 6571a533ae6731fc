#include "moldau/storage/index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "moldau/common/endian.h"
#include "moldau/storage/file_util.h"

namespace moldau::storage {

template <class Entry>
SparseIndex<Entry>::SparseIndex(std::string path, int64_t base_offset, int64_t max_index_bytes)
    : path_(std::move(path)),
      base_offset_(base_offset),
      max_entries_(static_cast<size_t>(std::max<int64_t>(max_index_bytes, 0)) / kEntrySize) {}

template <class Entry>
int64_t SparseIndex<Entry>::size_bytes() const {
  return static_cast<int64_t>(entries_.size() * kEntrySize);
}

template <>
void SparseIndex<OffsetIndexEntry>::encode(const OffsetIndexEntry& e, uint8_t* out) const {
  store_be32(out, static_cast<uint32_t>(e.offset - base_offset_));
  store_be32(out + 4, static_cast<uint32_t>(e.position));
}
template <>
OffsetIndexEntry SparseIndex<OffsetIndexEntry>::decode(const uint8_t* in) const {
  return {base_offset_ + static_cast<int32_t>(load_be32(in)), static_cast<int32_t>(load_be32(in + 4))};
}
template <>
bool SparseIndex<OffsetIndexEntry>::sane(const OffsetIndexEntry& prev, const OffsetIndexEntry& e, bool first,
                                         int64_t log_size) const {
  if (e.offset < base_offset_ || e.position < 0 || e.position >= log_size) return false;
  return first || (e.offset > prev.offset && e.position > prev.position);
}
template <>
void SparseIndex<TimeIndexEntry>::encode(const TimeIndexEntry& e, uint8_t* out) const {
  store_be64(out, static_cast<uint64_t>(e.timestamp));
  store_be32(out + 8, static_cast<uint32_t>(e.offset - base_offset_));
}
template <>
TimeIndexEntry SparseIndex<TimeIndexEntry>::decode(const uint8_t* in) const {
  return {static_cast<int64_t>(load_be64(in)), base_offset_ + static_cast<int32_t>(load_be32(in + 8))};
}
template <>
bool SparseIndex<TimeIndexEntry>::sane(const TimeIndexEntry& prev, const TimeIndexEntry& e, bool first,
                                       int64_t) const {
  if (e.offset < base_offset_) return false;
  return first || (e.timestamp > prev.timestamp && e.offset >= prev.offset);
}

template <class Entry>
Result<bool> SparseIndex<Entry>::load(int64_t log_size) {
  entries_.clear();
  persisted_ = 0;
  file_too_long_ = true;
  if (!file_exists(path_)) return false;
  MOLDAU_ASSIGN_OR_RETURN(std::string data, read_whole_file(path_));
  if (data.size() % kEntrySize != 0 || data.size() / kEntrySize > max_entries_ + 1) return false;
  std::vector<Entry> loaded;
  loaded.reserve(data.size() / kEntrySize);
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t i = 0; i < data.size() / kEntrySize; ++i) {
    Entry e = decode(p + i * kEntrySize);
    if (!sane(loaded.empty() ? e : loaded.back(), e, loaded.empty(), log_size)) return false;
    loaded.push_back(e);
  }
  entries_ = std::move(loaded);
  persisted_ = entries_.size();
  file_too_long_ = false;
  return true;
}

template <class Entry>
void SparseIndex<Entry>::truncate_to_offset(int64_t offset) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                             [](const Entry& e, int64_t o) { return e.offset < o; });
  entries_.erase(it, entries_.end());
  if (persisted_ > entries_.size()) {
    persisted_ = entries_.size();
    file_too_long_ = true;
  }
}

template <class Entry>
Status SparseIndex<Entry>::persist(bool sync) {
  if (persisted_ == entries_.size() && !file_too_long_ && !(sync && unsynced_)) return Status();
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open index", path_, errno);
  Status s;
  if (file_too_long_ && ::ftruncate(fd, static_cast<off_t>(persisted_ * kEntrySize)) != 0)
    s = io_error("truncate index", path_, errno);
  if (s.ok() && persisted_ < entries_.size()) {
    std::vector<uint8_t> buf((entries_.size() - persisted_) * kEntrySize);
    for (size_t i = persisted_; i < entries_.size(); ++i) encode(entries_[i], &buf[(i - persisted_) * kEntrySize]);
    s = pwrite_all(fd, buf.data(), buf.size(), static_cast<int64_t>(persisted_ * kEntrySize), path_);
  }
  if (s.ok() && sync && ::fdatasync(fd) != 0) s = io_error("fsync index", path_, errno);
  ::close(fd);
  if (s.ok()) {
    persisted_ = entries_.size();
    file_too_long_ = false;
    unsynced_ = !sync;
  }
  return s;
}

template <class Entry>
Status SparseIndex<Entry>::rename_to(const std::string& new_path) {
  if (file_exists(path_)) MOLDAU_RETURN_IF_ERROR(rename_file(path_, new_path));
  path_ = new_path;
  return Status();
}

template <class Entry>
Status SparseIndex<Entry>::remove_file() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return io_error("delete", path_, errno);
  persisted_ = 0;
  file_too_long_ = false;
  return Status();
}

template class SparseIndex<OffsetIndexEntry>;
template class SparseIndex<TimeIndexEntry>;

void OffsetIndex::append(int64_t offset, int32_t position) {
  if (!entries_.empty() && offset <= entries_.back().offset) return;
  entries_.push_back({offset, position});
}

OffsetIndexEntry OffsetIndex::lookup(int64_t target) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), target,
                             [](int64_t t, const OffsetIndexEntry& e) { return t < e.offset; });
  if (it == entries_.begin()) return {base_offset_, 0};
  return *(it - 1);
}

void TimeIndex::maybe_append(int64_t timestamp, int64_t offset) {
  if (!entries_.empty() && timestamp <= entries_.back().timestamp) return;
  entries_.push_back({timestamp, offset});
}

TimeIndexEntry TimeIndex::lookup(int64_t target) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), target,
                             [](int64_t t, const TimeIndexEntry& e) { return t < e.timestamp; });
  if (it == entries_.begin()) return {-1, base_offset_};
  return *(it - 1);
}

}  // namespace moldau::storage
