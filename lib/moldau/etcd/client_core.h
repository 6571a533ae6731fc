#pragma once
// What a Client, its lease keepers and watches share (internal): the options, the worker
// thread, and which endpoint to try first. Owned through shared_ptr by the Client and by the
// LeaseKeeper and Watch handles, so a handle may outlive its Client (it then does nothing).

#include <functional>
#include <string>

#include "moldau/common/result.h"
#include "moldau/etcd/codec.h"
#include "moldau/etcd/engine.h"
#include "moldau/etcd/options.h"

namespace moldau::etcd::detail {

// One unary gateway call: POST `path` with `body` and read one JSON answer.
struct CallSpec {
  const char* name = "";  // etcd's RPC name for messages: "Range", "Txn", "LeaseGrant"...
  const char* path = "";  // "/v3/kv/range"
  std::string body;
  // May be sent again after it could have reached etcd (reads, lease keep-alive...).
  bool repeatable = false;
  Clock::time_point deadline;
};

class ClientCore {
 public:
  explicit ClientCore(ClientOptions options);
  ~ClientCore();  // close()

  // Stops the worker thread: unary calls still pending complete with kClosed (on their
  // executors), keepers and watches stop without further callbacks. Idempotent.
  void close();

  const ClientOptions& options() const { return options_; }
  Engine& engine() { return engine_; }

  // Any thread. Runs the call on the worker thread; `done` runs exactly once: on the worker
  // thread, or with kClosed wherever the call is dropped if the client is closed first.
  void call(CallSpec spec, std::function<void(Result<Json>)> done);
  // Worker thread only: the same, started at once.
  void call_on_worker(CallSpec spec, std::function<void(Result<Json>)> done);

  // Endpoint choice; worker thread only.
  size_t endpoint_count() const { return urls_.size(); }
  const std::string& endpoint(size_t i) const { return urls_[i]; }
  size_t preferred_endpoint() const { return preferred_; }
  void mark_good(size_t i) { preferred_ = i; }
  // After a failure at i, the next call starts at the endpoint after it.
  void mark_bad(size_t i) {
    if (preferred_ == i && !urls_.empty()) preferred_ = (i + 1) % urls_.size();
  }

 private:
  ClientOptions options_;
  std::vector<std::string> urls_;  // normalised: scheme://host:port, no trailing slash
  size_t preferred_ = 0;
  Engine engine_;
};

// "127.0.0.1:2379" -> "http://127.0.0.1:2379"; a trailing "/" dropped.
std::string normalize_endpoint(std::string endpoint);

}  // namespace moldau::etcd::detail
