#pragma once
// The transaction coordinator (KIP-98, KIP-360): producer ids for idempotent and
// transactional producers, the state machine of each transactional id, and the COMMIT/ABORT
// markers written to every partition of a transaction.
//
// Single node: this broker coordinates every transactional id. State lives in memory and each
// change is first appended to the id's partition of __transaction_state (txn_log.h; partition
// = abs(Java hashCode(id)) % partitions), which load() replays at start-up; transactions found
// half-completed (PrepareCommit/PrepareAbort/PrepareEpochFence) are completed then. Markers
// go straight into the partition logs (no WriteTxnMarkers round trip), so EndTxn answers only
// once the transaction is complete. Runs on the broker's event loop thread only; no locks.

#include <asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "moldau/broker/txn/txn_log.h"
#include "moldau/common/result.h"

namespace moldau::broker {
class Broker;
}

namespace moldau::broker::txn {

using TopicPartition = std::pair<std::string, int32_t>;

struct TxnMetadata {
  std::string transactional_id;
  int64_t producer_id = -1;
  int64_t last_producer_id = -1;
  int16_t producer_epoch = -1;
  int16_t last_producer_epoch = -1;
  int32_t timeout_ms = 0;
  TxnState state = TxnState::kEmpty;
  std::set<TopicPartition> partitions;
  int64_t start_ms = -1;
  int64_t update_ms = -1;
};

struct InitProducerIdResult {
  ErrorCode error = ErrorCode::kNone;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

class TransactionCoordinator {
 public:
  explicit TransactionCoordinator(Broker& broker);
  ~TransactionCoordinator();

  // Replays __transaction_state (when it exists) and completes prepared transactions.
  Status load();
  // Starts the timer that aborts transactions open past their timeout.
  void start();
  void shutdown();

  // FindCoordinator for a transactional id: creates __transaction_state on first use.
  Status ensure_state_topic();
  int32_t partition_for(const std::string& transactional_id) const;

  // InitProducerId. expected_producer_id/epoch: KIP-360 (v3+), -1 when absent. Returns
  // PRODUCER_FENCED where Kafka does; callers map it for old versions.
  InitProducerIdResult init_producer_id(const std::optional<std::string>& transactional_id, int32_t timeout_ms,
                                        int64_t expected_producer_id, int16_t expected_epoch);
  ErrorCode add_partitions(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                           const std::vector<TopicPartition>& partitions);
  // AddOffsetsToTxn: adds the group's __consumer_offsets partition.
  ErrorCode add_offsets(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                        const std::string& group_id);
  ErrorCode end_txn(const std::string& transactional_id, int64_t producer_id, int16_t epoch, bool commit);
  // TxnOffsetCommit's producer check: the id must map to this producer and epoch in an open
  // transaction.
  ErrorCode check_producer(const std::string& transactional_id, int64_t producer_id, int16_t epoch) const;

  // Appends a COMMIT/ABORT marker to one partition (WriteTxnMarkers and EndTxn); the group
  // coordinator is told when it lands in __consumer_offsets.
  ErrorCode write_marker(const TopicPartition& tp, int64_t producer_id, int16_t epoch, bool commit,
                         int32_t coordinator_epoch);

  // Aborts (with an epoch bump that fences the producer) every transaction open past its
  // timeout.
  void abort_timed_out(int64_t now_ms);

  const TxnMetadata* find(const std::string& transactional_id) const;
  const std::map<std::string, TxnMetadata>& all() const { return txns_; }

 private:
  Result<int64_t> next_producer_id();
  // Appends the state to __transaction_state; the caller updates memory once it succeeded.
  Status persist(const TxnMetadata& m);
  // The transaction of `transactional_id` when `producer_id` and `epoch` own it; otherwise the
  // error Kafka answers (NOT_COORDINATOR, INVALID_REQUEST, INVALID_PRODUCER_ID_MAPPING,
  // PRODUCER_FENCED) and `out` untouched.
  ErrorCode owned_txn(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                      TxnMetadata*& out);
  // From a Prepare state (persisted): markers, then CompleteCommit/CompleteAbort.
  ErrorCode complete(TxnMetadata& m, bool commit);
  // Ongoing -> PrepareAbort with a bumped epoch -> markers -> CompleteAbort.
  ErrorCode fence_and_abort(TxnMetadata& m);
  void schedule_abort_timer();

  Broker& broker_;
  std::map<std::string, TxnMetadata> txns_;
  int64_t next_pid_ = 0;
  int64_t pid_block_end_ = 0;
  asio::steady_timer timer_;
  bool shut_down_ = false;
};

}  // namespace moldau::broker::txn
