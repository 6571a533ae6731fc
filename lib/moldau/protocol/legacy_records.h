#pragma once
// Message formats v0 and v1 ("message sets"), the formats before record batches, and Kafka's
// conversions between them and v2 batches: up-conversion of what old producers send (Produce
// v0-v2), down-conversion of the log for old consumers (Fetch v0-v3). The layout is written
// down in docs/legacy_records.md. All integers are big-endian.
//
//   offset  field
//   0       offset       int64   absolute; inside a compressed magic-1 wrapper, relative
//   8       messageSize  int32   bytes after this field
//   12      crc          uint32  CRC32 (IEEE, as zlib's crc32) of magic .. end of message
//   16      magic        int8    0 or 1
//   17      attributes   int8    bits 0-2 compression, bit 3 timestamp type (magic 1 only)
//   18      timestamp    int64   magic 1 only
//   18/26   key          int32 length (-1: null) + bytes
//   ...     value        int32 length (-1: null) + bytes; for a compressed "wrapper" message,
//                        the compressed message set of its inner messages
//
// Thread-safe: no shared state. Nothing here touches sockets or files.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::protocol {

inline constexpr int8_t kMagicV0 = 0;
inline constexpr int8_t kMagicV1 = 1;
// crc, magic, attributes, key length, value length (+ timestamp for magic 1).
inline constexpr size_t kLegacyOverheadV0 = 14;
inline constexpr size_t kLegacyOverheadV1 = 22;
inline constexpr int8_t kLegacyCompressionMask = 0x07;
inline constexpr int8_t kLegacyTimestampTypeBit = 0x08;

// One message of a message set: a shallow entry, or an inner message of a compressed wrapper.
// key and value point into the buffer the message was parsed from.
struct LegacyMessage {
  int64_t offset = 0;
  int8_t magic = 0;
  int8_t attributes = 0;
  int64_t timestamp = kNoTimestamp;  // kNoTimestamp for magic 0
  uint32_t crc = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  size_t size = 0;  // messageSize: the bytes after the log overhead

  int compression_id() const { return attributes & kLegacyCompressionMask; }
  bool is_compressed() const { return compression_id() != 0; }
  // LogAppendTime (attribute bit 3); magic 1 only.
  bool log_append_time() const { return magic >= kMagicV1 && (attributes & kLegacyTimestampTypeBit); }
};

// Whether a Produce's records start with a message of magic 0 or 1 (the magic byte is at the
// same place, byte 16, in every format).
bool is_legacy_message_set(std::span<const uint8_t> records);

// The CRC that a message's crc field must hold: CRC32 over magic .. end of `message` (the bytes
// after the log overhead; at least 5 of them).
uint32_t legacy_message_crc(std::span<const uint8_t> message);

// Decodes one message from `message` (its bytes after the log overhead). Checks the structure
// (CORRUPT_MESSAGE for fewer bytes than the overhead, magic outside 0..1, key or value lengths
// beyond the message) but not the CRC; bytes after the value are ignored, as Kafka does.
Result<LegacyMessage> parse_legacy_message(int64_t offset, std::span<const uint8_t> message);

// What Kafka's LogValidator needs from the topic to up-convert.
struct UpConvertOptions {
  // max.message.bytes: a shallow message (log overhead included) larger than this fails with
  // MESSAGE_TOO_LARGE, as Kafka checks it before conversion.
  size_t max_message_size = kMaxBatchSize;
  // Bound on the decompressed inner message set of a compressed wrapper (MESSAGE_TOO_LARGE
  // above it). Kafka has none; the broker passes socket.request.max.bytes, the most an
  // uncompressed producer could send.
  size_t max_decompressed_bytes = 100u << 20;
  // message.timestamp.type=LogAppendTime: a LogAppendTime message from a producer is refused.
  bool log_append_time_topic = false;
  // cleanup.policy has compact: every message needs a key.
  bool compacted_topic = false;
};

// Kafka's LogValidator for a magic 0/1 message set from a producer: the messages become one v2
// batch (base offset 0, producer id none, CreateTime; the broker's append applies
// LogAppendTime), compressed with the codec of the wrapper when the set was compressed. Magic 0
// messages get no timestamp (-1); keys and values are kept, there are no headers. Refuses what
// Kafka refuses, with its error codes:
//   CORRUPT_MESSAGE   a message shorter than 14 bytes, a bad magic, a CRC mismatch (shallow
//                     messages, and inner messages of a compressed wrapper), a torn message, a
//                     compressed payload that does not decompress
//   MESSAGE_TOO_LARGE a shallow message over max_message_size; inner data over
//                     max_decompressed_bytes
//   INVALID_RECORD    mixed magics, a compressed wrapper that is not alone or has no inner
//                     messages or a null value, compressed or wrongly-versioned inner
//                     messages, a wrapper offset below its last inner offset, zstd below magic
//                     2, a missing key on a compacted topic
//   INVALID_TIMESTAMP a LogAppendTime message where Kafka refuses one
//   UNSUPPORTED_COMPRESSION_TYPE  codec ids 5..7
Result<std::vector<uint8_t>> up_convert_message_set(std::span<const uint8_t> records,
                                                    const UpConvertOptions& options = {});

// Builds a message set of magic 0 or 1 as Kafka's MemoryRecordsBuilder writes one: uncompressed,
// one shallow message per record with its absolute offset; compressed, one wrapper whose value
// is the compressed inner messages (magic 1: inner offsets relative to the first record, the
// wrapper at the last record's absolute offset; magic 0: absolute offsets throughout). Magic 0
// lz4 gets Kafka's pre-KIP-57 frame header checksum. LogAppendTime writes `log_append_time_ms`
// as every message's timestamp with attribute bit 3 (magic 1). Not thread-safe.
class LegacyMessageSetBuilder {
 public:
  struct Options {
    int8_t magic = kMagicV1;
    Compression compression = Compression::kNone;  // zstd is refused by build()
    bool log_append_time = false;
    int64_t log_append_time_ms = kNoTimestamp;
  };
  explicit LegacyMessageSetBuilder(Options options) : options_(options) {}

  // Offsets must increase. Magic 0 drops the timestamp.
  void add(int64_t offset, int64_t timestamp, std::optional<std::string_view> key,
           std::optional<std::string_view> value);
  size_t count() const { return count_; }
  // Bytes written so far (uncompressed: the message set so far).
  size_t size() const { return body_.size(); }
  // The message set; empty when nothing was added.
  Result<std::vector<uint8_t>> build();

 private:
  Options options_;
  std::vector<uint8_t> body_;
  size_t count_ = 0;
  int64_t first_offset_ = -1;
  int64_t last_offset_ = -1;
  int64_t max_timestamp_ = kNoTimestamp;
};

// What Kafka's down-conversion (RecordsUtil.downConvert) needs.
struct DownConvertOptions {
  int8_t magic = kMagicV1;  // 0 for Fetch v0/v1, 1 for Fetch v2/v3
  // The fetch offset: records of an uncompressed batch below it are left out (librdkafka
  // relies on it); a compressed batch goes whole.
  int64_t first_offset = 0;
  // Output bound: conversion stops before the output would pass it, except that the first
  // converted message (or compressed wrapper) always goes, as KIP-74 wants.
  size_t max_bytes = kMaxBatchSize;
  // Bound on one batch's decompressed records (MESSAGE_TOO_LARGE above it).
  size_t max_decompressed_bytes = 256u << 20;
};

struct DownConverted {
  std::vector<uint8_t> bytes;    // the message set
  size_t records = 0;            // messages converted (inner ones counted)
  size_t batches_consumed = 0;   // whole input batches converted or skipped
};

// Converts the v2 batches of `batches` (as read from a log: a partial trailing batch is left
// out) to magic 0 or 1, as Kafka does for old fetchers: control batches are dropped (old
// formats have no transaction markers), headers are dropped, transactional data is converted
// like any other. A zstd batch cannot be expressed below magic 2: at the start it fails with
// UNSUPPORTED_COMPRESSION_TYPE, after converted data conversion stops there (the client then
// fetches from it and gets the error). Memory: one batch's decompressed records at a time plus
// the output, which max_bytes bounds.
Result<DownConverted> down_convert(std::span<const uint8_t> batches, const DownConvertOptions& options);

}  // namespace moldau::protocol
