#pragma once
// The partitions this broker holds replicas of, kept in step with the metadata: it creates and
// deletes their logs, makes each one leader or follower as its state says, runs one fetcher
// per leader broker for the partitions it follows, keeps the ISR of the partitions it leads
// (shrinking it after replica.lag.time.max.ms, growing it when a follower catches up, written
// to the store with a compare on the partition's state), and holds acks=all produce requests
// until the high watermark covers them. Kafka's ReplicaManager.scala is the model.
//
// Event loop only.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "moldau/broker/metadata/metadata_store.h"
#include "moldau/broker/replica/partition.h"
#include "moldau/broker/replica/replication_quota.h"
#include "moldau/common/result.h"
#include "moldau/storage/partition_log.h"

namespace moldau::broker {
class Broker;
}

namespace moldau::broker::replica {

class ReplicaFetcher;

// Told when this broker starts or stops leading a partition (the coordinators load and unload
// their state with the leadership of their internal topic's partitions).
class LeadershipListener {
 public:
  virtual ~LeadershipListener() = default;
  virtual void on_leader(const std::string& topic, int32_t partition) = 0;
  virtual void on_not_leader(const std::string& topic, int32_t partition) = 0;
};

class ReplicaManager : public MetadataListener {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReplicaManager(Broker& broker);
  ~ReplicaManager() override;

  // Takes every topic of the metadata as new (start-up): logs, states, fetchers.
  Status start();
  // Stops the fetchers and timers.
  void shutdown();

  void add_leadership_listener(LeadershipListener* l) { leadership_listeners_.push_back(l); }

  // The partition, when this broker holds a replica of it.
  std::shared_ptr<Partition> get(const std::string& topic, int32_t partition) const;
  // For requests that need the leader: the partition, or the error to answer:
  // UNKNOWN_TOPIC_OR_PARTITION (no such partition in the metadata), NOT_LEADER_OR_FOLLOWER,
  // FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH (the client's epoch, when >= 0, is off).
  std::pair<std::shared_ptr<Partition>, ErrorCode> leader(const std::string& topic, int32_t partition,
                                                          int32_t client_epoch = -1) const;
  std::vector<std::shared_ptr<Partition>> all() const;

  // Produce: appends as leader, then with acks=-1 waits until the high watermark covers the
  // batch (REQUEST_TIMED_OUT at the deadline, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR
  // shrank below min.insync.replicas meanwhile). The append info is returned either way.
  struct ProduceResult {
    ErrorCode error = ErrorCode::kNone;
    std::string message;
    storage::AppendInfo info;
  };
  asio::awaitable<ProduceResult> append(const std::string& topic, int32_t partition, std::span<uint8_t> batches,
                                        int16_t acks, Clock::time_point deadline,
                                        const storage::AppendOptions& options);
  // Waits until the high watermark of a partition this broker leads reaches `end_offset`:
  // kNone, REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS_AFTER_APPEND.
  asio::awaitable<ErrorCode> wait_replicated(std::shared_ptr<Partition> partition, int64_t end_offset,
                                             int32_t min_insync, Clock::time_point deadline);

  // The leader's side of a follower's fetch: records the follower's position; wakes what waits
  // on the high watermark when it moved; may grow the ISR.
  void follower_fetched(Partition& partition, int32_t replica, int64_t fetch_offset);
  // A follower appended what it fetched (wakes waiters on the partition).
  void follower_appended(Partition& partition);

  // min.insync.replicas of a topic.
  int32_t min_insync_replicas(const std::string& topic) const;

  // Replication throttles (replication_quota.h): whether replicating a partition to `follower`
  // is throttled on this broker now, as its leader (`leader_side`) or as that follower: the
  // topic's throttled-replicas config names this broker's replica and the follower is out of
  // the ISR. And the broker's quotas, which every fetcher and fetch share.
  bool throttled(const std::string& topic, int32_t partition, int32_t follower, bool leader_side) const;
  ReplicationQuota& leader_quota() { return leader_quota_; }
  ReplicationQuota& follower_quota() { return follower_quota_; }

  // The broker lost its registration (etcd lease): it stops leading anything at once, so that
  // a deposed leader takes no more writes while the controller elects others.
  void resign_all();

  void on_metadata_change(const MetadataDelta& delta) override;

 private:
  void reconcile_topic(const std::string& name);
  void remove_partition(const std::string& topic, int32_t partition);
  void became_leader(const std::shared_ptr<Partition>& p);
  void became_follower(const std::shared_ptr<Partition>& p, bool was_leader);
  void refresh_fetchers();
  void check_isr();
  void maybe_change_isr(const std::shared_ptr<Partition>& p);
  asio::awaitable<void> write_isr(std::shared_ptr<Partition> p, std::vector<int32_t> isr);
  void schedule_isr_check();
  void notify(const Partition& p);

  Broker& broker_;
  const int32_t local_id_;
  std::map<std::pair<std::string, int32_t>, std::shared_ptr<Partition>> partitions_;
  std::map<int32_t, std::unique_ptr<ReplicaFetcher>> fetchers_;  // by leader broker id
  std::map<int32_t, int64_t> fetcher_leader_epochs_;  // the leader registration each connects to
  std::vector<LeadershipListener*> leadership_listeners_;
  ReplicationQuota leader_quota_;
  ReplicationQuota follower_quota_;
  asio::steady_timer isr_timer_;
  bool shut_down_ = false;
};

}  // namespace moldau::broker::replica
