#pragma once
// This broker's membership of the cluster: its registration under `<prefix>/brokers/<id>`,
// attached to an etcd lease of broker.session.timeout.ms that it keeps alive. The key's create
// revision is the broker epoch. When the lease is lost (etcd unreachable for a session) the
// broker stops leading anything at once and registers again, as a new incarnation.
//
// A node.id registered by a live broker is refused at start-up. A registration left by a
// crashed process of this same host (its pid no longer runs) is taken over at once; one from
// elsewhere is waited out for up to one session timeout.
//
// Controlled shutdown marks the registration "shutting_down": the controller moves this
// broker's leaderships to other in-sync replicas, and the broker exits once it leads nothing
// that could move (or after controlled.shutdown.timeout.ms).
//
// Event loop only, but for register_at_start (blocking, at start-up).

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <chrono>
#include <memory>

#include "moldau/common/result.h"
#include "moldau/etcd/lease_keeper.h"

namespace moldau::broker {
class Broker;
class EtcdMetadataStore;
}

namespace moldau::broker::cluster {

class Membership {
 public:
  Membership(Broker& broker, EtcdMetadataStore& store);
  ~Membership();

  Status register_at_start();
  // Keeps the lease alive from now on (re-registering when it is lost).
  void start();
  // Marks the registration as shutting down and returns once this broker leads no partition
  // that has another live in-sync replica, or at the timeout.
  asio::awaitable<void> controlled_shutdown(std::chrono::milliseconds timeout);
  // Ends the membership: stops the keep-alive and revokes the lease (the registration, and
  // the controller key if this broker held it, vanish at once).
  void leave();

  int64_t lease_id() const { return lease_id_; }
  // The registration's lease has run out (LeaseKeeper::lapsed): this broker must not act as a
  // leader even before on_lease_lost has run.
  bool lease_lapsed() const { return keeper_.lapsed(); }
  int64_t epoch() const { return epoch_; }

 private:
  struct Registered {
    Status status;
    int64_t lease = 0;
    int64_t epoch = 0;
  };
  // Grants a lease and creates the registration under it (blocking). At start-up a
  // registration from elsewhere is waited out for a session.
  Registered try_register(bool at_start) const;
  void registered(const Registered& r);
  void keep_alive();
  void on_lease_lost(const Status& why);
  asio::awaitable<void> reregister();

  Broker& broker_;
  EtcdMetadataStore& store_;
  int64_t lease_id_ = 0;
  int64_t epoch_ = 0;
  bool shutting_down_ = false;
  bool left_ = false;
  etcd::LeaseKeeper keeper_;
  asio::steady_timer retry_;
  asio::thread_pool registrar_{1};  // runs re-registration off the event loop
};

}  // namespace moldau::broker::cluster
