#pragma once
// The etcd client's worker thread (internal): one libcurl multi handle driving every HTTP
// exchange with etcd, a timer list, and a queue of tasks posted from other threads. All state
// of calls, lease keepers and watches lives on this thread, so none of it needs locks.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace moldau::etcd::detail {

using Clock = std::chrono::steady_clock;

// How an HTTP exchange ended.
struct HttpOutcome {
  enum class Failure {
    kNone,     // an HTTP answer arrived (any status)
    kConnect,  // nothing was sent (no connection, none in time, or it broke first)
    kTimeout,  // connected, but the answer did not arrive within the timeout
    kBroken,   // the connection failed after it was made (reset, closed early)
  };
  Failure failure = Failure::kNone;
  std::string error;     // curl's description when failure != kNone
  long http_status = 0;  // when failure == kNone
  std::string body;      // the whole body, unless the request streamed it to on_data
};

struct HttpRequest {
  std::string url;
  std::string body;  // POSTed as application/json
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds timeout{0};  // the whole exchange; 0 for none (streams)
  // Streams: called with each piece of the body as it arrives, in order. Unset: the body is
  // collected into HttpOutcome::body.
  std::function<void(std::string_view)> on_data;
  std::function<void(HttpOutcome)> on_done;
};

class Engine {
 public:
  using Id = uint64_t;

  Engine();
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Thread-safe. Runs `fn` on the worker thread soon, in posting order. Returns false once
  // stop() has begun; `fn` is then destroyed without running.
  bool post(std::function<void()> fn);

  // Thread-safe, idempotent; must not be called on the worker thread. Queued tasks, timers and
  // exchanges are destroyed on the worker thread without running or completing, then the
  // thread is joined.
  void stop();

  bool on_worker_thread() const { return std::this_thread::get_id() == worker_id_; }

  // Worker thread only. Starts an exchange; on_done runs once, on this thread, unless aborted.
  Id start(HttpRequest request);
  // Worker thread only. Ends an exchange without calling its on_done. Safe from inside the
  // exchange's own on_data.
  void abort(Id id);
  // Worker thread only. Runs `fn` on this thread at `at` unless cancelled first.
  Id add_timer(Clock::time_point at, std::function<void()> fn);
  void cancel_timer(Id id);

 // One exchange in flight (defined in engine.cpp; public for libcurl's C callbacks there).
  struct Transfer;

 private:
  void run();
  void run_due_timers();
  void finish_transfers();
  void remove_aborted();
  void shut_down();

  void* multi_ = nullptr;  // CURLM*
  std::thread worker_;
  std::thread::id worker_id_;

  std::mutex mu_;
  std::vector<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                     // guarded by mu_
  std::atomic<bool> stop_requested_{false};
  std::mutex join_mu_;  // two threads in stop() must not both join

  // Worker thread only.
  Id next_id_ = 1;
  std::map<Id, std::unique_ptr<Transfer>> transfers_;
  std::vector<Id> aborted_;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> timers_;
  std::map<Id, Clock::time_point> timer_due_;
};

}  // namespace moldau::etcd::detail
