#include "moldau/protocol/legacy_records.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "moldau/common/endian.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/compression.h"
#include "moldau/protocol/record.h"

namespace moldau::protocol {
namespace {

constexpr size_t kCrcPosInMessage = 0;
constexpr size_t kMagicPosInMessage = 4;
constexpr size_t kAttributesPosInMessage = 5;
constexpr size_t kTimestampPosInMessage = 6;

std::string where(size_t position) { return "message at byte " + std::to_string(position); }

Status corrupt(const std::string& what) { return Status(ErrorCode::kCorruptMessage, what); }
Status invalid(const std::string& what) { return Status(ErrorCode::kInvalidRecord, what); }

size_t overhead(int8_t magic) { return magic == kMagicV0 ? kLegacyOverheadV0 : kLegacyOverheadV1; }

// ---- LZ4 frame header checksum (KIP-57) ----
//
// Kafka before 0.10 computed the frame descriptor's checksum byte over the magic number too.
// Magic 0 data keeps that: Kafka ignores the byte when reading magic 0 and writes the old value
// for it, so old clients, which check it, can read what the broker converts for them.

uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint32_t xxh32(const uint8_t* p, size_t n, uint32_t seed) {
  constexpr uint32_t p1 = 2654435761U, p2 = 2246822519U, p3 = 3266489917U, p4 = 668265263U,
                     p5 = 374761393U;
  size_t i = 0;
  uint32_t h;
  if (n >= 16) {
    uint32_t v[4] = {seed + p1 + p2, seed + p2, seed, seed - p1};
    for (; i + 16 <= n; i += 16)
      for (int j = 0; j < 4; ++j) v[j] = rotl32(v[j] + load_le32(p + i + 4 * j) * p2, 13) * p1;
    h = rotl32(v[0], 1) + rotl32(v[1], 7) + rotl32(v[2], 12) + rotl32(v[3], 18);
  } else {
    h = seed + p5;
  }
  h += static_cast<uint32_t>(n);
  for (; i + 4 <= n; i += 4) h = rotl32(h + load_le32(p + i) * p3, 17) * p4;
  for (; i < n; ++i) h = rotl32(h + p[i] * p5, 11) * p1;
  h ^= h >> 15;
  h *= p2;
  h ^= h >> 13;
  h *= p3;
  h ^= h >> 16;
  return h;
}

constexpr uint32_t kLz4FrameMagic = 0x184D2204;

// Where the frame descriptor's checksum byte is (after magic, FLG, BD and the optional content
// size and dictionary id); nullopt if `frame` is too short or not an LZ4 frame.
std::optional<size_t> lz4_checksum_pos(std::span<const uint8_t> frame) {
  if (frame.size() < 7 || load_le32(frame.data()) != kLz4FrameMagic) return std::nullopt;
  uint8_t flg = frame[4];
  size_t pos = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  if (pos >= frame.size()) return std::nullopt;
  return pos;
}

// Sets the descriptor checksum byte the standard way (`broken` false) or Kafka's old way.
void set_lz4_checksum(std::span<uint8_t> frame, bool broken) {
  auto pos = lz4_checksum_pos(frame);
  if (!pos) return;
  size_t from = broken ? 0 : 4;
  frame[*pos] = static_cast<uint8_t>((xxh32(frame.data() + from, *pos - from, 0) >> 8) & 0xFF);
}

// Decompresses a wrapper's value as Kafka reads it for that magic.
Status decompress_wrapper(Compression codec, int8_t magic, std::span<const uint8_t> value,
                          size_t limit, std::vector<uint8_t>* out) {
  if (codec == Compression::kLz4 && magic == kMagicV0) {
    std::vector<uint8_t> fixed(value.begin(), value.end());
    set_lz4_checksum(fixed, /*broken=*/false);
    return decompress_into(codec, fixed, limit, out);
  }
  return decompress_into(codec, value, limit, out);
}

// ---- writing one message ----

void put_bytes(std::vector<uint8_t>& out, std::optional<std::string_view> b) {
  uint8_t len[4];
  store_be32(len, b ? static_cast<uint32_t>(b->size()) : 0xFFFFFFFFu);
  out.insert(out.end(), len, len + 4);
  if (b) out.insert(out.end(), b->begin(), b->end());
}

// Appends [offset][size][crc][magic][attributes][timestamp?][key][value] to `out`.
void append_message(std::vector<uint8_t>& out, int64_t offset, int8_t magic, int8_t attributes,
                    int64_t timestamp, std::optional<std::string_view> key,
                    std::optional<std::string_view> value) {
  size_t start = out.size();
  out.resize(start + kLogOverhead + 4 + 2);
  uint8_t* p = out.data() + start;
  store_be64(p, static_cast<uint64_t>(offset));
  p[kLogOverhead + kMagicPosInMessage] = static_cast<uint8_t>(magic);
  p[kLogOverhead + kAttributesPosInMessage] = static_cast<uint8_t>(attributes);
  if (magic >= kMagicV1) {
    uint8_t ts[8];
    store_be64(ts, static_cast<uint64_t>(timestamp < 0 ? kNoTimestamp : timestamp));
    out.insert(out.end(), ts, ts + 8);
  }
  put_bytes(out, key);
  put_bytes(out, value);
  size_t size = out.size() - start - kLogOverhead;
  store_be32(out.data() + start + 8, static_cast<uint32_t>(size));
  std::span<const uint8_t> message(out.data() + start + kLogOverhead, size);
  store_be32(out.data() + start + kLogOverhead, legacy_message_crc(message));
}

// ---- walking a message set ----

struct ShallowEntry {
  size_t position = 0;
  LegacyMessage message;
  std::span<const uint8_t> bytes;  // after the log overhead
};

// The checks of Kafka's ByteBufferLogInputStream.nextBatchSize and the batch CRC check of
// UnifiedLog.analyzeAndValidateRecords, for one shallow message. `strict_end`: a message torn
// by the end of the buffer is an error (a producer's set) rather than the end (an inner set,
// where Kafka stops silently).
Result<std::optional<ShallowEntry>> next_entry(std::span<const uint8_t> data, size_t* pos,
                                                bool strict_end, bool check_crc) {
  size_t left = data.size() - *pos;
  if (left == 0) return std::optional<ShallowEntry>();
  if (left < kLogOverhead) {
    if (!strict_end) return std::optional<ShallowEntry>();
    return corrupt(where(*pos) + ": " + std::to_string(left) + " bytes left, less than a message header");
  }
  const uint8_t* p = data.data() + *pos;
  int64_t offset = static_cast<int64_t>(load_be64(p));
  int32_t size = static_cast<int32_t>(load_be32(p + 8));
  if (size < static_cast<int32_t>(kLegacyOverheadV0)) {
    return corrupt(where(*pos) + ": Record size " + std::to_string(size) +
                   " is less than the minimum record overhead (14)");
  }
  if (static_cast<size_t>(size) > left - kLogOverhead) {
    if (!strict_end) return std::optional<ShallowEntry>();
    return corrupt(where(*pos) + ": size " + std::to_string(size) + " but only " +
                   std::to_string(left - kLogOverhead) + " bytes left");
  }
  std::span<const uint8_t> bytes(p + kLogOverhead, static_cast<size_t>(size));
  int8_t magic = static_cast<int8_t>(bytes[kMagicPosInMessage]);
  if (magic < 0 || magic > kMagicV2) {
    return corrupt(where(*pos) + ": Invalid magic found in record: " + std::to_string(magic));
  }
  ShallowEntry e;
  e.position = *pos;
  e.bytes = bytes;
  if (magic == kMagicV2) {
    e.message.magic = magic;
    e.message.offset = offset;
  } else {
    if (check_crc) {
      uint32_t stored = load_be32(bytes.data() + kCrcPosInMessage);
      uint32_t computed = legacy_message_crc(bytes);
      if (stored != computed) {
        return corrupt(where(*pos) + ": Record is corrupt (stored crc = " + std::to_string(stored) +
                       ", computed crc = " + std::to_string(computed) + ")");
      }
    }
    auto m = parse_legacy_message(offset, bytes);
    if (!m.ok()) return Status(m.status().code(), where(*pos) + ": " + m.status().message());
    e.message = *m;
  }
  *pos += kLogOverhead + static_cast<size_t>(size);
  return std::optional<ShallowEntry>(std::move(e));
}

// Kafka's LogValidator.validateTimestamp for a legacy message (its own or its wrapper's type).
// A LogAppendTime message is refused unless the topic is CreateTime and the message has a
// timestamp (then only the bounds apply, which the v2 validation of the result checks).
Status check_timestamp(int64_t timestamp, bool log_append_time_type,
                       const UpConvertOptions& options, size_t index) {
  bool create_time_checked = !options.log_append_time_topic && timestamp != kNoTimestamp;
  if (!create_time_checked && log_append_time_type) {
    return Status(ErrorCode::kInvalidTimestamp,
                  "One or more records have been rejected due to invalid timestamp (record " +
                      std::to_string(index) +
                      ": Producer should not set timestamp type to LogAppendTime.)");
  }
  return Status();
}

Status check_key(const LegacyMessage& m, const UpConvertOptions& options, size_t index) {
  if (options.compacted_topic && !m.key) {
    return invalid("Compacted topic cannot accept message without key (record " +
                   std::to_string(index) + ")");
  }
  return Status();
}

Compression codec_of(int id) { return static_cast<Compression>(id); }

}  // namespace

bool is_legacy_message_set(std::span<const uint8_t> records) {
  return records.size() > kMagicPos && records[kMagicPos] < static_cast<uint8_t>(kMagicV2);
}

uint32_t legacy_message_crc(std::span<const uint8_t> message) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const uint8_t* p = message.data() + kMagicPosInMessage;
  size_t n = message.size() - kMagicPosInMessage;
  while (n > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

Result<LegacyMessage> parse_legacy_message(int64_t offset, std::span<const uint8_t> message) {
  if (message.size() < kLegacyOverheadV0) {
    return corrupt("Record is corrupt (crc could not be retrieved as the record is too small, size = " +
                   std::to_string(message.size()) + ")");
  }
  LegacyMessage m;
  m.offset = offset;
  m.size = message.size();
  m.crc = load_be32(message.data() + kCrcPosInMessage);
  m.magic = static_cast<int8_t>(message[kMagicPosInMessage]);
  if (m.magic != kMagicV0 && m.magic != kMagicV1) {
    return corrupt("Invalid magic found in record: " + std::to_string(m.magic));
  }
  m.attributes = static_cast<int8_t>(message[kAttributesPosInMessage]);
  if (message.size() < overhead(m.magic)) {
    return corrupt("message of " + std::to_string(message.size()) +
                   " bytes is shorter than the magic " + std::to_string(m.magic) + " overhead");
  }
  size_t pos = kTimestampPosInMessage;
  if (m.magic == kMagicV1) {
    m.timestamp = static_cast<int64_t>(load_be64(message.data() + pos));
    pos += 8;
  }
  auto field = [&](const char* name, std::optional<std::string_view>* out) -> Status {
    if (message.size() - pos < 4) return corrupt(std::string(name) + " length beyond the message");
    int32_t len = static_cast<int32_t>(load_be32(message.data() + pos));
    pos += 4;
    if (len < 0) {
      out->reset();
      return Status();
    }
    if (static_cast<size_t>(len) > message.size() - pos) {
      return corrupt(std::string(name) + " of " + std::to_string(len) + " bytes but " +
                     std::to_string(message.size() - pos) + " are left in the message");
    }
    *out = std::string_view(reinterpret_cast<const char*>(message.data() + pos), static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
    return Status();
  };
  MOLDAU_RETURN_IF_ERROR(field("key", &m.key));
  MOLDAU_RETURN_IF_ERROR(field("value", &m.value));
  return m;
}

Result<std::vector<uint8_t>> up_convert_message_set(std::span<const uint8_t> records,
                                                    const UpConvertOptions& options) {
  // The shallow messages, with Kafka's per-message checks (analyzeAndValidateRecords).
  std::vector<ShallowEntry> shallow;
  size_t pos = 0;
  int source_codec = 0;
  for (;;) {
    auto next = next_entry(records, &pos, /*strict_end=*/true, /*check_crc=*/true);
    if (!next.ok()) return next.status();
    if (!*next) break;
    ShallowEntry& e = **next;
    if (kLogOverhead + e.bytes.size() > options.max_message_size) {
      return Status(ErrorCode::kMessageTooLarge,
                    "The record batch size in the append is " + std::to_string(kLogOverhead + e.bytes.size()) +
                        " bytes which exceeds the maximum configured value of " +
                        std::to_string(options.max_message_size) + ".");
    }
    if (!shallow.empty() && e.message.magic != shallow.front().message.magic) {
      return invalid("Batch magic " + std::to_string(e.message.magic) +
                     " is not the same as the first batch's magic byte " +
                     std::to_string(shallow.front().message.magic));
    }
    if (e.message.is_compressed()) source_codec = e.message.compression_id();
    shallow.push_back(std::move(e));
  }
  if (shallow.empty()) return invalid("Record batch has no batches at all");
  const int8_t magic = shallow.front().message.magic;
  if (source_codec != 0 && shallow.size() > 1) {
    return invalid("Compressed outer record has more than one batch");
  }

  BatchBuilder::Options bo;
  if (source_codec != 0) {
    if (source_codec == static_cast<int>(Compression::kZstd)) {
      return invalid("Invalid wrapper compressionType found in legacy deep record iterator " +
                     std::to_string(magic));
    }
    if (!is_known_compression(source_codec)) {
      return Status(ErrorCode::kUnsupportedCompressionType,
                    "Unknown compression type id: " + std::to_string(source_codec));
    }
    bo.compression = codec_of(source_codec);
  }
  BatchBuilder builder(bo);
  auto add = [&](const LegacyMessage& m, int64_t timestamp) {
    Record r;
    r.timestamp = magic == kMagicV0 ? kNoTimestamp : timestamp;
    r.key = m.key;
    r.value = m.value;
    builder.add(r);
  };

  if (source_codec == 0) {
    // convertAndAssignOffsetsNonCompressed: every shallow message is one record.
    for (size_t i = 0; i < shallow.size(); ++i) {
      const LegacyMessage& m = shallow[i].message;
      MOLDAU_RETURN_IF_ERROR(check_key(m, options, i));
      MOLDAU_RETURN_IF_ERROR(check_timestamp(m.timestamp, m.log_append_time(), options, i));
      add(m, m.timestamp);
    }
    return builder.build();
  }

  // validateMessagesAndAssignOffsetsCompressed over the one wrapper's inner messages.
  const ShallowEntry& wrapper = shallow.front();
  const LegacyMessage& w = wrapper.message;
  if (!w.value) {
    return invalid("Found invalid compressed record set with null value (magic = " +
                   std::to_string(magic) + ")");
  }
  std::vector<uint8_t> inner;
  std::span<const uint8_t> value(reinterpret_cast<const uint8_t*>(w.value->data()), w.value->size());
  Status ds = decompress_wrapper(bo.compression, magic, value, options.max_decompressed_bytes, &inner);
  if (!ds.ok()) return ds;
  size_t ipos = 0;
  size_t index = 0;
  int64_t last_inner_offset = -1;
  for (;; ++index) {
    // Inner CRCs are checked below, after the magic check, in Kafka's order.
    auto next = next_entry(inner, &ipos, /*strict_end=*/false, /*check_crc=*/false);
    if (!next.ok()) return next.status();
    if (!*next) break;
    const ShallowEntry& ie = **next;
    const LegacyMessage& m = ie.message;
    if (m.magic == kMagicV2 || m.is_compressed()) {
      return invalid("Compressed outer record should not have an inner record with a compression "
                     "attribute set or a newer magic (record " + std::to_string(index) + ")");
    }
    if (m.magic != magic) {
      return invalid("Record " + std::to_string(index) + "'s magic " + std::to_string(m.magic) +
                     " does not match outer magic " + std::to_string(magic));
    }
    uint32_t computed = legacy_message_crc(ie.bytes);
    if (computed != m.crc) {
      return corrupt("inner record " + std::to_string(index) + " is corrupt (stored crc = " +
                     std::to_string(m.crc) + ", computed crc = " + std::to_string(computed) + ")");
    }
    MOLDAU_RETURN_IF_ERROR(check_key(m, options, index));
    // An inner magic-1 message of a LogAppendTime wrapper takes the wrapper's time and type.
    const bool wrapper_lat = w.log_append_time();
    int64_t ts = wrapper_lat ? w.timestamp : m.timestamp;
    MOLDAU_RETURN_IF_ERROR(check_timestamp(ts, wrapper_lat || m.log_append_time(), options, index));
    last_inner_offset = m.offset;
    add(m, ts);
  }
  if (index == 0) return invalid("Found invalid compressed record set with no inner records");
  if (magic == kMagicV1 && w.offset != 0 && w.offset < last_inner_offset) {
    return invalid("Found invalid wrapper offset in compressed v1 message set, wrapper offset '" +
                   std::to_string(w.offset) + "' is less than the last inner message offset '" +
                   std::to_string(last_inner_offset) + "' and it is not zero.");
  }
  return builder.build();
}

// ---- LegacyMessageSetBuilder ----

void LegacyMessageSetBuilder::add(int64_t offset, int64_t timestamp,
                                  std::optional<std::string_view> key,
                                  std::optional<std::string_view> value) {
  const bool compressed = options_.compression != Compression::kNone;
  if (options_.log_append_time) timestamp = options_.log_append_time_ms;
  if (count_ == 0) first_offset_ = offset;
  last_offset_ = offset;
  if (timestamp > max_timestamp_) max_timestamp_ = timestamp;
  int8_t attributes = 0;
  if (options_.magic >= kMagicV1 && options_.log_append_time) attributes |= kLegacyTimestampTypeBit;
  // Inner offsets of a compressed magic-1 set are relative to its first record.
  int64_t written_offset = compressed && options_.magic >= kMagicV1 ? offset - first_offset_ : offset;
  append_message(body_, written_offset, options_.magic, attributes, timestamp, key, value);
  ++count_;
}

Result<std::vector<uint8_t>> LegacyMessageSetBuilder::build() {
  if (count_ == 0) return std::vector<uint8_t>();
  if (options_.compression == Compression::kNone) return std::move(body_);
  if (options_.compression == Compression::kZstd) {
    return Status(ErrorCode::kUnsupportedCompressionType,
                  "ZStandard compression is not supported for magic " + std::to_string(options_.magic));
  }
  MOLDAU_ASSIGN_OR_RETURN(std::vector<uint8_t> compressed, compress(options_.compression, body_));
  if (options_.compression == Compression::kLz4 && options_.magic == kMagicV0) {
    set_lz4_checksum(compressed, /*broken=*/true);
  }
  int8_t attributes = static_cast<int8_t>(static_cast<int>(options_.compression) & kLegacyCompressionMask);
  if (options_.magic >= kMagicV1 && options_.log_append_time) attributes |= kLegacyTimestampTypeBit;
  int64_t timestamp = options_.log_append_time ? options_.log_append_time_ms : max_timestamp_;
  std::vector<uint8_t> out;
  out.reserve(kLogOverhead + kLegacyOverheadV1 + compressed.size());
  std::string_view value(reinterpret_cast<const char*>(compressed.data()), compressed.size());
  append_message(out, last_offset_, options_.magic, attributes, timestamp, std::nullopt, value);
  return out;
}

// ---- down-conversion ----

Result<DownConverted> down_convert(std::span<const uint8_t> batches, const DownConvertOptions& options) {
  DownConverted out;
  BatchIterator it(batches);
  BatchView view;
  DecodeLimits limits;
  limits.max_decompressed_bytes = options.max_decompressed_bytes;
  auto full = [&](size_t more) {
    return !out.bytes.empty() && out.bytes.size() + more > options.max_bytes;
  };
  while (it.next(&view)) {
    const BatchHeader& h = view.header;
    if (h.is_control()) {
      ++out.batches_consumed;
      continue;
    }
    if (h.compression() == Compression::kZstd) {
      if (out.bytes.empty()) {
        return Status(ErrorCode::kUnsupportedCompressionType,
                      "Down-conversion of zstandard-compressed batches is not supported");
      }
      break;
    }
    MOLDAU_ASSIGN_OR_RETURN(DecodedBatch decoded, decode_records(view.bytes, limits));
    LegacyMessageSetBuilder::Options bo;
    bo.magic = options.magic;
    bo.compression = h.compression();
    bo.log_append_time = h.log_append_time();
    bo.log_append_time_ms = h.max_timestamp;
    if (bo.compression == Compression::kNone) {
      // One message per record; each is a unit that may end the output.
      bool stopped = false;
      const int8_t attributes =
          options.magic >= kMagicV1 && h.log_append_time() ? kLegacyTimestampTypeBit : 0;
      for (const Record& r : decoded.records) {
        if (r.offset < options.first_offset) continue;
        size_t size = kLogOverhead + overhead(options.magic) + (r.key ? r.key->size() : 0) +
                      (r.value ? r.value->size() : 0);
        if (full(size)) {
          stopped = true;
          break;
        }
        int64_t ts = h.log_append_time() ? h.max_timestamp : r.timestamp;
        append_message(out.bytes, r.offset, options.magic, attributes, ts, r.key, r.value);
        ++out.records;
      }
      if (stopped) break;
    } else {
      if (decoded.records.empty()) {
        ++out.batches_consumed;
        continue;
      }
      LegacyMessageSetBuilder wrapper(bo);
      for (const Record& r : decoded.records) wrapper.add(r.offset, r.timestamp, r.key, r.value);
      MOLDAU_ASSIGN_OR_RETURN(std::vector<uint8_t> set, wrapper.build());
      if (full(set.size())) break;
      out.bytes.insert(out.bytes.end(), set.begin(), set.end());
      out.records += decoded.records.size();
    }
    ++out.batches_consumed;
  }
  return out;
}

}  // namespace moldau::protocol
