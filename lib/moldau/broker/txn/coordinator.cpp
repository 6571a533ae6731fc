#include "moldau/broker/txn/coordinator.h"

#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/group/group.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::broker::txn {

namespace {

spdlog::logger& txn_log() { return logger("transaction"); }

constexpr int32_t kPidBlockSize = 1000;
// Kafka's TransactionMetadata.isEpochExhausted: Short.MaxValue - 1.
constexpr int16_t kMaxEpoch = 32766;
constexpr int32_t kCoordinatorEpoch = 0;

bool epoch_exhausted(int16_t epoch) { return epoch >= kMaxEpoch; }

std::span<const uint8_t> as_bytes(const std::optional<std::string_view>& s) {
  if (!s) return {};
  return {reinterpret_cast<const uint8_t*>(s->data()), s->size()};
}

}  // namespace

TransactionCoordinator::TransactionCoordinator(Broker& broker) : broker_(broker), timer_(broker.io()) {}

TransactionCoordinator::~TransactionCoordinator() = default;

int32_t TransactionCoordinator::partition_for(const std::string& transactional_id) const {
  if (const TopicMetadata* t = broker_.metadata().find_topic(kTransactionStateTopic))
    return group::partition_for(transactional_id, t->partition_count());
  return group::partition_for(transactional_id, broker_.config().transaction_state_log_num_partitions);
}

Status TransactionCoordinator::ensure_state_topic() {
  return broker_.topics().ensure_internal_topic(
      kTransactionStateTopic, broker_.config().transaction_state_log_num_partitions,
      {{"compression.type", "uncompressed"}, {"min.insync.replicas", "1"}});
}

Result<int64_t> TransactionCoordinator::next_producer_id() {
  if (next_pid_ >= pid_block_end_) {
    MOLDAU_ASSIGN_OR_RETURN(int64_t first, broker_.metadata().allocate_producer_ids(kPidBlockSize));
    next_pid_ = first;
    pid_block_end_ = first + kPidBlockSize;
  }
  return next_pid_++;
}

Status TransactionCoordinator::persist(const TxnMetadata& m) {
  MOLDAU_RETURN_IF_ERROR(ensure_state_topic());
  int32_t partition = partition_for(m.transactional_id);
  storage::PartitionLog* log = broker_.logs().get(kTransactionStateTopic, partition);
  if (!log) return Status(ErrorCode::kCoordinatorNotAvailable, "no log for __transaction_state");
  TransactionLogValue v;
  v.producer_id = m.producer_id;
  v.producer_epoch = m.producer_epoch;
  v.transaction_timeout_ms = m.timeout_ms;
  v.transaction_status = static_cast<int8_t>(m.state);
  std::vector<TransactionLogValue::Partitions> parts;
  for (const auto& [topic, p] : m.partitions) {
    if (parts.empty() || parts.back().topic != topic) parts.push_back({topic, {}});
    parts.back().partition_ids.push_back(p);
  }
  v.transaction_partitions = std::move(parts);
  v.transaction_last_update_timestamp_ms = m.update_ms;
  v.transaction_start_timestamp_ms = m.start_ms;
  protocol::Bytes key = encode_transaction_log_key(m.transactional_id);
  protocol::Bytes value = encode_transaction_log_value(std::move(v));
  protocol::BatchBuilder builder({});
  protocol::Record r;
  r.timestamp = m.update_ms >= 0 ? m.update_ms : wall_clock_ms();
  r.key = std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
  r.value = std::string_view(reinterpret_cast<const char*>(value.data()), value.size());
  builder.add(r);
  MOLDAU_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.build());
  auto info = log->append(batch, broker_.leader_epoch());
  if (!info.ok()) {
    txn_log().error("append to {}-{} failed: {}", kTransactionStateTopic, partition, info.status().to_string());
    return info.status();
  }
  return Status();
}

Status TransactionCoordinator::load() {
  auto replay = [&](const protocol::BatchView& view, int64_t from) -> Status {
    if (view.header.is_control()) return Status();
    auto decoded = protocol::decode_records(view.bytes);
    if (!decoded.ok()) return decoded.status();
    for (const auto& r : decoded->records) {
      if (r.offset < from || !r.key) continue;
      auto key = decode_transaction_log_key(as_bytes(r.key));
      if (!key.ok()) continue;
      if (!r.value) {
        txns_.erase(key->transactional_id);
        continue;
      }
      auto v = decode_transaction_log_value(as_bytes(r.value));
      if (!v.ok()) continue;
      TxnMetadata m;
      m.transactional_id = key->transactional_id;
      m.producer_id = v->producer_id;
      m.producer_epoch = v->producer_epoch;
      m.timeout_ms = v->transaction_timeout_ms;
      m.state = static_cast<TxnState>(v->transaction_status);
      if (v->transaction_partitions)
        for (const auto& tp : *v->transaction_partitions)
          for (int32_t id : tp.partition_ids) m.partitions.emplace(tp.topic, id);
      m.update_ms = v->transaction_last_update_timestamp_ms;
      m.start_ms = v->transaction_start_timestamp_ms;
      txns_[m.transactional_id] = std::move(m);
    }
    return Status();
  };
  MOLDAU_RETURN_IF_ERROR(broker_.topics().replay_internal_topic(kTransactionStateTopic, replay));
  // Transactions stopped between their Prepare record and their markers.
  for (auto& [id, m] : txns_) {
    if (m.state == TxnState::kPrepareCommit) {
      complete(m, true);
    } else if (m.state == TxnState::kPrepareAbort || m.state == TxnState::kPrepareEpochFence) {
      complete(m, false);
    }
  }
  if (!txns_.empty()) txn_log().info("Loaded {} transactional ids from {}", txns_.size(), kTransactionStateTopic);
  return Status();
}

void TransactionCoordinator::start() { schedule_abort_timer(); }

void TransactionCoordinator::shutdown() {
  shut_down_ = true;
  timer_.cancel();
}

void TransactionCoordinator::schedule_abort_timer() {
  int64_t interval = broker_.config().transaction_abort_timed_out_transaction_cleanup_interval_ms;
  if (interval <= 0 || shut_down_) return;
  timer_.expires_after(std::chrono::milliseconds(interval));
  timer_.async_wait([this](asio::error_code ec) {
    if (ec || shut_down_ || broker_.stopping()) return;
    abort_timed_out(wall_clock_ms());
    schedule_abort_timer();
  });
}

const TxnMetadata* TransactionCoordinator::find(const std::string& transactional_id) const {
  auto it = txns_.find(transactional_id);
  return it == txns_.end() ? nullptr : &it->second;
}

ErrorCode TransactionCoordinator::write_marker(const TopicPartition& tp, int64_t producer_id, int16_t epoch,
                                               bool commit, int32_t coordinator_epoch) {
  storage::PartitionLog* log =
      broker_.metadata().find_topic(tp.first) ? broker_.logs().get(tp.first, tp.second) : nullptr;
  if (!log) return ErrorCode::kUnknownTopicOrPartition;
  auto batch = protocol::build_control_batch(producer_id, epoch,
                                             commit ? protocol::ControlType::kCommit : protocol::ControlType::kAbort,
                                             coordinator_epoch, wall_clock_ms());
  if (!batch.ok()) return ErrorCode::kUnknownServerError;
  storage::AppendOptions ao;
  ao.origin = storage::AppendOrigin::kCoordinator;
  auto info = log->append(*batch, broker_.leader_epoch(), ao);
  if (!info.ok()) {
    txn_log().error("writing {} marker for producer {} to {}-{} failed: {}", commit ? "COMMIT" : "ABORT",
                    producer_id, tp.first, tp.second, info.status().to_string());
    return info.status().code();
  }
  if (tp.first == kConsumerOffsetsTopic) broker_.groups().complete_txn(producer_id, commit);
  broker_.purgatory().notify(tp.first, tp.second);
  return ErrorCode::kNone;
}

ErrorCode TransactionCoordinator::complete(TxnMetadata& m, bool commit) {
  for (const auto& tp : m.partitions) {
    ErrorCode e = write_marker(tp, m.producer_id, m.producer_epoch, commit, kCoordinatorEpoch);
    // A deleted partition needs no marker; anything else is retried by the client.
    if (e != ErrorCode::kNone && e != ErrorCode::kUnknownTopicOrPartition) return ErrorCode::kCoordinatorNotAvailable;
  }
  TxnMetadata next = m;
  next.state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
  next.partitions.clear();
  next.update_ms = wall_clock_ms();
  if (!persist(next).ok()) return ErrorCode::kCoordinatorNotAvailable;
  m = std::move(next);
  return ErrorCode::kNone;
}

ErrorCode TransactionCoordinator::fence_and_abort(TxnMetadata& m) {
  TxnMetadata next = m;
  if (!epoch_exhausted(m.producer_epoch)) next.producer_epoch = static_cast<int16_t>(m.producer_epoch + 1);
  next.last_producer_epoch = -1;
  next.state = TxnState::kPrepareAbort;
  next.update_ms = wall_clock_ms();
  if (!persist(next).ok()) return ErrorCode::kCoordinatorNotAvailable;
  m = std::move(next);
  return complete(m, false);
}

void TransactionCoordinator::abort_timed_out(int64_t now_ms) {
  for (auto& [id, m] : txns_) {
    if (m.state != TxnState::kOngoing || m.start_ms < 0 || m.start_ms + m.timeout_ms > now_ms) continue;
    txn_log().info("Aborting transaction {} (producer {} epoch {}): open past its timeout of {} ms", id,
                   m.producer_id, m.producer_epoch, m.timeout_ms);
    ErrorCode e = fence_and_abort(m);
    if (e != ErrorCode::kNone) txn_log().error("aborting timed-out transaction {}: {}", id, error_name(e));
  }
}

InitProducerIdResult TransactionCoordinator::init_producer_id(const std::optional<std::string>& transactional_id,
                                                              int32_t timeout_ms, int64_t expected_producer_id,
                                                              int16_t expected_epoch) {
  InitProducerIdResult out;
  if (shut_down_) return {ErrorCode::kNotCoordinator};
  if (!transactional_id) {
    // Idempotent producer: a fresh producer id every time.
    auto pid = next_producer_id();
    if (!pid.ok()) return {ErrorCode::kCoordinatorNotAvailable};
    return {ErrorCode::kNone, *pid, 0};
  }
  if (transactional_id->empty()) return {ErrorCode::kInvalidRequest};
  if (timeout_ms <= 0 || timeout_ms > broker_.config().transaction_max_timeout_ms)
    return {ErrorCode::kInvalidTransactionTimeout};
  if ((expected_producer_id >= 0) != (expected_epoch >= 0)) return {ErrorCode::kInvalidRequest};
  if (!ensure_state_topic().ok()) return {ErrorCode::kCoordinatorNotAvailable};
  const bool expected = expected_producer_id >= 0;

  auto it = txns_.find(*transactional_id);
  if (it == txns_.end()) {
    auto pid = next_producer_id();
    if (!pid.ok()) return {ErrorCode::kCoordinatorNotAvailable};
    TxnMetadata m;
    m.transactional_id = *transactional_id;
    m.producer_id = *pid;
    m.producer_epoch = -1;
    m.timeout_ms = timeout_ms;
    m.state = TxnState::kEmpty;
    m.update_ms = wall_clock_ms();
    it = txns_.emplace(*transactional_id, std::move(m)).first;
  }
  TxnMetadata& m = it->second;
  // KIP-360: a producer that names its id and epoch must be the current one (or retrying a
  // bump whose answer it lost).
  if (expected && !(m.producer_epoch == -1 || expected_producer_id == m.producer_id ||
                    (expected_producer_id == m.last_producer_id && epoch_exhausted(expected_epoch))))
    return {ErrorCode::kProducerFenced};
  switch (m.state) {
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
    case TxnState::kPrepareEpochFence:
    case TxnState::kDead:
      return {ErrorCode::kConcurrentTransactions};
    case TxnState::kOngoing: {
      // A new instance takes over: the old one's transaction is aborted and its epoch fenced.
      ErrorCode e = fence_and_abort(m);
      if (e != ErrorCode::kNone) return {e};
      break;
    }
    default:
      break;
  }
  TxnMetadata next = m;
  if (epoch_exhausted(m.producer_epoch) && (!expected || expected_epoch == m.producer_epoch)) {
    auto pid = next_producer_id();
    if (!pid.ok()) return {ErrorCode::kCoordinatorNotAvailable};
    next.last_producer_id = m.producer_id;
    next.producer_id = *pid;
    next.producer_epoch = 0;
    next.last_producer_epoch = -1;
  } else {
    int16_t bumped = static_cast<int16_t>(m.producer_epoch + 1);
    if (!expected) {
      next.producer_epoch = bumped;
      next.last_producer_epoch = -1;
    } else if (m.producer_epoch == -1 || expected_epoch == m.producer_epoch) {
      next.producer_epoch = bumped;
      next.last_producer_epoch = m.producer_epoch;
    } else if (expected_epoch == m.last_producer_epoch) {
      // A retry of a bump already done.
    } else {
      return {ErrorCode::kProducerFenced};
    }
  }
  next.state = TxnState::kEmpty;
  next.timeout_ms = timeout_ms;
  next.partitions.clear();
  next.start_ms = -1;
  next.update_ms = wall_clock_ms();
  if (!persist(next).ok()) return {ErrorCode::kCoordinatorNotAvailable};
  m = std::move(next);
  return {ErrorCode::kNone, m.producer_id, m.producer_epoch};
}

ErrorCode TransactionCoordinator::owned_txn(const std::string& transactional_id, int64_t producer_id,
                                            int16_t epoch, TxnMetadata*& out) {
  if (shut_down_) return ErrorCode::kNotCoordinator;
  if (transactional_id.empty()) return ErrorCode::kInvalidRequest;
  auto it = txns_.find(transactional_id);
  if (it == txns_.end() || it->second.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
  if (it->second.producer_epoch != epoch) return ErrorCode::kProducerFenced;
  out = &it->second;
  return ErrorCode::kNone;
}

ErrorCode TransactionCoordinator::add_partitions(const std::string& transactional_id, int64_t producer_id,
                                                 int16_t epoch, const std::vector<TopicPartition>& partitions) {
  TxnMetadata* owned = nullptr;
  if (ErrorCode e = owned_txn(transactional_id, producer_id, epoch, owned); e != ErrorCode::kNone) return e;
  TxnMetadata& m = *owned;
  if (m.state == TxnState::kPrepareCommit || m.state == TxnState::kPrepareAbort ||
      m.state == TxnState::kPrepareEpochFence)
    return ErrorCode::kConcurrentTransactions;
  if (m.state == TxnState::kDead) return ErrorCode::kInvalidTxnState;
  bool all_known = m.state == TxnState::kOngoing;
  for (const auto& tp : partitions) all_known = all_known && m.partitions.contains(tp);
  if (all_known) return ErrorCode::kNone;
  TxnMetadata next = m;
  const int64_t now = wall_clock_ms();
  if (m.state != TxnState::kOngoing) next.start_ms = now;
  next.state = TxnState::kOngoing;
  next.partitions.insert(partitions.begin(), partitions.end());
  next.update_ms = now;
  if (!persist(next).ok()) return ErrorCode::kCoordinatorNotAvailable;
  m = std::move(next);
  return ErrorCode::kNone;
}

ErrorCode TransactionCoordinator::add_offsets(const std::string& transactional_id, int64_t producer_id,
                                              int16_t epoch, const std::string& group_id) {
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  if (!broker_.groups().ensure_offsets_topic().ok()) return ErrorCode::kCoordinatorNotAvailable;
  return add_partitions(transactional_id, producer_id, epoch,
                        {{kConsumerOffsetsTopic, broker_.groups().partition_for(group_id)}});
}

ErrorCode TransactionCoordinator::check_producer(const std::string& transactional_id, int64_t producer_id,
                                                 int16_t epoch) const {
  auto it = txns_.find(transactional_id);
  if (it == txns_.end() || it->second.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
  if (it->second.producer_epoch != epoch) return ErrorCode::kProducerFenced;
  if (it->second.state != TxnState::kOngoing) return ErrorCode::kInvalidTxnState;
  return ErrorCode::kNone;
}

ErrorCode TransactionCoordinator::end_txn(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                                          bool commit) {
  TxnMetadata* owned = nullptr;
  if (ErrorCode e = owned_txn(transactional_id, producer_id, epoch, owned); e != ErrorCode::kNone) return e;
  TxnMetadata& m = *owned;
  switch (m.state) {
    case TxnState::kOngoing: {
      TxnMetadata next = m;
      next.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
      next.update_ms = wall_clock_ms();
      if (!persist(next).ok()) return ErrorCode::kCoordinatorNotAvailable;
      m = std::move(next);
      return complete(m, commit);
    }
    case TxnState::kCompleteCommit:
      return commit ? ErrorCode::kNone : ErrorCode::kInvalidTxnState;
    case TxnState::kCompleteAbort:
      return commit ? ErrorCode::kInvalidTxnState : ErrorCode::kNone;
    case TxnState::kPrepareCommit:
      if (!commit) return ErrorCode::kInvalidTxnState;
      return complete(m, true) == ErrorCode::kNone ? ErrorCode::kNone : ErrorCode::kConcurrentTransactions;
    case TxnState::kPrepareAbort:
      if (commit) return ErrorCode::kInvalidTxnState;
      return complete(m, false) == ErrorCode::kNone ? ErrorCode::kNone : ErrorCode::kConcurrentTransactions;
    case TxnState::kPrepareEpochFence:
      return ErrorCode::kConcurrentTransactions;
    default:
      return ErrorCode::kInvalidTxnState;
  }
}

}  // namespace moldau::broker::txn
