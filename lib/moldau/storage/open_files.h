#pragma once
// The segment files a broker keeps open, bounded. Keeping every segment's .log open (as Kafka
// does) makes descriptors the limit on how many segments a broker may hold: long retention or
// small segments exhaust them, and then every write fails. Instead a segment asks for its
// descriptor on each use, and beyond `capacity` the least recently used are closed; a FileSlice
// in flight holds its own reference, so closing never cuts a send short.
//
// Process-wide, like the descriptor table it bounds. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "moldau/common/file_slice.h"
#include "moldau/common/result.h"

namespace moldau::storage {

class OpenFiles {
 public:
  static OpenFiles& instance();

  // A fresh id for a file that get()/put() will be asked about.
  static uint64_t new_id();

  void set_capacity(size_t capacity);
  size_t capacity() const;
  // How many files the cache holds open now.
  size_t open_count() const;

  // The open handle of file `id` at `path`, opened read-write when not held. When the process is
  // out of descriptors (EMFILE/ENFILE), closes half of what the cache holds and tries once more;
  // KAFKA_STORAGE_ERROR naming the file otherwise.
  Result<std::shared_ptr<FileHandle>> get(uint64_t id, const std::string& path);
  // Takes an already open descriptor for `id` (a file just created).
  std::shared_ptr<FileHandle> put(uint64_t id, int fd);
  // Drops `id` (its file was deleted or replaced); in-flight references stay valid.
  void forget(uint64_t id);

 private:
  struct Entry {
    uint64_t id;
    std::shared_ptr<FileHandle> handle;
  };
  void insert_locked(uint64_t id, std::shared_ptr<FileHandle> handle);
  void evict_locked(size_t keep);

  mutable std::mutex mu_;
  size_t capacity_ = 1024;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
size_t raise_open_file_limit();
// Descriptors the process holds now (entries of /proc/self/fd), -1 when unknown.
int64_t open_descriptor_count();

}  // namespace moldau::storage
