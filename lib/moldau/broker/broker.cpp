#include "moldau/broker/broker.h"

#include <algorithm>
#include <filesystem>

#include "moldau/broker/metadata/local_metadata_store.h"
#include "moldau/broker/server.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/txn/coordinator.h"
#include "moldau/common/log.h"
#include "moldau/common/uuid.h"
#include "moldau/storage/file_util.h"
#include "moldau/storage/meta_properties.h"
#include "moldau/storage/open_files.h"

namespace moldau::broker {

namespace {
spdlog::logger& broker_log() { return logger("broker"); }
}  // namespace

Broker::Broker(BrokerConfig config)
    : config_(std::move(config)),
      fetch_sessions_(config_.max_incremental_fetch_session_cache_slots) {}

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
  MOLDAU_ASSIGN_OR_RETURN(
      b->metadata_,
      open_local_metadata_store(b->config_.log_dirs.front() + "/__cluster_metadata.json", formatted));
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
  MOLDAU_ASSIGN_OR_RETURN(b->logs_,
                          storage::LogManager::open(b->config_.log_dirs, defaults, config_for));
  b->topics_ = std::make_unique<Topics>(b->config_, *b->metadata_, *b->logs_);
  // Logs whose topic is gone (deleted while down) are removed; missing logs are created.
  for (auto* log : b->logs_->all()) {
    if (!b->metadata_->find_topic(log->topic()) ||
        log->partition() >= b->metadata_->find_topic(log->topic())->partition_count()) {
      std::string topic = log->topic();
      int32_t partition = log->partition();
      broker_log().info("Removing log {}-{} of a topic that no longer exists", topic, partition);
      MOLDAU_RETURN_IF_ERROR(b->logs_->delete_partition(topic, partition));
    }
  }
  MOLDAU_RETURN_IF_ERROR(b->topics_->ensure_logs());
  size_t segments = 0;
  for (auto* log : b->logs_->all()) segments += log->segment_count();
  broker_log().info("Loaded {} partitions ({} segments); {} file descriptors open of a limit of {}, at most {} "
                    "for segment files",
                    b->logs_->all().size(), segments, storage::open_descriptor_count(), fd_limit,
                    storage::OpenFiles::instance().capacity());
  // Groups and committed offsets, replayed from __consumer_offsets.
  b->groups_ = std::make_unique<group::GroupCoordinator>(*b);
  MOLDAU_RETURN_IF_ERROR(b->groups_->load());
  // Transactions, replayed from __transaction_state (prepared ones are completed).
  b->txn_ = std::make_unique<txn::TransactionCoordinator>(*b);
  MOLDAU_RETURN_IF_ERROR(b->txn_->load());
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
    schedule(timer, interval_ms, work);
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
  auto r = logs_->run_compaction(storage::wall_clock_ms());
  if (!r.ok()) broker_log().error("compaction: {}", r.status().to_string());
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
  schedule(flush_timer_, std::min<int64_t>(config_.log_flush_scheduler_interval_ms, 1000),
           &Broker::run_flush);
  schedule(checkpoint_timer_, 60000, &Broker::run_checkpoint);
  groups_->start();
  txn_->start();
  broker_log().info("[KafkaServer id={}] started", config_.node_id);
  io_.run();
  shutdown();
  broker_log().info("[KafkaServer id={}] shut down completed", config_.node_id);
  return 0;
}

void Broker::stop() {
  asio::post(io_, [this] {
    if (stopping_.exchange(true)) return;
    broker_log().info("[KafkaServer id={}] shutting down", config_.node_id);
    server_->stop_accepting();
    purgatory_.cancel_all();
    groups_->shutdown();
    txn_->shutdown();
    retention_timer_.cancel();
    compaction_timer_.cancel();
    flush_timer_.cancel();
    checkpoint_timer_.cancel();
    // Let in-flight requests finish, then close what is left.
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(200));
    timer->async_wait([this, timer](asio::error_code) {
      server_->close_all();
      io_.stop();
    });
  });
}

void Broker::shutdown() {
  if (shut_down_ || !logs_) return;
  shut_down_ = true;
  Status s = logs_->close(true);
  if (!s.ok()) broker_log().error("closing logs: {}", s.to_string());
}

}  // namespace moldau::broker
