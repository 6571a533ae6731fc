#include "moldau/protocol/record.h"

#include <algorithm>
#include <string>

#include "moldau/common/endian.h"
#include "moldau/common/varint.h"
#include "moldau/protocol/compression.h"

namespace moldau::protocol {
namespace {

// The smallest record: length, attributes, timestampDelta, offsetDelta, key length, value
// length, header count, one byte each. Bounds recordsCount before anything is reserved.
constexpr size_t kMinRecordSize = 7;
// The smallest header: key length and value length.
constexpr size_t kMinHeaderSize = 2;

// Reads the records region; every read checks the bytes left. `base` is where the region
// starts, so that positions in messages count from the start of the records.
class Cursor {
 public:
  Cursor(const uint8_t* begin, const uint8_t* end) : base_(begin), p_(begin), end_(end) {}

  size_t pos() const { return static_cast<size_t>(p_ - base_); }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* ptr() const { return p_; }
  void set_end(const uint8_t* end) { end_ = end; }

  bool varint32(int32_t* v) { return advance(get_varint32(p_, end_, v)); }
  bool varint64(int64_t* v) { return advance(get_varint64(p_, end_, v)); }
  bool i8(int8_t* v) {
    if (p_ >= end_) return false;
    *v = static_cast<int8_t>(*p_++);
    return true;
  }
  std::string_view bytes(size_t n) {
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  bool advance(size_t n) {
    p_ += n;
    return n != 0;
  }
  const uint8_t* base_;
  const uint8_t* p_;
  const uint8_t* end_;
};

class RecordDecoder {
 public:
  RecordDecoder(const BatchHeader& h, const DecodeLimits& limits) : h_(h), limits_(limits) {}

  Status run(std::span<const uint8_t> batch, std::vector<uint8_t>* buffer,
             const std::function<Status(Record&)>& fn) {
    std::span<const uint8_t> body = batch.subspan(kBatchHeaderSize);
    if (h_.compression() != Compression::kNone) {
      Status s = decompress_into(h_.compression(), body, limits_.max_decompressed_bytes, buffer);
      if (!s.ok()) return Status(s.code(), prefix() + s.message());
      body = *buffer;
    }
    if (h_.records_count < 0) {
      return invalid("invalid records count " + std::to_string(h_.records_count));
    }
    size_t count = static_cast<size_t>(h_.records_count);
    if (count > body.size() / kMinRecordSize) {
      return invalid("records count " + std::to_string(count) + " cannot fit in " +
                     std::to_string(body.size()) + " bytes of records");
    }
    Cursor c(body.data(), body.data() + body.size());
    const uint8_t* records_end = body.data() + body.size();
    Record r;
    int64_t prev_delta = -1;
    for (size_t i = 0; i < count; ++i) {
      c.set_end(records_end);
      MOLDAU_RETURN_IF_ERROR(decode_one(c, i, &r, &prev_delta));
      MOLDAU_RETURN_IF_ERROR(fn(r));
    }
    if (c.ptr() != records_end) {
      return invalid(std::to_string(records_end - c.ptr()) + " bytes remain after the last of " +
                     std::to_string(count) + " records (records count disagrees with the data)");
    }
    return Status();
  }

 private:
  std::string prefix() const {
    return "batch at offset " + std::to_string(h_.base_offset) + ": ";
  }
  Status invalid(const std::string& what) const {
    return Status(ErrorCode::kInvalidRecord, prefix() + what);
  }
  Status bad(size_t index, size_t pos, const std::string& what) const {
    return invalid("record " + std::to_string(index) + " at byte " + std::to_string(pos) +
                   " of the records: " + what);
  }

  // Reads a varint length that may be -1 (null) and checks it against the bytes left.
  Status nullable_bytes(Cursor& c, size_t index, const char* field,
                        std::optional<std::string_view>* out) {
    size_t at = c.pos();
    int32_t n = 0;
    if (!c.varint32(&n)) return bad(index, at, std::string(field) + " length truncated or malformed");
    if (n == -1) {
      out->reset();
      return Status();
    }
    if (n < 0) return bad(index, at, std::string("invalid ") + field + " length " + std::to_string(n));
    if (static_cast<size_t>(n) > c.left()) {
      return bad(index, at, std::string(field) + " length " + std::to_string(n) + " exceeds the " +
                                std::to_string(c.left()) + " bytes left in the record");
    }
    *out = c.bytes(static_cast<size_t>(n));
    return Status();
  }

  Status decode_one(Cursor& c, size_t i, Record* r, int64_t* prev_delta) {
    size_t start = c.pos();
    int32_t length = 0;
    if (!c.varint32(&length)) return bad(i, start, "length truncated or malformed");
    if (length < 0 || static_cast<size_t>(length) > c.left()) {
      return bad(i, start, "length " + std::to_string(length) + " exceeds the " +
                               std::to_string(c.left()) + " bytes left");
    }
    const uint8_t* record_end = c.ptr() + length;
    c.set_end(record_end);  // nothing below may read past this record

    int64_t ts_delta = 0;
    int32_t offset_delta = 0;
    if (!c.i8(&r->attributes)) return bad(i, start, "attributes truncated");
    if (!c.varint64(&ts_delta)) return bad(i, start, "timestampDelta truncated or malformed");
    if (!c.varint32(&offset_delta)) return bad(i, start, "offsetDelta truncated or malformed");
    if (offset_delta <= *prev_delta || offset_delta > h_.last_offset_delta ||
        (limits_.require_sequential_offsets && offset_delta != static_cast<int64_t>(i))) {
      return bad(i, start, "offsetDelta " + std::to_string(offset_delta) +
                               " out of order (previous " + std::to_string(*prev_delta) +
                               ", lastOffsetDelta " + std::to_string(h_.last_offset_delta) + ")");
    }
    *prev_delta = offset_delta;
    MOLDAU_RETURN_IF_ERROR(nullable_bytes(c, i, "key", &r->key));
    MOLDAU_RETURN_IF_ERROR(nullable_bytes(c, i, "value", &r->value));

    size_t at = c.pos();
    int32_t header_count = 0;
    if (!c.varint32(&header_count)) return bad(i, at, "header count truncated or malformed");
    if (header_count < 0 || static_cast<size_t>(header_count) > c.left() / kMinHeaderSize) {
      return bad(i, at, "invalid header count " + std::to_string(header_count) + " with " +
                            std::to_string(c.left()) + " bytes left in the record");
    }
    r->headers.clear();
    r->headers.reserve(static_cast<size_t>(header_count));
    for (int32_t k = 0; k < header_count; ++k) {
      std::optional<std::string_view> key;
      size_t key_at = c.pos();
      MOLDAU_RETURN_IF_ERROR(nullable_bytes(c, i, "header key", &key));
      if (!key) return bad(i, key_at, "header " + std::to_string(k) + " has a null key");
      Header hd{*key, std::nullopt};
      MOLDAU_RETURN_IF_ERROR(nullable_bytes(c, i, "header value", &hd.value));
      r->headers.push_back(hd);
    }
    if (c.ptr() != record_end) {
      return bad(i, start, "length says " + std::to_string(length) + " bytes but the fields take " +
                               std::to_string(length - (record_end - c.ptr())));
    }
    r->offset = static_cast<int64_t>(static_cast<uint64_t>(h_.base_offset) +
                                     static_cast<uint64_t>(offset_delta));
    r->timestamp = h_.log_append_time()
                       ? h_.max_timestamp
                       : static_cast<int64_t>(static_cast<uint64_t>(h_.base_timestamp) +
                                              static_cast<uint64_t>(ts_delta));
    return Status();
  }

  const BatchHeader& h_;
  const DecodeLimits& limits_;
};

Result<BatchHeader> whole_batch_header(std::span<const uint8_t> batch) {
  MOLDAU_ASSIGN_OR_RETURN(BatchHeader h, parse_batch_header(batch));
  if (h.batch_length < 0 || h.size_in_bytes() != batch.size()) {
    return Status(ErrorCode::kCorruptMessage, "batch at offset " + std::to_string(h.base_offset) +
                                                  ": batchLength " + std::to_string(h.batch_length) +
                                                  " disagrees with the batch size " +
                                                  std::to_string(batch.size()));
  }
  if (h.magic != kMagicV2) {
    return Status(ErrorCode::kCorruptMessage, "batch at offset " + std::to_string(h.base_offset) +
                                                  ": magic " + std::to_string(h.magic) + " is not 2");
  }
  if (!is_known_compression(h.attributes & kCompressionMask)) {
    return Status(ErrorCode::kUnsupportedCompressionType,
                  "batch at offset " + std::to_string(h.base_offset) + ": unknown compression codec " +
                      std::to_string(h.attributes & kCompressionMask));
  }
  return h;
}

}  // namespace

Status for_each_record(std::span<const uint8_t> batch, const DecodeLimits& limits,
                       const std::function<Status(const Record&)>& fn) {
  MOLDAU_ASSIGN_OR_RETURN(BatchHeader h, whole_batch_header(batch));
  std::vector<uint8_t> buffer;
  return RecordDecoder(h, limits).run(batch, &buffer, [&](Record& r) { return fn(r); });
}

Result<DecodedBatch> decode_records(std::span<const uint8_t> batch, const DecodeLimits& limits) {
  DecodedBatch out;
  MOLDAU_ASSIGN_OR_RETURN(out.header, whole_batch_header(batch));
  // A guess bounded by the input size; the decoder checks the count against the real data.
  out.records.reserve(std::min<size_t>(static_cast<size_t>(std::max(0, out.header.records_count)),
                                       batch.size() / kMinRecordSize));
  MOLDAU_RETURN_IF_ERROR(RecordDecoder(out.header, limits)
                             .run(batch, &out.decompressed, [&](Record& r) {
                               out.records.push_back(r);
                               return Status();
                             }));
  return out;
}

Result<ControlRecord> parse_control_record(const Record& record) {
  ControlRecord c;
  if (!record.key || record.key->size() < 4) {
    return Status(ErrorCode::kInvalidRecord, "control record at offset " + std::to_string(record.offset) +
                                           ": key must hold at least 4 bytes");
  }
  auto* k = reinterpret_cast<const uint8_t*>(record.key->data());
  c.version = static_cast<int16_t>(load_be16(k));
  c.type = static_cast<int16_t>(load_be16(k + 2));
  if (c.version < 0) {
    return Status(ErrorCode::kInvalidRecord, "control record at offset " + std::to_string(record.offset) +
                                           ": invalid key version " + std::to_string(c.version));
  }
  if (c.type == static_cast<int16_t>(ControlType::kAbort) ||
      c.type == static_cast<int16_t>(ControlType::kCommit)) {
    if (!record.value || record.value->size() < 6) {
      return Status(ErrorCode::kInvalidRecord, "end transaction marker at offset " +
                                             std::to_string(record.offset) +
                                             ": value must hold at least 6 bytes");
    }
    auto* v = reinterpret_cast<const uint8_t*>(record.value->data());
    int16_t value_version = static_cast<int16_t>(load_be16(v));
    if (value_version < 0) {
      return Status(ErrorCode::kInvalidRecord, "end transaction marker at offset " +
                                             std::to_string(record.offset) + ": invalid version " +
                                             std::to_string(value_version));
    }
    c.coordinator_epoch = static_cast<int32_t>(load_be32(v + 2));
  }
  return c;
}

}  // namespace moldau::protocol
