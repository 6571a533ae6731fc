#pragma once
// The cluster's metadata in etcd, shared by every broker; each keeps an image of it from a
// watch. Everything lives under a per-cluster prefix (metadata.store=etcd://h:p[,h:p...][/prefix],
// default prefix /moldau), written down in docs/cluster.md:
//
//   <prefix>/cluster_id                 the cluster id, created once
//   <prefix>/brokers/<id>               a live broker's registration, under its lease
//   <prefix>/controller                 {"broker": id}, under the controller's lease
//   <prefix>/topics/<name>              id, replica lists, configs, the partitions' first states
//   <prefix>/partitions/<name>/<p>      a partition's state once it changed (leader, epochs, ISR)
//   <prefix>/producer_ids               the next unallocated producer id
//
// Every write is a transaction with compares: a topic is created only if absent; a partition's
// state changes only at the version the writer read, and only while the writer is still the
// controller (its key's create revision, the controller epoch) or, for a leader's ISR change,
// still registered under the same broker epoch. A write completes once the watch brought it
// into this broker's image.
//
// Event loop only, but for open() (blocking, at start-up).

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "moldau/broker/metadata/metadata_store.h"
#include "moldau/etcd/client.h"
#include "moldau/etcd/watch.h"

namespace moldau::broker {

// metadata.store=etcd://host:port[,host:port...][/prefix]
struct EtcdLocation {
  std::vector<std::string> endpoints;  // http://host:port
  std::string prefix = "/moldau";
};
Result<EtcdLocation> parse_etcd_location(const std::string& value);

class EtcdMetadataStore final : public MetadataStore {
 public:
  // Connects, creates the cluster id when the cluster is new, reads the whole image and starts
  // watching from there. Blocking.
  static Result<std::unique_ptr<EtcdMetadataStore>> open(asio::io_context& io, const EtcdLocation& location,
                                                         std::chrono::milliseconds timeout);
  ~EtcdMetadataStore() override;

  // ---- MetadataStore ----
  const std::string& cluster_id() const override { return cluster_id_; }
  std::vector<const TopicMetadata*> topics() const override;
  const TopicMetadata* find_topic(std::string_view name) const override;
  const TopicMetadata* find_topic(const Uuid& id) const override;
  std::vector<const BrokerRegistration*> brokers() const override;
  const BrokerRegistration* find_broker(int32_t id) const override;
  int32_t controller_id() const override { return controller_id_; }
  bool clustered() const override { return true; }
  asio::awaitable<Status> create_topic(TopicMetadata topic) override;
  asio::awaitable<Status> delete_topic(std::string name) override;
  asio::awaitable<Status> add_partitions(std::string name, std::vector<std::vector<int32_t>> replicas,
                                         std::vector<PartitionState> states) override;
  asio::awaitable<Status> set_topic_configs(std::string name, std::map<std::string, std::string> configs) override;
  asio::awaitable<Status> update_partition(std::string topic, int32_t partition, PartitionState expected,
                                           PartitionState next, Writer writer) override;
  std::map<std::string, std::string> broker_configs(const std::string& entity) const override;
  asio::awaitable<Status> set_broker_configs(std::string entity, std::map<std::string, std::string> configs) override;
  std::map<std::string, std::string> group_configs(const std::string& group) const override;
  std::vector<std::string> configured_groups() const override;
  asio::awaitable<Status> set_group_configs(std::string group, std::map<std::string, std::string> configs) override;
  asio::awaitable<Result<int64_t>> allocate_producer_ids(int32_t count) override;

  // ---- for membership and the controller ----
  etcd::Client& client() { return *client_; }
  const std::string& prefix() const { return prefix_; }
  std::string broker_key(int32_t id) const { return prefix_ + "/brokers/" + std::to_string(id); }
  std::string controller_key() const { return prefix_ + "/controller"; }
  // The raw registration value of a broker, when the image has one (to tell a stale one).
  const etcd::KeyValue* raw(const std::string& key) const;
  // The fences of this broker's writes: its registration's create revision (0: unregistered),
  // and its controller epoch (0: not the controller).
  void set_broker_epoch(int32_t id, int64_t epoch) {
    broker_id_for_fence_ = id;
    broker_epoch_ = epoch;
  }
  int64_t broker_epoch() const { return broker_epoch_; }
  void set_controller_epoch(int64_t epoch) { controller_epoch_ = epoch; }
  int64_t controller_epoch() const { return controller_epoch_; }
  // Returns once the image holds revision `revision` (or after `timeout`: false).
  asio::awaitable<bool> wait_for_revision(int64_t revision, std::chrono::milliseconds timeout);
  int64_t revision() const { return revision_; }

  static std::string encode_registration(const BrokerRegistration& r, const std::string& host, int64_t pid);

 private:
  EtcdMetadataStore(asio::io_context& io, std::unique_ptr<etcd::Client> client, std::string prefix);
  Status load(int64_t* revision);
  void start_watch(int64_t from_revision);
  void apply(const std::vector<etcd::WatchEvent>& events);
  void on_compacted();
  // Rebuilds the image's view of one topic / the brokers / the controller from the raw keys.
  void rebuild_topic(const std::string& name);
  void rebuild_brokers();
  void rebuild_controller();
  // What a key under the prefix is about.
  struct KeyKind {
    enum { kOther, kTopic, kPartition, kBroker, kController, kBrokerConfig } kind = kOther;
    std::string topic;
  };
  KeyKind classify(const std::string& key) const;
  std::string topic_key(const std::string& name) const { return prefix_ + "/topics/" + name; }
  // Dynamic broker configs: configs/brokers/<id>, and configs/brokers/<default> for "".
  std::string group_config_key(const std::string& group) const { return prefix_ + "/configs/groups/" + group; }
  std::string broker_config_key(const std::string& entity) const {
    return prefix_ + "/configs/brokers/" + (entity.empty() ? std::string("<default>") : entity);
  }
  std::string partition_key(const std::string& name, int32_t p) const {
    return prefix_ + "/partitions/" + name + "/" + std::to_string(p);
  }
  // Runs a write txn and waits for its revision to reach the image.
  asio::awaitable<Result<etcd::TxnResponse>> write(etcd::TxnRequest txn);
  // Puts a config map (JSON object) at `key`, or deletes the key when the map is empty.
  asio::awaitable<Status> write_configs(std::string key, std::map<std::string, std::string> configs);

  asio::io_context& io_;
  std::unique_ptr<etcd::Client> client_;
  std::string prefix_;
  std::string cluster_id_;
  etcd::Watch watch_;
  std::map<std::string, etcd::KeyValue> raw_;  // every key under the prefix, as of revision_
  int64_t revision_ = 0;
  std::map<std::string, TopicMetadata> topics_;
  std::map<int32_t, BrokerRegistration> brokers_;
  int32_t controller_id_ = -1;
  int32_t broker_id_for_fence_ = -1;
  int64_t broker_epoch_ = 0;
  int64_t controller_epoch_ = 0;
  std::multimap<int64_t, std::shared_ptr<asio::steady_timer>> revision_waiters_;
};

}  // namespace moldau::broker
