#include "moldau/broker/broker.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <algorithm>
#include <filesystem>

#include "moldau/broker/cluster/controller.h"
#include "moldau/broker/cluster/membership.h"
#include "moldau/broker/metadata/etcd_metadata_store.h"
#include "moldau/broker/metadata/local_metadata_store.h"
#include "moldau/broker/server.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/common/log.h"
#include "moldau/common/uuid.h"
#include "moldau/storage/file_util.h"
#include "moldau/storage/meta_properties.h"
#include "moldau/storage/open_files.h"

namespace moldau::broker {

namespace {
spdlog::logger& broker_log() { return logger("broker"); }

// Applies dynamic broker configs when the metadata store says they changed.
class DynamicConfigListener final : public MetadataListener {
 public:
  explicit DynamicConfigListener(Broker& broker) : broker_(broker) {}
  void on_metadata_change(const MetadataDelta& delta) override {
    if (delta.broker_configs) broker_.reload_dynamic_configs();
  }

 private:
  Broker& broker_;
};
}  // namespace

void Broker::reload_dynamic_configs() {
  const int64_t cleaner_backoff_ms = config_.log_cleaner_backoff_ms;
  config_.set_dynamic(metadata_->broker_configs(std::to_string(config_.node_id)), metadata_->broker_configs(""));
  // A new log.cleaner.backoff.ms replaces the pause under way (re-arming cancels the wait).
  if (timers_started_ && config_.log_cleaner_backoff_ms != cleaner_backoff_ms)
    schedule(compaction_timer_, config_.log_cleaner_backoff_ms, &Broker::run_compaction);
  timers_started_ = true;
  if (logs_) logs_->set_move_throttle(config_.replica_alter_log_dirs_io_max_bytes_per_second);
  if (!logs_ || !topics_) return;
  for (auto* log : logs_->all()) log->set_config(topics_->log_config(log->topic()));
}

Broker::Broker(BrokerConfig config)
    : config_(std::move(config)),
      fetch_sessions_(config_.max_incremental_fetch_session_cache_slots) {}

bool Broker::fenced() const {
  // The lease's TTL may have run out before on_lease_lost has run: a broker resumed after a
  // pause (SIGSTOP, a VM freeze) answers the requests it finds waiting before its keeper
  // notices. It is fenced from the moment the lease lapsed.
  return etcd_ != nullptr && (etcd_->broker_epoch() == 0 || (membership_ && membership_->lease_lapsed()));
}

int32_t Broker::controller_for_clients() { return config_.node_id; }

BrokerRegistration Broker::self_registration() const {
  BrokerRegistration r;
  r.id = config_.node_id;
  r.rack = config_.broker_rack;
  for (const auto& l : config_.advertised_listeners)
    r.endpoints.push_back({l.name, l.host.empty() ? "localhost" : l.host, l.port});
  return r;
}

Broker::~Broker() { shutdown(); }

Result<std::unique_ptr<Broker>> Broker::open(BrokerConfig config) {
  std::unique_ptr<Broker> b(new Broker(std::move(config)));
  // Segment files are opened on use through a bounded cache: half the descriptors for them, the
  // rest for connections, index and checkpoint writes.
  const size_t fd_limit = storage::raise_open_file_limit();
  storage::OpenFiles::instance().set_capacity(std::clamp<size_t>(fd_limit / 2, 16, 16384));
  for (const auto& dir : b->config_.log_dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return Status(ErrorCode::kKafkaStorageError,
                    "cannot create log dir " + dir + ": " + ec.message());
  }
  // The cluster the log dirs were formatted for (kafka-storage format), if any; a dir of another
  // cluster or node stops start-up, as in Kafka.
  MOLDAU_ASSIGN_OR_RETURN(std::optional<std::string> formatted,
                          storage::check_meta_properties(b->config_.log_dirs, b->config_.node_id));
  if (b->config_.metadata_store == "local") {
    MOLDAU_ASSIGN_OR_RETURN(b->metadata_,
                            open_local_metadata_store(b->config_.log_dirs.front() + "/__cluster_metadata.json",
                                                      b->self_registration(), formatted,
                                                      {{"min.insync.replicas", std::to_string(b->config_.min_insync_replicas)}}));
  } else {
    MOLDAU_ASSIGN_OR_RETURN(EtcdLocation where, parse_etcd_location(b->config_.metadata_store));
    MOLDAU_ASSIGN_OR_RETURN(auto store, EtcdMetadataStore::open(b->io_, where, std::chrono::seconds(5)));
    b->etcd_ = store.get();
    b->metadata_ = std::move(store);
    broker_log().info("Cluster metadata in etcd at {} (prefix {}), cluster id {}", b->config_.metadata_store,
                      where.prefix, b->metadata_->cluster_id());
    // Dirs formatted for another cluster must not join this one with their data.
    if (formatted && *formatted != b->metadata_->cluster_id())
      return Status(ErrorCode::kInvalidConfig, "Invalid cluster.id in the log dirs' meta.properties. Expected " +
                                                   b->metadata_->cluster_id() + ", but read " + *formatted);
  }
  // Dirs not formatted yet are formatted now (Kafka 4 would refuse to start: Moldau needs no
  // separate format step), so that every dir names its cluster from here on.
  for (const auto& dir : b->config_.log_dirs) {
    MOLDAU_ASSIGN_OR_RETURN(auto meta, storage::read_meta_properties(dir));
    if (meta) continue;
    storage::MetaProperties m;
    m.cluster_id = b->metadata_->cluster_id();
    m.node_id = b->config_.node_id;
    m.directory_id = Uuid::random().to_string();
    MOLDAU_RETURN_IF_ERROR(storage::write_meta_properties(dir, m));
  }
  b->reload_dynamic_configs();
  MOLDAU_ASSIGN_OR_RETURN(storage::LogConfig defaults,
                          storage::LogConfig::build(b->config_.log_defaults(), {}));
  // Topics needs the LogManager and LogManager's config callback needs the metadata: build
  // the configs straight from the metadata here.
  Broker* self = b.get();
  auto config_for = [self, defaults](const std::string& topic) {
    const TopicMetadata* t = self->metadata_->find_topic(topic);
    if (!t) return defaults;
    auto c = storage::LogConfig::build(self->config_.log_defaults(), t->configs);
    return c.ok() ? *c : defaults;
  };
  MOLDAU_ASSIGN_OR_RETURN(b->logs_, storage::LogManager::open(b->config_.log_dirs, defaults, config_for,
                                                              b->metadata_->clustered()));
  b->logs_->set_move_throttle(b->config_.replica_alter_log_dirs_io_max_bytes_per_second);
  b->topics_ = std::make_unique<Topics>(b->config_, *b->metadata_, *b->logs_);
  b->replicas_ = std::make_unique<replica::ReplicaManager>(*b);
  // The coordinators load a partition of their internal topic when this broker becomes its
  // leader (on a single node: every partition, at start-up).
  b->groups_ = std::make_unique<group::GroupCoordinator>(*b);
  b->txn_ = std::make_unique<txn::TransactionCoordinator>(*b);
  b->replicas_->add_leadership_listener(b->groups_.get());
  b->replicas_->add_leadership_listener(b->txn_.get());
  b->metadata_->add_listener(b->replicas_.get());
  b->dynamic_config_listener_ = std::make_unique<DynamicConfigListener>(*b);
  b->metadata_->add_listener(b->dynamic_config_listener_.get());
  if (b->etcd_) {
    // Registered once the logs are recovered: from now on the controller may elect this broker.
    b->membership_ = std::make_unique<cluster::Membership>(*b, *b->etcd_);
    MOLDAU_RETURN_IF_ERROR(b->membership_->register_at_start());
    b->controller_ = std::make_unique<cluster::Controller>(*b, *b->etcd_, *b->membership_);
    b->metadata_->add_listener(b->controller_.get());
  }
  MOLDAU_RETURN_IF_ERROR(b->replicas_->start());
  size_t segments = 0;
  for (auto* log : b->logs_->all()) segments += log->segment_count();
  broker_log().info("Loaded {} partitions ({} segments); {} file descriptors open of a limit of {}, at most {} "
                    "for segment files",
                    b->logs_->all().size(), segments, storage::open_descriptor_count(), fd_limit,
                    storage::OpenFiles::instance().capacity());
  b->server_ = std::make_unique<Server>(*b);
  return b;
}

Status Broker::listen() {
  MOLDAU_ASSIGN_OR_RETURN(bound_ports_, server_->listen());
  return Status();
}

void Broker::schedule(asio::steady_timer& timer, int64_t interval_ms, void (Broker::*work)()) {
  if (interval_ms <= 0 || interval_ms > 365LL * 24 * 3600 * 1000) return;
  timer.expires_after(std::chrono::milliseconds(interval_ms));
  timer.async_wait([this, &timer, interval_ms, work](asio::error_code ec) {
    if (ec || stopping_) return;
    (this->*work)();
    // log.cleaner.backoff.ms is a dynamic broker config: the next pass waits its current value.
    schedule(timer, &timer == &compaction_timer_ ? config_.log_cleaner_backoff_ms : interval_ms, work);
  });
}

void Broker::run_retention() {
  auto r = logs_->run_retention(storage::wall_clock_ms());
  if (!r.ok()) broker_log().error("retention: {}", r.status().to_string());
  server_->close_idle(storage::wall_clock_ms());
  for (auto* log : logs_->all())
    log->expire_producers(storage::wall_clock_ms(), config_.producer_id_expiration_ms);
}

void Broker::run_compaction() {
  // On a thread of its own: a pass reads and rewrites whole segments, which would stall every
  // connection, the replica fetchers and the etcd lease keep-alive if it ran on the event loop.
  // A pass still running when the timer comes back is not doubled.
  if (cleaner_running_.load()) return;
  if (cleaner_.joinable()) cleaner_.join();
  cleaner_running_.store(true);
  // log.cleaner.threads is read on every pass, so a dynamic change applies from the next one.
  const int32_t threads = config_.log_cleaner_threads;
  cleaner_ = std::thread([this, threads] {
    const int64_t start = storage::wall_clock_ms();
    auto r = logs_->run_compaction(start, threads);
    if (!r.ok()) {
      broker_log().error("compaction: {}", r.status().to_string());
    } else if (r->segments_cleaned > 0) {
      broker_log().info("Log cleaner: cleaned {} segments ({} bytes to {}, {} records removed) in {} ms on {} "
                        "cleaner threads",
                        r->segments_cleaned, r->bytes_before, r->bytes_after, r->records_removed,
                        storage::wall_clock_ms() - start, r->threads);
    }
    cleaner_running_.store(false);
  });
}

void Broker::run_flush() {
  Status s = logs_->run_flush(storage::wall_clock_ms());
  if (!s.ok()) broker_log().error("flush: {}", s.to_string());
}

void Broker::run_checkpoint() {
  Status s = logs_->checkpoint_all();
  if (!s.ok()) broker_log().error("checkpoint: {}", s.to_string());
}

int Broker::run() {
  auto guard = asio::make_work_guard(io_);
  schedule(retention_timer_, std::min<int64_t>(config_.log_retention_check_interval_ms, 10000),
           &Broker::run_retention);
  schedule(compaction_timer_, config_.log_cleaner_backoff_ms, &Broker::run_compaction);
  timers_started_ = true;
  schedule(flush_timer_, std::min<int64_t>(config_.log_flush_scheduler_interval_ms, 1000),
           &Broker::run_flush);
  schedule(checkpoint_timer_, 60000, &Broker::run_checkpoint);
  groups_->start();
  txn_->start();
  if (membership_) membership_->start();
  if (controller_) controller_->start();
  broker_log().info("[KafkaServer id={}] started", config_.node_id);
  io_.run();
  shutdown();
  broker_log().info("[KafkaServer id={}] shut down completed", config_.node_id);
  return 0;
}

void Broker::stop() {
  asio::post(io_, [this] {
    if (stop_requested_) return;
    stop_requested_ = true;
    asio::co_spawn(io_, stop_gracefully(), asio::detached);
  });
}

asio::awaitable<void> Broker::stop_gracefully() {
  if (membership_ && config_.controlled_shutdown_enable) {
    // Hand every leadership that can move to another in-sync replica first, so that clients
    // see only retriable errors while this broker goes.
    co_await membership_->controlled_shutdown(std::chrono::milliseconds(config_.controlled_shutdown_timeout_ms));
  }
  stopping_ = true;
  broker_log().info("[KafkaServer id={}] shutting down", config_.node_id);
  server_->stop_accepting();
  purgatory_.cancel_all();
  if (controller_) controller_->shutdown();
  replicas_->shutdown();
  groups_->shutdown();
  txn_->shutdown();
  retention_timer_.cancel();
  compaction_timer_.cancel();
  flush_timer_.cancel();
  checkpoint_timer_.cancel();
  // Let in-flight requests finish, then close what is left.
  asio::steady_timer timer(io_, std::chrono::milliseconds(200));
  asio::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  server_->close_all();
  io_.stop();
}

void Broker::shutdown() {
  if (shut_down_ || !logs_) return;
  shut_down_ = true;
  // Closing cancels the compaction under way and waits for it; the pass then ends at once.
  Status s = logs_->close(true);
  if (!s.ok()) broker_log().error("closing logs: {}", s.to_string());
  if (cleaner_.joinable()) cleaner_.join();
  // Deregistered last: the cluster sees this broker gone at once instead of after a session.
  if (membership_) membership_->leave();
}

}  // namespace moldau::broker
