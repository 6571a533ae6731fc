#include "moldau/storage/open_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>

#include <atomic>
#include <cerrno>

#include "moldau/storage/file_util.h"

namespace moldau::storage {

OpenFiles& OpenFiles::instance() {
  static OpenFiles files;
  return files;
}

uint64_t OpenFiles::new_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void OpenFiles::set_capacity(size_t capacity) {
  std::lock_guard lock(mu_);
  capacity_ = std::max<size_t>(capacity, 1);
  evict_locked(capacity_);
}

size_t OpenFiles::capacity() const {
  std::lock_guard lock(mu_);
  return capacity_;
}

size_t OpenFiles::open_count() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

Result<std::shared_ptr<FileHandle>> OpenFiles::get(uint64_t id, const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = index_.find(id);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->handle;
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
    evict_locked(lru_.size() / 2);
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) return io_error("open", path, errno);
  auto handle = std::make_shared<FileHandle>(fd);
  insert_locked(id, handle);
  return handle;
}

std::shared_ptr<FileHandle> OpenFiles::put(uint64_t id, int fd) {
  std::lock_guard lock(mu_);
  auto handle = std::make_shared<FileHandle>(fd);
  auto it = index_.find(id);
  if (it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  insert_locked(id, handle);
  return handle;
}

void OpenFiles::forget(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = index_.find(id);
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
}

void OpenFiles::insert_locked(uint64_t id, std::shared_ptr<FileHandle> handle) {
  evict_locked(capacity_ - 1);
  lru_.push_front(Entry{id, std::move(handle)});
  index_[id] = lru_.begin();
}

void OpenFiles::evict_locked(size_t keep) {
  while (lru_.size() > keep) {
    index_.erase(lru_.back().id);
    lru_.pop_back();
  }
}

size_t raise_open_file_limit() {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(rl.rlim_cur);
}

int64_t open_descriptor_count() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  int64_t n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace moldau::storage
