#pragma once
// One partition this broker holds a replica of: its log, its state in the cluster (leader,
// leader epoch, ISR, as the metadata says) and, while this broker leads it, what the leader
// must know: each follower's log end offset and when it last caught up, the high watermark,
// and the ISR change in flight. Handlers ask a Partition, never a log, so that leadership,
// epochs and min.insync.replicas are checked in one place. Kafka's Partition.scala is the model.
//
// The high watermark (the end of what every in-sync replica holds) only moves forward while
// this broker leads. It is computed over the maximal ISR: the committed ISR plus a member being
// added, never minus one being removed until the store has the smaller ISR. So a record below
// the high watermark is on every replica the controller could elect.
//
// Event loop only. The log is owned by the LogManager and outlives the Partition.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moldau/broker/metadata/metadata_store.h"
#include "moldau/common/result.h"
#include "moldau/storage/partition_log.h"

namespace moldau::broker::replica {

struct FollowerProgress {
  int64_t log_end_offset = -1;  // -1: not known in this leader epoch yet
  int64_t last_caught_up_ms = 0;
  // Kafka's lastFetchLeaderLogEndOffset/TimeMs: the leader's end at this follower's previous
  // fetch. A follower that has reached it was caught up at that time.
  int64_t last_fetch_leader_end = -1;
  int64_t last_fetch_ms = 0;
};

class Partition {
 public:
  Partition(std::string topic, int32_t index, storage::PartitionLog* log, int32_t local_id);

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  storage::PartitionLog& log() { return *log_; }
  const storage::PartitionLog& log() const { return *log_; }

  const PartitionState& state() const { return state_; }
  const std::vector<int32_t>& replicas() const { return replicas_; }
  int32_t leader() const { return state_.leader; }
  int32_t leader_epoch() const { return state_.leader_epoch; }
  bool is_leader() const { return attached_ && state_.leader == local_id_ && leading_; }
  // False once the partition was removed from this broker (topic deleted, replica moved): its
  // log is gone, and whoever still holds the Partition must not touch it.
  bool attached() const { return attached_; }
  void detach() {
    attached_ = false;
    leading_ = false;
  }

  enum class Transition { kNone, kBecameLeader, kBecameFollower, kStateChanged };
  // Takes the partition's state from the metadata. A new leader epoch with this broker as
  // leader makes it the leader: the epoch starts at the log end (leader-epoch-checkpoint), the
  // followers' progress is forgotten until they fetch again. Otherwise it follows (the caller
  // starts fetching). A state of the same epoch updates the ISR (the committed one).
  Transition apply(const PartitionState& state, const std::vector<int32_t>& replicas, int64_t now_ms);
  // Stops leading without a new state (the broker lost its registration): requests get
  // NOT_LEADER_OR_FOLLOWER until the metadata names a leader again.
  void resign();

  // The error for a request that needs the leader, checking the client's leader epoch when it
  // sent one (>= 0): NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH (older epoch),
  // UNKNOWN_LEADER_EPOCH (newer). kNone when this broker leads at that epoch.
  ErrorCode check_leader(int32_t client_epoch = -1) const;

  // ---- leader ----
  // Appends a client's (or a coordinator's) batches. acks = -1 with fewer in-sync replicas
  // than min.insync.replicas: NOT_ENOUGH_REPLICAS, nothing appended. The high watermark moves
  // at once when this broker is the only in-sync replica.
  Result<storage::AppendInfo> append_as_leader(std::span<uint8_t> batches, int16_t acks, int32_t min_insync,
                                               const storage::AppendOptions& options);
  // For acks=all: kNone once the high watermark reaches `offset` with at least min_insync in
  // sync replicas, NOT_ENOUGH_REPLICAS_AFTER_APPEND when it reached it with fewer, and
  // std::nullopt while it has not (or NOT_LEADER_OR_FOLLOWER once this broker stopped leading).
  std::optional<ErrorCode> replicated(int64_t offset, int32_t min_insync) const;

  // A follower fetched from `fetch_offset` (its log end): its progress is recorded and the high
  // watermark may move (returns true when it did).
  bool record_follower_fetch(int32_t replica, int64_t fetch_offset, int64_t now_ms);
  // ISR changes due now: followers out of sync for longer than lag_max_ms to remove, caught up
  // followers to add. Empty while another change is in flight.
  // Only `eligible` followers are added (registered brokers not in controlled shutdown).
  std::optional<std::vector<int32_t>> isr_change(int64_t now_ms, int64_t lag_max_ms,
                                                 const std::function<bool(int32_t)>& eligible) const;
  // Marks an ISR change as written (in flight); the maximal ISR includes additions from now on.
  void isr_change_started(const std::vector<int32_t>& isr) { pending_isr_ = isr; }
  void isr_change_failed() { pending_isr_.reset(); }
  const std::optional<std::vector<int32_t>>& pending_isr() const { return pending_isr_; }
  const std::map<int32_t, FollowerProgress>& followers() const { return followers_; }

  // ---- follower ----
  // Appends batches fetched from the leader (their offsets and epochs kept) and takes the
  // leader's high watermark, bounded by the local log end.
  Result<storage::AppendInfo> append_as_follower(std::span<uint8_t> batches, int64_t leader_high_watermark);
  void follower_high_watermark(int64_t leader_high_watermark);

 private:
  std::vector<int32_t> maximal_isr() const;
  bool maybe_advance_high_watermark();

  std::string topic_;
  int32_t index_;
  storage::PartitionLog* log_;
  int32_t local_id_;
  PartitionState state_;
  std::vector<int32_t> replicas_;
  bool attached_ = true;
  bool leading_ = false;
  bool applied_ = false;  // a state was applied at least once
  std::map<int32_t, FollowerProgress> followers_;  // leader only, by replica id (not itself)
  std::optional<std::vector<int32_t>> pending_isr_;
  int64_t epoch_start_offset_ = 0;  // the log end when this broker became leader
};

}  // namespace moldau::broker::replica
