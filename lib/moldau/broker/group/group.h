#pragma once
// One consumer group as the coordinator keeps it: Kafka's classic group state machine
// (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead), its members with their
// protocols, timeouts and assignments, static members, members that still owe a rejoin
// (MEMBER_ID_REQUIRED), and the group's committed offsets. This file holds the bookkeeping
// that needs no sockets or timers' firing (protocol choice, joins counted, subscriptions),
// so it can be tested on its own; GroupCoordinator drives the transitions. Event loop only.

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moldau/common/error_code.h"
#include "moldau/protocol/records.h"

namespace moldau::broker::group {

using protocol::Bytes;

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
const char* state_name(GroupState state);
// Case-insensitive, as ListGroups' states filter; nullopt for unknown names.
std::optional<GroupState> parse_state(std::string_view name);

// Java's String.hashCode over the UTF-16 code units of `utf8` (invalid UTF-8 bytes count as
// U+FFFD, as Java's decoder does).
int32_t java_string_hash(std::string_view utf8);
// The __consumer_offsets partition of a group: Utils.abs(groupId.hashCode) % partitions.
int32_t partition_for(std::string_view group_id, int32_t num_partitions);

// Answers delivered to suspended JoinGroup / SyncGroup requests.
struct JoinMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;
};
struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<JoinMember> members;
};
struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};

// A suspended request's slot: whoever completes it sets the result and cancels the timer the
// request waits on. Completing twice keeps the first result.
template <class T>
struct Waiter {
  explicit Waiter(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::optional<T> result;
  void complete(T r) {
    if (result) return;
    result = std::move(r);
    timer.cancel();
  }
};

struct Protocol {
  std::string name;
  Bytes metadata;
  friend bool operator==(const Protocol&, const Protocol&) = default;
};

struct Member {
  std::string id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  Bytes assignment;
  bool is_new = false;  // joined and not yet through a completed join
  std::shared_ptr<Waiter<JoinResult>> join_waiter;
  std::shared_ptr<Waiter<SyncResult>> sync_waiter;
  std::shared_ptr<asio::steady_timer> heartbeat_timer;
  uint64_t heartbeat_seq = 0;

  bool awaiting_join() const { return join_waiter != nullptr; }
  bool awaiting_sync() const { return sync_waiter != nullptr; }
  const Bytes* metadata_for(std::string_view protocol) const;
  // Same protocols, names and metadata, in the same order.
  bool matches(const std::vector<Protocol>& protocols) const { return this->protocols == protocols; }
  // The first of this member's protocols that is among `candidates`.
  std::string vote(const std::set<std::string>& candidates) const;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = 0;
  int64_t expire_timestamp = -1;
};

using TopicPartition = std::pair<std::string, int32_t>;

class Group {
 public:
  explicit Group(std::string id) : id_(std::move(id)) {}

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  void transition(GroupState to, int64_t now_ms) {
    state_ = to;
    state_timestamp_ms_ = now_ms;
  }
  int64_t state_timestamp_ms() const { return state_timestamp_ms_; }
  bool is(GroupState s) const { return state_ == s; }
  // Stable, CompletingRebalance and Empty groups may start a rebalance.
  bool can_rebalance() const {
    return state_ == GroupState::kStable || state_ == GroupState::kCompletingRebalance ||
           state_ == GroupState::kEmpty;
  }

  int32_t generation = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol;  // the selected protocol of the current generation
  std::string leader;                   // empty when none
  bool new_member_added = false;        // during the initial rebalance delay
  bool initial_delay = false;           // the join phase waits out group.initial.rebalance.delay.ms
  std::map<TopicPartition, CommittedOffset> offsets;
  // Transactional offset commits (TxnOffsetCommit) by producer id, made visible by the
  // transaction's COMMIT marker, dropped by its ABORT.
  std::map<int64_t, std::map<TopicPartition, CommittedOffset>> pending_txn_offsets;
  // Join deadline (rebalance timeout / initial delay) of the current rebalance.
  std::shared_ptr<asio::steady_timer> join_timer;
  uint64_t join_seq = 0;

  // Members by id.
  std::map<std::string, Member>& members() { return members_; }
  const std::map<std::string, Member>& members() const { return members_; }
  bool has(const std::string& member_id) const { return members_.contains(member_id); }
  Member* get(const std::string& member_id);
  bool empty() const { return members_.empty(); }
  size_t size() const { return members_.size(); }
  bool is_leader(const std::string& member_id) const { return !leader.empty() && leader == member_id; }

  // Adds a member (the first becomes the leader; a static member is registered under its
  // instance id). Sets the group's protocol type when it had no members.
  Member& add(Member member);
  // Removes a member; a removed leader is replaced by the first remaining member.
  void remove(const std::string& member_id);
  // Re-keys a static member to a new member id (a static member rejoining without its id).
  Member& replace_static_member(const std::string& instance_id, const std::string& old_id,
                                const std::string& new_id);

  // Static members: instance id -> member id.
  std::optional<std::string> static_member(const std::string& instance_id) const;
  // Members that got MEMBER_ID_REQUIRED and have not joined with their id yet, with their
  // expiry timers (session timeout). As in Kafka they outlive a completed join: a pending
  // member that rejoins after its group's generation completed is added and starts the next
  // rebalance, instead of being told UNKNOWN_MEMBER_ID.
  std::map<std::string, std::shared_ptr<asio::steady_timer>> pending_members;
  // The end of a join phase (Kafka's onCompleteJoin): removes the members that did not rejoin
  // and returns their ids. Pending members stay pending.
  std::vector<std::string> remove_members_not_rejoined();

  // Whether a member with this protocol type and protocols may join: any non-empty choice
  // for an empty group; otherwise the same type and a protocol every member supports.
  bool supports_protocols(const std::string& protocol_type,
                          const std::vector<Protocol>& protocols) const;
  // Kafka's choice: candidates are the protocols every member supports; each member votes
  // for its most preferred candidate; most votes wins (ties: the candidate named first in
  // the leader's list, then by name). Empty when no member or no common protocol.
  std::string select_protocol() const;

  int num_awaiting_join() const;
  bool all_members_joined() const {
    return num_awaiting_join() == static_cast<int>(members_.size()) && pending_members.empty();
  }
  // The longest rebalance timeout of the members (the DelayedJoin deadline).
  int32_t max_rebalance_timeout_ms() const;
  // For a "consumer" group with a protocol: the union of the members' subscribed topics;
  // nullopt when unknown (another protocol type, or metadata that does not decode).
  std::optional<std::set<std::string>> subscribed_topics() const;

 private:
  std::string id_;
  GroupState state_ = GroupState::kEmpty;
  int64_t state_timestamp_ms_ = -1;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> static_members_;
};

}  // namespace moldau::broker::group
