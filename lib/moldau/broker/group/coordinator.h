#pragma once
// The group coordinator: Kafka's classic consumer group protocol (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup), committed offsets, and their persistence in __consumer_offsets.
//
// A group is coordinated by the leader of its partition of __consumer_offsets (partition =
// abs(Java hashCode(group id)) % partitions). Groups and offsets live in memory and every change
// is first appended to that partition (Kafka's record formats, protocol/internal_records.h),
// which a broker replays when it becomes the partition's leader, so groups and commits survive
// restarts and move with the leadership; offset commits are answered once replicated.
// Everything runs on the broker's one event loop thread: no locks; the state a coroutine reads
// is looked up again after every suspension.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "moldau/broker/group/group.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/result.h"

namespace moldau::broker {
class Broker;
}

namespace moldau::broker::group {

// Kafka's constants.
inline constexpr int32_t kNewMemberJoinTimeoutMs = 5 * 60 * 1000;
inline constexpr size_t kOffsetMetadataMaxBytes = 4096;  // offset.metadata.max.bytes

struct JoinArgs {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> instance_id;
  bool require_known_member_id = false;  // JoinGroup v4+
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
};

struct SyncArgs {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::map<std::string, Bytes> assignments;  // leader only
};

struct LeaveMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  ErrorCode error = ErrorCode::kNone;  // filled in
};

struct OffsetToCommit {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  ErrorCode error = ErrorCode::kNone;  // in: a handler-side error (unknown topic); out: result
};

// The offsets of an OffsetCommit or TxnOffsetCommit request's topics, a partition the topic
// does not have marked UNKNOWN_TOPIC_OR_PARTITION. `with_leader_epoch`: the version carries
// committed_leader_epoch.
template <class RequestTopics, class Metadata>
std::vector<OffsetToCommit> offsets_to_commit(const RequestTopics& topics, const Metadata& metadata,
                                              bool with_leader_epoch) {
  std::vector<OffsetToCommit> offsets;
  for (const auto& t : topics) {
    const auto* meta = metadata.find_topic(t.name);
    for (const auto& p : t.partitions) {
      OffsetToCommit o;
      o.topic = t.name;
      o.partition = p.partition_index;
      o.offset = p.committed_offset;
      o.leader_epoch = with_leader_epoch ? p.committed_leader_epoch : -1;
      o.metadata = p.committed_metadata;
      if (!meta || p.partition_index < 0 || p.partition_index >= meta->partition_count())
        o.error = ErrorCode::kUnknownTopicOrPartition;
      offsets.push_back(std::move(o));
    }
  }
  return offsets;
}

struct FetchedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  ErrorCode error = ErrorCode::kNone;
};

struct GroupOverview {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;
  Bytes assignment;
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string state;
  std::string protocol_type;
  std::string protocol;
  std::vector<MemberDescription> members;
};

// Coordinates the groups whose partition of __consumer_offsets this broker leads: it loads a
// partition's groups and offsets from the log when it becomes its leader, and drops them when
// it stops leading it; requests for other groups get NOT_COORDINATOR.
class GroupCoordinator : public replica::LeadershipListener {
 public:
  explicit GroupCoordinator(Broker& broker);
  ~GroupCoordinator() override;

  void on_leader(const std::string& topic, int32_t partition) override;
  void on_not_leader(const std::string& topic, int32_t partition) override;
  // Whether this broker coordinates the group now.
  bool serves(const std::string& group_id) const;
  // Starts the periodic offset expiry (offsets.retention.check.interval.ms).
  void start();
  // Broker shutdown: answers suspended joins and syncs with NOT_COORDINATOR, stops timers.
  void shutdown();

  // FindCoordinator for a group: creates __consumer_offsets on first use, as Kafka does.
  asio::awaitable<Status> ensure_offsets_topic();
  // Waits until the last offset commit (of the call just made) is on every in-sync replica of
  // its partition; the error to answer otherwise, mapped as Kafka maps it for commits.
  asio::awaitable<ErrorCode> commit_replicated();
  int32_t partition_for(const std::string& group_id) const;

  asio::awaitable<JoinResult> join(JoinArgs args);
  asio::awaitable<SyncResult> sync(SyncArgs args);
  ErrorCode heartbeat(const std::string& group_id, const std::string& member_id,
                      const std::optional<std::string>& instance_id, int32_t generation);
  // Fills each member's error; returns the top-level error.
  ErrorCode leave(const std::string& group_id, std::vector<LeaveMember>& members);

  // Fills each offset's error; appends the accepted ones to the log before returning.
  void commit_offsets(const std::string& group_id, const std::string& member_id,
                      const std::optional<std::string>& instance_id, int32_t generation,
                      int64_t expire_timestamp, std::vector<OffsetToCommit>& offsets);
  // TxnOffsetCommit: checks the member as Kafka's doTxnCommitOffsets does, appends the
  // offsets as a transactional batch of the producer and holds them pending until
  // complete_txn().
  void commit_txn_offsets(const std::string& group_id, int64_t producer_id, int16_t producer_epoch,
                          const std::string& member_id, const std::optional<std::string>& instance_id,
                          int32_t generation, std::vector<OffsetToCommit>& offsets);
  // The transaction's marker landed in __consumer_offsets: its pending offsets become the
  // committed ones (commit) or are dropped (abort).
  void complete_txn(int64_t producer_id, bool commit);
  // Whether the group has transactional offsets not yet completed, for one partition
  // (OffsetFetch require_stable answers UNSTABLE_OFFSET_COMMIT for it) or for any.
  bool has_pending_txn_offsets(const std::string& group_id) const;
  bool has_pending_txn_offset(const std::string& group_id, const TopicPartition& tp) const;

  // `partitions` nullopt: every committed offset of the group. Returns the group-level error.
  ErrorCode fetch_offsets(const std::string& group_id,
                          const std::optional<std::vector<TopicPartition>>& partitions,
                          std::vector<FetchedOffset>& out);
  // Returns the group-level error; fills per-partition errors.
  ErrorCode delete_offsets(const std::string& group_id,
                           std::vector<std::pair<TopicPartition, ErrorCode>>& partitions);

  std::vector<GroupOverview> list_groups(const std::vector<std::string>& states_filter) const;
  GroupDescription describe(const std::string& group_id) const;
  ErrorCode delete_group(const std::string& group_id);

  // Offsets whose expiry passed, of groups with no members, as offsets.retention.minutes.
  void expire_offsets();

  const Group* find(const std::string& group_id) const;

 private:
  Group* find_mut(const std::string& group_id);
  Group& get_or_create(const std::string& group_id);

  void do_new_member_join(Group& g, JoinArgs& args, std::shared_ptr<Waiter<JoinResult>> w);
  void do_static_member_join(Group& g, JoinArgs& args, const std::string& new_member_id,
                             std::shared_ptr<Waiter<JoinResult>> w);
  void do_current_member_join(Group& g, JoinArgs& args, std::shared_ptr<Waiter<JoinResult>> w);
  void add_member_and_rebalance(Group& g, JoinArgs& args, const std::string& member_id,
                                std::shared_ptr<Waiter<JoinResult>> w);
  void update_member_and_rebalance(Group& g, Member& m, JoinArgs& args,
                                   std::shared_ptr<Waiter<JoinResult>> w);
  JoinResult current_generation_result(const Group& g, const std::string& member_id,
                                       bool include_members) const;
  void maybe_prepare_rebalance(Group& g);
  void prepare_rebalance(Group& g);
  void schedule_join_timer(Group& g, int64_t delay_ms, int64_t remaining_ms, bool initial);
  void on_join_timer(const std::string& group_id, uint64_t seq, int64_t remaining_ms, bool initial);
  // DelayedJoin.tryComplete: completes the join phase when everyone has joined.
  void try_complete_join(Group& g);
  void complete_join(Group& g);
  void reset_and_propagate_assignment_error(Group& g, ErrorCode error);
  void propagate_assignment(Group& g, ErrorCode error);
  void remove_member_and_update_group(Group& g, const std::string& member_id);
  void remove_pending_member(Group& g, const std::string& member_id);
  ErrorCode validate_current_member(Group& g, const std::string& member_id,
                                    const std::optional<std::string>& instance_id) const;

  void schedule_heartbeat(Group& g, Member& m, int64_t timeout_ms);
  void on_heartbeat_expired(const std::string& group_id, const std::string& member_id, uint64_t seq);
  void schedule_pending_expiry(Group& g, const std::string& member_id, int64_t timeout_ms);

  // Replays one partition of __consumer_offsets: offsets, groups and their members.
  Status load_partition(int32_t partition);
  void unload_partition(int32_t partition);
  // Appends records to the group's partition of __consumer_offsets (value nullopt: tombstone).
  Status append(const std::string& group_id,
                std::vector<std::pair<Bytes, std::optional<Bytes>>> records,
                int64_t producer_id = -1, int16_t producer_epoch = -1);
  Status store_group(const Group& g);
  // Removes a Dead group from memory when it has nothing left.
  void maybe_forget(const std::string& group_id);

  Broker& broker_;
  asio::io_context& io_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  asio::steady_timer cleanup_timer_;
  bool shut_down_ = false;
  std::set<int32_t> owned_partitions_;  // of __consumer_offsets, loaded
  struct Write {
    std::shared_ptr<replica::Partition> partition;
    int64_t end_offset;
  };
  std::optional<Write> last_write_;  // the last append, for commit_replicated()
};

}  // namespace moldau::broker::group
