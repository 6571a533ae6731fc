#pragma once
// Where long-poll fetches wait: until an append to one of the partitions they read wakes
// them, or their deadline passes. Appends wake waiters directly; nothing polls. Event loop
// only.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moldau::broker {

class Purgatory {
 public:
  using Key = std::pair<std::string, int32_t>;  // topic, partition

  explicit Purgatory(asio::io_context& io) : io_(io) {}

  // Returns when notify() names one of `keys`, at `deadline`, or at cancel_all().
  asio::awaitable<void> wait(const std::vector<Key>& keys,
                             std::chrono::steady_clock::time_point deadline);
  void notify(const std::string& topic, int32_t partition);
  // Wakes everyone (shutdown).
  void cancel_all();
  size_t waiting() const { return count_; }

 private:
  asio::io_context& io_;
  std::map<Key, std::vector<std::weak_ptr<asio::steady_timer>>> waiters_;
  size_t count_ = 0;
};

}  // namespace moldau::broker
