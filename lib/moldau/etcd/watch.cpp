#include "moldau/etcd/watch.h"

#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <optional>

#include "moldau/common/log.h"
#include "moldau/etcd/client_core.h"

namespace moldau::etcd {
namespace detail {

using std::chrono::milliseconds;

constexpr milliseconds kFirstPause{50};
constexpr milliseconds kMaxPause{2000};

// What the handle, the worker and callbacks posted to the strand share.
struct WatchShared {
  std::atomic<bool> cancelled{false};
  WatchHandler handler;

  explicit WatchShared(asio::any_io_executor executor) : strand_(asio::make_strand(executor)) {}

  // Worker thread: runs `f` on the strand unless the watch was cancelled.
  template <class F>
  void post(F f) {
    std::lock_guard lock(mu_);
    if (strand_) asio::post(*strand_, std::move(f));
  }

  // The handle's thread. The strand goes now, while its io_context surely exists: the rest of
  // this object may live on in the worker until the client closes, possibly after that.
  void cancel() {
    std::optional<asio::strand<asio::any_io_executor>> gone;
    std::lock_guard lock(mu_);
    cancelled = true;
    gone.swap(strand_);
  }

 private:
  std::mutex mu_;
  std::optional<asio::strand<asio::any_io_executor>> strand_;  // guarded by mu_
};

// The watch on the worker thread: one streaming POST /v3/watch at a time. Owned by the
// callbacks of its stream and timers, and by the handle (which only posts to the worker).
struct WatchState : std::enable_shared_from_this<WatchState> {
  ClientCore* core = nullptr;  // outlives every worker task: it stops the worker first
  std::shared_ptr<WatchShared> shared;
  WatchOptions options;
  int64_t next_revision = 0;  // the first revision not yet delivered; 0 until etcd says
  size_t endpoint = 0;
  Engine::Id stream = 0;
  Engine::Id confirm_timer = 0;
  Engine::Id reconnect_timer = 0;
  Engine::Id probe_timer = 0;
  Engine::Id probe = 0;
  Clock::time_point last_heard;  // the last bytes on the current stream
  bool confirmed = false;  // etcd answered "created" on the current stream
  bool done = false;
  int failures = 0;  // since the stream was last confirmed
  milliseconds pause = kFirstPause;
  std::string buffer;  // an incomplete line of the stream

  std::string name() const {
    return fmt::format("etcd watch on {:?}{}", options.key,
                       options.range_end.empty() ? "" : fmt::format("..{:?}", options.range_end));
  }

  bool stopped() const { return done || shared->cancelled; }

  void connect() {
    if (stopped()) return;
    endpoint = core->preferred_endpoint();
    WatchCreate create{options.key, options.range_end, next_revision, options.prev_kv,
                       /*progress_notify=*/true};
    HttpRequest request;
    request.url = core->endpoint(endpoint) + "/v3/watch";
    request.body = to_json(create).dump();
    request.connect_timeout = core->options().connect_timeout;
    request.on_data = [self = shared_from_this()](std::string_view data) { self->on_data(data); };
    request.on_done = [self = shared_from_this()](HttpOutcome out) {
      self->on_end(std::move(out));
    };
    confirmed = false;
    buffer.clear();
    stream = core->engine().start(std::move(request));
    confirm_timer = core->engine().add_timer(
        Clock::now() + core->options().attempt_timeout, [self = shared_from_this()] {
          self->confirm_timer = 0;
          if (!self->confirmed) self->broken("etcd did not confirm the watch in time");
        });
  }

  void stop() {
    done = true;
    close_stream();
    if (reconnect_timer) core->engine().cancel_timer(reconnect_timer);
    reconnect_timer = 0;
  }

  void close_stream() {
    Engine& engine = core->engine();
    if (stream) engine.abort(stream);
    stream = 0;
    if (confirm_timer) engine.cancel_timer(confirm_timer);
    confirm_timer = 0;
    if (probe_timer) engine.cancel_timer(probe_timer);
    probe_timer = 0;
    if (probe) engine.abort(probe);
    probe = 0;
  }

  // A member that hangs (stopped, overloaded) keeps the connection open and sends nothing,
  // exactly like a member with nothing to report. So after a silence of twice the attempt
  // timeout, the member is asked for its status on a second connection; no answer within the
  // attempt timeout, or no leader, and the stream is given up for another endpoint.
  milliseconds probe_after() const {
    return std::max(2 * core->options().attempt_timeout, milliseconds(1000));
  }

  void schedule_probe(Clock::time_point at) {
    probe_timer = core->engine().add_timer(at, [self = shared_from_this()] {
      self->probe_timer = 0;
      self->maybe_probe();
    });
  }

  void maybe_probe() {
    if (stopped() || !stream) return;
    auto quiet_until = last_heard + probe_after();
    if (Clock::now() < quiet_until) return schedule_probe(quiet_until);
    HttpRequest request;
    request.url = core->endpoint(endpoint) + "/v3/maintenance/status";
    request.body = "{}";
    request.timeout = core->options().attempt_timeout;
    request.connect_timeout = std::min(core->options().connect_timeout, request.timeout);
    request.on_done = [self = shared_from_this()](HttpOutcome out) {
      self->probe = 0;
      if (self->stopped() || !self->stream) return;
      if (out.failure != HttpOutcome::Failure::kNone || out.http_status != 200) {
        std::string why = out.failure != HttpOutcome::Failure::kNone
                              ? out.error
                              : fmt::format("HTTP {}: {}", out.http_status, out.body);
        return self->broken("quiet stream, and the member did not answer a status probe (" + why +
                            ")");
      }
      self->schedule_probe(Clock::now() + self->probe_after());
    };
    probe = core->engine().start(std::move(request));
  }

  // The stream failed at this endpoint: try again, at the next endpoint, after a pause.
  void broken(const std::string& why) {
    close_stream();
    if (stopped()) return;
    core->mark_bad(endpoint);
    // The first failure is news; the retries that follow it are detail.
    logger("etcd").log(failures++ == 0 ? spdlog::level::warn : spdlog::level::debug,
                       "{} via {}: {}; reconnecting from revision {}", name(),
                       core->endpoint(endpoint), why, next_revision);
    reconnect_timer = core->engine().add_timer(Clock::now() + pause, [self = shared_from_this()] {
      self->reconnect_timer = 0;
      self->connect();
    });
    pause = std::min(pause * 2, kMaxPause);
  }

  void on_end(HttpOutcome out) {
    stream = 0;
    if (stopped()) return;
    std::string why = out.failure == HttpOutcome::Failure::kNone
                          ? fmt::format("stream ended (HTTP {})", out.http_status)
                          : "stream failed: " + out.error;
    broken(why);
  }

  void on_data(std::string_view data) {
    last_heard = Clock::now();
    buffer.append(data);
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(buffer.data() + start, nl - start);
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
      if (!on_message(line) || stopped()) return;  // the stream was closed: buffer is moot
    }
    buffer.erase(0, start);
  }

  // Returns false when the stream was closed.
  bool on_message(std::string_view line) {
    auto json = parse_json(line);
    if (!json.ok()) {
      broken(json.status().message());
      return false;
    }
    if (auto error = gateway_error(*json)) {
      broken(fmt::format("etcd: {} (gRPC code {})", error->message, error->grpc_code));
      return false;
    }
    auto result = json->find("result");
    if (result == json->end()) return true;
    WatchMessage message;
    if (Status s = from_json(*result, message); !s.ok()) {
      broken(s.message());
      return false;
    }
    if (message.created) {
      confirmed = true;
      pause = kFirstPause;
      if (failures > 0)
        logger("etcd").info("{} resumed via {} from revision {}", name(), core->endpoint(endpoint),
                            next_revision);
      failures = 0;
      core->mark_good(endpoint);
      if (confirm_timer) core->engine().cancel_timer(confirm_timer);
      confirm_timer = 0;
      if (!probe_timer && !probe) schedule_probe(last_heard + probe_after());
      // Watching "from now": resume after the revision etcd started at.
      if (next_revision == 0) next_revision = message.header.revision + 1;
    }
    if (message.compact_revision != 0) {
      stop();
      logger("etcd").warn("{}: revision {} was compacted (compact revision {})", name(),
                          next_revision, message.compact_revision);
      shared->post([shared = shared, revision = message.compact_revision] {
        if (!shared->cancelled && shared->handler.on_compacted)
          shared->handler.on_compacted(revision);
      });
      return false;
    }
    if (message.canceled) {
      const std::string& reason = message.cancel_reason;
      broken("etcd cancelled the watch: " + (reason.empty() ? "no reason given" : reason));
      return false;
    }
    std::vector<WatchEvent> events;
    for (auto& e : message.events) {
      // A resumed stream starts at next_revision; anything older was delivered already.
      if (e.kv.mod_revision >= next_revision) events.push_back(std::move(e));
    }
    if (!events.empty()) {
      next_revision = events.back().kv.mod_revision + 1;
      shared->post([shared = shared, events = std::move(events)]() mutable {
        if (!shared->cancelled && shared->handler.on_events)
          shared->handler.on_events(std::move(events));
      });
    }
    return true;
  }
};

}  // namespace detail

WatchOptions WatchOptions::with_prefix(std::string prefix, int64_t start_revision) {
  auto range = RangeRequest::with_prefix(std::move(prefix));
  return WatchOptions{std::move(range.key), std::move(range.range_end), start_revision, true};
}

Watch::Watch(Client& client, WatchOptions options, asio::any_io_executor executor,
             WatchHandler handler)
    : core_(client.core_) {
  auto shared = std::make_shared<detail::WatchShared>(std::move(executor));
  shared->handler = std::move(handler);
  state_ = std::make_shared<detail::WatchState>();
  state_->core = core_.get();
  state_->shared = std::move(shared);
  state_->next_revision = options.start_revision;
  state_->options = std::move(options);
  core_->engine().post([state = state_] { state->connect(); });
}

Watch::~Watch() { cancel(); }

Watch& Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    cancel();
    core_ = std::move(other.core_);
    state_ = std::move(other.state_);
  }
  return *this;
}

void Watch::cancel() {
  if (!state_) return;
  state_->shared->cancel();
  core_->engine().post([state = state_] { state->stop(); });
  state_.reset();
  core_.reset();
}

}  // namespace moldau::etcd
