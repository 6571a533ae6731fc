#pragma once
// Replicates the partitions this broker follows from one leader broker: a loop of Fetch
// requests (v12, replica id = this broker's id) for all of them at once, appending what comes
// back with the leader's offsets and epochs kept, taking the leader's high watermark, and
// truncating by leader epoch when the leader reports a diverging epoch (never by high
// watermark alone). Kafka's ReplicaFetcherThread and AbstractFetcherThread are the model.
//
// Event loop only. The loop's state is shared with its coroutine, so destroying the fetcher
// while a request is in flight is safe: the coroutine sees it was stopped and ends.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "moldau/broker/peer/peer_connection.h"
#include "moldau/broker/replica/partition.h"

namespace moldau::broker {
class Broker;
}

namespace moldau::broker::replica {

class ReplicaManager;

class ReplicaFetcher {
 public:
  ReplicaFetcher(Broker& broker, ReplicaManager& manager, int32_t leader_id);
  ~ReplicaFetcher();

  int32_t leader_id() const { return leader_id_; }
  void add(std::shared_ptr<Partition> partition);
  void remove(const std::string& topic, int32_t partition);
  bool empty() const;
  // The leader's endpoint may have changed (it restarted): reconnect on the next fetch.
  void reconnect();

 private:
  struct Followed {
    std::shared_ptr<Partition> partition;
    int64_t delayed_until_ms = 0;  // backing off after an error for this partition
  };
  struct State {
    State(asio::io_context& io, std::string client_id) : conn(io, std::move(client_id)), wake(io) {}
    peer::PeerConnection conn;
    asio::steady_timer wake;
    std::map<std::pair<std::string, int32_t>, Followed> partitions;
    bool stopped = false;
  };
  static asio::awaitable<void> run(Broker& broker, ReplicaManager& manager, int32_t leader_id,
                                   std::shared_ptr<State> state);

  Broker& broker_;
  ReplicaManager& manager_;
  int32_t leader_id_;
  std::shared_ptr<State> state_;
};

}  // namespace moldau::broker::replica
