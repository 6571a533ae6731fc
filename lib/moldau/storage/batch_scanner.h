#pragma once
// Walks the batches of a .log file region with buffered pread: recovery (full batches, CRC
// checked), offset translation (headers only) and kafka-dump-log share it.

#include <cstdint>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/storage/batch_format.h"

namespace moldau::storage {

struct ScannedBatch {
  int64_t position = 0;  // of the batch in the file
  BatchHeader header;
  const uint8_t* data = nullptr;  // whole batch when scanning with full_batches; else header only
  size_t size = 0;                // whole batch size (12 + batchLength)
};

enum class ScanResult {
  kBatch,      // *out holds the next batch
  kEnd,        // clean end: the region ends exactly after the previous batch
  kTruncated,  // fewer bytes left than the next batch claims (or than its length field)
  kCorrupt,    // length below the minimum, bad magic or (full mode) CRC mismatch
  kIoError,    // see status()
};

class BatchScanner {
 public:
  // Scans [start, end) of `fd`. full_batches: read whole batches and check their CRC (and
  // magic); otherwise only headers are read and nothing is checked beyond the length field.
  BatchScanner(int fd, std::string path, int64_t start, int64_t end, bool full_batches);

  ScanResult next(ScannedBatch* out);
  // Position of the batch next() would return (after the last one returned).
  int64_t position() const { return pos_; }
  // Why kCorrupt/kTruncated/kIoError happened.
  const std::string& reason() const { return reason_; }
  const Status& status() const { return status_; }

 private:
  // Makes [pos, pos+n) available in buf_; false on I/O error.
  bool fill(int64_t pos, size_t n);

  int fd_;
  std::string path_;
  int64_t pos_;
  int64_t end_;
  bool full_;
  std::vector<uint8_t> buf_;
  int64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  std::string reason_;
  Status status_;
};

}  // namespace moldau::storage
