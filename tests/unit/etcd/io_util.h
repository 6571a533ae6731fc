#pragma once
// Driving an io_context from a test thread until a condition holds.

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "moldau/etcd/types.h"

namespace moldau::etcd::test {

// Runs `io` on this thread until `condition` holds or `timeout` passes; returns whether it held.
inline bool run_until(asio::io_context& io, const std::function<bool()>& condition,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  // A context whose work ran out (e.g. the guard of an earlier call went) is stopped until
  // restarted.
  if (io.stopped()) io.restart();
  auto work = asio::make_work_guard(io);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

// "PUT k=v @7" / "DELETE k @9 (was v)", for comparing event sequences in one CHECK.
inline std::string describe(const WatchEvent& e) {
  if (e.type == WatchEvent::Type::kPut)
    return "PUT " + e.kv.key + "=" + e.kv.value + " @" + std::to_string(e.kv.mod_revision);
  std::string s = "DELETE " + e.kv.key + " @" + std::to_string(e.kv.mod_revision);
  if (e.prev_kv) s += " (was " + e.prev_kv->value + ")";
  return s;
}

}  // namespace moldau::etcd::test
