#include "moldau/broker/replica/replica_manager.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <algorithm>

#include "moldau/broker/broker.h"
#include "moldau/broker/replica/replica_fetcher.h"
#include "moldau/broker/topics.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"

namespace moldau::broker::replica {

namespace {
spdlog::logger& replica_log() { return logger("replica-manager"); }

std::string isr_string(const std::vector<int32_t>& isr) {
  std::string s = "[";
  for (size_t i = 0; i < isr.size(); ++i) s += (i ? "," : "") + std::to_string(isr[i]);
  return s + "]";
}
}  // namespace

ReplicaManager::ReplicaManager(Broker& broker)
    : broker_(broker), local_id_(broker.config().node_id), isr_timer_(broker.io()) {}

ReplicaManager::~ReplicaManager() { shutdown(); }

Status ReplicaManager::start() {
  // Logs of topics that are gone (deleted while this broker was down), or of partitions this
  // broker no longer holds, are removed; the rest get their state.
  for (auto* log : broker_.logs().all()) {
    const TopicMetadata* t = broker_.metadata().find_topic(log->topic());
    bool held = t && log->partition() < t->partition_count() &&
                std::count(t->replicas[static_cast<size_t>(log->partition())].begin(),
                           t->replicas[static_cast<size_t>(log->partition())].end(), local_id_) > 0;
    if (!held) {
      std::string topic = log->topic();
      int32_t partition = log->partition();
      replica_log().info("Removing log {}-{}: this broker holds no replica of it", topic, partition);
      MOLDAU_RETURN_IF_ERROR(broker_.logs().delete_partition(topic, partition));
    }
  }
  for (const TopicMetadata* t : broker_.metadata().topics()) reconcile_topic(t->name);
  schedule_isr_check();
  return Status();
}

void ReplicaManager::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  isr_timer_.cancel();
  fetchers_.clear();
}

std::shared_ptr<Partition> ReplicaManager::get(const std::string& topic, int32_t partition) const {
  auto it = partitions_.find({topic, partition});
  return it == partitions_.end() ? nullptr : it->second;
}

std::pair<std::shared_ptr<Partition>, ErrorCode> ReplicaManager::leader(const std::string& topic, int32_t partition,
                                                                         int32_t client_epoch) const {
  auto p = get(topic, partition);
  if (!p) {
    const TopicMetadata* t = broker_.metadata().find_topic(topic);
    if (!t || partition < 0 || partition >= t->partition_count()) return {nullptr, ErrorCode::kUnknownTopicOrPartition};
    // Known partition, but no replica here: the client's metadata is stale.
    return {nullptr, ErrorCode::kNotLeaderOrFollower};
  }
  ErrorCode e = p->check_leader(client_epoch);
  if (e != ErrorCode::kNone) return {nullptr, e};
  // A fenced broker may have been replaced as leader without knowing it yet (a zombie resumed
  // after a pause): it answers nothing as a leader, so that no client reads past a truncation
  // point or gets OFFSET_OUT_OF_RANGE from a log another leader has outgrown.
  if (broker_.fenced()) return {nullptr, ErrorCode::kNotLeaderOrFollower};
  return {p, ErrorCode::kNone};
}

std::vector<std::shared_ptr<Partition>> ReplicaManager::all() const {
  std::vector<std::shared_ptr<Partition>> out;
  out.reserve(partitions_.size());
  for (const auto& [k, p] : partitions_) out.push_back(p);
  return out;
}

bool ReplicaManager::throttled(const std::string& topic, int32_t partition, int32_t follower, bool leader_side) const {
  const TopicMetadata* t = broker_.metadata().find_topic(topic);
  if (!t) return false;
  const PartitionState* st = t->state(partition);
  if (st && st->in_isr(follower)) return false;
  // Either side names its own replica, as Kafka's brokers read these configs: the leader's
  // "p:leader" throttles what it serves, the follower's "p:follower" what it fetches.
  auto it = t->configs.find(leader_side ? "leader.replication.throttled.replicas"
                                        : "follower.replication.throttled.replicas");
  return it != t->configs.end() && names_replica(it->second, partition, local_id_);
}

int32_t ReplicaManager::min_insync_replicas(const std::string& topic) const {
  const TopicMetadata* t = broker_.metadata().find_topic(topic);
  if (t) {
    auto it = t->configs.find("min.insync.replicas");
    if (it != t->configs.end()) {
      try {
        return std::stoi(it->second);
      } catch (...) {
      }
    }
  }
  return broker_.config().min_insync_replicas;
}

asio::awaitable<ReplicaManager::ProduceResult> ReplicaManager::append(const std::string& topic, int32_t partition,
                                                                      std::span<uint8_t> batches, int16_t acks,
                                                                      Clock::time_point deadline,
                                                                      const storage::AppendOptions& options) {
  ProduceResult out;
  auto [p, error] = leader(topic, partition);
  if (!p) {
    out.error = error;
    co_return out;
  }
  const int32_t min_insync = min_insync_replicas(topic);
  auto info = p->append_as_leader(batches, acks, min_insync, options);
  if (!info.ok()) {
    out.error = info.status().code();
    out.message = info.status().message();
    co_return out;
  }
  out.info = *info;
  notify(*p);
  // A retry of a batch already in the log waits too: the original may not be replicated yet.
  if (acks == -1) out.error = co_await wait_replicated(p, info->last_offset + 1, min_insync, deadline);
  co_return out;
}

asio::awaitable<ErrorCode> ReplicaManager::wait_replicated(std::shared_ptr<Partition> p, int64_t end_offset,
                                                           int32_t min_insync, Clock::time_point deadline) {
  for (;;) {
    if (!p->attached()) co_return ErrorCode::kNotLeaderOrFollower;
    if (auto done = p->replicated(end_offset, min_insync)) co_return *done;
    if (Clock::now() >= deadline || broker_.stopping()) co_return ErrorCode::kRequestTimedOut;
    std::vector<Purgatory::Key> keys{{p->topic(), p->index()}};
    co_await broker_.purgatory().wait(keys, deadline);
  }
}

void ReplicaManager::follower_fetched(Partition& partition, int32_t replica, int64_t fetch_offset) {
  if (partition.record_follower_fetch(replica, fetch_offset, wall_clock_ms())) notify(partition);
  auto p = get(partition.topic(), partition.index());
  if (p) maybe_change_isr(p);
}

void ReplicaManager::follower_appended(Partition& partition) { notify(partition); }

void ReplicaManager::resign_all() {
  for (auto& [key, p] : partitions_) {
    if (!p->is_leader()) continue;
    p->resign();
    for (auto* l : leadership_listeners_) l->on_not_leader(key.first, key.second);
    notify(*p);
  }
}

void ReplicaManager::on_metadata_change(const MetadataDelta& delta) {
  if (shut_down_) return;
  if (delta.brokers) {
    // A registration changed: leaderships depend on this broker's own epoch, fetchers on the
    // leaders' endpoints.
    for (const TopicMetadata* t : broker_.metadata().topics()) reconcile_topic(t->name);
    for (const auto& name : delta.topics)
      if (!broker_.metadata().find_topic(name)) reconcile_topic(name);
    refresh_fetchers();
    return;
  }
  for (const auto& name : delta.topics) reconcile_topic(name);
}

void ReplicaManager::reconcile_topic(const std::string& name) {
  const TopicMetadata* t = broker_.metadata().find_topic(name);
  // Partitions of this topic held here that the metadata no longer gives this broker.
  std::vector<int32_t> gone;
  for (auto it = partitions_.lower_bound({name, INT32_MIN}); it != partitions_.end() && it->first.first == name; ++it) {
    int32_t index = it->first.second;
    bool held = t && index < t->partition_count() &&
                std::count(t->replicas[static_cast<size_t>(index)].begin(),
                           t->replicas[static_cast<size_t>(index)].end(), local_id_) > 0;
    if (!held) gone.push_back(index);
  }
  for (int32_t index : gone) remove_partition(name, index);
  if (!t) return;

  storage::LogConfig config = broker_.topics().log_config(*t);
  const int64_t now = wall_clock_ms();
  for (int32_t index = 0; index < t->partition_count(); ++index) {
    const auto& replicas = t->replicas[static_cast<size_t>(index)];
    if (std::count(replicas.begin(), replicas.end(), local_id_) == 0) continue;
    auto p = get(name, index);
    if (!p) {
      auto log = broker_.logs().create_partition(name, index, t->id, config);
      if (!log.ok()) {
        replica_log().error("cannot open the log of {}-{}: {}", name, index, log.status().to_string());
        continue;
      }
      p = std::make_shared<Partition>(name, index, *log, local_id_);
      partitions_[{name, index}] = p;
    } else {
      p->log().set_config(config);
    }
    const PartitionState* state = t->state(index);
    if (!state) continue;
    PartitionState effective = *state;
    if (broker_.metadata().clustered() && effective.leader == local_id_) {
      // Elected as an earlier incarnation of this broker (it restarted since), or while its
      // registration is lost: not a leader until the controller elects again.
      const BrokerRegistration* me = broker_.metadata().find_broker(local_id_);
      if (!me || me->epoch != effective.leader_broker_epoch) effective.leader = -1;
    }
    const bool was_leader = p->is_leader();
    switch (p->apply(effective, replicas, now)) {
      case Partition::Transition::kBecameLeader:
        became_leader(p);
        break;
      case Partition::Transition::kBecameFollower:
        became_follower(p, was_leader);
        break;
      case Partition::Transition::kStateChanged:
        if (p->is_leader()) {
          notify(*p);  // the high watermark may have moved with the ISR
          maybe_change_isr(p);
        }
        break;
      case Partition::Transition::kNone:
        break;
    }
  }
}

void ReplicaManager::remove_partition(const std::string& topic, int32_t index) {
  auto it = partitions_.find({topic, index});
  if (it == partitions_.end()) return;
  std::shared_ptr<Partition> p = it->second;
  const bool was_leader = p->is_leader();
  for (auto& [leader, f] : fetchers_) f->remove(topic, index);
  p->detach();
  partitions_.erase(it);
  if (was_leader)
    for (auto* l : leadership_listeners_) l->on_not_leader(topic, index);
  notify(*p);
  Status s = broker_.logs().delete_partition(topic, index);
  if (!s.ok()) replica_log().warn("deleting log {}-{}: {}", topic, index, s.to_string());
}

void ReplicaManager::became_leader(const std::shared_ptr<Partition>& p) {
  for (auto& [leader, f] : fetchers_) f->remove(p->topic(), p->index());
  for (auto* l : leadership_listeners_) l->on_leader(p->topic(), p->index());
  notify(*p);
}

void ReplicaManager::became_follower(const std::shared_ptr<Partition>& p, bool was_leader) {
  if (was_leader)
    for (auto* l : leadership_listeners_) l->on_not_leader(p->topic(), p->index());
  for (auto& [leader, f] : fetchers_)
    if (leader != p->leader()) f->remove(p->topic(), p->index());
  notify(*p);  // waiters on this partition learn it is no longer led here
  if (p->leader() < 0 || p->leader() == local_id_) return;
  replica_log().info("{}-{}: following leader {} at epoch {} from offset {}", p->topic(), p->index(), p->leader(),
                     p->leader_epoch(), p->log().log_end_offset());
  auto& f = fetchers_[p->leader()];
  if (!f) f = std::make_unique<ReplicaFetcher>(broker_, *this, p->leader());
  f->add(p);
}

void ReplicaManager::refresh_fetchers() {
  // A leader that re-registered (restarted) may have a new endpoint: connect again.
  for (auto it = fetchers_.begin(); it != fetchers_.end();) {
    if (it->second->empty()) {
      fetcher_leader_epochs_.erase(it->first);
      it = fetchers_.erase(it);
      continue;
    }
    const BrokerRegistration* b = broker_.metadata().find_broker(it->first);
    int64_t epoch = b ? b->epoch : 0;
    if (fetcher_leader_epochs_[it->first] != epoch) {
      fetcher_leader_epochs_[it->first] = epoch;
      it->second->reconnect();
    }
    ++it;
  }
}

void ReplicaManager::schedule_isr_check() {
  if (shut_down_) return;
  int64_t interval = std::max<int64_t>(broker_.config().replica_lag_time_max_ms / 2, 100);
  isr_timer_.expires_after(std::chrono::milliseconds(interval));
  isr_timer_.async_wait([this](asio::error_code ec) {
    if (ec || shut_down_ || broker_.stopping()) return;
    check_isr();
    schedule_isr_check();
  });
}

void ReplicaManager::check_isr() {
  if (!broker_.metadata().clustered()) return;
  for (auto& [key, p] : partitions_) maybe_change_isr(p);
}

void ReplicaManager::maybe_change_isr(const std::shared_ptr<Partition>& p) {
  if (!broker_.metadata().clustered() || !p->is_leader()) return;
  auto eligible = [this](int32_t id) {
    const BrokerRegistration* b = broker_.metadata().find_broker(id);
    return b && !b->shutting_down;
  };
  auto next = p->isr_change(wall_clock_ms(), broker_.config().replica_lag_time_max_ms, eligible);
  if (!next) return;
  p->isr_change_started(*next);
  asio::co_spawn(broker_.io(), write_isr(p, *next), asio::detached);
}

asio::awaitable<void> ReplicaManager::write_isr(std::shared_ptr<Partition> p, std::vector<int32_t> isr) {
  PartitionState expected = p->state();
  PartitionState next = expected;
  next.isr = isr;
  next.partition_epoch = expected.partition_epoch + 1;
  replica_log().info("[Partition {}-{} broker={}] {} ISR from {} to {}", p->topic(), p->index(), local_id_,
                     isr.size() < expected.isr.size() ? "Shrinking" : "Expanding", isr_string(expected.isr),
                     isr_string(isr));
  Status s = co_await broker_.metadata().update_partition(p->topic(), p->index(), expected, next,
                                                          MetadataStore::Writer::kLeader);
  if (!s.ok()) {
    replica_log().info("[Partition {}-{} broker={}] ISR change to {} not written: {}", p->topic(), p->index(),
                       local_id_, isr_string(isr), s.to_string());
    p->isr_change_failed();
  }
  // On success the watch brings the new state (Partition::apply clears the pending change).
}

void ReplicaManager::notify(const Partition& p) { broker_.purgatory().notify(p.topic(), p.index()); }

}  // namespace moldau::broker::replica
