#pragma once
// The controller: one broker of the cluster, elected through etcd (it creates
// `<prefix>/controller` under its lease when the key is absent); its epoch is that key's create
// revision, and every state it writes is compared against it, so a deposed controller's writes
// fail. Every broker runs this; only the elected one acts. Kafka's KafkaController (ZooKeeper
// era) and QuorumController's ReplicationControl are the models.
//
// What it does, whenever the metadata changes and on a timer:
//  - a partition whose leader is gone (unregistered, in controlled shutdown, or restarted
//    since its election) gets a new leader: the first replica in assignment order that is
//    live and in the ISR, with the leader epoch bumped; with none, the partition goes offline
//    (leader -1) unless unclean.leader.election.enable allows the first live replica, ISR
//    reset to it (data loss, as Kafka documents);
//  - brokers that are gone, restarted or shutting down leave every ISR (never the last member);
//  - preferred leaders come back (auto.leader.rebalance.enable, every
//    leader.imbalance.check.interval.seconds, when a broker's imbalance passes
//    leader.imbalance.per.broker.percentage);
//  - a reassignment completes once every target replica is in the ISR: the replica list
//    becomes the target, the ISR loses the replicas removed, and a leader outside the target
//    hands over to the first target replica in the ISR.
// New topics get their assignment and first states from the broker that created them (the
// same rules, Topics::assign_replicas), committed only if the name was free.
//
// Event loop only.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "moldau/broker/metadata/metadata_store.h"

namespace moldau::broker {
class Broker;
class EtcdMetadataStore;
}

namespace moldau::broker::cluster {

class Membership;

class Controller : public MetadataListener {
 public:
  Controller(Broker& broker, EtcdMetadataStore& store, Membership& membership);
  ~Controller() override;

  // Campaigns now and whenever the controller key vanishes.
  void start();
  void shutdown();
  // The broker lost its registration (and so the controller key with its lease).
  void resign();
  // Something may need doing (a registration came back, the metadata changed).
  void wake();

  bool active() const { return epoch_ > 0; }
  int64_t epoch() const { return epoch_; }

  void on_metadata_change(const MetadataDelta& delta) override;

  // ElectLeaders for one partition, as Kafka's controller elects (ReplicationControlManager):
  // preferred (type 0) makes the first replica of the assignment leader when it is live and in
  // the ISR (ELECTION_NOT_NEEDED when it leads already, PREFERRED_LEADER_NOT_AVAILABLE when it
  // cannot); unclean (type 1) elects only a partition without a leader: the first live ISR
  // member, else the first live replica with the ISR reset to it (ELECTION_NOT_NEEDED when it
  // has a leader, ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live). UNKNOWN_TOPIC_OR_PARTITION
  // for what does not exist. An ok Status once the new state is in this broker's image.
  // Active controller only (NOT_CONTROLLER otherwise).
  asio::awaitable<Status> elect_leader(std::string topic, int32_t partition, int8_t type);

  // AlterPartitionReassignments for one partition, as Kafka's controller reassigns
  // (ReplicationControlManager): `target` (already validated: non-empty, distinct, registered
  // brokers) becomes the replica list once its new replicas caught up; until then the list is
  // the target followed by the original replicas leaving it. A new target replaces one in
  // progress (measured against the original replicas). nullopt cancels: the original replicas
  // come back (NO_REASSIGNMENT_IN_PROGRESS when none is; INVALID_REPLICA_ASSIGNMENT when no
  // original replica is in the ISR, which would need an unclean election).
  // Active controller only (NOT_CONTROLLER otherwise).
  // Without `allow_replication_factor_change` (KIP-860), a target of another size than the
  // replica list (the target of a move in progress) is INVALID_REPLICATION_FACTOR.
  asio::awaitable<Status> reassign(std::string topic, int32_t partition, std::optional<std::vector<int32_t>> target,
                                   bool allow_replication_factor_change = true);

 private:
  asio::awaitable<void> campaign();
  asio::awaitable<void> reconcile();
  // The state a partition should move to now, or nullopt.
  std::optional<PartitionState> next_state(const TopicMetadata& t, int32_t partition, bool rebalance) const;
  // `st` with its reassignment completed, when every target replica is in its ISR and one of
  // them can lead; nullopt otherwise.
  std::optional<PartitionState> complete_reassignment(const TopicMetadata& t, int32_t partition,
                                                      const PartitionState& st) const;
  bool alive(int32_t broker) const;
  bool rebalance_due(int32_t broker) const;
  void schedule_tick();

  Broker& broker_;
  EtcdMetadataStore& store_;
  Membership& membership_;
  int64_t epoch_ = 0;
  bool campaigning_ = false;
  bool reconciling_ = false;
  bool again_ = false;
  bool shut_down_ = false;
  // The broker epochs this controller saw: a broker whose epoch changed (it restarted) or that
  // vanished is treated as having failed, even when both happened between two looks.
  std::map<int32_t, int64_t> seen_epochs_;
  std::set<int32_t> failed_;  // brokers to take out of ISRs and leaderships
  int64_t next_rebalance_ms_ = 0;
  asio::steady_timer tick_;
};

}  // namespace moldau::broker::cluster
