#pragma once
// A watch on a key range: etcd's changes streamed, in revision order, to callbacks on the
// caller's executor, across broken connections and endpoint failures.

#include <asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "moldau/etcd/client.h"
#include "moldau/etcd/types.h"

namespace moldau::etcd {

namespace detail {
class ClientCore;
struct WatchState;
struct WatchShared;
}  // namespace detail

struct WatchOptions {
  std::string key{};
  std::string range_end{};  // as in RangeRequest: empty for `key` alone
  // The first revision to deliver, typically a listing's header.revision + 1 so that nothing
  // between the listing and the watch is missed. 0: changes after etcd creates the watch.
  int64_t start_revision = 0;
  bool prev_kv = true;  // deliver each change's previous pair

  static WatchOptions with_prefix(std::string prefix, int64_t start_revision = 0);
};

struct WatchHandler {
  // Changes in revision order, each exactly once. One call per etcd response, so all changes
  // of one revision (one txn) arrive together.
  std::function<void(std::vector<WatchEvent> events)> on_events{};
  // etcd no longer has the history the watch needs (it compacted past the next revision to
  // deliver): changes were lost. The watch has stopped; re-read the range and start a new
  // watch from that read's revision + 1.
  std::function<void(int64_t compact_revision)> on_compacted{};
};

// The stream runs on the client's worker thread. When it breaks (etcd restarted, member lost
// or without a leader, no confirmation within attempt_timeout, a silent member that does not
// answer a status probe) it is re-opened, at the next endpoint, from the revision after the
// last one delivered; pauses between attempts grow from 50 ms to 2 s. Callbacks run on a strand of `executor`, one at a time and in order; the
// watch does not count as work that keeps the executor's io_context::run() going.
class Watch {
 public:
  Watch() = default;
  Watch(Client& client, WatchOptions options, asio::any_io_executor executor,
        WatchHandler handler);
  ~Watch();  // cancel()
  Watch(Watch&&) noexcept = default;
  Watch& operator=(Watch&& other) noexcept;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // Closes the stream. From the executor's thread, no callback runs after cancel() returns.
  // Idempotent; any thread; also after the Client is gone.
  void cancel();

 private:
  std::shared_ptr<detail::ClientCore> core_;
  std::shared_ptr<detail::WatchState> state_;
};

}  // namespace moldau::etcd
