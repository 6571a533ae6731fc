#include "moldau/broker/cluster/controller.h"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "moldau/broker/broker.h"
#include "moldau/broker/cluster/membership.h"
#include "moldau/broker/metadata/etcd_metadata_store.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"

namespace moldau::broker::cluster {

namespace {

spdlog::logger& controller_log() { return logger("controller"); }

std::string isr_string(const std::vector<int32_t>& isr) {
  std::string s = "[";
  for (size_t i = 0; i < isr.size(); ++i) s += (i ? "," : "") + std::to_string(isr[i]);
  return s + "]";
}

bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

Controller::Controller(Broker& broker, EtcdMetadataStore& store, Membership& membership)
    : broker_(broker), store_(store), membership_(membership), tick_(broker.io()) {}

Controller::~Controller() { shutdown(); }

void Controller::start() {
  asio::co_spawn(broker_.io(), campaign(), asio::detached);
  schedule_tick();
}

void Controller::shutdown() {
  shut_down_ = true;
  tick_.cancel();
}

void Controller::resign() {
  if (epoch_ > 0) controller_log().info("[Controller id={}] Resigned (epoch {})", broker_.config().node_id, epoch_);
  epoch_ = 0;
  store_.set_controller_epoch(0);
}

void Controller::wake() {
  if (shut_down_) return;
  if (active()) {
    asio::co_spawn(broker_.io(), reconcile(), asio::detached);
  } else if (store_.controller_id() < 0) {
    asio::co_spawn(broker_.io(), campaign(), asio::detached);
  }
}

void Controller::schedule_tick() {
  if (shut_down_) return;
  tick_.expires_after(std::chrono::seconds(2));
  tick_.async_wait([this](asio::error_code ec) {
    if (ec || shut_down_ || broker_.stopping()) return;
    wake();
    schedule_tick();
  });
}

void Controller::on_metadata_change(const MetadataDelta& delta) {
  if (shut_down_) return;
  const int32_t self = broker_.config().node_id;
  if (delta.controller) {
    if (active() && store_.controller_id() != self) {
      controller_log().warn("[Controller id={}] Deposed: the controller is now {}", self, store_.controller_id());
      resign();
    }
    if (!active() && store_.controller_id() < 0) asio::co_spawn(broker_.io(), campaign(), asio::detached);
  }
  if (!active()) return;
  if (delta.brokers) {
    // A broker that vanished or came back as a new incarnation has failed since the last look.
    std::map<int32_t, int64_t> now;
    for (const BrokerRegistration* b : store_.brokers()) now[b->id] = b->epoch;
    for (const auto& [id, epoch] : seen_epochs_) {
      auto it = now.find(id);
      if (it == now.end() || it->second != epoch) {
        controller_log().info("[Controller id={}] Broker {} {}", self, id,
                              it == now.end() ? "is gone" : "restarted (epoch " + std::to_string(it->second) + ")");
        failed_.insert(id);
      }
    }
    seen_epochs_ = std::move(now);
  }
  if (delta.brokers || !delta.topics.empty()) asio::co_spawn(broker_.io(), reconcile(), asio::detached);
}

asio::awaitable<void> Controller::campaign() {
  if (campaigning_ || active() || shut_down_) co_return;
  campaigning_ = true;
  const int32_t self = broker_.config().node_id;
  if (store_.controller_id() < 0 && membership_.lease_id() != 0 && !broker_.stopping()) {
    etcd::TxnRequest txn;
    txn.compare.push_back(etcd::Compare::create(store_.controller_key(), etcd::CompareResult::kEqual, 0));
    etcd::PutRequest put;
    put.key = store_.controller_key();
    put.value = nlohmann::json{{"broker", self}}.dump();
    put.lease = membership_.lease_id();
    txn.success.push_back(put);
    auto r = co_await store_.client().txn(txn, asio::use_awaitable);
    if (r.ok() && r->succeeded) {
      epoch_ = r->header.revision;
      store_.set_controller_epoch(epoch_);
      (void)co_await store_.wait_for_revision(epoch_, std::chrono::seconds(15));
      controller_log().info("[Controller id={}] Became the controller at epoch {}", self, epoch_);
      seen_epochs_.clear();
      for (const BrokerRegistration* b : store_.brokers()) seen_epochs_[b->id] = b->epoch;
      next_rebalance_ms_ = wall_clock_ms() + broker_.config().leader_imbalance_check_interval_seconds * 1000;
      asio::co_spawn(broker_.io(), reconcile(), asio::detached);
    } else if (!r.ok()) {
      controller_log().warn("[Controller id={}] Campaign failed: {}", self, r.status().to_string());
    }
  }
  campaigning_ = false;
}

bool Controller::alive(int32_t broker) const {
  const BrokerRegistration* b = store_.find_broker(broker);
  return b && !b->shutting_down && !failed_.count(broker);
}

bool Controller::rebalance_due(int32_t broker) const {
  // Kafka's check: the share of the partitions that prefer this broker that it does not lead.
  int total = 0, not_led = 0;
  for (const TopicMetadata* t : store_.topics()) {
    for (int32_t p = 0; p < t->partition_count(); ++p) {
      const auto& replicas = t->replicas[static_cast<size_t>(p)];
      if (replicas.empty() || replicas[0] != broker) continue;
      ++total;
      if (t->state(p)->leader != broker) ++not_led;
    }
  }
  return total > 0 && not_led * 100 > total * broker_.config().leader_imbalance_per_broker_percentage;
}

std::optional<PartitionState> Controller::next_state(const TopicMetadata& t, int32_t partition, bool rebalance) const {
  const PartitionState& st = *t.state(partition);
  const auto& replicas = t.replicas[static_cast<size_t>(partition)];
  const BrokerRegistration* leader = st.leader >= 0 ? store_.find_broker(st.leader) : nullptr;
  const bool leader_ok = leader && alive(st.leader) && leader->epoch == st.leader_broker_epoch;
  std::vector<int32_t> isr;
  for (int32_t r : st.isr)
    if ((r == st.leader && leader_ok) || alive(r)) isr.push_back(r);

  PartitionState next = st;
  next.partition_epoch = st.partition_epoch + 1;
  auto elect = [&](int32_t broker, std::vector<int32_t> new_isr) {
    next.leader = broker;
    next.leader_broker_epoch = store_.find_broker(broker)->epoch;
    next.leader_epoch = st.leader_epoch + 1;
    if (!contains(new_isr, broker)) new_isr.insert(new_isr.begin(), broker);
    next.isr = std::move(new_isr);
    return next;
  };
  if (leader_ok) {
    if (rebalance && !replicas.empty() && replicas[0] != st.leader && alive(replicas[0]) &&
        contains(isr, replicas[0]) && rebalance_due(replicas[0]))
      return elect(replicas[0], isr);
    if (isr == st.isr) return std::nullopt;
    next.isr = isr;
    return next;
  }
  for (int32_t r : replicas)
    if (contains(isr, r) && alive(r)) return elect(r, isr);
  bool unclean = broker_.config().unclean_leader_election_enable;
  if (auto it = t.configs.find("unclean.leader.election.enable"); it != t.configs.end()) unclean = it->second == "true";
  if (unclean) {
    for (int32_t r : replicas)
      if (alive(r)) return elect(r, {r});
  }
  // Offline: nobody may lead. The ISR stays as it was, so that the first of them back leads.
  if (st.leader < 0) return std::nullopt;
  next.leader = -1;
  next.leader_broker_epoch = 0;
  next.leader_epoch = st.leader_epoch + 1;
  next.isr = st.isr;
  return next;
}

std::optional<PartitionState> Controller::complete_reassignment(const TopicMetadata& t, int32_t partition,
                                                                 const PartitionState& st) const {
  if (!st.reassigning()) return std::nullopt;
  const auto& current = st.replicas.empty() ? t.replicas[static_cast<size_t>(partition)] : st.replicas;
  std::vector<int32_t> target;
  for (int32_t r : current)
    if (!contains(st.removing_replicas, r)) target.push_back(r);
  for (int32_t r : target)
    if (!contains(st.isr, r)) return std::nullopt;
  PartitionState next = st;
  next.replicas = target;
  next.adding_replicas.clear();
  next.removing_replicas.clear();
  next.isr.clear();
  for (int32_t r : st.isr)
    if (contains(target, r)) next.isr.push_back(r);
  next.partition_epoch = st.partition_epoch + 1;
  if (st.leader < 0 || !contains(target, st.leader)) {
    auto leader = std::find_if(target.begin(), target.end(), [&](int32_t r) { return alive(r); });
    if (leader == target.end()) return std::nullopt;  // no target replica can lead yet
    next.leader = *leader;
    next.leader_broker_epoch = store_.find_broker(*leader)->epoch;
    next.leader_epoch = st.leader_epoch + 1;
  } else if (!st.removing_replicas.empty()) {
    // As Kafka's controller does: the replicas removed are fenced by a new leader epoch.
    next.leader_epoch = st.leader_epoch + 1;
  }
  return next;
}

asio::awaitable<Status> Controller::reassign(std::string topic, int32_t partition,
                                             std::optional<std::vector<int32_t>> target,
                                             bool allow_replication_factor_change) {
  const int32_t self = broker_.config().node_id;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (!active() || shut_down_) co_return Status(ErrorCode::kNotController, "This broker is not the controller");
    const TopicMetadata* t = store_.find_topic(topic);
    if (!t) co_return Status(ErrorCode::kUnknownTopicOrPartition, "Unable to find a topic named " + topic + ".");
    if (partition < 0 || partition >= t->partition_count())
      co_return Status(ErrorCode::kUnknownTopicOrPartition,
                       "Unable to find partition " + topic + ":" + std::to_string(partition) + ".");
    const PartitionState st = *t->state(partition);
    const std::vector<int32_t> current = t->replicas[static_cast<size_t>(partition)];
    if (target && !allow_replication_factor_change) {
      const size_t factor = current.size() - st.removing_replicas.size();
      if (target->size() != factor)
        co_return Status(ErrorCode::kInvalidReplicationFactor, "The replication factor is changed from " +
                                                                   std::to_string(factor) + " to " +
                                                                   std::to_string(target->size()));
    }
    // The replicas before any reassignment in progress.
    std::vector<int32_t> original;
    for (int32_t r : current)
      if (!contains(st.adding_replicas, r)) original.push_back(r);
    PartitionState next = st;
    next.partition_epoch = st.partition_epoch + 1;
    next.adding_replicas.clear();
    next.removing_replicas.clear();
    if (!target) {
      if (!st.reassigning())
        co_return Status(ErrorCode::kNoReassignmentInProgress,
                         std::string(error_message(ErrorCode::kNoReassignmentInProgress)));
      next.replicas = original;
    } else {
      if (!st.reassigning() && *target == current) co_return Status();  // already so
      next.replicas = *target;
      for (int32_t r : original) {
        if (contains(*target, r)) continue;
        next.replicas.push_back(r);
        next.removing_replicas.push_back(r);
      }
      for (int32_t r : *target)
        if (!contains(original, r)) next.adding_replicas.push_back(r);
    }
    // Replicas that leave at once (being added by the reassignment this one replaces or
    // cancels) leave the ISR and the leadership too.
    std::erase_if(next.isr, [&](int32_t r) { return !contains(next.replicas, r); });
    const std::string unclean = (target ? "Unable to change the assignment of " : "Unable to revert partition assignment for ") +
                                topic + ":" + std::to_string(partition) +
                                " because it would require an unclean leader election.";
    if (next.leader >= 0 && !contains(next.replicas, next.leader)) {
      auto leader = std::find_if(next.replicas.begin(), next.replicas.end(),
                                 [&](int32_t r) { return contains(next.isr, r) && alive(r); });
      if (leader == next.replicas.end()) co_return Status(ErrorCode::kInvalidReplicaAssignment, unclean);
      next.leader = *leader;
      next.leader_broker_epoch = store_.find_broker(*leader)->epoch;
      next.leader_epoch = st.leader_epoch + 1;
    }
    if (next.isr.empty()) co_return Status(ErrorCode::kInvalidReplicaAssignment, unclean);
    // Kafka completes a reassignment whose targets are all in sync in the same step.
    if (auto done = complete_reassignment(*t, partition, next)) next = std::move(*done);
    Status s = co_await store_.update_partition(topic, partition, st, next, MetadataStore::Writer::kController);
    if (s.ok()) {
      if (!target) {
        controller_log().info("[Controller id={}] {}-{}: reassignment cancelled, replicas {}", self, topic, partition,
                              isr_string(next.replicas));
      } else if (next.reassigning()) {
        controller_log().info("[Controller id={}] {}-{}: reassignment to {} started: adding {}, removing {}", self,
                              topic, partition, isr_string(*target), isr_string(next.adding_replicas),
                              isr_string(next.removing_replicas));
      } else {
        controller_log().info("[Controller id={}] {}-{}: replicas {} -> {}, leader {}", self, topic, partition,
                              isr_string(current), isr_string(next.replicas), next.leader);
      }
      co_return Status();
    }
    controller_log().debug("[Controller id={}] {}-{}: reassignment write: {}", self, topic, partition, s.to_string());
  }
  co_return Status(ErrorCode::kRequestTimedOut, "The partition's state kept changing during the reassignment");
}

asio::awaitable<Status> Controller::elect_leader(std::string topic, int32_t partition, int8_t type) {
  const int32_t self = broker_.config().node_id;
  // A state written by the controller's own reconciliation or a leader's ISR change between our
  // read and our write fails the compare: read again and decide again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (!active() || shut_down_) co_return Status(ErrorCode::kNotController, "This broker is not the controller");
    const TopicMetadata* t = store_.find_topic(topic);
    if (!t) co_return Status(ErrorCode::kUnknownTopicOrPartition, "No such topic as " + topic);
    if (partition < 0 || partition >= t->partition_count())
      co_return Status(ErrorCode::kUnknownTopicOrPartition,
                       "No such partition as " + topic + "-" + std::to_string(partition));
    const PartitionState st = *t->state(partition);
    const auto& replicas = t->replicas[static_cast<size_t>(partition)];
    const bool preferred = type == 0;
    auto not_needed = [] {
      return Status(ErrorCode::kElectionNotNeeded, std::string(error_message(ErrorCode::kElectionNotNeeded)));
    };
    if (preferred && !replicas.empty() && st.leader == replicas[0]) co_return not_needed();
    if (!preferred && st.leader >= 0) co_return not_needed();
    PartitionState next = st;
    auto elect = [&](int32_t leader, std::vector<int32_t> isr) {
      next.leader = leader;
      next.leader_broker_epoch = store_.find_broker(leader)->epoch;
      next.leader_epoch = st.leader_epoch + 1;
      next.partition_epoch = st.partition_epoch + 1;
      next.isr = std::move(isr);
    };
    bool elected = false;
    if (preferred) {
      if (!replicas.empty() && alive(replicas[0]) && contains(st.isr, replicas[0])) {
        elect(replicas[0], st.isr);
        elected = true;
      }
    } else {
      for (int32_t r : replicas) {
        if (contains(st.isr, r) && alive(r)) {
          std::vector<int32_t> isr;
          for (int32_t i : st.isr)
            if (alive(i)) isr.push_back(i);
          elect(r, std::move(isr));
          elected = true;
          break;
        }
      }
      for (size_t i = 0; !elected && i < replicas.size(); ++i) {
        if (alive(replicas[i])) {
          elect(replicas[i], {replicas[i]});
          elected = true;
        }
      }
    }
    if (!elected) {
      ErrorCode code = preferred ? ErrorCode::kPreferredLeaderNotAvailable : ErrorCode::kEligibleLeadersNotAvailable;
      co_return Status(code, std::string(error_message(code)));
    }
    Status s = co_await store_.update_partition(topic, partition, st, next, MetadataStore::Writer::kController);
    if (s.ok()) {
      controller_log().info("[Controller id={}] {}-{}: {} election: leader {} at epoch {} (was {}), ISR {}", self, topic,
                            partition, preferred ? "preferred" : "unclean", next.leader, next.leader_epoch, st.leader,
                            isr_string(next.isr));
      co_return Status();
    }
    controller_log().debug("[Controller id={}] {}-{}: election write: {}", self, topic, partition, s.to_string());
  }
  co_return Status(ErrorCode::kRequestTimedOut, "The partition's state kept changing during the election");
}

asio::awaitable<void> Controller::reconcile() {
  if (!active() || shut_down_) co_return;
  if (reconciling_) {
    again_ = true;
    co_return;
  }
  reconciling_ = true;
  const int32_t self = broker_.config().node_id;
  do {
    again_ = false;
    const std::set<int32_t> failed = failed_;
    const int64_t now = wall_clock_ms();
    const bool rebalance = broker_.config().auto_leader_rebalance_enable && now >= next_rebalance_ms_;
    struct Change {
      std::string topic;
      int32_t partition;
      PartitionState expected, next;
    };
    std::vector<Change> changes;
    for (const TopicMetadata* t : store_.topics()) {
      for (int32_t p = 0; p < t->partition_count(); ++p) {
        std::optional<PartitionState> n = next_state(*t, p, rebalance);
        if (auto done = complete_reassignment(*t, p, n ? *n : *t->state(p))) n = std::move(done);
        if (n) changes.push_back({t->name, p, *t->state(p), *n});
      }
    }
    bool all_written = true;
    for (auto& c : changes) {
      if (!active() || shut_down_) break;
      Status s = co_await store_.update_partition(c.topic, c.partition, c.expected, c.next,
                                                  MetadataStore::Writer::kController);
      if (!s.ok()) {
        all_written = false;
        controller_log().debug("[Controller id={}] {}-{}: {}", self, c.topic, c.partition, s.to_string());
        continue;
      }
      if (c.expected.reassigning() && !c.next.reassigning())
        controller_log().info("[Controller id={}] {}-{}: reassignment completed: replicas {}", self, c.topic,
                              c.partition, isr_string(c.next.replicas));
      if (c.next.leader != c.expected.leader || c.next.leader_epoch != c.expected.leader_epoch) {
        if (c.next.leader < 0) {
          controller_log().warn("[Controller id={}] {}-{} is offline: no live in-sync replica of {}", self, c.topic,
                                c.partition, isr_string(c.expected.isr));
        } else {
          controller_log().info("[Controller id={}] {}-{}: leader {} at epoch {} (was {}), ISR {}", self, c.topic,
                                c.partition, c.next.leader, c.next.leader_epoch, c.expected.leader,
                                isr_string(c.next.isr));
        }
      } else {
        controller_log().info("[Controller id={}] {}-{}: ISR {} -> {}", self, c.topic, c.partition,
                              isr_string(c.expected.isr), isr_string(c.next.isr));
      }
    }
    if (all_written && active()) {
      for (int32_t id : failed) failed_.erase(id);
      if (rebalance) next_rebalance_ms_ = now + broker_.config().leader_imbalance_check_interval_seconds * 1000;
    } else {
      // Conflicts (an ISR change crossed ours) or a store hiccup: the tick tries again.
    }
  } while (again_ && active() && !shut_down_);
  reconciling_ = false;
}

}  // namespace moldau::broker::cluster
