#include "moldau/broker/txn/coordinator.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/group/group.h"
#include "moldau/broker/txn/markers.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/messages/write_txn_markers.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::broker::txn {

namespace {

spdlog::logger& txn_log() { return logger("transaction"); }

constexpr int32_t kPidBlockSize = 1000;
// Kafka's TransactionMetadata.isEpochExhausted: Short.MaxValue - 1.
constexpr int16_t kMaxEpoch = 32766;
// How long one round of markers may take before it is tried again.
constexpr int64_t kMarkerTimeoutMs = 30000;
constexpr int64_t kMarkerRetryBackoffMs = 100;
// How long EndTxn waits for the markers before it answers (coordinator.h says why it waits);
// below the clients' request timeouts (30 s in Java, 60 s in librdkafka).
constexpr std::chrono::milliseconds kEndTxnWaitMs{10000};

bool epoch_exhausted(int16_t epoch) { return epoch >= kMaxEpoch; }

std::span<const uint8_t> as_bytes(const std::optional<std::string_view>& s) {
  if (!s) return {};
  return {reinterpret_cast<const uint8_t*>(s->data()), s->size()};
}

bool is_prepare(TxnState s) {
  return s == TxnState::kPrepareCommit || s == TxnState::kPrepareAbort || s == TxnState::kPrepareEpochFence;
}

}  // namespace

TransactionCoordinator::TransactionCoordinator(Broker& broker) : broker_(broker), timer_(broker.io()) {}

TransactionCoordinator::~TransactionCoordinator() = default;

int32_t TransactionCoordinator::partition_for(const std::string& transactional_id) const {
  if (const TopicMetadata* t = broker_.metadata().find_topic(kTransactionStateTopic))
    return group::partition_for(transactional_id, t->partition_count());
  return group::partition_for(transactional_id, broker_.config().transaction_state_log_num_partitions);
}

bool TransactionCoordinator::serves(const std::string& transactional_id) const {
  return !shut_down_ && owned_partitions_.count(partition_for(transactional_id)) > 0;
}

int32_t TransactionCoordinator::coordinator_epoch(const std::string& transactional_id) const {
  // Kafka's coordinator epoch: the leader epoch of the id's partition of __transaction_state,
  // which fences markers from a coordinator that lost that partition.
  auto p = broker_.replicas().get(kTransactionStateTopic, partition_for(transactional_id));
  return p ? p->leader_epoch() : 0;
}

asio::awaitable<Status> TransactionCoordinator::ensure_state_topic() {
  const auto& cfg = broker_.config();
  std::string name = kTransactionStateTopic;
  std::map<std::string, std::string> configs{
      {"compression.type", "uncompressed"},
      {"min.insync.replicas", std::to_string(broker_.metadata().clustered() ? cfg.transaction_state_log_min_isr : 1)}};
  co_return co_await broker_.topics().ensure_internal_topic(std::move(name), cfg.transaction_state_log_num_partitions,
                                                            cfg.transaction_state_log_replication_factor,
                                                            std::move(configs));
}

asio::awaitable<Result<int64_t>> TransactionCoordinator::next_producer_id() {
  if (next_pid_ >= pid_block_end_) {
    auto first = co_await broker_.metadata().allocate_producer_ids(kPidBlockSize);
    if (!first.ok()) co_return first.status();
    // Another call may have refilled the block while this one waited.
    if (next_pid_ >= pid_block_end_) {
      next_pid_ = *first;
      pid_block_end_ = *first + kPidBlockSize;
    }
  }
  co_return next_pid_++;
}

asio::awaitable<Status> TransactionCoordinator::persist(TxnMetadata m) {
  int32_t partition = partition_for(m.transactional_id);
  auto [leader, error] = broker_.replicas().leader(kTransactionStateTopic, partition);
  if (!leader) co_return Status(ErrorCode::kNotCoordinator, "not the leader of __transaction_state-" + std::to_string(partition));
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
  auto batch = builder.build();
  if (!batch.ok()) co_return batch.status();
  const int32_t min_insync = broker_.replicas().min_insync_replicas(kTransactionStateTopic);
  storage::AppendOptions ao;
  ao.origin = storage::AppendOrigin::kCoordinator;
  auto info = leader->append_as_leader(*batch, -1, min_insync, ao);
  if (!info.ok()) {
    txn_log().error("append to {}-{} failed: {}", kTransactionStateTopic, partition, info.status().to_string());
    co_return info.status();
  }
  broker_.purgatory().notify(kTransactionStateTopic, partition);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kMarkerTimeoutMs);
  ErrorCode e = co_await broker_.replicas().wait_replicated(leader, info->last_offset + 1, min_insync, deadline);
  if (e != ErrorCode::kNone)
    co_return Status(e, "replicating the state of " + m.transactional_id + " to __transaction_state-" +
                            std::to_string(partition));
  co_return Status();
}

asio::awaitable<ErrorCode> TransactionCoordinator::transition(std::string transactional_id, TxnMetadata next) {
  next.pending = false;
  Status s = co_await persist(next);
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) co_return ErrorCode::kNotCoordinator;  // unloaded meanwhile
  it->second.pending = false;
  if (!s.ok()) co_return s.code() == ErrorCode::kNotCoordinator ? ErrorCode::kNotCoordinator
                                                               : ErrorCode::kCoordinatorNotAvailable;
  it->second = std::move(next);
  co_return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------------------------
// Loading with the leadership of __transaction_state's partitions

void TransactionCoordinator::on_leader(const std::string& topic, int32_t partition) {
  if (topic != kTransactionStateTopic || shut_down_) return;
  Status s = load_partition(partition);
  if (!s.ok()) {
    txn_log().error("loading {}-{} failed: {}", kTransactionStateTopic, partition, s.to_string());
    return;
  }
  owned_partitions_.insert(partition);
  // Transactions stopped between their Prepare record and their markers.
  for (auto& [id, m] : txns_)
    if (partition_for(id) == partition && is_prepare(m.state)) spawn_completion(id);
}

void TransactionCoordinator::on_not_leader(const std::string& topic, int32_t partition) {
  if (topic != kTransactionStateTopic) return;
  owned_partitions_.erase(partition);
  unload_partition(partition);
}

void TransactionCoordinator::unload_partition(int32_t partition) {
  for (auto it = txns_.begin(); it != txns_.end();) {
    if (partition_for(it->first) == partition) {
      it = txns_.erase(it);
    } else {
      ++it;
    }
  }
}

Status TransactionCoordinator::load_partition(int32_t partition) {
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
  size_t before = txns_.size();
  MOLDAU_RETURN_IF_ERROR(broker_.topics().replay_internal_partition(kTransactionStateTopic, partition, replay));
  if (txns_.size() > before)
    txn_log().info("Loaded {} transactional ids from {}-{}", txns_.size() - before, kTransactionStateTopic, partition);
  return Status();
}

void TransactionCoordinator::start() { schedule_abort_timer(); }

void TransactionCoordinator::shutdown() {
  shut_down_ = true;
  timer_.cancel();
  marker_connections_.clear();
  for (auto& [id, waiters] : completion_waiters_)
    for (auto& t : waiters) t->cancel();
  completion_waiters_.clear();
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

// ---------------------------------------------------------------------------------------------
// Completion: markers, then Complete{Commit,Abort}

void TransactionCoordinator::spawn_completion(const std::string& transactional_id) {
  if (!completing_.insert(transactional_id).second) return;
  asio::co_spawn(broker_.io(), complete(transactional_id), asio::detached);
}

asio::awaitable<void> TransactionCoordinator::complete(std::string id) {
  asio::steady_timer backoff(broker_.io());
  for (;;) {
    auto it = txns_.find(id);
    if (shut_down_ || broker_.stopping() || it == txns_.end() || !serves(id) || !is_prepare(it->second.state)) break;
    if (it->second.pending) {
      // A change of this id is being written; look again shortly.
      backoff.expires_after(std::chrono::milliseconds(kMarkerRetryBackoffMs));
      asio::error_code ec;
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const bool commit = it->second.state == TxnState::kPrepareCommit;
    TxnMetadata m = it->second;
    if (co_await write_markers(m, commit, coordinator_epoch(id))) {
      it = txns_.find(id);
      if (it == txns_.end() || !is_prepare(it->second.state) || it->second.pending) continue;
      TxnMetadata next = it->second;
      next.state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
      next.partitions.clear();
      next.update_ms = wall_clock_ms();
      it->second.pending = true;
      if (co_await transition(id, next) == ErrorCode::kNone) break;
    }
    backoff.expires_after(std::chrono::milliseconds(kMarkerRetryBackoffMs));
    asio::error_code ec;
    co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  completing_.erase(id);
  wake_completion_waiters(id);
}

asio::awaitable<void> TransactionCoordinator::wait_for_completion(const std::string& transactional_id,
                                                                  std::chrono::milliseconds limit) {
  if (!completing_.contains(transactional_id) || shut_down_) co_return;
  auto timer = std::make_shared<asio::steady_timer>(broker_.io());
  timer->expires_after(limit);
  completion_waiters_[transactional_id].push_back(timer);
  asio::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  // Timed out: this waiter leaves the list (a wake-up has already emptied it).
  auto it = completion_waiters_.find(transactional_id);
  if (it == completion_waiters_.end()) co_return;
  std::erase(it->second, timer);
  if (it->second.empty()) completion_waiters_.erase(it);
}

void TransactionCoordinator::wake_completion_waiters(const std::string& transactional_id) {
  auto it = completion_waiters_.find(transactional_id);
  if (it == completion_waiters_.end()) return;
  for (auto& t : it->second) t->cancel();
  completion_waiters_.erase(it);
}

asio::awaitable<bool> TransactionCoordinator::write_markers(TxnMetadata m, bool commit, int32_t coordinator_epoch) {
  // Partitions by the broker that leads them now.
  std::map<int32_t, std::vector<TopicPartition>> by_leader;
  for (const auto& tp : m.partitions) {
    const TopicMetadata* t = broker_.metadata().find_topic(tp.first);
    if (!t || tp.second >= t->partition_count()) continue;  // gone: no marker needed
    by_leader[t->state(tp.second)->leader].push_back(tp);
  }
  bool all = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kMarkerTimeoutMs);
  const int32_t self = broker_.config().node_id;
  for (const auto& [leader, tps] : by_leader) {
    if (leader < 0) {
      all = false;  // offline: retried until a leader is elected
      continue;
    }
    if (leader == self) {
      for (const auto& tp : tps) {
        ErrorCode e = co_await write_marker_here(broker_, tp, m.producer_id, m.producer_epoch, commit,
                                                 coordinator_epoch, deadline);
        if (e != ErrorCode::kNone && e != ErrorCode::kUnknownTopicOrPartition) all = false;
      }
      continue;
    }
    const BrokerRegistration* b = broker_.metadata().find_broker(leader);
    const BrokerEndpoint* endpoint = b ? b->endpoint(broker_.config().inter_broker_listener_name) : nullptr;
    if (!endpoint) {
      all = false;
      continue;
    }
    protocol::WriteTxnMarkersRequest req;
    auto& marker = req.markers.emplace_back();
    marker.producer_id = m.producer_id;
    marker.producer_epoch = m.producer_epoch;
    marker.transaction_result = commit;
    marker.coordinator_epoch = coordinator_epoch;
    for (const auto& tp : tps) {
      if (marker.topics.empty() || marker.topics.back().name != tp.first) marker.topics.push_back({tp.first, {}});
      marker.topics.back().partition_indexes.push_back(tp.second);
    }
    auto& conn = marker_connections_[leader];
    if (!conn) conn = std::make_unique<peer::PeerConnection>(broker_.io(), "broker-" + std::to_string(self) + "-txn-markers");
    std::string host = endpoint->host;
    int32_t port = endpoint->port;
    auto resp = co_await conn->call<protocol::WriteTxnMarkersResponse>(host, port, req, 1,
                                                                       std::chrono::milliseconds(kMarkerTimeoutMs));
    if (!resp.ok()) {
      txn_log().warn("WriteTxnMarkers for {} to broker {}: {}", m.transactional_id, leader, resp.status().to_string());
      all = false;
      continue;
    }
    for (const auto& mr : resp->markers)
      for (const auto& tr : mr.topics)
        for (const auto& pr : tr.partitions)
          if (pr.error_code != 0 && static_cast<ErrorCode>(pr.error_code) != ErrorCode::kUnknownTopicOrPartition)
            all = false;
  }
  co_return all;
}

asio::awaitable<ErrorCode> TransactionCoordinator::fence_and_abort(std::string id) {
  auto it = txns_.find(id);
  if (it == txns_.end()) co_return ErrorCode::kNotCoordinator;
  TxnMetadata& m = it->second;
  TxnMetadata next = m;
  if (!epoch_exhausted(m.producer_epoch)) next.producer_epoch = static_cast<int16_t>(m.producer_epoch + 1);
  next.last_producer_epoch = -1;
  next.state = TxnState::kPrepareAbort;
  next.update_ms = wall_clock_ms();
  m.pending = true;
  ErrorCode e = co_await transition(id, next);
  if (e == ErrorCode::kNone) spawn_completion(id);
  co_return e;
}

void TransactionCoordinator::abort_timed_out(int64_t now_ms) {
  for (auto& [id, m] : txns_) {
    if (m.pending || m.state != TxnState::kOngoing || m.start_ms < 0 || m.start_ms + m.timeout_ms > now_ms) continue;
    if (!serves(id)) continue;
    txn_log().info("Aborting transaction {} (producer {} epoch {}): open past its timeout of {} ms", id,
                   m.producer_id, m.producer_epoch, m.timeout_ms);
    asio::co_spawn(broker_.io(), fence_and_abort(id), [id](std::exception_ptr, ErrorCode e) {
      if (e != ErrorCode::kNone) txn_log().error("aborting timed-out transaction {}: {}", id, error_name(e));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

asio::awaitable<InitProducerIdResult> TransactionCoordinator::init_producer_id(
    std::optional<std::string> transactional_id, int32_t timeout_ms, int64_t expected_producer_id,
    int16_t expected_epoch) {
  if (shut_down_) co_return InitProducerIdResult{ErrorCode::kNotCoordinator};
  if (!transactional_id) {
    // Idempotent producer: a fresh producer id every time, from any broker.
    auto pid = co_await next_producer_id();
    if (!pid.ok()) co_return InitProducerIdResult{ErrorCode::kCoordinatorNotAvailable};
    co_return InitProducerIdResult{ErrorCode::kNone, *pid, 0};
  }
  if (transactional_id->empty()) co_return InitProducerIdResult{ErrorCode::kInvalidRequest};
  if (!serves(*transactional_id)) co_return InitProducerIdResult{ErrorCode::kNotCoordinator};
  if (timeout_ms <= 0 || timeout_ms > broker_.config().transaction_max_timeout_ms)
    co_return InitProducerIdResult{ErrorCode::kInvalidTransactionTimeout};
  if ((expected_producer_id >= 0) != (expected_epoch >= 0)) co_return InitProducerIdResult{ErrorCode::kInvalidRequest};
  const bool expected = expected_producer_id >= 0;
  const std::string id = *transactional_id;

  if (!txns_.count(id)) {
    auto pid = co_await next_producer_id();
    if (!pid.ok()) co_return InitProducerIdResult{ErrorCode::kCoordinatorNotAvailable};
    if (!serves(id)) co_return InitProducerIdResult{ErrorCode::kNotCoordinator};  // moved meanwhile
    if (!txns_.count(id)) {
      TxnMetadata m;
      m.transactional_id = id;
      m.producer_id = *pid;
      m.producer_epoch = -1;
      m.timeout_ms = timeout_ms;
      m.state = TxnState::kEmpty;
      m.update_ms = wall_clock_ms();
      txns_.emplace(id, std::move(m));
    }
  }
  TxnMetadata* m = &txns_.at(id);
  if (m->pending) co_return InitProducerIdResult{ErrorCode::kConcurrentTransactions};
  // KIP-360: a producer that names its id and epoch must be the current one (or retrying a
  // bump whose answer it lost).
  if (expected && !(m->producer_epoch == -1 || expected_producer_id == m->producer_id ||
                    (expected_producer_id == m->last_producer_id && epoch_exhausted(expected_epoch))))
    co_return InitProducerIdResult{ErrorCode::kProducerFenced};
  switch (m->state) {
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
    case TxnState::kPrepareEpochFence:
    case TxnState::kDead:
      co_return InitProducerIdResult{ErrorCode::kConcurrentTransactions};
    case TxnState::kOngoing: {
      // A new instance takes over: the old one's transaction is aborted (its epoch fenced) and
      // the new one retries once that is done, as Kafka answers.
      ErrorCode e = co_await fence_and_abort(id);
      co_return InitProducerIdResult{e == ErrorCode::kNone ? ErrorCode::kConcurrentTransactions : e};
    }
    default:
      break;
  }
  TxnMetadata next = *m;
  if (epoch_exhausted(m->producer_epoch) && (!expected || expected_epoch == m->producer_epoch)) {
    m->pending = true;
    auto pid = co_await next_producer_id();
    auto again = txns_.find(id);
    if (again == txns_.end()) co_return InitProducerIdResult{ErrorCode::kNotCoordinator};  // unloaded meanwhile
    m = &again->second;
    m->pending = false;
    if (!pid.ok()) co_return InitProducerIdResult{ErrorCode::kCoordinatorNotAvailable};
    next.last_producer_id = m->producer_id;
    next.producer_id = *pid;
    next.producer_epoch = 0;
    next.last_producer_epoch = -1;
  } else {
    int16_t bumped = static_cast<int16_t>(m->producer_epoch + 1);
    if (!expected) {
      next.producer_epoch = bumped;
      next.last_producer_epoch = -1;
    } else if (m->producer_epoch == -1 || expected_epoch == m->producer_epoch) {
      next.producer_epoch = bumped;
      next.last_producer_epoch = m->producer_epoch;
    } else if (expected_epoch == m->last_producer_epoch) {
      // A retry of a bump already done.
    } else {
      co_return InitProducerIdResult{ErrorCode::kProducerFenced};
    }
  }
  next.state = TxnState::kEmpty;
  next.timeout_ms = timeout_ms;
  next.partitions.clear();
  next.start_ms = -1;
  next.update_ms = wall_clock_ms();
  m->pending = true;
  ErrorCode e = co_await transition(id, next);
  if (e != ErrorCode::kNone) co_return InitProducerIdResult{e};
  co_return InitProducerIdResult{ErrorCode::kNone, next.producer_id, next.producer_epoch};
}

ErrorCode TransactionCoordinator::owned_txn(const std::string& transactional_id, int64_t producer_id,
                                            int16_t epoch, TxnMetadata*& out) {
  if (transactional_id.empty()) return ErrorCode::kInvalidRequest;
  if (!serves(transactional_id)) return ErrorCode::kNotCoordinator;
  auto it = txns_.find(transactional_id);
  if (it == txns_.end() || it->second.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
  if (it->second.producer_epoch != epoch) return ErrorCode::kProducerFenced;
  if (it->second.pending) return ErrorCode::kConcurrentTransactions;
  out = &it->second;
  return ErrorCode::kNone;
}

asio::awaitable<ErrorCode> TransactionCoordinator::add_partitions(std::string transactional_id, int64_t producer_id,
                                                                  int16_t epoch, std::vector<TopicPartition> partitions) {
  TxnMetadata* owned = nullptr;
  if (ErrorCode e = owned_txn(transactional_id, producer_id, epoch, owned); e != ErrorCode::kNone) co_return e;
  TxnMetadata& m = *owned;
  if (is_prepare(m.state)) co_return ErrorCode::kConcurrentTransactions;
  if (m.state == TxnState::kDead) co_return ErrorCode::kInvalidTxnState;
  bool all_known = m.state == TxnState::kOngoing;
  for (const auto& tp : partitions) all_known = all_known && m.partitions.contains(tp);
  if (all_known) co_return ErrorCode::kNone;
  TxnMetadata next = m;
  const int64_t now = wall_clock_ms();
  if (m.state != TxnState::kOngoing) next.start_ms = now;
  next.state = TxnState::kOngoing;
  next.partitions.insert(partitions.begin(), partitions.end());
  next.update_ms = now;
  m.pending = true;
  co_return co_await transition(transactional_id, next);
}

asio::awaitable<ErrorCode> TransactionCoordinator::add_offsets(std::string transactional_id, int64_t producer_id,
                                                               int16_t epoch, std::string group_id) {
  if (group_id.empty()) co_return ErrorCode::kInvalidGroupId;
  if (Status s = co_await broker_.groups().ensure_offsets_topic(); !s.ok()) co_return ErrorCode::kCoordinatorNotAvailable;
  std::vector<TopicPartition> partitions{{kConsumerOffsetsTopic, broker_.groups().partition_for(group_id)}};
  co_return co_await add_partitions(std::move(transactional_id), producer_id, epoch, std::move(partitions));
}

ErrorCode TransactionCoordinator::check_producer(const std::string& transactional_id, int64_t producer_id,
                                                 int16_t epoch) const {
  if (!serves(transactional_id)) return ErrorCode::kNone;
  auto it = txns_.find(transactional_id);
  if (it == txns_.end() || it->second.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
  if (it->second.producer_epoch != epoch) return ErrorCode::kProducerFenced;
  if (it->second.state != TxnState::kOngoing) return ErrorCode::kInvalidTxnState;
  return ErrorCode::kNone;
}

asio::awaitable<ErrorCode> TransactionCoordinator::end_txn(std::string transactional_id, int64_t producer_id,
                                                           int16_t epoch, bool commit) {
  TxnMetadata* owned = nullptr;
  if (ErrorCode e = owned_txn(transactional_id, producer_id, epoch, owned); e != ErrorCode::kNone) co_return e;
  TxnMetadata& m = *owned;
  switch (m.state) {
    case TxnState::kOngoing: {
      TxnMetadata next = m;
      next.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
      next.update_ms = wall_clock_ms();
      m.pending = true;
      ErrorCode e = co_await transition(transactional_id, next);
      if (e != ErrorCode::kNone) co_return e;
      spawn_completion(transactional_id);
      co_await wait_for_completion(transactional_id, kEndTxnWaitMs);
      co_return ErrorCode::kNone;  // Prepare is replicated: the outcome is decided
    }
    case TxnState::kCompleteCommit:
      co_return commit ? ErrorCode::kNone : ErrorCode::kInvalidTxnState;
    case TxnState::kCompleteAbort:
      co_return commit ? ErrorCode::kInvalidTxnState : ErrorCode::kNone;
    case TxnState::kPrepareCommit:
      co_return commit ? ErrorCode::kConcurrentTransactions : ErrorCode::kInvalidTxnState;
    case TxnState::kPrepareAbort:
      co_return commit ? ErrorCode::kInvalidTxnState : ErrorCode::kConcurrentTransactions;
    case TxnState::kPrepareEpochFence:
      co_return ErrorCode::kConcurrentTransactions;
    default:
      co_return ErrorCode::kInvalidTxnState;
  }
}

}  // namespace moldau::broker::txn
