#pragma once
// The transaction coordinator (KIP-98, KIP-360): producer ids for idempotent and
// transactional producers, the state machine of each transactional id, and the COMMIT/ABORT
// markers written to every partition of a transaction.
//
// This broker coordinates the transactional ids whose partition of __transaction_state
// (txn_log.h; partition = abs(Java hashCode(id)) % partitions) it leads. State lives in memory
// and each change is first appended to that partition and replicated to its in-sync replicas
// before memory changes and the client is answered; a partition's ids are replayed from it when
// this broker becomes its leader. Once Prepare{Commit,Abort} is replicated the markers go to
// every partition of the transaction (locally, or with WriteTxnMarkers to its leader), retried
// until written, and only then is the transaction Complete. Transactions found half-completed
// when a partition is loaded are completed then.
// EndTxn answers when the transaction is Complete, or kEndTxnWaitMs after Prepare was
// replicated if the markers take longer. Kafka answers right after Prepare; but then a client
// that begins its next transaction and aborts it while the markers are still being written has
// had no partition accepted (CONCURRENT_TRANSACTIONS), and librdkafka still sends EndTxn(abort),
// which meets CompleteCommit: INVALID_TXN_STATE, fatal to the producer.
// While a change of an id is being written, other requests for it get CONCURRENT_TRANSACTIONS.
// Runs on the broker's event loop thread only; no locks.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "moldau/broker/peer/peer_connection.h"
#include "moldau/broker/replica/replica_manager.h"
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
  bool pending = false;  // a change is being written: others wait (CONCURRENT_TRANSACTIONS)
};

struct InitProducerIdResult {
  ErrorCode error = ErrorCode::kNone;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

class TransactionCoordinator : public replica::LeadershipListener {
 public:
  explicit TransactionCoordinator(Broker& broker);
  ~TransactionCoordinator() override;

  // Starts the timer that aborts transactions open past their timeout.
  void start();
  void shutdown();

  void on_leader(const std::string& topic, int32_t partition) override;
  void on_not_leader(const std::string& topic, int32_t partition) override;
  bool serves(const std::string& transactional_id) const;

  // FindCoordinator for a transactional id: creates __transaction_state on first use.
  asio::awaitable<Status> ensure_state_topic();
  int32_t partition_for(const std::string& transactional_id) const;

  // InitProducerId. expected_producer_id/epoch: KIP-360 (v3+), -1 when absent. Returns
  // PRODUCER_FENCED where Kafka does; callers map it for old versions.
  asio::awaitable<InitProducerIdResult> init_producer_id(std::optional<std::string> transactional_id,
                                                         int32_t timeout_ms, int64_t expected_producer_id,
                                                         int16_t expected_epoch);
  asio::awaitable<ErrorCode> add_partitions(std::string transactional_id, int64_t producer_id, int16_t epoch,
                                            std::vector<TopicPartition> partitions);
  // AddOffsetsToTxn: adds the group's __consumer_offsets partition.
  asio::awaitable<ErrorCode> add_offsets(std::string transactional_id, int64_t producer_id, int16_t epoch,
                                         std::string group_id);
  asio::awaitable<ErrorCode> end_txn(std::string transactional_id, int64_t producer_id, int16_t epoch,
                                     bool commit);
  // TxnOffsetCommit's producer check: the id must map to this producer and epoch in an open
  // transaction. kNone when another broker coordinates the id (it is checked there).
  ErrorCode check_producer(const std::string& transactional_id, int64_t producer_id, int16_t epoch) const;

  // Aborts (with an epoch bump that fences the producer) every transaction open past its
  // timeout.
  void abort_timed_out(int64_t now_ms);

  const TxnMetadata* find(const std::string& transactional_id) const;
  const std::map<std::string, TxnMetadata>& all() const { return txns_; }

 private:
  asio::awaitable<Result<int64_t>> next_producer_id();
  // Appends the state to __transaction_state and waits until it is replicated; the caller
  // updates memory once it succeeded.
  asio::awaitable<Status> persist(TxnMetadata m);
  // Writes `next` (persist), then puts it in memory. The id must be marked pending by the caller.
  asio::awaitable<ErrorCode> transition(std::string transactional_id, TxnMetadata next);
  // The transaction of `transactional_id` when `producer_id` and `epoch` own it; otherwise the
  // error Kafka answers (NOT_COORDINATOR, INVALID_REQUEST, INVALID_PRODUCER_ID_MAPPING,
  // PRODUCER_FENCED, CONCURRENT_TRANSACTIONS while a change is written) and `out` untouched.
  ErrorCode owned_txn(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                      TxnMetadata*& out);
  // From a Prepare state (persisted): markers, then CompleteCommit/CompleteAbort, in the
  // background, retried until done or this broker stops coordinating the id.
  void spawn_completion(const std::string& transactional_id);
  asio::awaitable<void> complete(std::string transactional_id);
  // Waits until the completion of `transactional_id` has ended (or none runs), at most `limit`.
  asio::awaitable<void> wait_for_completion(const std::string& transactional_id, std::chrono::milliseconds limit);
  void wake_completion_waiters(const std::string& transactional_id);
  // Writes the markers of `m`'s partitions on their leaders; true when every one is written (or
  // its partition no longer exists).
  asio::awaitable<bool> write_markers(TxnMetadata m, bool commit, int32_t coordinator_epoch);
  // Ongoing -> PrepareAbort with a bumped epoch (persisted), then completed in the background.
  asio::awaitable<ErrorCode> fence_and_abort(std::string transactional_id);
  Status load_partition(int32_t partition);
  void unload_partition(int32_t partition);
  int32_t coordinator_epoch(const std::string& transactional_id) const;
  void schedule_abort_timer();

  Broker& broker_;
  std::map<std::string, TxnMetadata> txns_;
  std::set<int32_t> owned_partitions_;  // of __transaction_state, loaded
  std::set<std::string> completing_;    // ids with a completion running
  // EndTxn requests waiting for an id's completion: their timers are cancelled when it ends.
  std::map<std::string, std::vector<std::shared_ptr<asio::steady_timer>>> completion_waiters_;
  std::map<int32_t, std::unique_ptr<peer::PeerConnection>> marker_connections_;  // by broker id
  int64_t next_pid_ = 0;
  int64_t pid_block_end_ = 0;
  asio::steady_timer timer_;
  bool shut_down_ = false;
};

}  // namespace moldau::broker::txn
