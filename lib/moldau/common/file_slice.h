#pragma once
// A byte range of an open file, to be sent with sendfile(2) without copying through user
// space (fetch responses). The shared handle keeps the descriptor open while a slice is in
// flight, even if the segment is deleted or closed meanwhile.

#include <unistd.h>

#include <cstdint>
#include <memory>

namespace moldau {

// Owns one file descriptor; closes it when the last reference goes.
class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct FileSlice {
  std::shared_ptr<FileHandle> file;
  int64_t position = 0;
  int32_t size = 0;
};

}  // namespace moldau
