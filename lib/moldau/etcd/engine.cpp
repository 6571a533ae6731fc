#include "moldau/etcd/engine.h"

#include <curl/curl.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>

#include "moldau/common/log.h"

namespace moldau::etcd::detail {

struct Engine::Transfer {
  Id id = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  std::string body;  // collected when the request does not stream
  bool aborted = false;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }
};

namespace {

CURLM* as_multi(void* p) { return static_cast<CURLM*>(p); }

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Engine::Transfer*>(user);
  size_t n = size * count;
  if (t->aborted) return 0;  // ends the exchange with CURLE_WRITE_ERROR; finished as aborted
  if (t->request.on_data) {
    t->request.on_data(std::string_view(data, n));
    return t->aborted ? 0 : n;
  }
  t->body.append(data, n);
  return n;
}

HttpOutcome outcome_of(CURLcode code, Engine::Transfer& t) {
  HttpOutcome out;
  if (code == CURLE_OK) {
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &out.http_status);
    out.body = std::move(t.body);
    return out;
  }
  out.error = t.error[0] ? t.error : curl_easy_strerror(code);
  // Whether any of the request went out decides whether etcd may have acted on it. (The
  // connect time cannot tell: it is 0 on a reused connection.)
  long request_bytes = 0;
  curl_easy_getinfo(t.easy, CURLINFO_REQUEST_SIZE, &request_bytes);
  if (request_bytes == 0) {
    out.failure = HttpOutcome::Failure::kConnect;
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    out.failure = HttpOutcome::Failure::kTimeout;
  } else {
    out.failure = HttpOutcome::Failure::kBroken;
  }
  return out;
}

}  // namespace

Engine::Engine() {
  // curl_global_init is thread-safe in libcurl >= 7.84 (Debian 12 has 7.88).
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) {
    logger("etcd").critical("curl_global_init failed: {}", curl_easy_strerror(global));
    std::abort();
  }
  multi_ = curl_multi_init();
  if (!multi_) {
    logger("etcd").critical("curl_multi_init failed");
    std::abort();
  }
  std::lock_guard lock(mu_);  // run() waits for worker_id_
  worker_ = std::thread([this] { run(); });
  worker_id_ = worker_.get_id();
}

Engine::~Engine() {
  stop();
  curl_multi_cleanup(as_multi(multi_));
}

bool Engine::post(std::function<void()> fn) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    fn = nullptr;  // its destructor may complete a call: never under our lock
    return false;
  }
  queue_.push_back(std::move(fn));
  lock.unlock();
  curl_multi_wakeup(as_multi(multi_));
  return true;
}

void Engine::stop() {
  assert(!on_worker_thread());
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_requested_ = true;
  curl_multi_wakeup(as_multi(multi_));
  std::lock_guard join_lock(join_mu_);
  if (worker_.joinable()) worker_.join();
}

Engine::Id Engine::start(HttpRequest request) {
  assert(on_worker_thread());
  auto t = std::make_unique<Transfer>();
  t->id = next_id_++;
  t->request = std::move(request);
  t->easy = curl_easy_init();
  CURL* e = t->easy;
  t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
  // No "Expect: 100-continue" round trip before bodies over 1 KiB.
  t->headers = curl_slist_append(t->headers, "Expect:");
  // gRPC metadata through the gateway: a member that has lost its leader refuses requests
  // ("etcdserver: no leader") and cancels our watch streams, instead of serving stale data.
  t->headers = curl_slist_append(t->headers, "Grpc-Metadata-hasleader: true");
  curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->request.body.size()));
  long connect_ms = static_cast<long>(std::max<int64_t>(1, t->request.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  // A peer that vanished without closing (host down, cable cut) ends a stream in ~25 s.
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 10L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 5L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // etcd is reached directly, whatever http_proxy says
  Id id = t->id;
  CURLMcode mc = curl_multi_add_handle(as_multi(multi_), e);
  if (mc != CURLM_OK) {
    // Report it like a failed connection, from the loop rather than from inside start().
    std::string why = curl_multi_strerror(mc);
    auto done = std::move(t->request.on_done);
    add_timer(Clock::now(), [done = std::move(done), why]() mutable {
      HttpOutcome out;
      out.failure = HttpOutcome::Failure::kConnect;
      out.error = "curl_multi_add_handle: " + why;
      if (done) done(std::move(out));
    });
    return id;
  }
  transfers_.emplace(id, std::move(t));
  return id;
}

void Engine::abort(Id id) {
  assert(on_worker_thread());
  auto it = transfers_.find(id);
  if (it == transfers_.end() || it->second->aborted) return;
  it->second->aborted = true;
  aborted_.push_back(id);  // removed from the multi handle by the loop, outside curl callbacks
}

Engine::Id Engine::add_timer(Clock::time_point at, std::function<void()> fn) {
  assert(on_worker_thread());
  Id id = next_id_++;
  timers_.emplace(std::make_pair(at, id), std::move(fn));
  timer_due_.emplace(id, at);
  return id;
}

void Engine::cancel_timer(Id id) {
  assert(on_worker_thread());
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  auto node = timers_.extract(std::make_pair(it->second, id));
  timer_due_.erase(it);
  // node (and the callback it holds) is destroyed here, after the maps are consistent.
}

void Engine::run() {
  { std::lock_guard lock(mu_); }  // the constructor has set worker_id_
  CURLM* multi = as_multi(multi_);
  while (!stop_requested_) {
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lock(mu_);
      tasks.swap(queue_);
    }
    for (auto& task : tasks) {
      if (stop_requested_) break;
      task();
      task = nullptr;
    }
    tasks.clear();
    if (stop_requested_) break;
    run_due_timers();
    int running = 0;
    curl_multi_perform(multi, &running);
    finish_transfers();
    remove_aborted();

    auto wait = std::chrono::milliseconds(1000);
    if (!timers_.empty()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
          timers_.begin()->first.first - Clock::now()) + std::chrono::milliseconds(1);
      wait = std::clamp(until, std::chrono::milliseconds(0), wait);
    }
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
  }
  shut_down();
}

void Engine::run_due_timers() {
  auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_due_.erase(node.key().second);
    node.mapped()();
  }
}

void Engine::finish_transfers() {
  CURLM* multi = as_multi(multi_);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi, msg->easy_handle);
    auto node = transfers_.extract(raw->id);
    if (node.empty()) continue;
    auto& t = *node.mapped();
    if (t.aborted) continue;
    auto done = std::move(t.request.on_done);
    HttpOutcome out = outcome_of(code, t);
    if (done) done(std::move(out));
  }
}

void Engine::remove_aborted() {
  CURLM* multi = as_multi(multi_);
  while (!aborted_.empty()) {
    std::vector<Id> ids;
    ids.swap(aborted_);
    for (Id id : ids) {
      auto node = transfers_.extract(id);
      if (node.empty()) continue;
      curl_multi_remove_handle(multi, node.mapped()->easy);
    }
  }
}

void Engine::shut_down() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    tasks.swap(queue_);
  }
  // Destroying what is pending may run destructors that complete calls with kClosed; move
  // each container out first so that nothing they do can touch a container being cleared.
  tasks.clear();
  auto timers = std::move(timers_);
  timers_.clear();
  timer_due_.clear();
  timers.clear();
  auto transfers = std::move(transfers_);
  transfers_.clear();
  for (auto& [id, t] : transfers) curl_multi_remove_handle(as_multi(multi_), t->easy);
  transfers.clear();
}

}  // namespace moldau::etcd::detail
