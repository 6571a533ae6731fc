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
#include <vector>

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

// ---------------------------------------------------------------------------------------------
// Everything below is added to the contract above; the names above stay as they are.

inline constexpr int8_t kMagicV2 = 2;
inline constexpr int64_t kNoTimestamp = -1;
inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;
inline constexpr int32_t kNoPartitionLeaderEpoch = -1;
// The largest batch the framing allows (batchLength is an int32).
inline constexpr size_t kMaxBatchSize = kLogOverhead + 0x7fffffff;

// The CRC-32C that a batch's crc field must hold: over attributes .. end of `batch`.
// Requires batch.size() >= kBatchHeaderSize.
uint32_t compute_batch_crc(std::span<const uint8_t> batch);

// What validate_batch checks beyond the framing and the CRC.
struct ValidateOptions {
  // Kafka's checks for batches that a producer sent (AppendOrigin.CLIENT): baseOffset 0,
  // recordsCount > 0 and == lastOffsetDelta + 1, no control batch, baseSequence >= 0 when there
  // is a producer id, producer id >= 0 when transactional. Off for batches read back from a
  // log or a leader (compaction leaves batches with fewer records than offsets).
  bool from_client = true;
  // message.max.bytes: a larger batch fails with MESSAGE_TOO_LARGE.
  size_t max_batch_size = kMaxBatchSize;
  // Where the batch starts in its payload or file, for error messages only.
  size_t position = 0;
  // With from_client: walk the records too (check_produced_records in produced_records.h, with
  // no timestamp or key checks). validate_produce_records turns it off to make that pass itself.
  bool check_records = true;
};

// Checks one whole batch, `batch` being exactly its bytes, with Kafka's error codes:
//   CORRUPT_MESSAGE          shorter than the header, batchLength disagreeing with the span,
//                            magic outside 0..2, CRC mismatch
//   INVALID_RECORD           magic 0 or 1 (produce v3+ allows only 2), and the from_client
//                            checks listed in ValidateOptions
//   MESSAGE_TOO_LARGE        larger than max_batch_size
//   UNSUPPORTED_COMPRESSION_TYPE  attributes name codec 5..7
// Messages say where: "batch at byte 0: CRC mismatch: stored 0x1234abcd, computed 0x...".
// For a client's batch it also walks every record (INVALID_RECORD unless exactly recordsCount
// well-formed records fill the batch), compressed ones through a streaming decompressor.
Status validate_batch(std::span<const uint8_t> batch, const ValidateOptions& options = {});

// One batch found in a buffer of concatenated batches; `bytes` points into that buffer.
struct BatchView {
  size_t position = 0;              // offset of the batch's first byte in the buffer
  std::span<const uint8_t> bytes;   // the whole batch: kLogOverhead + header.batch_length
  BatchHeader header;
};

// Walks a buffer of concatenated batches (a produce request's records, a fetch response, a
// segment file), checking only the framing: batchLength within [kBatchHeaderSize -
// kLogOverhead, max_batch_size - kLogOverhead] and magic 2. It neither checks CRCs nor copies.
// next() returns false at the end of the buffer or at the first bad or partial batch; then
// status() says which (ok at a clean end), position() is where the bad or partial batch
// starts (the length of the good prefix), and truncated() tells a partial trailing batch (the
// buffer ends inside it, as at the end of a fetch response or a torn write) from a bad one.
// The buffer must outlive the iterator and its views.
class BatchIterator {
 public:
  explicit BatchIterator(std::span<const uint8_t> data, size_t max_batch_size = kMaxBatchSize)
      : data_(data), max_batch_size_(max_batch_size) {}
  bool next(BatchView* out);
  const Status& status() const { return status_; }
  size_t position() const { return pos_; }
  bool truncated() const { return truncated_; }

 private:
  std::span<const uint8_t> data_;
  size_t max_batch_size_;
  size_t pos_ = 0;
  bool truncated_ = false;
  Status status_;
};

// All batches of `data`, which must end exactly at a batch boundary: a partial trailing batch
// or a bad length fails with CORRUPT_MESSAGE (INVALID_RECORD for magic 0/1).
Result<std::vector<BatchView>> split_batches(std::span<const uint8_t> data,
                                             size_t max_batch_size = kMaxBatchSize);

// validate_produce_records, for a produce request's records, is in produced_records.h.

// In-place rewrites of one batch (at least kBatchHeaderSize bytes, normally a validated one).
// baseOffset and partitionLeaderEpoch lie outside the CRC, so these two leave it as it is.
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
// As Kafka's DefaultRecordBatch.setMaxTimestamp(LOG_APPEND_TIME, ts): sets the timestamp-type
// bit and maxTimestamp, keeps baseTimestamp and the records as they are (readers give every
// record the batch's maxTimestamp), and recomputes the CRC. Does nothing when both already hold.
void apply_log_append_time(std::span<uint8_t> batch, int64_t timestamp);
// Recomputes and stores the CRC, after any other edit inside the CRC'd range.
void update_batch_crc(std::span<uint8_t> batch);

}  // namespace moldau::protocol
