#include "moldau/broker/purgatory.h"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

namespace moldau::broker {

asio::awaitable<void> Purgatory::wait(const std::vector<Key>& keys,
                                      std::chrono::steady_clock::time_point deadline) {
  auto timer = std::make_shared<asio::steady_timer>(io_, deadline);
  for (const auto& k : keys) waiters_[k].push_back(timer);
  ++count_;
  asio::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  --count_;
  for (const auto& k : keys) {
    auto it = waiters_.find(k);
    if (it == waiters_.end()) continue;
    auto& list = it->second;
    std::erase_if(list, [&](const auto& w) {
      auto p = w.lock();
      return !p || p == timer;
    });
    if (list.empty()) waiters_.erase(it);
  }
}

void Purgatory::notify(const std::string& topic, int32_t partition) {
  auto it = waiters_.find(Key(topic, partition));
  if (it == waiters_.end()) return;
  for (const auto& w : it->second)
    if (auto t = w.lock()) t->cancel();
}

void Purgatory::cancel_all() {
  for (auto& [k, list] : waiters_)
    for (const auto& w : list)
      if (auto t = w.lock()) t->cancel();
}

}  // namespace moldau::broker
