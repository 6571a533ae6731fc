#pragma once
// Record batches, magic v2: the unit that producers send, the log stores and fetch returns.
// The layout is written down in docs/record_batch.md. All integers are big-endian.
//
//   offset  field
//   0       baseOffset            int64   rewritten by the broker on append
//   8       batchLength           int32   bytes after this field
//   12      partitionLeaderEpoch  int32   rewritten by the broker (outside the CRC)
//   16      magic                 int8    2
//   17      crc                   uint32  CRC-32C of attributes .. end of batch
//   21      attributes            int16   bits 0-2 compression, 3 timestamp type,
//                                         4 transactional, 5 control, 6 delete horizon
//   23      lastOffsetDelta       int32
//   27      baseTimestamp         int64
//   35      maxTimestamp          int64
//   43      producerId            int64
//   51      producerEpoch         int16
//   53      baseSequence          int32
//   57      recordsCount          int32
//   61      records...

#include <cstddef>
#include <cstdint>
#include <span>

#include "moldau/common/result.h"

namespace moldau::protocol {

inline constexpr size_t kBatchHeaderSize = 61;
inline constexpr size_t kLogOverhead = 12;  // baseOffset + batchLength
inline constexpr size_t kBaseOffsetPos = 0;
inline constexpr size_t kBatchLengthPos = 8;
inline constexpr size_t kLeaderEpochPos = 12;
inline constexpr size_t kMagicPos = 16;
inline constexpr size_t kCrcPos = 17;
inline constexpr size_t kAttributesPos = 21;
inline constexpr size_t kLastOffsetDeltaPos = 23;
inline constexpr size_t kBaseTimestampPos = 27;
inline constexpr size_t kMaxTimestampPos = 35;
inline constexpr size_t kProducerIdPos = 43;
inline constexpr size_t kProducerEpochPos = 51;
inline constexpr size_t kBaseSequencePos = 53;
inline constexpr size_t kRecordsCountPos = 57;

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;  // set: LogAppendTime
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;
inline constexpr int16_t kDeleteHorizonBit = 0x40;

// The fixed header of one batch, decoded.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = 2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  size_t size_in_bytes() const { return kLogOverhead + static_cast<size_t>(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  Compression compression() const { return static_cast<Compression>(attributes & kCompressionMask); }
  bool is_transactional() const { return attributes & kTransactionalBit; }
  bool is_control() const { return attributes & kControlBit; }
  bool log_append_time() const { return attributes & kTimestampTypeBit; }
};

// Decodes the header at the start of `data` (at least kBatchHeaderSize bytes). Checks nothing
// but the size; see validate_batch for the checks.
Result<BatchHeader> parse_batch_header(std::span<const uint8_t> data);

}  // namespace moldau::protocol
