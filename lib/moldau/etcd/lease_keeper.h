#pragma once
// Keeps one etcd lease alive: a keep-alive every ttl/3 from the client's worker thread, and a
// callback on the caller's executor when the lease is lost.

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "moldau/common/result.h"
#include "moldau/etcd/client.h"

namespace moldau::etcd {

namespace detail {
class ClientCore;
struct KeeperState;
}  // namespace detail

class LeaseKeeper {
 public:
  LeaseKeeper() = default;
  // Starts refreshing `lease_id`, granted with `ttl`, at once and then every ttl/3. Each
  // keep-alive may go to any endpoint and must answer before the lease would expire.
  //
  // `on_lost` is posted to `executor` at most once, and refreshing stops, when the lease is
  // gone or must be taken as gone:
  //  - kLeaseNotFound: etcd says it expired or was revoked;
  //  - kTimedOut / kUnavailable: no keep-alive succeeded for a whole TTL since the last one
  //    that did (counted from when that one was sent). etcd may still hold the lease for a
  //    moment, but the owner must act as if it had lost it.
  // The keeper assumes the lease was granted (or last refreshed) just before it starts.
  LeaseKeeper(Client& client, int64_t lease_id, std::chrono::seconds ttl,
              asio::any_io_executor executor, std::function<void(const Status&)> on_lost);
  ~LeaseKeeper();  // stop()
  LeaseKeeper(LeaseKeeper&&) noexcept = default;
  LeaseKeeper& operator=(LeaseKeeper&& other) noexcept;
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Stops refreshing; the lease then lapses after its TTL unless it is revoked. From the
  // executor's thread (or strand), no on_lost runs after stop() returns. Idempotent; any
  // thread; also after the Client is gone.
  void stop();

  int64_t lease_id() const { return lease_id_; }
  // Whether the lease's TTL has run out since the last keep-alive that succeeded (counted from
  // when it was sent): the lease must be taken as gone, though on_lost may not have run yet
  // (a process resumed after a pause runs its callers before the keeper). Any thread.
  bool lapsed() const;

 private:
  int64_t lease_id_ = 0;
  std::shared_ptr<detail::ClientCore> core_;
  std::shared_ptr<detail::KeeperState> state_;
};

}  // namespace moldau::etcd
