#pragma once
// One broker process: configuration, metadata, logs and the replicas on them, the coordinators,
// the network server, cluster membership (with an etcd store) and the periodic work
// (retention, compaction, flushes, checkpoints). Everything runs on one event loop thread but
// compaction, which has a thread of its own (run_compaction); handlers reach the parts through
// this object.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "moldau/broker/config.h"
#include "moldau/broker/fetch_session.h"
#include "moldau/broker/metadata/metadata_store.h"
#include "moldau/broker/purgatory.h"
#include "moldau/broker/topics.h"
#include "moldau/storage/log_manager.h"

namespace moldau::broker {

class Server;
namespace group {
class GroupCoordinator;
}
namespace txn {
class TransactionCoordinator;
}
namespace replica {
class ReplicaManager;
}
namespace cluster {
class Controller;
class Membership;
}
class EtcdMetadataStore;

class Broker {
 public:
  // Opens the metadata store and the logs (recovering them after an unclean stop).
  static Result<std::unique_ptr<Broker>> open(BrokerConfig config);
  ~Broker();

  // Binds every listener. Port 0 binds an ephemeral port (see bound_ports).
  Status listen();
  // Runs the event loop until stop(); then shuts down cleanly. Returns the exit code.
  int run();
  // Graceful stop: stop accepting, finish in-flight requests, flush, write checkpoints and
  // the clean-shutdown marker. Safe from any thread (and from a signal handler via a flag).
  void stop();

  asio::io_context& io() { return io_; }
  const BrokerConfig& config() const { return config_; }
  MetadataStore& metadata() { return *metadata_; }
  storage::LogManager& logs() { return *logs_; }
  Topics& topics() { return *topics_; }
  Purgatory& purgatory() { return purgatory_; }
  FetchSessionCache& fetch_sessions() { return fetch_sessions_; }
  group::GroupCoordinator& groups() { return *groups_; }
  txn::TransactionCoordinator& txn() { return *txn_; }
  replica::ReplicaManager& replicas() { return *replicas_; }
  // Cluster mode only (metadata.store=etcd://...): null on a single node.
  cluster::Controller* controller() { return controller_.get(); }
  // This broker as the metadata lists it: id, rack, advertised endpoints.
  BrokerRegistration self_registration() const;
  const std::vector<uint16_t>& bound_ports() const { return bound_ports_; }
  bool stopping() const { return stopping_; }
  // Cluster mode, and this broker holds no registration in etcd (its lease lapsed, whether or
  // not it has noticed yet, and it has not registered again): its image of the cluster may be
  // stale, and it must not act as any partition's leader.
  bool fenced() const;
  // The controller id Metadata and DescribeCluster give clients: this broker, which forwards
  // admin requests to whichever broker etcd elected, as a KRaft broker names a live broker
  // rather than the controller. An admin client (librdkafka sends DescribeConfigs and
  // CreateTopics to "the controller") then never waits for one that died.
  int32_t controller_for_clients();
  // Takes the dynamic broker configs from the metadata store (this broker's and the
  // cluster-wide default) and applies them: to the config, and to every log's settings.
  void reload_dynamic_configs();

 private:
  explicit Broker(BrokerConfig config);
  asio::awaitable<void> stop_gracefully();
  void schedule(asio::steady_timer& timer, int64_t interval_ms, void (Broker::*work)());
  void run_retention();
  void run_compaction();
  void run_flush();
  void run_checkpoint();
  void shutdown();

  BrokerConfig config_;
  asio::io_context io_{1};
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<Topics> topics_;
  Purgatory purgatory_{io_};
  FetchSessionCache fetch_sessions_;
  std::unique_ptr<group::GroupCoordinator> groups_;
  std::unique_ptr<txn::TransactionCoordinator> txn_;
  std::unique_ptr<replica::ReplicaManager> replicas_;
  EtcdMetadataStore* etcd_ = nullptr;  // metadata_, when it is the etcd store
  std::unique_ptr<cluster::Membership> membership_;
  std::unique_ptr<cluster::Controller> controller_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<MetadataListener> dynamic_config_listener_;  // calls reload_dynamic_configs
  bool timers_started_ = false;  // run() armed the retention, compaction, flush timers
  std::vector<uint16_t> bound_ports_;
  asio::steady_timer retention_timer_{io_};
  asio::steady_timer compaction_timer_{io_};
  asio::steady_timer flush_timer_{io_};
  asio::steady_timer checkpoint_timer_{io_};
  std::thread cleaner_;  // the compaction pass under way, or the last one
  std::atomic<bool> cleaner_running_{false};
  std::atomic<bool> stopping_{false};
  bool stop_requested_ = false;
  bool shut_down_ = false;
};

}  // namespace moldau::broker
