#include "moldau/broker/replica/partition.h"

#include <algorithm>

#include "moldau/common/log.h"

namespace moldau::broker::replica {

namespace {
spdlog::logger& partition_log() { return logger("partition"); }

std::string isr_string(const std::vector<int32_t>& isr) {
  std::string s = "[";
  for (size_t i = 0; i < isr.size(); ++i) s += (i ? "," : "") + std::to_string(isr[i]);
  return s + "]";
}
}  // namespace

Partition::Partition(std::string topic, int32_t index, storage::PartitionLog* log, int32_t local_id)
    : topic_(std::move(topic)), index_(index), log_(log), local_id_(local_id) {}

Partition::Transition Partition::apply(const PartitionState& state, const std::vector<int32_t>& replicas,
                                       int64_t now_ms) {
  const bool new_epoch = !applied_ || state.leader_epoch != state_.leader_epoch || state.leader != state_.leader;
  state_ = state;
  replicas_ = replicas;
  applied_ = true;
  if (state.leader != local_id_) {
    const bool was_leading = leading_;
    leading_ = false;
    followers_.clear();
    pending_isr_.reset();
    return new_epoch || was_leading ? Transition::kBecameFollower : Transition::kStateChanged;
  }
  if (!leading_ || new_epoch) {
    leading_ = true;
    pending_isr_.reset();
    followers_.clear();
    for (int32_t r : replicas_)
      if (r != local_id_) followers_[r] = FollowerProgress{-1, now_ms, -1, 0};
    epoch_start_offset_ = log_->log_end_offset();
    // Followers learn where this epoch starts from the epoch cache (their truncation point).
    Status s = log_->assign_epoch_start_offset(state.leader_epoch, epoch_start_offset_);
    if (!s.ok()) partition_log().error("{}-{}: writing leader-epoch-checkpoint: {}", topic_, index_, s.to_string());
    partition_log().debug("{}-{}: leader at epoch {} from offset {} with ISR {}, high watermark {}", topic_, index_,
                         state.leader_epoch, epoch_start_offset_, isr_string(state.isr), log_->high_watermark());
    maybe_advance_high_watermark();
    return Transition::kBecameLeader;
  }
  // The same epoch: the committed ISR (ours or the controller's) or the replica set changed.
  if (pending_isr_ && *pending_isr_ == state.isr) pending_isr_.reset();
  for (int32_t r : replicas_)
    if (r != local_id_ && !followers_.count(r)) followers_[r] = FollowerProgress{-1, now_ms, -1, 0};
  // A reassignment that completed took replicas away: they are no longer followers.
  std::erase_if(followers_, [&](const auto& f) {
    return std::find(replicas_.begin(), replicas_.end(), f.first) == replicas_.end();
  });
  maybe_advance_high_watermark();
  return Transition::kStateChanged;
}

void Partition::resign() {
  leading_ = false;
  followers_.clear();
  pending_isr_.reset();
}

ErrorCode Partition::check_leader(int32_t client_epoch) const {
  if (client_epoch >= 0 && applied_) {
    if (client_epoch < state_.leader_epoch) return ErrorCode::kFencedLeaderEpoch;
    if (client_epoch > state_.leader_epoch) return ErrorCode::kUnknownLeaderEpoch;
  }
  return is_leader() ? ErrorCode::kNone : ErrorCode::kNotLeaderOrFollower;
}

Result<storage::AppendInfo> Partition::append_as_leader(std::span<uint8_t> batches, int16_t acks, int32_t min_insync,
                                                        const storage::AppendOptions& options) {
  if (!is_leader())
    return Status(ErrorCode::kNotLeaderOrFollower,
                  "This server is not the leader for partition " + topic_ + "-" + std::to_string(index_));
  if (acks == -1 && static_cast<int32_t>(state_.isr.size()) < min_insync) {
    return Status(ErrorCode::kNotEnoughReplicas,
                  "The size of the current ISR " + isr_string(state_.isr) +
                      " is insufficient to satisfy the min.isr requirement of " + std::to_string(min_insync) +
                      " for partition " + topic_ + "-" + std::to_string(index_));
  }
  storage::AppendOptions o = options;
  o.update_high_watermark = false;
  auto info = log_->append(batches, state_.leader_epoch, o);
  if (info.ok()) maybe_advance_high_watermark();
  return info;
}

std::optional<ErrorCode> Partition::replicated(int64_t offset, int32_t min_insync) const {
  if (!attached_ || !is_leader()) return ErrorCode::kNotLeaderOrFollower;
  if (log_->high_watermark() < offset) return std::nullopt;
  return static_cast<int32_t>(maximal_isr().size()) >= min_insync ? ErrorCode::kNone
                                                                  : ErrorCode::kNotEnoughReplicasAfterAppend;
}

bool Partition::record_follower_fetch(int32_t replica, int64_t fetch_offset, int64_t now_ms) {
  if (!is_leader()) return false;
  auto it = followers_.find(replica);
  if (it == followers_.end()) return false;
  FollowerProgress& f = it->second;
  const int64_t leader_end = log_->log_end_offset();
  // Kafka's rule: caught up now when it has everything, or caught up as of its previous fetch
  // when it has what the leader had then.
  if (fetch_offset >= leader_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
  } else if (f.last_fetch_leader_end >= 0 && fetch_offset >= f.last_fetch_leader_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  }
  f.log_end_offset = fetch_offset;
  f.last_fetch_leader_end = leader_end;
  f.last_fetch_ms = now_ms;
  return maybe_advance_high_watermark();
}

std::optional<std::vector<int32_t>> Partition::isr_change(int64_t now_ms, int64_t lag_max_ms,
                                                          const std::function<bool(int32_t)>& eligible) const {
  if (!is_leader() || pending_isr_) return std::nullopt;
  std::vector<int32_t> next;
  const int64_t leader_end = log_->log_end_offset();
  for (int32_t r : state_.isr) {
    if (r == local_id_) {
      next.push_back(r);
      continue;
    }
    // Kafka's isCaughtUp: a follower that has the whole log stays, however long ago it last
    // fetched (a dead broker leaves the ISR through the controller, on its session's expiry);
    // one behind stays while it caught up within the lag time.
    auto it = followers_.find(r);
    if (it != followers_.end() &&
        (it->second.log_end_offset == leader_end || now_ms - it->second.last_caught_up_ms <= lag_max_ms))
      next.push_back(r);
  }
  if (std::find(next.begin(), next.end(), local_id_) == next.end()) next.insert(next.begin(), local_id_);
  const int64_t hw = log_->high_watermark();
  for (const auto& [r, f] : followers_) {
    if (std::find(next.begin(), next.end(), r) != next.end()) continue;
    if (state_.in_isr(r)) continue;  // just removed above: out of sync
    if (std::find(replicas_.begin(), replicas_.end(), r) == replicas_.end() || !eligible(r)) continue;
    if (f.log_end_offset >= hw && f.log_end_offset >= epoch_start_offset_) next.push_back(r);
  }
  if (next == state_.isr) return std::nullopt;
  return next;
}

Result<storage::AppendInfo> Partition::append_as_follower(std::span<uint8_t> batches, int64_t leader_high_watermark) {
  storage::AppendOptions o;
  o.assign_offsets = false;
  o.update_high_watermark = false;
  auto info = log_->append(batches, -1, o);
  if (info.ok()) follower_high_watermark(leader_high_watermark);
  return info;
}

void Partition::follower_high_watermark(int64_t leader_high_watermark) {
  if (leading_ || leader_high_watermark < 0) return;
  log_->set_high_watermark(std::min(leader_high_watermark, log_->log_end_offset()));
}

std::vector<int32_t> Partition::maximal_isr() const {
  std::vector<int32_t> isr = state_.isr;
  if (pending_isr_)
    for (int32_t r : *pending_isr_)
      if (std::find(isr.begin(), isr.end(), r) == isr.end()) isr.push_back(r);
  return isr;
}

bool Partition::maybe_advance_high_watermark() {
  if (!is_leader()) return false;
  int64_t hw = log_->log_end_offset();
  for (int32_t r : maximal_isr()) {
    if (r == local_id_) continue;
    auto it = followers_.find(r);
    // An in-sync follower whose position in this epoch is unknown holds the mark where it is.
    if (it == followers_.end() || it->second.log_end_offset < 0) return false;
    hw = std::min(hw, it->second.log_end_offset);
  }
  if (hw <= log_->high_watermark()) return false;
  log_->set_high_watermark(hw);
  return true;
}

}  // namespace moldau::broker::replica
