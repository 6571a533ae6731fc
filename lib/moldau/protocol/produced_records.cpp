#include "moldau/protocol/produced_records.h"

#include <cstring>
#include <memory>
#include <string>

#include "moldau/common/endian.h"
#include "moldau/common/varint.h"
#include "moldau/protocol/compression.h"

namespace moldau::protocol {
namespace {

constexpr size_t kWindow = 64 * 1024;

// Bytes of the records region, read forward: in place for an uncompressed batch, through a
// 64 KiB window refilled from the decompressor otherwise. pos() counts from the region's start.
class RecordBytes {
 public:
  explicit RecordBytes(std::span<const uint8_t> plain)
      : base_(plain.data()), p_(base_), end_(plain.data() + plain.size()) {}
  explicit RecordBytes(std::unique_ptr<StreamDecompressor> source)
      : source_(std::move(source)), window_(new uint8_t[kWindow]), base_(window_.get()), p_(base_), end_(p_) {}

  size_t pos() const { return consumed_ + static_cast<size_t>(p_ - base_); }
  const Status& error() const { return error_; }

  // False at the end of the data (or on a decompression error: see error()).
  bool byte(uint8_t* b) {
    if (p_ == end_ && !refill()) return false;
    *b = *p_++;
    return true;
  }
  bool skip(size_t n) {
    while (n > 0) {
      if (p_ == end_ && !refill()) return false;
      size_t k = std::min(n, static_cast<size_t>(end_ - p_));
      p_ += k;
      n -= k;
    }
    return true;
  }
  bool at_end() { return p_ == end_ && !refill(); }

  // Zigzag varints of at most 5 / 10 bytes; false when malformed or cut short.
  bool varint64(int64_t* out) {
    uint64_t v = 0;
    for (size_t i = 0; i < kMaxVarint64Bytes; ++i) {
      uint8_t b = 0;
      if (!byte(&b)) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        *out = zigzag_decode64(v);
        return true;
      }
    }
    return false;
  }
  bool varint32(int32_t* out) {
    uint64_t v = 0;
    for (size_t i = 0; i < kMaxVarint32Bytes; ++i) {
      uint8_t b = 0;
      if (!byte(&b)) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        if (v > UINT32_MAX) return false;
        *out = zigzag_decode32(static_cast<uint32_t>(v));
        return true;
      }
    }
    return false;
  }

 private:
  bool refill() {
    if (!source_ || !error_.ok()) return false;
    consumed_ += static_cast<size_t>(end_ - base_);
    auto n = source_->read(window_.get(), kWindow);
    if (!n.ok()) {
      error_ = n.status();
      return false;
    }
    p_ = base_;
    end_ = p_ + *n;
    return *n > 0;
  }

  std::unique_ptr<StreamDecompressor> source_;
  std::unique_ptr<uint8_t[]> window_;
  const uint8_t* base_;  // where the bytes in view start (pos() counts from here plus consumed_)
  const uint8_t* p_;
  const uint8_t* end_;
  size_t consumed_ = 0;
  Status error_;
};

}  // namespace

Result<ProducedRecordsSummary> check_produced_records(std::span<const uint8_t> batch,
                                                      const ProducedRecordChecks& checks) {
  MOLDAU_ASSIGN_OR_RETURN(BatchHeader h, parse_batch_header(batch));
  const std::string at = "batch with " + std::to_string(h.records_count) + " records: ";
  auto invalid = [&](const std::string& what) { return Status(ErrorCode::kInvalidRecord, at + what); };
  if (h.records_count < 0) return invalid("invalid records count");

  std::span<const uint8_t> body = batch.subspan(kBatchHeaderSize);
  std::unique_ptr<RecordBytes> bytes;
  if (h.compression() == Compression::kNone) {
    bytes = std::make_unique<RecordBytes>(body);
  } else {
    auto source = StreamDecompressor::open(h.compression(), body, checks.max_decompressed_bytes);
    if (!source.ok()) return Status(source.status().code(), at + source.status().message());
    bytes = std::make_unique<RecordBytes>(std::move(*source));
  }
  RecordBytes& in = *bytes;

  if (checks.create_time && h.log_append_time() && h.records_count > 0) {
    return Status(ErrorCode::kInvalidTimestamp,
                  at + "invalid timestamp type LogAppendTime: producers should not set it");
  }
  const int64_t earliest = checks.timestamp_before_max_ms > checks.now_ms
                               ? std::numeric_limits<int64_t>::min()
                               : checks.now_ms - checks.timestamp_before_max_ms;
  const int64_t latest = checks.timestamp_after_max_ms > std::numeric_limits<int64_t>::max() - checks.now_ms
                             ? std::numeric_limits<int64_t>::max()
                             : checks.now_ms + checks.timestamp_after_max_ms;

  ProducedRecordsSummary out;
  for (int32_t i = 0; i < h.records_count; ++i) {
    const size_t start = in.pos();
    auto bad = [&](const std::string& what) {
      if (!in.error().ok()) return Status(in.error().code(), at + in.error().message());
      return invalid("record " + std::to_string(i) + " at byte " + std::to_string(start) +
                     " of the records: " + what);
    };
    int32_t length = 0;
    if (!in.varint32(&length)) return bad("length truncated or malformed");
    if (length <= 0) return bad("invalid record length " + std::to_string(length));
    const size_t body_start = in.pos();
    uint8_t attributes = 0;
    int64_t ts_delta = 0;
    int32_t offset_delta = 0;
    if (!in.byte(&attributes)) return bad("attributes truncated");
    if (!in.varint64(&ts_delta)) return bad("timestampDelta truncated or malformed");
    if (!in.varint32(&offset_delta)) return bad("offsetDelta truncated or malformed");
    if (offset_delta != i) {
      return bad("offsetDelta " + std::to_string(offset_delta) + " where a producer writes " + std::to_string(i));
    }
    int32_t key_length = 0;
    if (!in.varint32(&key_length)) return bad("key length truncated or malformed");
    if (key_length < -1) return bad("invalid key length " + std::to_string(key_length));
    if (key_length == -1 && checks.require_keys) {
      return invalid("compacted topic cannot accept a record without a key (record " + std::to_string(i) + ")");
    }
    if (key_length > 0 && !in.skip(static_cast<size_t>(key_length))) return bad("key truncated");
    int32_t value_length = 0;
    if (!in.varint32(&value_length)) return bad("value length truncated or malformed");
    if (value_length < -1) return bad("invalid value length " + std::to_string(value_length));
    if (value_length > 0 && !in.skip(static_cast<size_t>(value_length))) return bad("value truncated");
    int32_t headers = 0;
    if (!in.varint32(&headers)) return bad("header count truncated or malformed");
    if (headers < 0) return bad("invalid header count " + std::to_string(headers));
    for (int32_t k = 0; k < headers; ++k) {
      int32_t n = 0;
      if (!in.varint32(&n) || n < 0) return bad("header " + std::to_string(k) + ": invalid key length");
      if (!in.skip(static_cast<size_t>(n))) return bad("header " + std::to_string(k) + ": key truncated");
      if (!in.varint32(&n) || n < -1) return bad("header " + std::to_string(k) + ": invalid value length");
      if (n > 0 && !in.skip(static_cast<size_t>(n))) return bad("header " + std::to_string(k) + ": value truncated");
      // The length prefix bounds the header count: stop a huge count early.
      if (in.pos() - body_start > static_cast<size_t>(length)) break;
    }
    if (in.pos() - body_start != static_cast<size_t>(length)) {
      return bad("length says " + std::to_string(length) + " bytes but the fields take " +
                 std::to_string(in.pos() - body_start));
    }
    if (!checks.create_time) continue;
    const int64_t timestamp =
        static_cast<int64_t>(static_cast<uint64_t>(h.base_timestamp) + static_cast<uint64_t>(ts_delta));
    if (timestamp != kNoTimestamp && (timestamp < earliest || timestamp > latest)) {
      return Status(ErrorCode::kInvalidTimestamp,
                    "Timestamp " + std::to_string(timestamp) + " of message with offset " + std::to_string(i) +
                        " is out of range. The timestamp should be within [" + std::to_string(earliest) + ", " +
                        std::to_string(latest) + "]");
    }
    if (timestamp > out.max_timestamp) {
      out.max_timestamp = timestamp;
      out.offset_delta_of_max_timestamp = i;
    }
  }
  // Nothing may follow the last record, and a compressed stream must end properly (a cut
  // trailer or checksum is a corrupt batch even when every record came out whole).
  const bool at_end = in.at_end();
  if (!in.error().ok()) return Status(in.error().code(), at + in.error().message());
  if (!at_end) return invalid("incorrect declared batch size: bytes follow record " + std::to_string(h.records_count));
  return out;
}

Result<ProducedBatch> validate_produce_records(std::span<const uint8_t> records, int16_t produce_version,
                                               const ValidateOptions& options,
                                               const ProducedRecordChecks& checks) {
  const std::string v = "produce v" + std::to_string(produce_version) + ": ";
  // Framing only here; validate_batch applies max_batch_size (MESSAGE_TOO_LARGE, as Kafka).
  BatchIterator it(records);
  BatchView first;
  if (!it.next(&first)) {
    if (!it.status().ok()) return Status(it.status().code(), v + it.status().message());
    return Status(ErrorCode::kInvalidRecord, v + "records must hold at least one whole record batch (" +
                                           std::to_string(records.size()) + " bytes given)");
  }
  if (it.position() != records.size()) {
    return Status(ErrorCode::kInvalidRecord, v + "records must hold exactly one record batch; " +
                                           std::to_string(records.size() - it.position()) +
                                           " bytes follow the first one");
  }
  if (produce_version < 7 && first.header.compression() == Compression::kZstd) {
    return Status(ErrorCode::kUnsupportedCompressionType,
                  v + "zstd compression needs produce v7 or later");
  }
  ValidateOptions o = options;
  o.position = 0;
  o.check_records = false;  // made below, with the checks
  MOLDAU_RETURN_IF_ERROR(validate_batch(first.bytes, o));
  ProducedBatch out{first, {}};
  if (o.from_client) {
    auto summary = check_produced_records(first.bytes, checks);
    if (!summary.ok()) return Status(summary.status().code(), v + summary.status().message());
    out.records = *summary;
  }
  return out;
}


void set_create_time_max_timestamp(std::span<uint8_t> batch, int64_t max_timestamp) {
  uint8_t* p = batch.data();
  if (static_cast<int64_t>(load_be64(p + kMaxTimestampPos)) == max_timestamp) return;
  store_be64(p + kMaxTimestampPos, static_cast<uint64_t>(max_timestamp));
  update_batch_crc(batch);
}

}  // namespace moldau::protocol
