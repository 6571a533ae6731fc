#pragma once
// Small POSIX helpers for storage: errors as Status (KAFKA_STORAGE_ERROR naming the file and
// errno text), atomic file replacement, directory fsync.

#include <cstdint>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::storage {

// KAFKA_STORAGE_ERROR "<what> <path>: <strerror(errno)>".
Status io_error(const std::string& what, const std::string& path, int err);

// Writes `content` to `path` atomically: temp file, fsync, rename over `path`, fsync the
// directory. A crash leaves either the old or the new content.
Status write_file_atomically(const std::string& path, const std::string& content);
Result<std::string> read_whole_file(const std::string& path);
Status fsync_dir(const std::string& dir);
// Full pwrite loop.
Status pwrite_all(int fd, const void* data, size_t size, int64_t offset, const std::string& path);
Status pread_all(int fd, void* data, size_t size, int64_t offset, const std::string& path);
bool file_exists(const std::string& path);
// Names (not paths) of the entries of `dir`.
Result<std::vector<std::string>> list_dir(const std::string& dir);
Status remove_recursive(const std::string& path);
Status rename_file(const std::string& from, const std::string& to);
// Kafka's 20-digit zero-padded base offset file name stem.
std::string offset_file_stem(int64_t offset);
// A directory path for comparison: absolute, `.`/`..` and symlinks resolved where they exist,
// no trailing '/'.
std::string normal_dir_path(const std::string& path);
int64_t wall_clock_ms();

}  // namespace moldau::storage
