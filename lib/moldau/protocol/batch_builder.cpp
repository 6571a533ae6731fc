#include "moldau/protocol/batch_builder.h"

#include <limits>
#include <string>

#include "moldau/common/endian.h"
#include "moldau/common/varint.h"
#include "moldau/protocol/compression.h"

namespace moldau::protocol {
namespace {

size_t nullable_size(const std::optional<std::string_view>& b) {
  return b ? varint32_size(static_cast<int32_t>(b->size())) + b->size() : varint32_size(-1);
}

class Appender {
 public:
  explicit Appender(std::vector<uint8_t>* out) : out_(out) {}
  void varint32(int32_t v) {
    uint8_t buf[kMaxVarint64Bytes];
    out_->insert(out_->end(), buf, buf + put_varint32(buf, v));
  }
  void varint64(int64_t v) {
    uint8_t buf[kMaxVarint64Bytes];
    out_->insert(out_->end(), buf, buf + put_varint64(buf, v));
  }
  void i8(int8_t v) { out_->push_back(static_cast<uint8_t>(v)); }
  void nullable(const std::optional<std::string_view>& b) {
    if (!b) {
      varint32(-1);
      return;
    }
    varint32(static_cast<int32_t>(b->size()));
    out_->insert(out_->end(), b->begin(), b->end());
  }

 private:
  std::vector<uint8_t>* out_;
};

constexpr size_t kMaxField = static_cast<size_t>(std::numeric_limits<int32_t>::max());

}  // namespace

BatchBuilder::BatchBuilder(Options options) : options_(options) {
  if (options_.delete_horizon_ms) base_timestamp_ = *options_.delete_horizon_ms;
}

void BatchBuilder::add(const Record& record) {
  if (!error_.ok()) return;
  auto too_big = [](const std::optional<std::string_view>& b) { return b && b->size() > kMaxField; };
  if (too_big(record.key) || too_big(record.value)) {
    error_ = Status(ErrorCode::kMessageTooLarge, "record " + std::to_string(count_) + ": key or value over 2 GiB");
    return;
  }
  int64_t offset = options_.explicit_offsets ? record.offset
                                             : options_.base_offset + static_cast<int64_t>(count_);
  if (options_.explicit_offsets &&
      (record.offset < options_.base_offset || record.offset <= last_offset_ ||
       record.offset - options_.base_offset > std::numeric_limits<int32_t>::max())) {
    error_ = Status(ErrorCode::kInvalidRecord, "record " + std::to_string(count_) + ": offset " +
                                             std::to_string(record.offset) +
                                             " is not after the previous one or out of the batch's range");
    return;
  }
  if (count_ == 0 && !options_.delete_horizon_ms) base_timestamp_ = record.timestamp;
  if (record.timestamp > max_timestamp_) max_timestamp_ = record.timestamp;
  last_offset_ = offset;

  int32_t offset_delta = static_cast<int32_t>(offset - options_.base_offset);
  int64_t ts_delta = static_cast<int64_t>(static_cast<uint64_t>(record.timestamp) -
                                          static_cast<uint64_t>(base_timestamp_));
  size_t body = 1 + varint64_size(ts_delta) + varint32_size(offset_delta) +
                nullable_size(record.key) + nullable_size(record.value) +
                varint32_size(static_cast<int32_t>(record.headers.size()));
  for (const Header& h : record.headers) {
    body += nullable_size(h.key) + nullable_size(h.value);
  }
  if (body > kMaxField || records_.size() + body > kMaxField) {
    error_ = Status(ErrorCode::kMessageTooLarge, "record " + std::to_string(count_) + " makes the batch over 2 GiB");
    return;
  }
  records_.reserve(records_.size() + body + kMaxVarint32Bytes);
  Appender a(&records_);
  a.varint32(static_cast<int32_t>(body));
  a.i8(record.attributes);
  a.varint64(ts_delta);
  a.varint32(offset_delta);
  a.nullable(record.key);
  a.nullable(record.value);
  a.varint32(static_cast<int32_t>(record.headers.size()));
  for (const Header& h : record.headers) {
    a.nullable(h.key);
    a.nullable(h.value);
  }
  ++count_;
}

void BatchBuilder::add_control(ControlType type, int32_t coordinator_epoch, int64_t timestamp) {
  uint8_t key[4];
  store_be16(key, 0);  // control record key version
  store_be16(key + 2, static_cast<uint16_t>(type));
  uint8_t value[6];
  store_be16(value, 0);  // end transaction marker version
  store_be32(value + 2, static_cast<uint32_t>(coordinator_epoch));
  Record r;
  r.timestamp = timestamp;
  r.offset = options_.explicit_offsets ? options_.base_offset + static_cast<int64_t>(count_) : 0;
  r.key = std::string_view(reinterpret_cast<const char*>(key), sizeof key);
  r.value = std::string_view(reinterpret_cast<const char*>(value), sizeof value);
  add(r);
}

Result<std::vector<uint8_t>> BatchBuilder::build() {
  if (!error_.ok()) return error_;
  if (count_ == 0) return Status(ErrorCode::kInvalidRecord, "batch builder: no records added");

  std::vector<uint8_t> compressed;
  std::span<const uint8_t> body = records_;
  if (options_.compression != Compression::kNone) {
    MOLDAU_ASSIGN_OR_RETURN(compressed,
                            compress(options_.compression, records_, options_.compression_level));
    body = compressed;
  }
  size_t total = kBatchHeaderSize + body.size();
  if (total - kLogOverhead > kMaxField) {
    return Status(ErrorCode::kMessageTooLarge, "batch builder: batch of " + std::to_string(total) + " bytes is over 2 GiB");
  }
  int16_t attributes = static_cast<int16_t>(options_.compression) & kCompressionMask;
  if (options_.log_append_time) attributes |= kTimestampTypeBit;
  if (options_.transactional) attributes |= kTransactionalBit;
  if (options_.control) attributes |= kControlBit;
  if (options_.delete_horizon_ms) attributes |= kDeleteHorizonBit;
  int32_t last_delta = static_cast<int32_t>(last_offset_ - options_.base_offset);
  if (options_.explicit_offsets && options_.last_offset_delta >= 0) {
    if (options_.last_offset_delta < last_delta) {
      return Status(ErrorCode::kInvalidRecord, "batch builder: last_offset_delta " +
                                             std::to_string(options_.last_offset_delta) +
                                             " is before the last record's delta " +
                                             std::to_string(last_delta));
    }
    last_delta = options_.last_offset_delta;
  }
  int64_t max_ts = options_.log_append_time ? options_.log_append_time_ms : max_timestamp_;

  std::vector<uint8_t> out(total);
  uint8_t* p = out.data();
  store_be64(p + kBaseOffsetPos, static_cast<uint64_t>(options_.base_offset));
  store_be32(p + kBatchLengthPos, static_cast<uint32_t>(total - kLogOverhead));
  store_be32(p + kLeaderEpochPos, static_cast<uint32_t>(options_.partition_leader_epoch));
  p[kMagicPos] = static_cast<uint8_t>(kMagicV2);
  store_be16(p + kAttributesPos, static_cast<uint16_t>(attributes));
  store_be32(p + kLastOffsetDeltaPos, static_cast<uint32_t>(last_delta));
  store_be64(p + kBaseTimestampPos, static_cast<uint64_t>(base_timestamp_));
  store_be64(p + kMaxTimestampPos, static_cast<uint64_t>(max_ts));
  store_be64(p + kProducerIdPos, static_cast<uint64_t>(options_.producer_id));
  store_be16(p + kProducerEpochPos, static_cast<uint16_t>(options_.producer_epoch));
  store_be32(p + kBaseSequencePos, static_cast<uint32_t>(options_.base_sequence));
  store_be32(p + kRecordsCountPos, static_cast<uint32_t>(count_));
  std::copy(body.begin(), body.end(), out.begin() + kBatchHeaderSize);
  update_batch_crc(out);
  return out;
}

Result<std::vector<uint8_t>> build_control_batch(int64_t producer_id, int16_t producer_epoch,
                                                 ControlType type, int32_t coordinator_epoch,
                                                 int64_t timestamp, int64_t base_offset,
                                                 int32_t partition_leader_epoch) {
  BatchBuilder::Options o;
  o.base_offset = base_offset;
  o.partition_leader_epoch = partition_leader_epoch;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = kNoSequence;
  o.transactional = true;
  o.control = true;
  BatchBuilder b(o);
  b.add_control(type, coordinator_epoch, timestamp);
  return b.build();
}

}  // namespace moldau::protocol
