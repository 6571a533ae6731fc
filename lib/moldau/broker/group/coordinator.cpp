#include "moldau/broker/group/coordinator.h"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>

#include "moldau/broker/broker.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"
#include "moldau/common/uuid.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/internal_records.h"
#include "moldau/protocol/record.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::broker::group {

namespace {

spdlog::logger& group_log() { return logger("group-coordinator"); }

// Java's UUID.randomUUID().toString(): what Kafka appends to the client id in member ids.
std::string java_uuid() {
  Uuid u = Uuid::random();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(u.hi >> 32),
                static_cast<unsigned>((u.hi >> 16) & 0xffff), static_cast<unsigned>(u.hi & 0xffff),
                static_cast<unsigned>(u.lo >> 48),
                static_cast<unsigned long long>(u.lo & 0xffffffffffffULL));
  return buf;
}

template <class T>
asio::awaitable<T> wait_for(std::shared_ptr<Waiter<T>> w) {
  while (!w->result) {
    w->timer.expires_after(std::chrono::hours(24));
    asio::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return std::move(*w->result);
}

JoinResult join_error(ErrorCode e, std::string member_id = {}) {
  JoinResult r;
  r.error = e;
  r.member_id = std::move(member_id);
  return r;
}

SyncResult sync_error(ErrorCode e) {
  SyncResult r;
  r.error = e;
  return r;
}

// Gives `e` to every offset of a commit that has no error yet.
void fail_remaining(std::vector<OffsetToCommit>& offsets, ErrorCode e) {
  for (auto& o : offsets)
    if (o.error == ErrorCode::kNone) o.error = e;
}

// A commit's offsets as the group keeps them; `expire_at` -1: no expiry.
CommittedOffset committed_offset(const OffsetToCommit& o, int64_t now, int64_t expire_at) {
  return CommittedOffset{o.offset, o.leader_epoch, o.metadata.value_or(""), now, expire_at};
}

// The __consumer_offsets records of a commit, one per offset not already failed (metadata over
// offset.metadata.max.bytes fails its offset here); `accepted` gets those offsets in order.
std::vector<std::pair<Bytes, std::optional<Bytes>>> offset_commit_records(
    const std::string& group_id, std::vector<OffsetToCommit>& offsets, int64_t now, int64_t expire_at,
    std::vector<OffsetToCommit*>& accepted) {
  std::vector<std::pair<Bytes, std::optional<Bytes>>> records;
  for (auto& o : offsets) {
    if (o.error != ErrorCode::kNone) continue;
    if (o.metadata && o.metadata->size() > kOffsetMetadataMaxBytes) {
      o.error = ErrorCode::kOffsetMetadataTooLarge;
      continue;
    }
    CommittedOffset c = committed_offset(o, now, expire_at);
    protocol::OffsetCommitValue v;
    v.offset = c.offset;
    v.leader_epoch = c.leader_epoch;
    v.metadata = std::move(c.metadata);
    v.commit_timestamp = c.commit_timestamp;
    v.expire_timestamp = c.expire_timestamp;
    records.emplace_back(protocol::encode_offset_commit_key(group_id, o.topic, o.partition),
                         protocol::encode_offset_commit_value(v));
    accepted.push_back(&o);
  }
  return records;
}

}  // namespace

GroupCoordinator::GroupCoordinator(Broker& broker)
    : broker_(broker), io_(broker.io()), cleanup_timer_(broker.io()) {}

GroupCoordinator::~GroupCoordinator() = default;

const Group* GroupCoordinator::find(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

Group* GroupCoordinator::find_mut(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::get_or_create(const std::string& group_id) {
  auto& slot = groups_[group_id];
  if (!slot) {
    slot = std::make_unique<Group>(group_id);
    slot->transition(GroupState::kEmpty, wall_clock_ms());
  }
  return *slot;
}

int32_t GroupCoordinator::partition_for(const std::string& group_id) const {
  if (const TopicMetadata* t = broker_.metadata().find_topic(kConsumerOffsetsTopic))
    return group::partition_for(group_id, t->partition_count());
  return group::partition_for(group_id, broker_.config().offsets_topic_num_partitions);
}

asio::awaitable<Status> GroupCoordinator::ensure_offsets_topic() {
  const auto& cfg = broker_.config();
  // Arguments built first: g++ 12 cannot take a char array or a braced list into a coroutine's
  // by-value parameters.
  std::string name = kConsumerOffsetsTopic;
  std::map<std::string, std::string> configs{{"compression.type", "producer"}};
  co_return co_await broker_.topics().ensure_internal_topic(
      std::move(name), cfg.offsets_topic_num_partitions, cfg.offsets_topic_replication_factor, std::move(configs));
}

bool GroupCoordinator::serves(const std::string& group_id) const {
  return !shut_down_ && owned_partitions_.count(partition_for(group_id)) > 0;
}

void GroupCoordinator::on_leader(const std::string& topic, int32_t partition) {
  if (topic != kConsumerOffsetsTopic || shut_down_) return;
  Status s = load_partition(partition);
  if (!s.ok()) {
    group_log().error("loading {}-{} failed: {}", kConsumerOffsetsTopic, partition, s.to_string());
    return;
  }
  owned_partitions_.insert(partition);
}

void GroupCoordinator::on_not_leader(const std::string& topic, int32_t partition) {
  if (topic != kConsumerOffsetsTopic) return;
  owned_partitions_.erase(partition);
  unload_partition(partition);
}

void GroupCoordinator::unload_partition(int32_t partition) {
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (partition_for(it->first) != partition) {
      ++it;
      continue;
    }
    Group& g = *it->second;
    if (g.join_timer) g.join_timer->cancel();
    for (auto& [pid, t] : g.pending_members)
      if (t) t->cancel();
    for (auto& [mid, m] : g.members()) {
      if (m.heartbeat_timer) m.heartbeat_timer->cancel();
      if (m.join_waiter) m.join_waiter->complete(join_error(ErrorCode::kNotCoordinator, mid));
      if (m.sync_waiter) m.sync_waiter->complete(sync_error(ErrorCode::kNotCoordinator));
      m.join_waiter.reset();
      m.sync_waiter.reset();
    }
    it = groups_.erase(it);
  }
  group_log().info("Unloaded the groups of {}-{}", kConsumerOffsetsTopic, partition);
}

asio::awaitable<ErrorCode> GroupCoordinator::commit_replicated() {
  if (!last_write_) co_return ErrorCode::kNone;
  Write w = std::move(*last_write_);
  last_write_.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(broker_.config().offset_commit_timeout_ms);
  ErrorCode e = co_await broker_.replicas().wait_replicated(
      w.partition, w.end_offset, broker_.replicas().min_insync_replicas(kConsumerOffsetsTopic), deadline);
  // GroupMetadataManager.storeOffsets' mapping of append errors.
  switch (e) {
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kNotEnoughReplicasAfterAppend:
    case ErrorCode::kUnknownTopicOrPartition:
      co_return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
      co_return ErrorCode::kNotCoordinator;
    default:
      co_return e;
  }
}

// ---------------------------------------------------------------------------------------------
// Persistence

Status GroupCoordinator::append(const std::string& group_id,
                                std::vector<std::pair<Bytes, std::optional<Bytes>>> records,
                                int64_t producer_id, int16_t producer_epoch) {
  if (records.empty()) return Status();
  int32_t partition = partition_for(group_id);
  auto [leader, error] = broker_.replicas().leader(kConsumerOffsetsTopic, partition);
  if (!leader)
    return Status(error == ErrorCode::kUnknownTopicOrPartition ? ErrorCode::kCoordinatorNotAvailable
                                                              : ErrorCode::kNotCoordinator,
                  "this broker does not lead " + std::string(kConsumerOffsetsTopic) + "-" + std::to_string(partition));
  protocol::BatchBuilder::Options bo;
  if (producer_id >= 0) {
    // A transactional offset commit: part of the producer's transaction.
    bo.producer_id = producer_id;
    bo.producer_epoch = producer_epoch;
    bo.transactional = true;
  }
  protocol::BatchBuilder builder(bo);
  int64_t now = wall_clock_ms();
  for (auto& [key, value] : records) {
    protocol::Record r;
    r.timestamp = now;
    r.key = std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
    if (value) r.value = std::string_view(reinterpret_cast<const char*>(value->data()), value->size());
    builder.add(r);
  }
  MOLDAU_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.build());
  storage::AppendOptions ao;
  ao.origin = storage::AppendOrigin::kCoordinator;
  auto info = leader->append_as_leader(batch, -1, broker_.replicas().min_insync_replicas(kConsumerOffsetsTopic), ao);
  if (!info.ok()) {
    group_log().error("append to {}-{} failed: {}", kConsumerOffsetsTopic, partition, info.status().to_string());
    return info.status();
  }
  last_write_ = Write{leader, info->last_offset + 1};
  broker_.purgatory().notify(kConsumerOffsetsTopic, partition);
  return Status();
}

Status GroupCoordinator::store_group(const Group& g) {
  protocol::GroupMetadataValue v;
  v.protocol_type = g.protocol_type.value_or("");
  v.generation = g.generation;
  v.protocol = g.protocol;
  if (!g.leader.empty()) v.leader = g.leader;
  v.current_state_timestamp = g.state_timestamp_ms();
  for (const auto& [id, m] : g.members()) {
    protocol::GroupMetadataValue::MemberMetadata mm;
    mm.member_id = id;
    mm.group_instance_id = m.instance_id;
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout = m.rebalance_timeout_ms;
    mm.session_timeout = m.session_timeout_ms;
    if (g.protocol)
      if (const Bytes* md = m.metadata_for(*g.protocol)) mm.subscription = *md;
    mm.assignment = m.assignment;
    v.members.push_back(std::move(mm));
  }
  std::vector<std::pair<Bytes, std::optional<Bytes>>> recs;
  recs.emplace_back(protocol::encode_group_metadata_key(g.id()),
                    protocol::encode_group_metadata_value(std::move(v)));
  return append(g.id(), std::move(recs));
}

Status GroupCoordinator::load_partition(int32_t partition) {
  std::map<std::string, std::optional<protocol::GroupMetadataValue>> loaded_groups;
  std::map<std::string, std::map<TopicPartition, CommittedOffset>> loaded_offsets;
  // Transactional commits by producer id, until their marker.
  std::map<int64_t, std::map<std::string, std::map<TopicPartition, CommittedOffset>>> loaded_pending;
  int64_t records = 0;
  auto replay = [&](const protocol::BatchView& view, int64_t from) -> Status {
    const auto& h = view.header;
    if (h.is_control() && h.producer_id >= 0 && h.next_offset() > from) {
      auto decoded = protocol::decode_records(view.bytes);
      if (decoded.ok() && !decoded->records.empty() && decoded->records[0].key &&
          decoded->records[0].key->size() >= 4) {
        const auto* k = reinterpret_cast<const uint8_t*>(decoded->records[0].key->data());
        bool commit = ((k[2] << 8) | k[3]) == 1;
        if (auto pit = loaded_pending.find(h.producer_id); pit != loaded_pending.end()) {
          if (commit)
            for (auto& [gid, offs] : pit->second)
              for (auto& [tp, o] : offs) loaded_offsets[gid][tp] = o;
          loaded_pending.erase(pit);
        }
      }
    }
    if (h.is_control()) return Status();
    auto decoded = protocol::decode_records(view.bytes);
    if (!decoded.ok()) return decoded.status();
    for (const auto& r : decoded->records) {
      if (r.offset < from || !r.key) continue;
      ++records;
      auto key = protocol::decode_coordinator_key(
          {reinterpret_cast<const uint8_t*>(r.key->data()), r.key->size()});
      if (!key.ok()) continue;  // a record kind we do not know
      std::span<const uint8_t> value;
      if (r.value) value = {reinterpret_cast<const uint8_t*>(r.value->data()), r.value->size()};
      if (auto* ok = std::get_if<protocol::OffsetCommitKey>(&*key)) {
        TopicPartition tp(ok->topic, ok->partition);
        if (!r.value) {
          loaded_offsets[ok->group].erase(tp);
          continue;
        }
        auto v = protocol::decode_offset_commit_value(value);
        if (!v.ok()) continue;
        CommittedOffset co{v->offset, v->leader_epoch, v->metadata, v->commit_timestamp,
                           v->expire_timestamp};
        if (h.is_transactional() && h.producer_id >= 0)
          loaded_pending[h.producer_id][ok->group][tp] = co;
        else
          loaded_offsets[ok->group][tp] = co;
      } else {
        const auto& gk = std::get<protocol::GroupMetadataKey>(*key);
        if (!r.value) {
          loaded_groups[gk.group] = std::nullopt;
          continue;
        }
        auto v = protocol::decode_group_metadata_value(value);
        if (!v.ok()) continue;
        loaded_groups[gk.group] = std::move(*v);
      }
    }
    return Status();
  };
  MOLDAU_RETURN_IF_ERROR(broker_.topics().replay_internal_partition(kConsumerOffsetsTopic, partition, replay));
  const int64_t now = wall_clock_ms();
  for (auto& [id, value] : loaded_groups) {
    if (!value) continue;
    Group& g = get_or_create(id);
    g.generation = value->generation;
    g.protocol_type = value->protocol_type;
    g.protocol = value->protocol;
    g.leader = value->leader.value_or("");
    for (auto& mm : value->members) {
      Member m;
      m.id = mm.member_id;
      m.instance_id = mm.group_instance_id;
      m.client_id = mm.client_id;
      m.client_host = mm.client_host;
      m.rebalance_timeout_ms = mm.rebalance_timeout;
      m.session_timeout_ms = mm.session_timeout;
      m.protocol_type = value->protocol_type;
      if (value->protocol) m.protocols.push_back({*value->protocol, mm.subscription});
      m.assignment = mm.assignment;
      g.add(std::move(m));
    }
    g.leader = value->leader.value_or(g.leader);
    g.transition(g.empty() ? GroupState::kEmpty : GroupState::kStable, now);
    for (auto& [mid, m] : g.members()) schedule_heartbeat(g, m, m.session_timeout_ms);
  }
  for (auto& [id, offsets] : loaded_offsets) {
    if (offsets.empty() && !find(id)) continue;
    Group& g = get_or_create(id);
    g.offsets = std::move(offsets);
  }
  for (auto& [pid, by_group] : loaded_pending)
    for (auto& [gid, offs] : by_group) get_or_create(gid).pending_txn_offsets[pid] = std::move(offs);
  if (records > 0)
    group_log().info("Loaded {} groups from {} records of {}-{}", loaded_groups.size(), records,
                     kConsumerOffsetsTopic, partition);
  return Status();
}

void GroupCoordinator::start() {
  // offsets.retention.check.interval.ms (Kafka's default: 10 minutes).
  int64_t interval = 600000;
  if (auto v = broker_.config().properties().get("offsets.retention.check.interval.ms")) {
    try {
      interval = std::stoll(*v);
    } catch (...) {
    }
  }
  if (interval <= 0 || shut_down_) return;
  cleanup_timer_.expires_after(std::chrono::milliseconds(interval));
  cleanup_timer_.async_wait([this](asio::error_code ec) {
    if (ec || shut_down_) return;
    expire_offsets();
    start();
  });
}

void GroupCoordinator::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  cleanup_timer_.cancel();
  for (auto& [id, g] : groups_) {
    if (g->join_timer) g->join_timer->cancel();
    for (auto& [pid, t] : g->pending_members)
      if (t) t->cancel();
    for (auto& [mid, m] : g->members()) {
      if (m.heartbeat_timer) m.heartbeat_timer->cancel();
      if (m.join_waiter) m.join_waiter->complete(join_error(ErrorCode::kNotCoordinator, mid));
      if (m.sync_waiter) m.sync_waiter->complete(sync_error(ErrorCode::kNotCoordinator));
      m.join_waiter.reset();
      m.sync_waiter.reset();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Heartbeats and timers

void GroupCoordinator::schedule_heartbeat(Group& g, Member& m, int64_t timeout_ms) {
  if (shut_down_) return;
  if (!m.heartbeat_timer) m.heartbeat_timer = std::make_shared<asio::steady_timer>(io_);
  uint64_t seq = ++m.heartbeat_seq;
  m.heartbeat_timer->expires_after(std::chrono::milliseconds(timeout_ms));
  m.heartbeat_timer->async_wait([this, gid = g.id(), mid = m.id, seq](asio::error_code ec) {
    if (ec) return;
    on_heartbeat_expired(gid, mid, seq);
  });
}

void GroupCoordinator::on_heartbeat_expired(const std::string& group_id, const std::string& member_id,
                                            uint64_t seq) {
  Group* g = find_mut(group_id);
  if (!g || shut_down_) return;
  Member* m = g->get(member_id);
  if (!m || m->heartbeat_seq != seq) return;
  // Members waiting in a join or sync are covered by the rebalance timeout, except new
  // members, which may expire while they wait.
  if (!m->is_new && (m->awaiting_join() || m->awaiting_sync())) return;
  group_log().info("Member {} in group {} has failed, removing it from the group", member_id, group_id);
  remove_member_and_update_group(*g, member_id);
}

void GroupCoordinator::schedule_pending_expiry(Group& g, const std::string& member_id, int64_t timeout_ms) {
  auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(timeout_ms));
  g.pending_members[member_id] = timer;
  timer->async_wait([this, gid = g.id(), member_id, weak = std::weak_ptr(timer)](asio::error_code ec) {
    if (ec || shut_down_) return;
    Group* grp = find_mut(gid);
    if (!grp) return;
    auto it = grp->pending_members.find(member_id);
    if (it == grp->pending_members.end() || it->second != weak.lock()) return;
    remove_pending_member(*grp, member_id);
  });
}

void GroupCoordinator::remove_pending_member(Group& g, const std::string& member_id) {
  auto it = g.pending_members.find(member_id);
  if (it == g.pending_members.end()) return;
  if (it->second) it->second->cancel();
  g.pending_members.erase(it);
  if (g.is(GroupState::kPreparingRebalance)) try_complete_join(g);
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

asio::awaitable<JoinResult> GroupCoordinator::join(JoinArgs args) {
  const auto& cfg = broker_.config();
  if (!serves(args.group_id)) co_return join_error(ErrorCode::kNotCoordinator, args.member_id);
  if (args.group_id.empty()) co_return join_error(ErrorCode::kInvalidGroupId, args.member_id);
  if (args.session_timeout_ms < cfg.group_min_session_timeout_ms ||
      args.session_timeout_ms > cfg.group_max_session_timeout_ms)
    co_return join_error(ErrorCode::kInvalidSessionTimeout, args.member_id);
  if (!broker_.metadata().find_topic(kConsumerOffsetsTopic))
    co_return join_error(ErrorCode::kCoordinatorNotAvailable, args.member_id);

  const bool unknown_member = args.member_id.empty();
  Group* g = unknown_member ? &get_or_create(args.group_id) : find_mut(args.group_id);
  if (!g) co_return join_error(ErrorCode::kUnknownMemberId, args.member_id);

  // group.max.size: a joining member beyond the limit is refused.
  const size_t max_size = static_cast<size_t>(cfg.group_max_size);
  bool accept;
  if (g->is(GroupState::kEmpty) || g->is(GroupState::kDead)) {
    accept = true;
  } else if (g->is(GroupState::kPreparingRebalance)) {
    const Member* m = g->get(args.member_id);
    accept = (m && m->awaiting_join()) || static_cast<size_t>(g->num_awaiting_join()) < max_size;
  } else {
    accept = g->has(args.member_id) || g->size() < max_size;
  }
  if (!accept) {
    if (g->empty() && g->offsets.empty() && g->is(GroupState::kEmpty) && g->generation == 0)
      groups_.erase(args.group_id);
    co_return join_error(ErrorCode::kGroupMaxSizeReached, args.member_id);
  }

  auto w = std::make_shared<Waiter<JoinResult>>(io_);
  if (unknown_member)
    do_new_member_join(*g, args, w);
  else
    do_current_member_join(*g, args, w);
  JoinResult r = co_await wait_for(w);
  co_return r;
}

void GroupCoordinator::do_new_member_join(Group& g, JoinArgs& args, std::shared_ptr<Waiter<JoinResult>> w) {
  if (g.is(GroupState::kDead)) return w->complete(join_error(ErrorCode::kCoordinatorNotAvailable));
  if (!g.supports_protocols(args.protocol_type, args.protocols))
    return w->complete(join_error(ErrorCode::kInconsistentGroupProtocol));
  std::string new_id = args.client_id + "-" + java_uuid();
  if (args.instance_id) return do_static_member_join(g, args, new_id, w);
  if (args.require_known_member_id) {
    // KIP-394: the client must come back with this id.
    schedule_pending_expiry(g, new_id, args.session_timeout_ms);
    JoinResult r = join_error(ErrorCode::kMemberIdRequired, new_id);
    return w->complete(std::move(r));
  }
  add_member_and_rebalance(g, args, new_id, w);
}

void GroupCoordinator::do_static_member_join(Group& g, JoinArgs& args, const std::string& new_id,
                                             std::shared_ptr<Waiter<JoinResult>> w) {
  auto old_id = g.static_member(*args.instance_id);
  if (!old_id || !g.has(*old_id)) return add_member_and_rebalance(g, args, new_id, w);
  // The instance's new incarnation replaces the old one, which is fenced.
  Member* old = g.get(*old_id);
  if (old->join_waiter) {
    old->join_waiter->complete(join_error(ErrorCode::kFencedInstanceId, *old_id));
    old->join_waiter.reset();
  }
  if (old->sync_waiter) {
    old->sync_waiter->complete(sync_error(ErrorCode::kFencedInstanceId));
    old->sync_waiter.reset();
  }
  Member& m = g.replace_static_member(*args.instance_id, *old_id, new_id);
  m.client_id = args.client_id;
  m.client_host = args.client_host;
  if (g.is(GroupState::kStable)) {
    // As Kafka: the restarted instance takes its old place without a rebalance unless its
    // protocols change the group's protocol choice. Its metadata does differ (a restarted Java
    // consumer lists no owned partitions), which must not cost the group a rebalance.
    m.protocols = args.protocols;
    m.protocol_type = args.protocol_type;
    m.session_timeout_ms = args.session_timeout_ms;
    m.rebalance_timeout_ms = args.rebalance_timeout_ms;
  }
  if (g.is(GroupState::kStable) && g.protocol && *g.protocol == g.select_protocol()) {
    schedule_heartbeat(g, m, m.session_timeout_ms);
    (void)store_group(g);
    bool leader = g.is_leader(new_id);
    JoinResult r = current_generation_result(g, new_id, leader);
    r.skip_assignment = leader;
    return w->complete(std::move(r));
  }
  update_member_and_rebalance(g, m, args, w);
}

void GroupCoordinator::do_current_member_join(Group& g, JoinArgs& args, std::shared_ptr<Waiter<JoinResult>> w) {
  const std::string& id = args.member_id;
  if (g.is(GroupState::kDead)) return w->complete(join_error(ErrorCode::kCoordinatorNotAvailable, id));
  if (!g.supports_protocols(args.protocol_type, args.protocols))
    return w->complete(join_error(ErrorCode::kInconsistentGroupProtocol, id));
  if (auto pending = g.pending_members.find(id); pending != g.pending_members.end()) {
    // Off the pending list and into the members in one step (Kafka's GroupMetadata.add), so
    // that a join phase cannot complete in between without it.
    if (pending->second) pending->second->cancel();
    g.pending_members.erase(pending);
    return add_member_and_rebalance(g, args, id, w);
  }
  if (ErrorCode e = validate_current_member(g, id, args.instance_id); e != ErrorCode::kNone)
    return w->complete(join_error(e, id));
  Member& m = *g.get(id);
  switch (g.state()) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(g, m, args, w);
    case GroupState::kCompletingRebalance:
      if (m.matches(args.protocols)) {
        // It missed the join response: answer with this generation again.
        return w->complete(current_generation_result(g, id, g.is_leader(id)));
      }
      return update_member_and_rebalance(g, m, args, w);
    case GroupState::kStable:
      if (g.is_leader(id) || !m.matches(args.protocols)) return update_member_and_rebalance(g, m, args, w);
      return w->complete(current_generation_result(g, id, false));
    default:
      return w->complete(join_error(ErrorCode::kUnknownMemberId, id));
  }
}

JoinResult GroupCoordinator::current_generation_result(const Group& g, const std::string& member_id,
                                                       bool include_members) const {
  JoinResult r;
  r.generation = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol;
  r.leader = g.leader;
  r.member_id = member_id;
  if (include_members && g.protocol) {
    for (const auto& [id, m] : g.members()) {
      const Bytes* md = m.metadata_for(*g.protocol);
      r.members.push_back({id, m.instance_id, md ? *md : Bytes()});
    }
  }
  return r;
}

ErrorCode GroupCoordinator::validate_current_member(Group& g, const std::string& member_id,
                                                    const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto current = g.static_member(*instance_id);
    if (current && *current != member_id) return ErrorCode::kFencedInstanceId;
    if (!current && !g.has(member_id)) return ErrorCode::kUnknownMemberId;
  }
  if (!g.has(member_id)) return ErrorCode::kUnknownMemberId;
  return ErrorCode::kNone;
}

void GroupCoordinator::add_member_and_rebalance(Group& g, JoinArgs& args, const std::string& member_id,
                                                std::shared_ptr<Waiter<JoinResult>> w) {
  Member m;
  m.id = member_id;
  m.instance_id = args.instance_id;
  m.client_id = args.client_id;
  m.client_host = args.client_host;
  m.session_timeout_ms = args.session_timeout_ms;
  m.rebalance_timeout_ms = args.rebalance_timeout_ms;
  m.protocol_type = args.protocol_type;
  m.protocols = args.protocols;
  m.is_new = true;
  m.join_waiter = w;
  if (g.is(GroupState::kPreparingRebalance) && g.generation == 0) g.new_member_added = true;
  Member& added = g.add(std::move(m));
  // A new member that never completes its join is dropped after this long.
  schedule_heartbeat(g, added, kNewMemberJoinTimeoutMs);
  maybe_prepare_rebalance(g);
  if (g.is(GroupState::kPreparingRebalance)) try_complete_join(g);
}

void GroupCoordinator::update_member_and_rebalance(Group& g, Member& m, JoinArgs& args,
                                                   std::shared_ptr<Waiter<JoinResult>> w) {
  m.protocols = args.protocols;
  m.protocol_type = args.protocol_type;
  m.rebalance_timeout_ms = args.rebalance_timeout_ms;
  m.session_timeout_ms = args.session_timeout_ms;
  m.client_id = args.client_id;
  m.client_host = args.client_host;
  if (m.join_waiter && m.join_waiter != w)
    m.join_waiter->complete(join_error(ErrorCode::kRebalanceInProgress, m.id));
  m.join_waiter = w;
  maybe_prepare_rebalance(g);
  if (g.is(GroupState::kPreparingRebalance)) try_complete_join(g);
}

void GroupCoordinator::maybe_prepare_rebalance(Group& g) {
  if (g.can_rebalance()) prepare_rebalance(g);
}

void GroupCoordinator::prepare_rebalance(Group& g) {
  if (g.is(GroupState::kCompletingRebalance))
    reset_and_propagate_assignment_error(g, ErrorCode::kRebalanceInProgress);
  const bool initial = g.is(GroupState::kEmpty);
  g.transition(GroupState::kPreparingRebalance, wall_clock_ms());
  group_log().info("Preparing to rebalance group {} in state PreparingRebalance with old generation {}",
                   g.id(), g.generation);
  const int64_t rebalance_timeout = g.max_rebalance_timeout_ms();
  if (initial) {
    const int64_t delay = broker_.config().group_initial_rebalance_delay_ms;
    schedule_join_timer(g, delay, std::max<int64_t>(0, rebalance_timeout - delay), true);
  } else {
    schedule_join_timer(g, rebalance_timeout, 0, false);
  }
}

void GroupCoordinator::schedule_join_timer(Group& g, int64_t delay_ms, int64_t remaining_ms, bool initial) {
  if (!g.join_timer) g.join_timer = std::make_shared<asio::steady_timer>(io_);
  uint64_t seq = ++g.join_seq;
  g.initial_delay = initial;
  g.join_timer->expires_after(std::chrono::milliseconds(delay_ms));
  g.join_timer->async_wait([this, gid = g.id(), seq, remaining_ms, initial](asio::error_code ec) {
    if (ec) return;
    on_join_timer(gid, seq, remaining_ms, initial);
  });
}

void GroupCoordinator::on_join_timer(const std::string& group_id, uint64_t seq, int64_t remaining_ms,
                                     bool initial) {
  Group* g = find_mut(group_id);
  if (!g || shut_down_ || g->join_seq != seq || !g->is(GroupState::kPreparingRebalance)) return;
  if (initial && g->new_member_added && remaining_ms > 0) {
    // InitialDelayedJoin: members keep arriving; wait another delay, within the timeout.
    g->new_member_added = false;
    const int64_t delay = std::min<int64_t>(broker_.config().group_initial_rebalance_delay_ms, remaining_ms);
    schedule_join_timer(*g, delay, remaining_ms - delay, true);
    return;
  }
  complete_join(*g);
}

void GroupCoordinator::try_complete_join(Group& g) {
  if (!g.is(GroupState::kPreparingRebalance)) return;
  // A group coming from Empty waits out the initial delay (Kafka's InitialDelayedJoin never
  // completes early), so that members starting together land in one generation.
  if (g.initial_delay) return;
  if (g.all_members_joined()) complete_join(g);
}

void GroupCoordinator::complete_join(Group& g) {
  if (!g.is(GroupState::kPreparingRebalance)) return;
  ++g.join_seq;  // the join timer is done
  g.initial_delay = false;
  if (g.join_timer) g.join_timer->cancel();
  // Members that did not rejoin in time are out. Pending members (MEMBER_ID_REQUIRED, not
  // yet back) keep their ids until their session timeout: their rejoin starts the next
  // rebalance, as in Kafka.
  for (const auto& id : g.remove_members_not_rejoined())
    group_log().info("Member {} in group {} did not rejoin in time; removing it", id, g.id());
  const int64_t now = wall_clock_ms();
  ++g.generation;
  if (g.empty()) {
    g.protocol.reset();
    g.transition(GroupState::kEmpty, now);
    group_log().info("Group {} with generation {} is now empty", g.id(), g.generation);
    (void)store_group(g);
    return;
  }
  g.protocol = g.select_protocol();
  g.transition(GroupState::kCompletingRebalance, now);
  group_log().info("Stabilized group {} generation {} with {} members", g.id(), g.generation, g.size());
  for (auto& [id, m] : g.members()) {
    auto w = std::move(m.join_waiter);
    m.join_waiter.reset();
    m.is_new = false;
    m.assignment.clear();
    if (w) w->complete(current_generation_result(g, id, g.is_leader(id)));
    schedule_heartbeat(g, m, m.session_timeout_ms);
  }
}

void GroupCoordinator::reset_and_propagate_assignment_error(Group& g, ErrorCode error) {
  for (auto& [id, m] : g.members()) m.assignment.clear();
  propagate_assignment(g, error);
}

void GroupCoordinator::propagate_assignment(Group& g, ErrorCode error) {
  for (auto& [id, m] : g.members()) {
    if (!m.sync_waiter) continue;
    SyncResult r;
    r.error = error;
    if (error == ErrorCode::kNone) {
      r.protocol_type = g.protocol_type;
      r.protocol_name = g.protocol;
      r.assignment = m.assignment;
    }
    auto w = std::move(m.sync_waiter);
    m.sync_waiter.reset();
    w->complete(std::move(r));
    schedule_heartbeat(g, m, m.session_timeout_ms);
  }
}

void GroupCoordinator::remove_member_and_update_group(Group& g, const std::string& member_id) {
  Member* m = g.get(member_id);
  if (!m) return;
  if (m->join_waiter) m->join_waiter->complete(join_error(ErrorCode::kUnknownMemberId, member_id));
  if (m->sync_waiter) m->sync_waiter->complete(sync_error(ErrorCode::kUnknownMemberId));
  g.remove(member_id);
  switch (g.state()) {
    case GroupState::kDead:
    case GroupState::kEmpty:
      break;
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance(g);
      // With nobody left there is nobody to wait for.
      try_complete_join(g);
      break;
    case GroupState::kPreparingRebalance:
      try_complete_join(g);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// SyncGroup, Heartbeat, LeaveGroup

asio::awaitable<SyncResult> GroupCoordinator::sync(SyncArgs args) {
  if (!serves(args.group_id)) co_return sync_error(ErrorCode::kNotCoordinator);
  Group* g = find_mut(args.group_id);
  if (!g) co_return sync_error(ErrorCode::kUnknownMemberId);
  if (g->is(GroupState::kDead)) co_return sync_error(ErrorCode::kCoordinatorNotAvailable);
  if (ErrorCode e = validate_current_member(*g, args.member_id, args.instance_id); e != ErrorCode::kNone)
    co_return sync_error(e);
  if (args.generation != g->generation) co_return sync_error(ErrorCode::kIllegalGeneration);
  if ((args.protocol_type && g->protocol_type != args.protocol_type) ||
      (args.protocol_name && g->protocol != args.protocol_name))
    co_return sync_error(ErrorCode::kInconsistentGroupProtocol);
  Member& m = *g->get(args.member_id);
  switch (g->state()) {
    case GroupState::kEmpty:
      co_return sync_error(ErrorCode::kUnknownMemberId);
    case GroupState::kPreparingRebalance:
      co_return sync_error(ErrorCode::kRebalanceInProgress);
    case GroupState::kStable: {
      schedule_heartbeat(*g, m, m.session_timeout_ms);
      SyncResult r;
      r.protocol_type = g->protocol_type;
      r.protocol_name = g->protocol;
      r.assignment = m.assignment;
      co_return r;
    }
    case GroupState::kDead:
      co_return sync_error(ErrorCode::kCoordinatorNotAvailable);
    case GroupState::kCompletingRebalance:
      break;
  }
  auto w = std::make_shared<Waiter<SyncResult>>(io_);
  if (m.sync_waiter) m.sync_waiter->complete(sync_error(ErrorCode::kRebalanceInProgress));
  m.sync_waiter = w;
  if (g->is_leader(args.member_id)) {
    for (auto& [id, member] : g->members()) {
      auto it = args.assignments.find(id);
      member.assignment = it == args.assignments.end() ? Bytes() : std::move(it->second);
    }
    // Persist the generation with its assignment before handing it out.
    Status s = store_group(*g);
    if (g->is(GroupState::kCompletingRebalance)) {
      if (!s.ok()) {
        reset_and_propagate_assignment_error(*g, ErrorCode::kCoordinatorNotAvailable);
        prepare_rebalance(*g);
      } else {
        propagate_assignment(*g, ErrorCode::kNone);
        g->transition(GroupState::kStable, wall_clock_ms());
      }
    }
  }
  SyncResult r = co_await wait_for(w);
  co_return r;
}

ErrorCode GroupCoordinator::heartbeat(const std::string& group_id, const std::string& member_id,
                                      const std::optional<std::string>& instance_id, int32_t generation) {
  if (!serves(group_id)) return ErrorCode::kNotCoordinator;
  Group* g = find_mut(group_id);
  if (!g) return ErrorCode::kUnknownMemberId;
  if (g->is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  if (ErrorCode e = validate_current_member(*g, member_id, instance_id); e != ErrorCode::kNone) return e;
  Member& m = *g->get(member_id);
  switch (g->state()) {
    case GroupState::kEmpty:
      return ErrorCode::kUnknownMemberId;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      if (generation != g->generation) return ErrorCode::kIllegalGeneration;
      schedule_heartbeat(*g, m, m.session_timeout_ms);
      return ErrorCode::kNone;
    case GroupState::kPreparingRebalance:
      schedule_heartbeat(*g, m, m.session_timeout_ms);
      return ErrorCode::kRebalanceInProgress;
    case GroupState::kDead:
      break;
  }
  return ErrorCode::kCoordinatorNotAvailable;
}

ErrorCode GroupCoordinator::leave(const std::string& group_id, std::vector<LeaveMember>& members) {
  if (!serves(group_id)) return ErrorCode::kNotCoordinator;
  Group* g = find_mut(group_id);
  if (!g) {
    for (auto& lm : members) lm.error = ErrorCode::kUnknownMemberId;
    return ErrorCode::kNone;
  }
  if (g->is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  for (auto& lm : members) {
    std::string id = lm.member_id;
    if (lm.instance_id) {
      auto current = g->static_member(*lm.instance_id);
      if (!current) {
        lm.error = ErrorCode::kUnknownMemberId;
        continue;
      }
      if (!id.empty() && id != *current) {
        lm.error = ErrorCode::kFencedInstanceId;
        continue;
      }
      id = *current;
    }
    if (g->pending_members.contains(id)) {
      remove_pending_member(*g, id);
      continue;
    }
    if (!g->has(id)) {
      lm.error = ErrorCode::kUnknownMemberId;
      continue;
    }
    group_log().info("Member {} has left group {}", id, group_id);
    remove_member_and_update_group(*g, id);
  }
  return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------------------------
// Offsets

void GroupCoordinator::commit_offsets(const std::string& group_id, const std::string& member_id,
                                      const std::optional<std::string>& instance_id, int32_t generation,
                                      int64_t expire_timestamp, std::vector<OffsetToCommit>& offsets) {
  auto fail_all = [&](ErrorCode e) { fail_remaining(offsets, e); };
  if (!serves(group_id)) return fail_all(ErrorCode::kNotCoordinator);
  if (group_id.empty()) return fail_all(ErrorCode::kInvalidGroupId);
  Group* g = find_mut(group_id);
  if (!g) {
    // Only a consumer outside group management (generation -1) may create a group this way.
    if (generation >= 0) return fail_all(ErrorCode::kIllegalGeneration);
    g = &get_or_create(group_id);
  }
  ErrorCode e = ErrorCode::kNone;
  if (g->is(GroupState::kDead)) {
    e = ErrorCode::kCoordinatorNotAvailable;
  } else if (generation >= 0 || !member_id.empty() || instance_id) {
    e = validate_current_member(*g, member_id, instance_id);
    if (e == ErrorCode::kNone && generation != g->generation) e = ErrorCode::kIllegalGeneration;
    if (e == ErrorCode::kNone && g->is(GroupState::kCompletingRebalance)) e = ErrorCode::kRebalanceInProgress;
  } else if (!g->is(GroupState::kEmpty)) {
    // Offsets only (no group management) while the group has members.
    e = ErrorCode::kUnknownMemberId;
  }
  if (e != ErrorCode::kNone) return fail_all(e);
  if (Member* m = g->get(member_id); m && (g->is(GroupState::kStable) || g->is(GroupState::kPreparingRebalance)))
    schedule_heartbeat(*g, *m, m->session_timeout_ms);

  const int64_t now = wall_clock_ms();
  const int64_t expire_at = expire_timestamp >= 0 ? now + expire_timestamp : -1;
  std::vector<OffsetToCommit*> accepted;
  auto records = offset_commit_records(group_id, offsets, now, expire_at, accepted);
  if (records.empty()) return;
  Status s = append(group_id, std::move(records));
  g = find_mut(group_id);
  if (!s.ok() || !g) {
    for (auto* o : accepted) o->error = ErrorCode::kCoordinatorNotAvailable;
    return;
  }
  for (auto* o : accepted) g->offsets[{o->topic, o->partition}] = committed_offset(*o, now, expire_at);
}

void GroupCoordinator::commit_txn_offsets(const std::string& group_id, int64_t producer_id,
                                          int16_t producer_epoch, const std::string& member_id,
                                          const std::optional<std::string>& instance_id, int32_t generation,
                                          std::vector<OffsetToCommit>& offsets) {
  auto fail_all = [&](ErrorCode e) { fail_remaining(offsets, e); };
  if (!serves(group_id)) return fail_all(ErrorCode::kNotCoordinator);
  if (group_id.empty()) return fail_all(ErrorCode::kInvalidGroupId);
  Group* g = find_mut(group_id);
  if (!g) g = &get_or_create(group_id);
  ErrorCode e = ErrorCode::kNone;
  if (g->is(GroupState::kDead)) {
    e = ErrorCode::kCoordinatorNotAvailable;
  } else if (!member_id.empty() || instance_id) {
    e = validate_current_member(*g, member_id, instance_id);
    if (e == ErrorCode::kNone && generation >= 0 && generation != g->generation) e = ErrorCode::kIllegalGeneration;
  } else if (generation >= 0 && generation != g->generation) {
    e = ErrorCode::kIllegalGeneration;
  }
  if (e != ErrorCode::kNone) return fail_all(e);
  const int64_t now = wall_clock_ms();
  std::vector<OffsetToCommit*> accepted;
  auto records = offset_commit_records(group_id, offsets, now, -1, accepted);
  if (records.empty()) return;
  Status s = append(group_id, std::move(records), producer_id, producer_epoch);
  g = find_mut(group_id);
  if (!s.ok() || !g) {
    ErrorCode err = s.code() == ErrorCode::kInvalidProducerEpoch ? ErrorCode::kProducerFenced
                                                                  : ErrorCode::kCoordinatorNotAvailable;
    for (auto* o : accepted) o->error = err;
    return;
  }
  auto& pending = g->pending_txn_offsets[producer_id];
  for (auto* o : accepted) pending[{o->topic, o->partition}] = committed_offset(*o, now, -1);
}

void GroupCoordinator::complete_txn(int64_t producer_id, bool commit) {
  for (auto& [id, g] : groups_) {
    auto it = g->pending_txn_offsets.find(producer_id);
    if (it == g->pending_txn_offsets.end()) continue;
    if (commit)
      for (auto& [tp, o] : it->second) g->offsets[tp] = o;
    g->pending_txn_offsets.erase(it);
  }
}

bool GroupCoordinator::has_pending_txn_offsets(const std::string& group_id) const {
  const Group* g = find(group_id);
  if (!g) return false;
  for (const auto& [pid, offs] : g->pending_txn_offsets)
    if (!offs.empty()) return true;
  return false;
}

bool GroupCoordinator::has_pending_txn_offset(const std::string& group_id,
                                              const TopicPartition& tp) const {
  const Group* g = find(group_id);
  if (!g) return false;
  for (const auto& [pid, offs] : g->pending_txn_offsets)
    if (offs.count(tp)) return true;
  return false;
}

ErrorCode GroupCoordinator::fetch_offsets(const std::string& group_id,
                                          const std::optional<std::vector<TopicPartition>>& partitions,
                                          std::vector<FetchedOffset>& out) {
  if (!serves(group_id)) return ErrorCode::kNotCoordinator;
  const Group* g = find(group_id);
  if (!partitions) {
    if (!g) return ErrorCode::kNone;
    for (const auto& [tp, o] : g->offsets)
      out.push_back({tp.first, tp.second, o.offset, o.leader_epoch, o.metadata, ErrorCode::kNone});
    return ErrorCode::kNone;
  }
  for (const auto& tp : *partitions) {
    FetchedOffset f;
    f.topic = tp.first;
    f.partition = tp.second;
    if (g) {
      if (auto it = g->offsets.find(tp); it != g->offsets.end()) {
        f.offset = it->second.offset;
        f.leader_epoch = it->second.leader_epoch;
        f.metadata = it->second.metadata;
      }
    }
    out.push_back(std::move(f));
  }
  return ErrorCode::kNone;
}

ErrorCode GroupCoordinator::delete_offsets(const std::string& group_id,
                                           std::vector<std::pair<TopicPartition, ErrorCode>>& partitions) {
  if (!serves(group_id)) return ErrorCode::kNotCoordinator;
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  Group* g = find_mut(group_id);
  if (!g || g->is(GroupState::kDead)) return ErrorCode::kGroupIdNotFound;
  std::optional<std::set<std::string>> subscribed;
  if (!g->is(GroupState::kEmpty)) {
    subscribed = g->subscribed_topics();
    if (!subscribed) return ErrorCode::kNonEmptyGroup;
  }
  std::vector<std::pair<Bytes, std::optional<Bytes>>> records;
  std::vector<TopicPartition> removed;
  for (auto& [tp, err] : partitions) {
    if (subscribed && subscribed->contains(tp.first)) {
      err = ErrorCode::kGroupSubscribedToTopic;
      continue;
    }
    err = ErrorCode::kNone;
    if (g->offsets.contains(tp)) {
      records.emplace_back(protocol::encode_offset_commit_key(group_id, tp.first, tp.second), std::nullopt);
      removed.push_back(tp);
    }
  }
  if (!records.empty()) {
    Status s = append(group_id, std::move(records));
    g = find_mut(group_id);
    if (!s.ok() || !g) return ErrorCode::kCoordinatorNotAvailable;
    for (const auto& tp : removed) g->offsets.erase(tp);
  }
  return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------------------------
// ListGroups, DescribeGroups, DeleteGroups

std::vector<GroupOverview> GroupCoordinator::list_groups(const std::vector<std::string>& states_filter) const {
  std::set<GroupState> wanted;
  for (const auto& s : states_filter)
    if (auto st = parse_state(s)) wanted.insert(*st);
  std::vector<GroupOverview> out;
  for (const auto& [id, g] : groups_) {
    if (g->is(GroupState::kDead) || !serves(id)) continue;
    if (!states_filter.empty() && !wanted.contains(g->state())) continue;
    out.push_back({id, g->protocol_type.value_or(""), state_name(g->state())});
  }
  return out;
}

GroupDescription GroupCoordinator::describe(const std::string& group_id) const {
  GroupDescription d;
  if (!serves(group_id)) {
    d.error = ErrorCode::kNotCoordinator;
    return d;
  }
  const Group* g = find(group_id);
  if (!g) {
    d.state = state_name(GroupState::kDead);
    return d;
  }
  d.state = state_name(g->state());
  d.protocol_type = g->protocol_type.value_or("");
  const bool stable = g->is(GroupState::kStable);
  if (stable) d.protocol = g->protocol.value_or("");
  for (const auto& [id, m] : g->members()) {
    MemberDescription md;
    md.member_id = id;
    md.instance_id = m.instance_id;
    md.client_id = m.client_id;
    md.client_host = m.client_host;
    if (stable) {
      if (const Bytes* b = m.metadata_for(d.protocol)) md.metadata = *b;
      md.assignment = m.assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

ErrorCode GroupCoordinator::delete_group(const std::string& group_id) {
  if (!serves(group_id)) return ErrorCode::kNotCoordinator;
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  Group* g = find_mut(group_id);
  if (!g || g->is(GroupState::kDead)) return ErrorCode::kGroupIdNotFound;
  if (!g->is(GroupState::kEmpty)) return ErrorCode::kNonEmptyGroup;
  std::vector<std::pair<Bytes, std::optional<Bytes>>> records;
  for (const auto& [tp, o] : g->offsets)
    records.emplace_back(protocol::encode_offset_commit_key(group_id, tp.first, tp.second), std::nullopt);
  records.emplace_back(protocol::encode_group_metadata_key(group_id), std::nullopt);
  Status s = append(group_id, std::move(records));
  if (!s.ok()) return ErrorCode::kCoordinatorNotAvailable;
  g = find_mut(group_id);
  if (g) {
    g->transition(GroupState::kDead, wall_clock_ms());
    groups_.erase(group_id);
  }
  return ErrorCode::kNone;
}

void GroupCoordinator::expire_offsets() {
  if (shut_down_) return;
  const int64_t now = wall_clock_ms();
  const int64_t retention_ms = static_cast<int64_t>(broker_.config().offsets_retention_minutes) * 60000;
  std::vector<std::string> dead;
  for (auto& [id, g] : groups_) {
    // Kafka: offsets of a group without members expire retention after the group became
    // empty (or after their commit, for groups never managed); an explicit expiry wins.
    if (!g->is(GroupState::kEmpty)) continue;
    const int64_t base = g->generation > 0 || g->protocol_type ? g->state_timestamp_ms() : -1;
    std::vector<std::pair<Bytes, std::optional<Bytes>>> records;
    std::vector<TopicPartition> expired;
    for (const auto& [tp, o] : g->offsets) {
      bool gone = o.expire_timestamp >= 0 ? now >= o.expire_timestamp
                                          : now - std::max(base, o.commit_timestamp) >= retention_ms;
      if (gone) {
        records.emplace_back(protocol::encode_offset_commit_key(id, tp.first, tp.second), std::nullopt);
        expired.push_back(tp);
      }
    }
    const bool now_dead = expired.size() == g->offsets.size() && g->pending_members.empty();
    if (now_dead) records.emplace_back(protocol::encode_group_metadata_key(id), std::nullopt);
    if (records.empty()) continue;
    if (!append(id, std::move(records)).ok()) continue;
    for (const auto& tp : expired) g->offsets.erase(tp);
    if (now_dead) dead.push_back(id);
    group_log().info("Removed {} expired offsets of group {}", expired.size(), id);
  }
  for (const auto& id : dead) groups_.erase(id);
}

void GroupCoordinator::maybe_forget(const std::string& group_id) {
  Group* g = find_mut(group_id);
  if (g && g->is(GroupState::kDead)) groups_.erase(group_id);
}

}  // namespace moldau::broker::group
