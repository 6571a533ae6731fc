#pragma once
// Configuration of an etcd Client.

#include <chrono>
#include <string>
#include <vector>

namespace moldau::etcd {

struct ClientOptions {
  // Members' client URLs, "http://127.0.0.1:2379" (a bare "host:port" means http). Calls go
  // to the last endpoint that answered and move to the next one when it cannot be reached.
  std::vector<std::string> endpoints;
  // Budget of one call, every attempt at every endpoint included. A call that runs out fails
  // with kTimedOut (or kUnavailable when no endpoint could even be connected to).
  std::chrono::milliseconds timeout{5000};
  // TCP connect to one endpoint; past it the next endpoint is tried.
  std::chrono::milliseconds connect_timeout{1000};
  // How long a read-only or repeatable call (range, status, lease keep-alive/time-to-live/
  // revoke) waits at one endpoint before trying the next. Writes are never re-sent once they
  // may have reached etcd, so they wait for the whole `timeout` at one endpoint. A watch that
  // has not been confirmed by etcd within this time is re-opened at the next endpoint.
  std::chrono::milliseconds attempt_timeout{2000};
};

}  // namespace moldau::etcd
