#pragma once
// Storage's own view of record batches v2: header decoding with endian loads, CRC checks and
// record iteration for uncompressed batches. Storage needs only these few operations, and
// keeping them here (on top of protocol/record_batch.h's layout constants) lets recovery,
// compaction and kafka-dump-log share one implementation. Not thread-affine; pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::storage {

using protocol::BatchHeader;

// Smallest valid batch: the fixed header with no records.
inline constexpr size_t kMinBatchSize = protocol::kBatchHeaderSize;

// Decodes the fixed header at `p` (kBatchHeaderSize readable bytes).
inline BatchHeader decode_batch_header(const uint8_t* p) {
  namespace pr = protocol;
  BatchHeader h;
  h.base_offset = static_cast<int64_t>(load_be64(p + pr::kBaseOffsetPos));
  h.batch_length = static_cast<int32_t>(load_be32(p + pr::kBatchLengthPos));
  h.partition_leader_epoch = static_cast<int32_t>(load_be32(p + pr::kLeaderEpochPos));
  h.magic = static_cast<int8_t>(p[pr::kMagicPos]);
  h.crc = load_be32(p + pr::kCrcPos);
  h.attributes = static_cast<int16_t>(load_be16(p + pr::kAttributesPos));
  h.last_offset_delta = static_cast<int32_t>(load_be32(p + pr::kLastOffsetDeltaPos));
  h.base_timestamp = static_cast<int64_t>(load_be64(p + pr::kBaseTimestampPos));
  h.max_timestamp = static_cast<int64_t>(load_be64(p + pr::kMaxTimestampPos));
  h.producer_id = static_cast<int64_t>(load_be64(p + pr::kProducerIdPos));
  h.producer_epoch = static_cast<int16_t>(load_be16(p + pr::kProducerEpochPos));
  h.base_sequence = static_cast<int32_t>(load_be32(p + pr::kBaseSequencePos));
  h.records_count = static_cast<int32_t>(load_be32(p + pr::kRecordsCountPos));
  return h;
}

// CRC-32C of attributes..end, as stored in the crc field.
uint32_t compute_batch_crc(const uint8_t* batch, size_t size);
// Whether the stored CRC matches the content. `size` is the whole batch (12 + batchLength).
bool batch_crc_ok(const uint8_t* batch, size_t size);
// Recomputes and stores the CRC after a change inside the CRC'd range.
void update_batch_crc(uint8_t* batch, size_t size);

// One record of an uncompressed batch. Spans point into the batch.
struct RecordView {
  int64_t offset = 0;     // absolute: base offset + offsetDelta
  int64_t timestamp = 0;  // base timestamp + timestampDelta (LogAppendTime: batch max timestamp)
  int32_t offset_delta = 0;
  std::optional<std::span<const uint8_t>> key;    // nullopt: null key
  std::optional<std::span<const uint8_t>> value;  // nullopt: null value (tombstone)
  std::vector<std::string_view> header_keys;
  std::span<const uint8_t> raw;  // the whole encoded record, length prefix included
};

// Decodes the records of an uncompressed batch. Returns false (with `error` set) when the
// records area is malformed; records decoded before the error are kept in `out`.
bool decode_records(std::span<const uint8_t> batch, std::vector<RecordView>* out, std::string* error);

// Decodes records from an already decompressed records area (after the 61-byte header).
bool decode_records_area(const BatchHeader& h, std::span<const uint8_t> area,
                         std::vector<RecordView>* out, std::string* error);

// Kafka's name for the compression codec: none, gzip, snappy, lz4, zstd.
std::string_view compression_name(int16_t attributes);

}  // namespace moldau::storage
