#pragma once
// Cluster metadata: the live brokers, the controller, topics (ids, replica assignments, config
// overrides) and the state of every partition (leader, leader epoch, ISR, partition epoch),
// the cluster id and producer id blocks. Two stores: one JSON file for a single node, and etcd
// for a cluster (etcd_metadata_store.h), where several brokers share one image.
//
// Reads see this broker's image, which for etcd trails the store by the watch delay. Writes
// are coroutines that complete once this broker's image holds the change (or with an error),
// so a handler that writes and then reads sees its write. A listener hears of every change to
// the image, on the event loop, after the image changed.
//
// Event loop only: every member is called on the broker's event loop.

#include <asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/common/uuid.h"

namespace moldau::broker {

// The state of one partition, as the controller and the partition's leader write it.
struct PartitionState {
  int32_t leader = -1;  // -1: offline
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t partition_epoch = 0;  // bumped on every change
  // The registration (broker epoch) of the leader when it was elected: a leader that restarted
  // since is another incarnation, which must not lead on the old election.
  int64_t leader_broker_epoch = 0;
  // The partition's replica list once a reassignment changed it; it then overrides the topic's
  // (TopicMetadata::replicas shows it). Empty: the topic's list holds.
  std::vector<int32_t> replicas;
  // A reassignment in progress (AlterPartitionReassignments), as in Kafka's PartitionRecord:
  // the replicas being added and those being removed. The replica list is then the target
  // followed by the replicas being removed. Both empty when none is in progress.
  std::vector<int32_t> adding_replicas;
  std::vector<int32_t> removing_replicas;
  // The store's version of this state (etcd: the key's mod revision), for compare-and-set.
  int64_t version = 0;

  bool in_isr(int32_t broker) const;
  bool reassigning() const { return !adding_replicas.empty() || !removing_replicas.empty(); }
  friend bool operator==(const PartitionState& a, const PartitionState& b) {
    return a.leader == b.leader && a.leader_epoch == b.leader_epoch && a.isr == b.isr &&
           a.partition_epoch == b.partition_epoch && a.leader_broker_epoch == b.leader_broker_epoch &&
           a.replicas == b.replicas && a.adding_replicas == b.adding_replicas &&
           a.removing_replicas == b.removing_replicas;
  }
};

struct TopicMetadata {
  std::string name;
  Uuid id;
  // replicas[p] lists the broker ids holding partition p; the first is the preferred leader.
  std::vector<std::vector<int32_t>> replicas;
  std::vector<PartitionState> partitions;  // one per partition, same order as replicas
  std::map<std::string, std::string> configs;  // topic-level overrides
  bool internal = false;
  // The store's version of the topic itself (etcd: its key's create revision), so that a write
  // meant for one incarnation of a topic never lands on a topic re-created under its name.
  int64_t version = 0;

  int32_t partition_count() const { return static_cast<int32_t>(replicas.size()); }
  int16_t replication_factor() const {
    return replicas.empty() ? 0 : static_cast<int16_t>(replicas[0].size());
  }
  const PartitionState* state(int32_t partition) const {
    return partition >= 0 && partition < static_cast<int32_t>(partitions.size())
               ? &partitions[static_cast<size_t>(partition)]
               : nullptr;
  }
};

struct BrokerEndpoint {
  std::string listener;  // PLAINTEXT
  std::string host;
  int32_t port = 0;
};

// A live broker, as it registered itself.
struct BrokerRegistration {
  int32_t id = -1;
  std::vector<BrokerEndpoint> endpoints;
  std::optional<std::string> rack;
  int64_t epoch = 0;            // the registration's store version (etcd: create revision)
  bool shutting_down = false;   // in controlled shutdown: its leaderships are being moved

  // The endpoint of `listener`, else the first one; nullptr when it has none.
  const BrokerEndpoint* endpoint(const std::string& listener) const;
};

// What changed in one update of the image.
struct MetadataDelta {
  std::set<std::string> topics;  // created, deleted, or with changed partitions/states/configs
  bool brokers = false;          // a broker registered, left or changed its registration
  bool controller = false;
  bool broker_configs = false;   // a broker's or the cluster-wide dynamic broker configs changed
};

class MetadataListener {
 public:
  virtual ~MetadataListener() = default;
  virtual void on_metadata_change(const MetadataDelta& delta) = 0;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // ---- the image ----
  virtual const std::string& cluster_id() const = 0;
  virtual std::vector<const TopicMetadata*> topics() const = 0;
  virtual const TopicMetadata* find_topic(std::string_view name) const = 0;
  virtual const TopicMetadata* find_topic(const Uuid& id) const = 0;
  // Live brokers by id.
  virtual std::vector<const BrokerRegistration*> brokers() const = 0;
  virtual const BrokerRegistration* find_broker(int32_t id) const = 0;
  // -1 while no broker is controller.
  virtual int32_t controller_id() const = 0;
  // Whether this is a cluster store (etcd): single-node behaviour otherwise.
  virtual bool clustered() const = 0;

  // ---- writes ----
  // Creates a topic with its partitions' initial states. TOPIC_ALREADY_EXISTS when taken.
  virtual asio::awaitable<Status> create_topic(TopicMetadata topic) = 0;
  virtual asio::awaitable<Status> delete_topic(std::string name) = 0;
  // Appends partitions with their replica lists and initial states.
  virtual asio::awaitable<Status> add_partitions(std::string name, std::vector<std::vector<int32_t>> replicas,
                                                 std::vector<PartitionState> states) = 0;
  virtual asio::awaitable<Status> set_topic_configs(std::string name,
                                                    std::map<std::string, std::string> configs) = 0;
  // Who writes a partition's state: its leader (ISR changes), fenced by the leader's broker
  // registration; or the controller (leader elections), fenced by the controller's epoch.
  enum class Writer { kLeader, kController };
  // Replaces one partition's state if it is still at `expected.version` and the writer is still
  // entitled to write it; INVALID_UPDATE_VERSION when the state (or the writer) moved on.
  virtual asio::awaitable<Status> update_partition(std::string topic, int32_t partition,
                                                   PartitionState expected, PartitionState next,
                                                   Writer writer) = 0;
  // Dynamic broker configs (kafka-configs --entity-type brokers): `entity` is a broker id
  // ("1") or "" for the cluster-wide default. Setting an empty map removes them.
  virtual std::map<std::string, std::string> broker_configs(const std::string& entity) const = 0;
  virtual asio::awaitable<Status> set_broker_configs(std::string entity,
                                                     std::map<std::string, std::string> configs) = 0;
  // Dynamic group configs (kafka-configs --entity-type groups), by group id; the groups that
  // have any. Setting an empty map removes them.
  virtual std::map<std::string, std::string> group_configs(const std::string& group) const = 0;
  virtual std::vector<std::string> configured_groups() const = 0;
  virtual asio::awaitable<Status> set_group_configs(std::string group, std::map<std::string, std::string> configs) = 0;
  // Reserves `count` producer ids that no earlier call returned, even across restarts and
  // brokers; returns the first.
  virtual asio::awaitable<Result<int64_t>> allocate_producer_ids(int32_t count) = 0;

  // Listeners are told in the order they were added.
  void add_listener(MetadataListener* listener) { listeners_.push_back(listener); }

 protected:
  void notify(const MetadataDelta& delta) {
    for (auto* l : listeners_) l->on_metadata_change(delta);
  }

 private:
  std::vector<MetadataListener*> listeners_;
};

}  // namespace moldau::broker
