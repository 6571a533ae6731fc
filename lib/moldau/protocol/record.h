#pragma once
// The records inside a v2 batch: decoding (decompressing as needed) and control records.
// The record layout is written down in docs/record_batch.md.
//
// Keys, values and header fields are bytes, held as std::string_view for convenience (they need
// not be text). In a decoded Record they point into the batch (uncompressed batches) or into a
// decompression buffer; the lifetime rules are stated at each function.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::protocol {

// One record header. A header key is never null; a value may be.
struct Header {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One record. Decoding fills every field; the batch builder reads timestamp, key, value and
// headers (and offset only in BatchBuilder::Options::explicit_offsets mode).
struct Record {
  int64_t offset = 0;     // absolute: baseOffset + offsetDelta
  int64_t timestamp = kNoTimestamp;  // baseTimestamp + timestampDelta, or the batch's
                                     // maxTimestamp when the batch is LogAppendTime
  int8_t attributes = 0;  // unused by Kafka so far; kept as read
  std::optional<std::string_view> key;    // nullopt: null key (length -1)
  std::optional<std::string_view> value;  // nullopt: null value, a tombstone
  std::vector<Header> headers;
};

struct DecodeLimits {
  // Upper bound on the decompressed records of one compressed batch (MESSAGE_TOO_LARGE above).
  size_t max_decompressed_bytes = 256u << 20;
  // Require offsetDelta == index of the record, as producers write them. Off by default since
  // compacted batches keep the original offsets with gaps (deltas must still increase and stay
  // within lastOffsetDelta).
  bool require_sequential_offsets = false;
};

// Calls `fn` for every record of `batch` (one whole batch, whose framing and CRC the caller
// has checked, e.g. with validate_batch), in order. The Record and the views in it are valid
// only during the call. Stops at the first non-ok Status that `fn` returns and returns it.
// Fails with INVALID_RECORD when a record is malformed (a length beyond the bytes left, a
// record body whose size disagrees with its length prefix, a negative header key length),
// when the records disagree with recordsCount, or when bytes are left after the last record;
// CORRUPT_MESSAGE / MESSAGE_TOO_LARGE from decompression. Every length is checked against the
// bytes left before anything is allocated.
Status for_each_record(std::span<const uint8_t> batch, const DecodeLimits& limits,
                       const std::function<Status(const Record&)>& fn);

// Records of one batch, owned together with the buffer their views point into. Views into an
// uncompressed batch point into the caller's batch, which must then outlive this object.
// Move-only: moving keeps the views valid.
struct DecodedBatch {
  BatchHeader header;
  std::vector<Record> records;
  std::vector<uint8_t> decompressed;  // empty for uncompressed batches

  DecodedBatch() = default;
  DecodedBatch(DecodedBatch&&) = default;
  DecodedBatch& operator=(DecodedBatch&&) = default;
  DecodedBatch(const DecodedBatch&) = delete;
  DecodedBatch& operator=(const DecodedBatch&) = delete;
};
Result<DecodedBatch> decode_records(std::span<const uint8_t> batch, const DecodeLimits& limits = {});

// ---- control records (transaction markers) ----
//
// A control batch (attributes bit 5, and bit 4 since markers end transactions) holds one
// record whose key is [int16 version 0][int16 type] and, for COMMIT/ABORT, whose value is
// [int16 version 0][int32 coordinatorEpoch].

enum class ControlType : int16_t { kAbort = 0, kCommit = 1 };

struct ControlRecord {
  int16_t version = 0;
  int16_t type = 0;  // 0 abort, 1 commit; other values are Kafka's other control types
  std::optional<int32_t> coordinator_epoch;  // set for abort/commit markers with a value
};

// Parses a control record's key and, for abort/commit, its value (INVALID_RECORD if short or
// of negative version).
Result<ControlRecord> parse_control_record(const Record& record);

}  // namespace moldau::protocol
