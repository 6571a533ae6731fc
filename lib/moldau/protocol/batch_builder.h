#pragma once
// Builds one v2 record batch from records: for the broker's own writes (transaction markers,
// __consumer_offsets, recompression) and for tests. Not thread-safe; one builder per batch.
//
//   BatchBuilder::Options o;
//   o.compression = Compression::kLz4;
//   o.producer_id = 7; o.producer_epoch = 0; o.base_sequence = 0;
//   BatchBuilder b(o);
//   Record r; r.timestamp = 1700000000000; r.key = "k"; r.value = "v";
//   b.add(r);
//   MOLDAU_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, b.build());

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/record.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::protocol {

class BatchBuilder {
 public:
  struct Options {
    Compression compression = Compression::kNone;
    std::optional<int> compression_level;  // the codec's default when nullopt
    int64_t base_offset = 0;
    int32_t partition_leader_epoch = kNoPartitionLeaderEpoch;
    int64_t producer_id = kNoProducerId;
    int16_t producer_epoch = kNoProducerEpoch;
    int32_t base_sequence = kNoSequence;
    bool transactional = false;
    bool control = false;
    // Sets the timestamp-type bit; maxTimestamp is then `log_append_time`, as the broker
    // writes batches of LogAppendTime topics.
    bool log_append_time = false;
    int64_t log_append_time_ms = kNoTimestamp;
    // Off: records get offset deltas 0, 1, 2, ... On: each Record::offset is its absolute
    // offset (strictly increasing, >= base_offset), for rewriting compacted batches; then
    // last_offset_delta, if >= 0, overrides the last record's delta.
    bool explicit_offsets = false;
    int32_t last_offset_delta = -1;
    // KIP-534's delete horizon, set by the log cleaner on batches holding tombstones or
    // transaction markers: attributes bit 6, and baseTimestamp holds the horizon (the
    // records' timestamp deltas are then relative to it, so their timestamps stay exact).
    std::optional<int64_t> delete_horizon_ms;
  };

  explicit BatchBuilder(Options options);

  // Appends a record: its bytes are copied now, so the views in `record` need to live only
  // during the call. Errors are kept and returned by build().
  void add(const Record& record);
  // Appends a COMMIT or ABORT marker (for a builder with control = true).
  void add_control(ControlType type, int32_t coordinator_epoch, int64_t timestamp);

  size_t count() const { return count_; }
  // Bytes of the encoded records so far (before compression).
  size_t records_size() const { return records_.size(); }

  // The whole batch with its CRC. Fails if no record was added, a record was bad, the batch
  // would exceed the int32 length, or compression failed. The builder may not be reused.
  Result<std::vector<uint8_t>> build();

 private:
  Options options_;
  std::vector<uint8_t> records_;
  size_t count_ = 0;
  int64_t base_timestamp_ = kNoTimestamp;
  int64_t max_timestamp_ = kNoTimestamp;
  int64_t last_offset_ = -1;
  Status error_;
};

// A whole transaction marker batch: control + transactional, one record, base sequence -1.
Result<std::vector<uint8_t>> build_control_batch(int64_t producer_id, int16_t producer_epoch,
                                                 ControlType type, int32_t coordinator_epoch,
                                                 int64_t timestamp, int64_t base_offset = 0,
                                                 int32_t partition_leader_epoch =
                                                     kNoPartitionLeaderEpoch);

}  // namespace moldau::protocol
