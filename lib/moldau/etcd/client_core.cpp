#include "moldau/etcd/client_core.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "moldau/common/log.h"
#include "moldau/etcd/errors.h"

namespace moldau::etcd::detail {
namespace {

using std::chrono::milliseconds;

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

// One unary call on the worker thread: tries endpoints in turn, starting at the preferred
// one, until one answers or the deadline passes. Owned by the callbacks of its current
// exchange or backoff timer, so dropping those (client closed) drops the call, and its
// destructor then completes it with kClosed: `done` always runs exactly once.
class UnaryCall : public std::enable_shared_from_this<UnaryCall> {
 public:
  UnaryCall(ClientCore& core, CallSpec spec, std::function<void(Result<Json>)> done)
      : core_(core), spec_(std::move(spec)), done_(std::move(done)) {}

  ~UnaryCall() {
    if (done_) {
      auto done = std::move(done_);
      done(Status(kClosed, fmt::format("etcd {}: the client was closed before the call completed",
                                       spec_.name)));
    }
  }

  void start() {
    if (core_.endpoint_count() == 0) {
      return complete(
          Status(kInvalid, fmt::format("etcd {}: no endpoints configured", spec_.name)));
    }
    endpoint_ = core_.preferred_endpoint();
    attempt();
  }

 private:
  void attempt() {
    auto now = Clock::now();
    if (now >= spec_.deadline) return fail_at_deadline();
    const auto& options = core_.options();
    auto remaining = std::chrono::duration_cast<milliseconds>(spec_.deadline - now);
    remaining = std::max(remaining, milliseconds(1));
    HttpRequest request;
    request.url = core_.endpoint(endpoint_) + spec_.path;
    request.body = spec_.body;
    request.timeout = spec_.repeatable ? std::min(remaining, options.attempt_timeout) : remaining;
    request.connect_timeout = std::min(options.connect_timeout, request.timeout);
    request.on_done = [self = shared_from_this(), endpoint = endpoint_](HttpOutcome out) {
      self->on_outcome(endpoint, std::move(out));
    };
    core_.engine().start(std::move(request));
  }

  void on_outcome(size_t endpoint, HttpOutcome out) {
    const std::string& url = core_.endpoint(endpoint);
    switch (out.failure) {
      case HttpOutcome::Failure::kNone:
        return on_answer(endpoint, out);
      case HttpOutcome::Failure::kConnect:
        core_.mark_bad(endpoint);
        note_failure(url, "cannot connect: " + out.error, /*timed_out=*/false);
        return try_next();
      case HttpOutcome::Failure::kTimeout:
        core_.mark_bad(endpoint);
        if (spec_.repeatable) {
          note_failure(url, "no answer: " + out.error, /*timed_out=*/true);
          return try_next();
        }
        return complete(Status(
            kTimedOut, fmt::format("etcd {} via {}: no answer within {} ms ({}); the request may "
                                   "or may not have been applied",
                                   spec_.name, url, ms(core_.options().timeout), out.error)));
      case HttpOutcome::Failure::kBroken:
        core_.mark_bad(endpoint);
        if (spec_.repeatable) {
          note_failure(url, "connection failed: " + out.error, /*timed_out=*/false);
          return try_next();
        }
        return complete(Status(
            kUnavailable, fmt::format("etcd {} via {}: connection failed ({}); the request may or "
                                      "may not have been applied",
                                      spec_.name, url, out.error)));
    }
  }

  void on_answer(size_t endpoint, const HttpOutcome& out) {
    const std::string& url = core_.endpoint(endpoint);
    auto json = parse_json(out.body);
    if (!json.ok()) {
      return complete(Status(kOther, fmt::format("etcd {} via {}: HTTP {}: {}", spec_.name, url,
                                                 out.http_status, json.status().message())));
    }
    auto error = gateway_error(*json);
    if (!error && out.http_status == 200) {
      core_.mark_good(endpoint);
      return complete(std::move(*json));
    }
    std::string what = error ? error->message : json->dump();
    ErrorCode code = error ? code_for_etcd_error(error->grpc_code, error->message) : kOther;
    // UNAVAILABLE: this member cannot serve now (no leader, overloaded, stopping); another
    // may. A write is re-sent only where etcd says it refused it before applying anything.
    bool refused_unapplied = what.find("etcdserver: no leader") != std::string::npos ||
                             what.find("etcdserver: too many requests") != std::string::npos;
    if (code == kUnavailable && (spec_.repeatable || refused_unapplied)) {
      core_.mark_bad(endpoint);
      note_failure(url, fmt::format("HTTP {}: {}", out.http_status, what), /*timed_out=*/false);
      return try_next();
    }
    complete(Status(code, fmt::format("etcd {} via {}: HTTP {}: {}", spec_.name, url,
                                      out.http_status, what)));
  }

  void note_failure(const std::string& url, std::string what, bool timed_out) {
    // One endpoint that took the request and did not answer makes the whole call a timeout;
    // only when none could be reached at all is etcd unavailable.
    any_timed_out_ = any_timed_out_ || timed_out;
    std::string entry = url + ": " + what;
    if (std::find(failures_.begin(), failures_.end(), entry) == failures_.end())
      failures_.push_back(std::move(entry));
  }

  // The next endpoint now; after a full round without success, the first again after a
  // pause (100 ms, doubling to 1 s), until the deadline.
  void try_next() {
    endpoint_ = (endpoint_ + 1) % core_.endpoint_count();
    if (++tried_in_round_ < core_.endpoint_count()) return attempt();
    tried_in_round_ = 0;
    auto pause = std::min(milliseconds(100 << std::min(rounds_++, 4)), milliseconds(1000));
    auto at = std::min(Clock::now() + pause, spec_.deadline);
    core_.engine().add_timer(at, [self = shared_from_this()] { self->attempt(); });
  }

  void fail_at_deadline() {
    std::string tried;
    for (const auto& f : failures_) tried += (tried.empty() ? "" : "; ") + f;
    if (tried.empty()) tried = "no attempt made";
    complete(Status(any_timed_out_ ? kTimedOut : kUnavailable,
                    fmt::format("etcd {}: no answer within {} ms ({})", spec_.name,
                                ms(core_.options().timeout), tried)));
  }

  void complete(Result<Json> result) {
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }

  ClientCore& core_;
  CallSpec spec_;
  std::function<void(Result<Json>)> done_;
  size_t endpoint_ = 0;
  size_t tried_in_round_ = 0;
  int rounds_ = 0;
  bool any_timed_out_ = false;
  std::vector<std::string> failures_;
};

}  // namespace

std::string normalize_endpoint(std::string endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.find("://") == std::string::npos) endpoint = "http://" + endpoint;
  return endpoint;
}

ClientCore::ClientCore(ClientOptions options) : options_(std::move(options)) {
  for (const auto& e : options_.endpoints) urls_.push_back(normalize_endpoint(e));
}

ClientCore::~ClientCore() { close(); }

void ClientCore::close() { engine_.stop(); }

void ClientCore::call(CallSpec spec, std::function<void(Result<Json>)> done) {
  auto call = std::make_shared<UnaryCall>(*this, std::move(spec), std::move(done));
  // If the client is closed, the task is dropped and with it the call: kClosed.
  engine_.post([call = std::move(call)] { call->start(); });
}

void ClientCore::call_on_worker(CallSpec spec, std::function<void(Result<Json>)> done) {
  std::make_shared<UnaryCall>(*this, std::move(spec), std::move(done))->start();
}

}  // namespace moldau::etcd::detail
