#include "moldau/protocol/record_batch.h"

#include <cassert>
#include <cstdio>
#include <string>

#include "moldau/common/crc32c.h"
#include "moldau/common/endian.h"
#include "moldau/protocol/produced_records.h"

namespace moldau::protocol {
namespace {

std::string where(size_t position) { return "batch at byte " + std::to_string(position) + ": "; }

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

constexpr size_t kMinBatchLength = kBatchHeaderSize - kLogOverhead;  // 49

}  // namespace

Result<BatchHeader> parse_batch_header(std::span<const uint8_t> data) {
  if (data.size() < kBatchHeaderSize) {
    return Status(ErrorCode::kCorruptMessage, "batch header needs " + std::to_string(kBatchHeaderSize) +
                                                  " bytes, " + std::to_string(data.size()) + " left");
  }
  const uint8_t* p = data.data();
  BatchHeader h;
  h.base_offset = static_cast<int64_t>(load_be64(p + kBaseOffsetPos));
  h.batch_length = static_cast<int32_t>(load_be32(p + kBatchLengthPos));
  h.partition_leader_epoch = static_cast<int32_t>(load_be32(p + kLeaderEpochPos));
  h.magic = static_cast<int8_t>(p[kMagicPos]);
  h.crc = load_be32(p + kCrcPos);
  h.attributes = static_cast<int16_t>(load_be16(p + kAttributesPos));
  h.last_offset_delta = static_cast<int32_t>(load_be32(p + kLastOffsetDeltaPos));
  h.base_timestamp = static_cast<int64_t>(load_be64(p + kBaseTimestampPos));
  h.max_timestamp = static_cast<int64_t>(load_be64(p + kMaxTimestampPos));
  h.producer_id = static_cast<int64_t>(load_be64(p + kProducerIdPos));
  h.producer_epoch = static_cast<int16_t>(load_be16(p + kProducerEpochPos));
  h.base_sequence = static_cast<int32_t>(load_be32(p + kBaseSequencePos));
  h.records_count = static_cast<int32_t>(load_be32(p + kRecordsCountPos));
  return h;
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) {
  assert(batch.size() >= kBatchHeaderSize);
  return crc32c(batch.data() + kAttributesPos, batch.size() - kAttributesPos);
}

Status validate_batch(std::span<const uint8_t> batch, const ValidateOptions& options) {
  const std::string at = where(options.position);
  if (batch.size() < kBatchHeaderSize) {
    return Status(ErrorCode::kCorruptMessage, at + "size " + std::to_string(batch.size()) +
                                                  " is smaller than the batch header (" +
                                                  std::to_string(kBatchHeaderSize) + " bytes)");
  }
  BatchHeader h = *parse_batch_header(batch);
  if (h.batch_length < 0 || h.size_in_bytes() != batch.size()) {
    return Status(ErrorCode::kCorruptMessage, at + "batchLength " + std::to_string(h.batch_length) +
                                                  " disagrees with the batch size " +
                                                  std::to_string(batch.size()) + " (expected " +
                                                  std::to_string(batch.size() - kLogOverhead) + ")");
  }
  if (h.magic < 0 || h.magic > kMagicV2) {
    return Status(ErrorCode::kCorruptMessage, at + "invalid magic " + std::to_string(h.magic));
  }
  if (h.magic != kMagicV2) {
    return Status(ErrorCode::kInvalidRecord, at + "magic " + std::to_string(h.magic) +
                                           " is not supported, only record batches with magic 2");
  }
  if (batch.size() > options.max_batch_size) {
    return Status(ErrorCode::kMessageTooLarge, at + "size " + std::to_string(batch.size()) +
                                                   " exceeds the maximum of " +
                                                   std::to_string(options.max_batch_size) + " bytes");
  }
  uint32_t computed = compute_batch_crc(batch);
  if (computed != h.crc) {
    return Status(ErrorCode::kCorruptMessage,
                  at + "CRC mismatch: stored " + hex32(h.crc) + ", computed " + hex32(computed));
  }
  int codec = h.attributes & kCompressionMask;
  if (codec > static_cast<int>(Compression::kZstd)) {
    return Status(ErrorCode::kUnsupportedCompressionType,
                  at + "unknown compression codec " + std::to_string(codec) + " in attributes");
  }
  if (h.records_count < 0) {
    return Status(ErrorCode::kInvalidRecord,
                  at + "invalid records count " + std::to_string(h.records_count));
  }
  if (h.last_offset_delta < 0) {
    return Status(ErrorCode::kInvalidRecord,
                  at + "invalid lastOffsetDelta " + std::to_string(h.last_offset_delta));
  }
  if (!options.from_client) return Status();

  if (h.base_offset != 0) {
    return Status(ErrorCode::kInvalidRecord,
                  at + "baseOffset of a produced batch must be 0, but it is " + std::to_string(h.base_offset));
  }
  if (h.records_count == 0) {
    return Status(ErrorCode::kInvalidRecord, at + "invalid records count 0 in a produced batch");
  }
  if (static_cast<int64_t>(h.last_offset_delta) + 1 != h.records_count) {
    return Status(ErrorCode::kInvalidRecord, at + "lastOffsetDelta " + std::to_string(h.last_offset_delta) +
                                           " disagrees with records count " +
                                           std::to_string(h.records_count) +
                                           " (expected lastOffsetDelta + 1 == count)");
  }
  if (h.is_control()) {
    return Status(ErrorCode::kInvalidRecord, at + "clients are not allowed to write control batches");
  }
  bool has_producer_id = h.producer_id > kNoProducerId;
  if (has_producer_id && h.base_sequence < 0) {
    return Status(ErrorCode::kInvalidRecord, at + "invalid base sequence " + std::to_string(h.base_sequence) +
                                           " with producer id " + std::to_string(h.producer_id));
  }
  if (h.is_transactional() && !has_producer_id) {
    return Status(ErrorCode::kInvalidRecord, at + "transactional batch without a producer id (" +
                                           std::to_string(h.producer_id) + ")");
  }
  if (options.check_records) {
    ProducedRecordChecks structure_only;
    structure_only.create_time = false;
    auto records = check_produced_records(batch, structure_only);
    if (!records.ok()) return Status(records.status().code(), at + records.status().message());
  }
  return Status();
}

bool BatchIterator::next(BatchView* out) {
  if (!status_.ok() || truncated_) return false;
  size_t left = data_.size() - pos_;
  if (left == 0) return false;
  const std::string at = where(pos_);
  if (left < kLogOverhead) {
    truncated_ = true;
    return false;
  }
  int32_t length = static_cast<int32_t>(load_be32(data_.data() + pos_ + kBatchLengthPos));
  if (length < 0 || static_cast<size_t>(length) < kMinBatchLength) {
    status_ = Status(ErrorCode::kCorruptMessage, at + "batchLength " + std::to_string(length) +
                                                     " is smaller than the minimum of " +
                                                     std::to_string(kMinBatchLength));
    return false;
  }
  size_t size = kLogOverhead + static_cast<size_t>(length);
  if (size > max_batch_size_) {
    status_ = Status(ErrorCode::kCorruptMessage, at + "batch size " + std::to_string(size) +
                                                     " exceeds the maximum of " +
                                                     std::to_string(max_batch_size_));
    return false;
  }
  if (left > kMagicPos) {
    int8_t magic = static_cast<int8_t>(data_[pos_ + kMagicPos]);
    if (magic != kMagicV2) {
      status_ = Status(magic == 0 || magic == 1 ? ErrorCode::kInvalidRecord : ErrorCode::kCorruptMessage,
                       at + "magic " + std::to_string(magic) + " is not supported (only 2)");
      return false;
    }
  }
  if (left < size) {
    truncated_ = true;
    return false;
  }
  out->position = pos_;
  out->bytes = data_.subspan(pos_, size);
  out->header = *parse_batch_header(out->bytes);
  pos_ += size;
  return true;
}

Result<std::vector<BatchView>> split_batches(std::span<const uint8_t> data, size_t max_batch_size) {
  std::vector<BatchView> batches;
  BatchIterator it(data, max_batch_size);
  BatchView v;
  while (it.next(&v)) batches.push_back(v);
  if (!it.status().ok()) return it.status();
  if (it.truncated()) {
    return Status(ErrorCode::kCorruptMessage,
                  where(it.position()) + "truncated: " + std::to_string(data.size() - it.position()) +
                      " bytes left, less than the batch's length");
  }
  return batches;
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  assert(batch.size() >= kBatchHeaderSize);
  store_be64(batch.data() + kBaseOffsetPos, static_cast<uint64_t>(base_offset));
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  assert(batch.size() >= kBatchHeaderSize);
  store_be32(batch.data() + kLeaderEpochPos, static_cast<uint32_t>(epoch));
}

void update_batch_crc(std::span<uint8_t> batch) {
  assert(batch.size() >= kBatchHeaderSize);
  store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
}

void apply_log_append_time(std::span<uint8_t> batch, int64_t timestamp) {
  assert(batch.size() >= kBatchHeaderSize);
  uint8_t* p = batch.data();
  uint16_t attributes = load_be16(p + kAttributesPos);
  int64_t current = static_cast<int64_t>(load_be64(p + kMaxTimestampPos));
  if ((attributes & kTimestampTypeBit) && current == timestamp) return;
  store_be16(p + kAttributesPos, static_cast<uint16_t>(attributes | kTimestampTypeBit));
  store_be64(p + kMaxTimestampPos, static_cast<uint64_t>(timestamp));
  update_batch_crc(batch);
}

}  // namespace moldau::protocol
