#pragma once
// Replication throttles (KIP-73), as kafka-reassign-partitions --throttle sets them: the broker
// configs leader.replication.throttled.rate and follower.replication.throttled.rate cap, in
// bytes per second, what the replicas named by the topic configs
// leader.replication.throttled.replicas / follower.replication.throttled.replicas move while
// they are out of the ISR. In-sync replicas are never held back, so a throttle slows only the
// catching up of a reassignment, never acks=all produce. Kafka's ReplicationQuotaManager is the
// model: a rate over a window of one-second samples (Kafka's defaults: 11 of them); while the
// rate is above the cap, the throttled replicas sit out the fetch (follower) or get no data in
// it (leader).
//
// Event loop only.

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace moldau::broker::replica {

class ReplicationQuota {
 public:
  static constexpr int64_t kUnthrottled = INT64_MAX;

  // Whether the bytes recorded over the window exceed `rate` bytes per second.
  bool exceeded(int64_t rate, int64_t now_ms);
  void record(int64_t bytes, int64_t now_ms);

 private:
  void expire(int64_t now_ms);
  std::deque<std::pair<int64_t, int64_t>> samples_;  // (second, bytes)
};

// Whether a throttled-replicas topic config ("*", or "partition:broker,...") names the replica
// of `partition` on `broker`.
bool names_replica(const std::string& config, int32_t partition, int32_t broker);

}  // namespace moldau::broker::replica
