#include "moldau/etcd/lease_keeper.h"

#include <asio/post.hpp>
#include <fmt/format.h>

#include <atomic>
#include <limits>
#include <mutex>
#include <optional>

#include "moldau/common/log.h"
#include "moldau/etcd/client_core.h"

namespace moldau::etcd {
namespace detail {

using std::chrono::milliseconds;

// What the handle, the worker and callbacks posted to the executor share.
struct KeeperShared {
  std::atomic<bool> stopped{false};
  // When the lease lapses unless refreshed before (Clock ticks since its epoch), for lapsed()
  // on any thread; the far future until the keeper has started.
  std::atomic<Clock::rep> expires_at{std::numeric_limits<Clock::rep>::max()};
  std::function<void(const Status&)> on_lost;

  explicit KeeperShared(asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // Worker thread: runs `f` on the executor unless the keeper was stopped.
  template <class F>
  void post(F f) {
    std::lock_guard lock(mu_);
    if (executor_) asio::post(*executor_, std::move(f));
  }

  // The handle's thread. The executor goes now, while its context surely exists: the rest of
  // this object may live on in the worker until the client closes, possibly after that.
  void stop() {
    std::optional<asio::any_io_executor> gone;
    std::lock_guard lock(mu_);
    stopped = true;
    gone.swap(executor_);
  }

 private:
  std::mutex mu_;
  std::optional<asio::any_io_executor> executor_;  // guarded by mu_
};

// The keeper on the worker thread. Owned by its pending timer or keep-alive call, and by the
// handle (which only posts to the worker).
struct KeeperState : std::enable_shared_from_this<KeeperState> {
  ClientCore* core = nullptr;  // outlives every worker task: it stops the worker first
  std::shared_ptr<KeeperShared> shared;
  int64_t id = 0;
  milliseconds ttl{0};
  milliseconds interval{0};
  Clock::time_point expires_at;  // when the lease lapses unless refreshed before
  Engine::Id timer = 0;
  bool done = false;
  Status last_failure;  // of the keep-alives since the last one that succeeded

  std::string name() const { return fmt::format("etcd lease {:x}", id); }

  void start() {
    set_expiry(Clock::now() + ttl);
    refresh();
  }

  void set_expiry(Clock::time_point at) {
    expires_at = at;
    shared->expires_at = at.time_since_epoch().count();
  }

  void stop() {
    done = true;
    if (timer) core->engine().cancel_timer(timer);
    timer = 0;
  }

  void schedule(Clock::time_point at) {
    timer = core->engine().add_timer(at, [self = shared_from_this()] {
      self->timer = 0;
      self->refresh();
    });
  }

  void refresh() {
    if (done || shared->stopped) return;
    auto sent_at = Clock::now();
    if (sent_at >= expires_at) return lose_unreachable();
    CallSpec spec;
    spec.name = "LeaseKeepAlive";
    spec.path = "/v3/lease/keepalive";
    spec.body = lease_keep_alive_json(id).dump();
    spec.repeatable = true;
    spec.deadline = std::min(sent_at + core->options().timeout, expires_at);
    core->call_on_worker(std::move(spec), [self = shared_from_this(), sent_at](Result<Json> r) {
      self->on_answer(sent_at, std::move(r));
    });
  }

  void on_answer(Clock::time_point sent_at, Result<Json> r) {
    if (done || shared->stopped) return;
    Status failure;
    if (r.ok()) {
      // A streamed answer: {"result": {...}}.
      LeaseKeepAliveResponse answer;
      auto it = r->find("result");
      Status decoded = it != r->end() ? from_json(*it, answer)
                                      : Status(kOther, "keep-alive answer without a result");
      if (decoded.ok() && answer.ttl <= 0) {
        return lose(Status(kLeaseNotFound,
                           name() + ": expired or revoked (keep-alive answered TTL 0)"));
      }
      if (decoded.ok()) {
        last_failure = Status();
        set_expiry(sent_at + std::chrono::seconds(answer.ttl));
        return schedule(sent_at + interval);
      }
      failure = decoded;
    } else {
      failure = r.status();
    }
    if (failure.code() == kLeaseNotFound)
      return lose(Status(kLeaseNotFound, name() + ": " + failure.message()));
    // A keep-alive that went out unanswered says more than a later one that could not even
    // connect in the little time left.
    if (last_failure.code() != kTimedOut) last_failure = failure;
    auto now = Clock::now();
    if (now >= expires_at) return lose_unreachable();
    logger("etcd").warn("{}: keep-alive failed, retrying: {}", name(), failure.message());
    schedule(std::min(now + std::min(interval, milliseconds(500)), expires_at));
  }

  void lose_unreachable() {
    Status last = last_failure.ok() ? Status(kTimedOut, "no keep-alive answered") : last_failure;
    lose(Status(last.code(),
                fmt::format("{}: no keep-alive succeeded within its TTL of {} s, so it must be "
                            "taken as expired (last error: {})",
                            name(), ttl.count() / 1000, last.message())));
  }

  void lose(Status why) {
    done = true;
    shared->post([shared = shared, why = std::move(why)] {
      if (!shared->stopped.exchange(true) && shared->on_lost) shared->on_lost(why);
    });
  }
};

}  // namespace detail

LeaseKeeper::LeaseKeeper(Client& client, int64_t lease_id, std::chrono::seconds ttl,
                         asio::any_io_executor executor,
                         std::function<void(const Status&)> on_lost)
    : lease_id_(lease_id), core_(client.core_) {
  auto shared = std::make_shared<detail::KeeperShared>(std::move(executor));
  shared->on_lost = std::move(on_lost);
  state_ = std::make_shared<detail::KeeperState>();
  state_->core = core_.get();
  state_->shared = std::move(shared);
  state_->id = lease_id;
  state_->ttl = std::chrono::duration_cast<std::chrono::milliseconds>(ttl);
  state_->interval = std::max(state_->ttl / 3, std::chrono::milliseconds(100));
  core_->engine().post([state = state_] { state->start(); });
}

LeaseKeeper::~LeaseKeeper() { stop(); }

bool LeaseKeeper::lapsed() const {
  return state_ && detail::Clock::now().time_since_epoch().count() >= state_->shared->expires_at.load();
}

LeaseKeeper& LeaseKeeper::operator=(LeaseKeeper&& other) noexcept {
  if (this != &other) {
    stop();
    lease_id_ = other.lease_id_;
    core_ = std::move(other.core_);
    state_ = std::move(other.state_);
  }
  return *this;
}

void LeaseKeeper::stop() {
  if (!state_) return;
  state_->shared->stop();
  core_->engine().post([state = state_] { state->stop(); });
  state_.reset();
  core_.reset();
}

}  // namespace moldau::etcd
