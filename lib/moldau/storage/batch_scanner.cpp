#include "moldau/storage/batch_scanner.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "moldau/storage/file_util.h"

namespace moldau::storage {

namespace {
constexpr size_t kFullChunk = 256 * 1024;
constexpr size_t kHeaderChunk = 16 * 1024;
}  // namespace

BatchScanner::BatchScanner(int fd, std::string path, int64_t start, int64_t end, bool full_batches)
    : fd_(fd), path_(std::move(path)), pos_(start), end_(end), full_(full_batches) {}

bool BatchScanner::fill(int64_t pos, size_t n) {
  if (pos >= buf_pos_ && pos + static_cast<int64_t>(n) <= buf_pos_ + static_cast<int64_t>(buf_len_)) return true;
  size_t want = std::max(n, full_ ? kFullChunk : kHeaderChunk);
  want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(want), end_ - pos));
  if (buf_.size() < want) buf_.resize(want);
  size_t got = 0;
  while (got < want) {
    ssize_t r = ::pread(fd_, buf_.data() + got, want - got, pos + static_cast<int64_t>(got));
    if (r < 0) {
      if (errno == EINTR) continue;
      status_ = io_error("read", path_, errno);
      return false;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf_pos_ = pos;
  buf_len_ = got;
  if (got < n) {
    // The file is shorter than its recorded size (truncated underneath us).
    status_ = Status(ErrorCode::kKafkaStorageError, "read " + path_ + ": unexpected end of file");
    return false;
  }
  return true;
}

ScanResult BatchScanner::next(ScannedBatch* out) {
  if (pos_ >= end_) return ScanResult::kEnd;
  if (end_ - pos_ < static_cast<int64_t>(protocol::kLogOverhead)) {
    reason_ = std::to_string(end_ - pos_) + " bytes left at position " + std::to_string(pos_) +
              ", less than a batch's offset and length";
    return ScanResult::kTruncated;
  }
  size_t header_need = std::min<int64_t>(static_cast<int64_t>(kMinBatchSize), end_ - pos_);
  if (!fill(pos_, header_need)) return ScanResult::kIoError;
  const uint8_t* p = buf_.data() + (pos_ - buf_pos_);
  int32_t length = static_cast<int32_t>(load_be32(p + protocol::kBatchLengthPos));
  if (length < static_cast<int32_t>(kMinBatchSize - protocol::kLogOverhead)) {
    reason_ = "batch length " + std::to_string(length) + " at position " + std::to_string(pos_) +
              " is below the minimum";
    return ScanResult::kCorrupt;
  }
  int64_t size = static_cast<int64_t>(protocol::kLogOverhead) + length;
  if (size > end_ - pos_) {
    reason_ = "batch at position " + std::to_string(pos_) + " claims " + std::to_string(size) + " bytes, " +
              std::to_string(end_ - pos_) + " left";
    return ScanResult::kTruncated;
  }
  if (full_) {
    if (!fill(pos_, static_cast<size_t>(size))) return ScanResult::kIoError;
    p = buf_.data() + (pos_ - buf_pos_);
  }
  out->position = pos_;
  out->header = decode_batch_header(p);
  out->data = p;
  out->size = static_cast<size_t>(size);
  if (full_) {
    if (out->header.magic != 2) {
      reason_ = "batch at position " + std::to_string(pos_) + " has magic " + std::to_string(out->header.magic);
      return ScanResult::kCorrupt;
    }
    if (!batch_crc_ok(p, static_cast<size_t>(size))) {
      reason_ = "batch at position " + std::to_string(pos_) + " fails its CRC check";
      return ScanResult::kCorrupt;
    }
  }
  pos_ += size;
  return ScanResult::kBatch;
}

}  // namespace moldau::storage
