#pragma once
// Kafka's per-record checks of a batch that a producer sent (its LogValidator), made in one
// pass over the records that keeps none of them: an uncompressed batch is read in place, a
// compressed one through a StreamDecompressor, so memory stays bounded whatever the batch
// inflates to. The pass yields what the broker must not take on trust from the batch header:
// the records' largest timestamp (a header's maxTimestamp may be -1, as older Sarama releases
// send, or simply wrong), which segments, retention, time lookups and producer expiry rely on.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "moldau/common/result.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::protocol {

struct ProducedRecordChecks {
  // CreateTime topics: every record timestamp other than -1 must lie within
  // [now_ms - timestamp_before_max_ms, now_ms + timestamp_after_max_ms] (INVALID_TIMESTAMP), and
  // a batch may not claim LogAppendTime. Off for LogAppendTime topics (the broker stamps them).
  bool create_time = true;
  int64_t now_ms = 0;
  int64_t timestamp_before_max_ms = std::numeric_limits<int64_t>::max();
  int64_t timestamp_after_max_ms = std::numeric_limits<int64_t>::max();
  // Compacted topics: every record needs a key (INVALID_RECORD otherwise).
  bool require_keys = false;
  // Bound on the decompressed records of one batch (MESSAGE_TOO_LARGE above): CPU, not memory.
  size_t max_decompressed_bytes = 256u << 20;
};

struct ProducedRecordsSummary {
  int64_t max_timestamp = kNoTimestamp;  // the largest record timestamp; -1 when none has one
  int32_t offset_delta_of_max_timestamp = -1;  // the first record carrying it
};

// Walks every record of `batch` (one whole batch of magic 2 whose framing and CRC are checked):
// each record's fields must fill exactly its length prefix, offset deltas must be 0, 1, 2, ...
// as producers write them, and exactly recordsCount records must fill the batch
// (INVALID_RECORD otherwise, saying which record and where). Then the checks above.
Result<ProducedRecordsSummary> check_produced_records(std::span<const uint8_t> batch,
                                                      const ProducedRecordChecks& checks);

struct ProducedBatch {
  BatchView batch;
  ProducedRecordsSummary records;
};

// Kafka's ProduceRequest.validateRecords for produce v3+: the records of one partition must be
// exactly one batch of magic 2 (INVALID_RECORD otherwise), and zstd needs produce v7
// (UNSUPPORTED_COMPRESSION_TYPE). Then validate_batch(options) and check_produced_records(checks)
// on that batch: one pass over the records.
Result<ProducedBatch> validate_produce_records(std::span<const uint8_t> records, int16_t produce_version,
                                               const ValidateOptions& options = {},
                                               const ProducedRecordChecks& checks = {});

// Makes a CreateTime batch's maxTimestamp the given one (what its records hold), recomputing the
// CRC; does nothing when it already is. As Kafka's LogValidator does before appending.
void set_create_time_max_timestamp(std::span<uint8_t> batch, int64_t max_timestamp);

}  // namespace moldau::protocol
