#include "moldau/broker/cluster/membership.h"

#include <signal.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "moldau/broker/broker.h"
#include "moldau/broker/cluster/controller.h"
#include "moldau/broker/metadata/etcd_metadata_store.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/log.h"

namespace moldau::broker::cluster {

namespace {

spdlog::logger& membership_log() { return logger("membership"); }

std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Whether `pid` runs a broker now (not some other program that reused the pid).
bool broker_process_alive(int64_t pid) {
  if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)) return false;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name.empty() || name.rfind("kafka-server-st", 0) == 0;
}

}  // namespace

Membership::Membership(Broker& broker, EtcdMetadataStore& store)
    : broker_(broker), store_(store), retry_(broker.io()) {}

Membership::~Membership() {
  keeper_.stop();
  registrar_.join();
}

Status Membership::register_at_start() {
  Registered r = try_register(true);
  if (r.status.ok()) registered(r);
  return r.status;
}

void Membership::registered(const Registered& r) {
  lease_id_ = r.lease;
  epoch_ = r.epoch;
  store_.set_broker_epoch(broker_.config().node_id, epoch_);
  membership_log().info("Registered broker {} at epoch {} (lease {})", broker_.config().node_id, epoch_, lease_id_);
}

Membership::Registered Membership::try_register(bool at_start) const {
  const BrokerConfig& config = broker_.config();
  const int64_t ttl = std::max<int64_t>(1, (config.broker_session_timeout_ms + 999) / 1000);
  const std::string key = store_.broker_key(config.node_id);
  const std::string me = host_name();
  const auto give_up = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(config.broker_session_timeout_ms + 2000);
  BrokerRegistration self = broker_.self_registration();
  self.shutting_down = false;
  for (;;) {
    auto lease = store_.client().lease_grant({ttl, 0});
    if (!lease.ok())
      return {Status(lease.status().code(), "registering broker " + std::to_string(config.node_id) + ": " +
                                                lease.status().message())};
    etcd::TxnRequest txn;
    txn.compare.push_back(etcd::Compare::create(key, etcd::CompareResult::kEqual, 0));
    etcd::PutRequest put;
    put.key = key;
    put.value = EtcdMetadataStore::encode_registration(self, me, ::getpid());
    put.lease = lease->id;
    txn.success.push_back(put);
    etcd::RangeRequest existing;
    existing.key = key;
    txn.failure.push_back(existing);
    auto r = store_.client().txn(txn);
    if (!r.ok()) {
      (void)store_.client().lease_revoke({lease->id});
      return {Status(r.status().code(), "registering broker " + std::to_string(config.node_id) + ": " +
                                            r.status().message())};
    }
    if (r->succeeded) return {Status(), lease->id, r->header.revision};
    (void)store_.client().lease_revoke({lease->id});
    const auto* range = std::get_if<etcd::RangeResponse>(&r->responses.at(0));
    if (!range || range->kvs.empty()) continue;  // gone meanwhile: try again
    const etcd::KeyValue& kv = range->kvs.front();
    auto j = nlohmann::json::parse(kv.value, nullptr, false);
    std::string host = j.is_object() ? j.value("host", "") : "";
    int64_t pid = j.is_object() ? j.value("pid", int64_t{0}) : 0;
    if (host == me && (pid == ::getpid() || !broker_process_alive(pid))) {
      // Left by a process of this host that is gone (or by this one, before its lease was
      // lost): take it over now rather than wait for its lease to lapse.
      membership_log().info("Broker {}'s registration from pid {} (epoch {}) is stale: removing it", config.node_id,
                            pid, kv.create_revision);
      (void)store_.client().lease_revoke({kv.lease});
      continue;
    }
    if (!at_start || std::chrono::steady_clock::now() >= give_up) {
      return {Status(ErrorCode::kInconsistentClusterId,
                     "node.id " + std::to_string(config.node_id) + " is already registered by a live broker (host " +
                         host + ", pid " + std::to_string(pid) + "); each broker of a cluster needs its own node.id")};
    }
    // Perhaps a broker of another host that just died: its lease lapses within a session.
    ::usleep(500 * 1000);
  }
}

void Membership::start() { keep_alive(); }

void Membership::keep_alive() {
  const int64_t ttl = std::max<int64_t>(1, (broker_.config().broker_session_timeout_ms + 999) / 1000);
  keeper_ = etcd::LeaseKeeper(store_.client(), lease_id_, std::chrono::seconds(ttl), broker_.io().get_executor(),
                              [this](const Status& why) { on_lease_lost(why); });
}

void Membership::on_lease_lost(const Status& why) {
  if (left_ || broker_.stopping()) return;
  membership_log().error("Broker {} lost its registration ({}): it leads nothing until it registers again",
                         broker_.config().node_id, why.to_string());
  store_.set_broker_epoch(broker_.config().node_id, 0);
  broker_.replicas().resign_all();
  if (broker_.controller()) broker_.controller()->resign();
  asio::co_spawn(broker_.io(), reregister(), asio::detached);
}

asio::awaitable<void> Membership::reregister() {
  while (!left_ && !broker_.stopping()) {
    // Registering is a few blocking etcd calls, each bounded by the client's timeout: they run
    // on a thread of their own so that requests keep being answered meanwhile.
    Registered r = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Registered)>(
        [this](auto handler) {
          auto back = broker_.io().get_executor();
          asio::post(registrar_, [this, back, handler = std::move(handler)]() mutable {
            Registered result = try_register(false);
            asio::post(back, [handler = std::move(handler), result = std::move(result)]() mutable {
              std::move(handler)(std::move(result));
            });
          });
        },
        asio::use_awaitable);
    if (left_ || broker_.stopping()) co_return;
    if (r.status.ok()) {
      registered(r);
      keep_alive();
      if (broker_.controller()) broker_.controller()->wake();
      co_return;
    }
    membership_log().warn("Registering broker {} again failed: {}; retrying", broker_.config().node_id,
                          r.status.to_string());
    retry_.expires_after(std::chrono::seconds(1));
    asio::error_code ec;
    co_await retry_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> Membership::controlled_shutdown(std::chrono::milliseconds timeout) {
  shutting_down_ = true;
  const BrokerConfig& config = broker_.config();
  BrokerRegistration self = broker_.self_registration();
  self.shutting_down = true;
  etcd::TxnRequest txn;
  const std::string key = store_.broker_key(config.node_id);
  txn.compare.push_back(etcd::Compare::create(key, etcd::CompareResult::kEqual, epoch_));
  etcd::PutRequest put;
  put.key = key;
  put.value = EtcdMetadataStore::encode_registration(self, host_name(), ::getpid());
  put.lease = lease_id_;
  txn.success.push_back(put);
  auto r = co_await store_.client().txn(txn, asio::use_awaitable);
  if (!r.ok() || !r->succeeded) {
    membership_log().warn("Controlled shutdown of broker {}: could not mark the registration ({})", config.node_id,
                          r.ok() ? "it changed" : r.status().to_string());
    co_return;
  }
  membership_log().info("[KafkaServer id={}] Starting controlled shutdown", config.node_id);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer poll(broker_.io());
  for (;;) {
    // Leaderships that can move: another in-sync replica is registered and not leaving.
    size_t movable = 0;
    for (const auto& p : broker_.replicas().all()) {
      if (!p->is_leader()) continue;
      for (int32_t r : p->state().isr) {
        const BrokerRegistration* b = store_.find_broker(r);
        if (r != config.node_id && b && !b->shutting_down) {
          ++movable;
          break;
        }
      }
    }
    if (movable == 0) {
      membership_log().info("[KafkaServer id={}] Controlled shutdown succeeded", config.node_id);
      co_return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      membership_log().warn("[KafkaServer id={}] Controlled shutdown: {} leaderships did not move within {} ms",
                            config.node_id, movable, timeout.count());
      co_return;
    }
    poll.expires_after(std::chrono::milliseconds(50));
    asio::error_code ec;
    co_await poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Membership::leave() {
  if (left_) return;
  left_ = true;
  keeper_.stop();
  if (lease_id_ != 0) {
    auto r = store_.client().lease_revoke({lease_id_});
    if (!r.ok()) membership_log().warn("revoking the lease of broker {}: {}", broker_.config().node_id, r.status().to_string());
  }
}

}  // namespace moldau::broker::cluster
