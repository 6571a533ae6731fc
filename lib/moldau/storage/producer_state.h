#pragma once
// Producer state of one partition, as Kafka's ProducerStateManager keeps it: per producer id
// the epoch, the last five batches (sequence range and offsets, for duplicate detection), the
// coordinator epoch of the last marker and the first offset of its open transaction; the
// open transactions of the partition (for the last stable offset) and the aborted ones (for
// read_committed fetches).
//
// Checks follow Kafka 3.7's ProducerAppendInfo: an epoch below the known one is
// INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0 (unless the producer is
// unknown); within an epoch a client batch must continue the last sequence, else
// OUT_OF_ORDER_SEQUENCE_NUMBER; a retried batch (same epoch and sequence range as one of the
// last five) is a duplicate and gets its original offsets. An unknown producer may start at
// any sequence (Kafka 3.x no longer answers UNKNOWN_PRODUCER_ID to produce).
//
// Snapshots: `<offset, 20 digits>.snapshot` in the partition directory holds the entries as
// of that offset (Kafka's ProducerSnapshot v1 layout, docs/storage.md). Recovery loads the
// latest snapshot at or below the log end and replays the log after it.
//
// Not thread-safe: owned and guarded by its PartitionLog.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::storage {

// Who appends: producers (full checks), the broker's coordinators (epoch checks only) or a
// replica fetcher (no checks).
enum class AppendOrigin { kClient, kCoordinator, kReplication };

inline constexpr size_t kProducerBatchesToRetain = 5;

struct BatchMetadata {
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t timestamp = -1;
  friend bool operator==(const BatchMetadata&, const BatchMetadata&) = default;
};

struct ProducerEntry {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  std::deque<BatchMetadata> batches;  // oldest first, at most kProducerBatchesToRetain
  int32_t coordinator_epoch = -1;
  int64_t last_timestamp = -1;
  int64_t current_txn_first_offset = -1;  // -1: no open transaction

  int32_t last_seq() const { return batches.empty() ? -1 : batches.back().last_seq; }
  int64_t last_offset() const { return batches.empty() ? -1 : batches.back().last_offset; }
};

// An aborted transaction as the .txnindex stores it (Kafka's AbortedTxn).
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;         // offset of the ABORT marker
  int64_t last_stable_offset = -1;  // the LSO once this transaction completed
  friend bool operator==(const AbortedTxn&, const AbortedTxn&) = default;
};

// What the state needs from one batch header (and, for a marker, its control record).
struct ProducerBatch {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t max_timestamp = -1;
  bool transactional = false;
  bool control = false;
  bool commit = false;            // control: COMMIT (else ABORT)
  int32_t coordinator_epoch = 0;  // control
};

class ProducerStateManager {
 public:
  // Entries changed by earlier batches of the same append, so that several batches of one
  // producer in one append are checked against each other.
  using Scratch = std::map<int64_t, ProducerEntry>;

  // Checks a batch about to be appended (offsets as it will get them). Returns the original
  // batch when it is a client retry of one of the last five (nothing must be appended then).
  // Errors: INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_TXN_STATE,
  // TRANSACTION_COORDINATOR_FENCED.
  Result<std::optional<BatchMetadata>> check(const ProducerBatch& b, AppendOrigin origin, Scratch& scratch) const;

  // Records an appended batch. A marker that ends an aborted transaction returns its
  // AbortedTxn (already added to aborted_transactions()).
  std::optional<AbortedTxn> update(const ProducerBatch& b);

  const ProducerEntry* find(int64_t producer_id) const;
  const std::map<int64_t, ProducerEntry>& producers() const { return producers_; }

  // First offset of the oldest open transaction; -1 when none.
  int64_t first_unstable_offset() const;
  // Open transactions: first offset -> producer id.
  const std::map<int64_t, int64_t>& ongoing() const { return ongoing_; }

  // Aborted transactions overlapping [from, to): last_offset >= from and first_offset < to.
  std::vector<AbortedTxn> aborted_between(int64_t from, int64_t to) const;
  const std::vector<AbortedTxn>& aborted_transactions() const { return aborted_; }
  void add_aborted(const AbortedTxn& a);
  // Forgets the aborted transaction of `producer_id` whose ABORT marker was at `marker_offset`
  // (the log cleaner removed the marker after all of its data).
  void remove_aborted(int64_t producer_id, int64_t marker_offset);

  // Drops producers idle longer than `expiration_ms` with no open transaction. Returns how many.
  size_t expire(int64_t now_ms, int64_t expiration_ms);
  // Truncation: forgets everything at or after `offset` (the caller replays what remains
  // from a snapshot); aborted transactions ending at or after it are dropped.
  void truncate_aborted(int64_t offset);
  // Log start moved: aborted transactions wholly below it are dropped.
  void drop_aborted_before(int64_t log_start);
  void clear();

  // Snapshot bytes (Kafka's ProducerSnapshot v1: version, crc32c, entries) and back.
  std::string encode_snapshot() const;
  Status load_snapshot(const std::string& bytes, const std::string& what);

 private:
  std::map<int64_t, ProducerEntry> producers_;
  std::map<int64_t, int64_t> ongoing_;
  std::vector<AbortedTxn> aborted_;  // by last offset
};

// The Kafka txnindex entry: version int16 (0), producerId, firstOffset, lastOffset,
// lastStableOffset (int64 each): 34 bytes.
inline constexpr size_t kAbortedTxnEntrySize = 34;
std::string encode_aborted_txn(const AbortedTxn& a);
// Entries of a .txnindex file's bytes; a torn trailing entry is ignored.
std::vector<AbortedTxn> decode_txn_index(const std::string& bytes);

}  // namespace moldau::storage
