#include "moldau/broker/fetch_session.h"

#include <limits>
#include <tuple>

namespace moldau::broker {

namespace {

// A session's key for a partition: its topic id when the fetch names one (v13+), else its
// topic name; never both, so that a name resolved later does not change the key.
struct PartitionKey {
  Uuid topic_id;
  std::string topic;
  int32_t partition;
  bool operator==(const PartitionKey&) const = default;
};

PartitionKey key_of(const Uuid& topic_id, const std::string& topic, int32_t partition) {
  if (!topic_id.is_zero()) return {topic_id, {}, partition};
  return {{}, topic, partition};
}

struct PartitionKeyHash {
  size_t operator()(const PartitionKey& k) const {
    size_t h = std::hash<std::string>()(k.topic) ^ std::hash<uint64_t>()(k.topic_id.hi) ^
               (std::hash<uint64_t>()(k.topic_id.lo) << 1);
    return h * 31 + static_cast<size_t>(k.partition);
  }
};

}  // namespace

// Kafka's CachedPartition: the request parameters last sent for the partition, and what the
// last response that carried it said.
struct CachedPartition {
  FetchPartitionParams params;
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
};

struct FetchSession {
  int32_t id = 0;
  bool privileged = false;
  bool uses_topic_ids = false;
  int32_t epoch = 0;
  int64_t creation_ms = 0;
  int64_t last_used_ms = 0;
  // The partitions in fetch order; those that returned records move to the back.
  std::list<CachedPartition> partitions;
  std::unordered_map<PartitionKey, std::list<CachedPartition>::iterator, PartitionKeyHash> index;
  // As of the last touch, for eviction (Kafka's EvictableKey and evictable maps).
  size_t cached_size = 0;
  bool evictable_by_all = false;
  bool evictable_by_privileged = false;
  bool in_cache = false;

  CachedPartition* find(const PartitionKey& key) {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &*it->second;
  }
  void add(CachedPartition p) {
    PartitionKey key = key_of(p.params.topic_id, p.params.topic, p.params.partition);
    partitions.push_back(std::move(p));
    index[key] = std::prev(partitions.end());
  }
  bool erase(const PartitionKey& key) {
    auto it = index.find(key);
    if (it == index.end()) return false;
    partitions.erase(it->second);
    index.erase(it);
    return true;
  }
  void move_to_back(const PartitionKey& key) {
    auto it = index.find(key);
    if (it != index.end()) partitions.splice(partitions.end(), partitions, it->second);
  }
};

int32_t next_fetch_epoch(int32_t epoch) {
  if (epoch < 0) return kFinalEpoch;
  if (epoch == std::numeric_limits<int32_t>::max()) return 1;
  return epoch + 1;
}

FetchSessionCache::FetchSessionCache(int32_t max_sessions, int64_t eviction_ms)
    : max_sessions_(max_sessions), eviction_ms_(eviction_ms), random_(std::random_device{}()) {}

FetchSessionCache::~FetchSessionCache() = default;

int32_t FetchSessionCache::new_session_id() {
  std::uniform_int_distribution<int32_t> dist(1, std::numeric_limits<int32_t>::max());
  int32_t id;
  do {
    id = dist(random_);
  } while (sessions_.contains(id));
  return id;
}

void FetchSessionCache::touch(FetchSession& s, int64_t now_ms) {
  s.last_used_ms = now_ms;
  total_partitions_ -= static_cast<int64_t>(s.cached_size);
  s.cached_size = s.partitions.size();
  total_partitions_ += static_cast<int64_t>(s.cached_size);
  const bool old = now_ms - s.creation_ms > eviction_ms_;
  s.evictable_by_privileged = !s.privileged || old;
  s.evictable_by_all = old;
}

void FetchSessionCache::remove(const std::shared_ptr<FetchSession>& s) {
  auto it = sessions_.find(s->id);
  if (it == sessions_.end() || it->second != s) return;
  total_partitions_ -= static_cast<int64_t>(s->cached_size);
  s->in_cache = false;
  sessions_.erase(it);
}

bool FetchSessionCache::try_evict(bool privileged, size_t size, int64_t now_ms) {
  if (sessions_.empty()) return false;
  // The least recently used session, if stale.
  std::shared_ptr<FetchSession> lru;
  for (const auto& [id, s] : sessions_)
    if (!lru || std::tie(s->last_used_ms, s->id) < std::tie(lru->last_used_ms, lru->id)) lru = s;
  if (now_ms - lru->last_used_ms > eviction_ms_) {
    remove(lru);
    ++evictions_;
    return true;
  }
  // Else the least valuable evictable one, if the new session is worth at least as much.
  std::shared_ptr<FetchSession> victim;
  auto key = [](const FetchSession& s) { return std::make_tuple(s.privileged, s.cached_size, s.id); };
  for (const auto& [id, s] : sessions_) {
    if (!(privileged ? s->evictable_by_privileged : s->evictable_by_all)) continue;
    if (!victim || key(*s) < key(*victim)) victim = s;
  }
  if (!victim || std::make_tuple(privileged, size, int32_t{0}) < key(*victim)) return false;
  remove(victim);
  ++evictions_;
  return true;
}

FetchContext FetchSessionCache::new_context(int32_t session_id, int32_t epoch, bool from_follower,
                                            std::vector<FetchPartitionParams> partitions,
                                            const std::vector<FetchPartitionKey>& forgotten,
                                            int64_t now_ms, bool uses_topic_ids) {
  FetchContext ctx;
  ctx.from_follower = from_follower;
  const bool full = epoch == kInitialEpoch || epoch == kFinalEpoch;
  if (full) {
    // A full fetch closes the session it names.
    if (session_id != kInvalidSessionId) {
      auto it = sessions_.find(session_id);
      if (it != sessions_.end()) remove(it->second);
    }
    ctx.kind = epoch == kFinalEpoch ? FetchContext::Kind::kSessionless : FetchContext::Kind::kFull;
    ctx.uses_topic_ids = uses_topic_ids;
    ctx.partitions = std::move(partitions);
    return ctx;
  }
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) {
    ctx.kind = FetchContext::Kind::kError;
    ctx.error = ErrorCode::kFetchSessionIdNotFound;
    return ctx;
  }
  std::shared_ptr<FetchSession> session = it->second;
  if (session->epoch != epoch) {
    ctx.kind = FetchContext::Kind::kError;
    ctx.error = ErrorCode::kInvalidFetchSessionEpoch;
    return ctx;
  }
  if (session->uses_topic_ids != uses_topic_ids) {
    ctx.kind = FetchContext::Kind::kError;
    ctx.error = ErrorCode::kFetchSessionTopicIdError;
    return ctx;
  }
  // Kafka's FetchSession.update: added and updated partitions, then the forgotten ones.
  for (auto& p : partitions) {
    if (CachedPartition* c = session->find(key_of(p.topic_id, p.topic, p.partition))) {
      c->params = p;
    } else {
      CachedPartition added;
      added.params = p;
      session->add(std::move(added));
    }
  }
  for (const auto& f : forgotten) session->erase(key_of(f.topic_id, f.topic, f.partition));
  if (session->partitions.empty()) {
    // Nothing left to fetch: the session closes and this fetch is answered sessionless.
    remove(session);
    ctx.kind = FetchContext::Kind::kSessionless;
    ctx.partitions = std::move(partitions);
    return ctx;
  }
  touch(*session, now_ms);
  session->epoch = next_fetch_epoch(session->epoch);
  ctx.kind = FetchContext::Kind::kIncremental;
  ctx.session = session;
  ctx.expected_epoch = session->epoch;
  for (const auto& c : session->partitions) ctx.partitions.push_back(c.params);
  return ctx;
}

FetchResponsePlan FetchSessionCache::finish(FetchContext& ctx, const std::vector<FetchPartitionOutcome>& outcomes,
                                            int64_t now_ms) {
  FetchResponsePlan plan;
  plan.include.assign(ctx.partitions.size(), true);
  switch (ctx.kind) {
    case FetchContext::Kind::kError:
      plan.error = ctx.error;
      plan.include.clear();
      ctx.partitions.clear();
      return plan;
    case FetchContext::Kind::kSessionless:
      return plan;
    case FetchContext::Kind::kFull: {
      // Kafka's maybeCreateSession: only if there is room, or room can be made.
      if (static_cast<int32_t>(sessions_.size()) >= max_sessions_ &&
          !try_evict(ctx.from_follower, ctx.partitions.size(), now_ms))
        return plan;
      if (max_sessions_ <= 0) return plan;
      auto s = std::make_shared<FetchSession>();
      s->id = new_session_id();
      s->privileged = ctx.from_follower;
      s->uses_topic_ids = ctx.uses_topic_ids;
      s->epoch = next_fetch_epoch(kInitialEpoch);
      s->creation_ms = now_ms;
      for (size_t i = 0; i < ctx.partitions.size(); ++i) {
        const auto& p = ctx.partitions[i];
        if (s->find(key_of(p.topic_id, p.topic, p.partition))) continue;
        CachedPartition c;
        c.params = ctx.partitions[i];
        c.high_watermark = outcomes[i].has_error ? -1 : outcomes[i].high_watermark;
        c.log_start_offset = outcomes[i].log_start_offset;
        s->add(std::move(c));
      }
      s->in_cache = true;
      sessions_[s->id] = s;
      touch(*s, now_ms);
      plan.session_id = s->id;
      return plan;
    }
    case FetchContext::Kind::kIncremental: {
      FetchSession& s = *ctx.session;
      plan.session_id = s.id;
      if (s.epoch != ctx.expected_epoch) {
        // Another request of this session was applied in between: a duplicate.
        plan.error = ErrorCode::kInvalidFetchSessionEpoch;
        plan.include.assign(ctx.partitions.size(), false);
        return plan;
      }
      // Kafka's CachedPartition.maybeUpdateResponseData.
      for (size_t i = 0; i < ctx.partitions.size(); ++i) {
        const auto& p = ctx.partitions[i];
        const auto& o = outcomes[i];
        const PartitionKey key = key_of(p.topic_id, p.topic, p.partition);
        CachedPartition* c = s.find(key);
        if (!c) continue;  // forgotten by a later request meanwhile; send it anyway
        bool respond = o.has_records;
        if (c->high_watermark != o.high_watermark) {
          respond = true;
          c->high_watermark = o.high_watermark;
        }
        if (c->log_start_offset != o.log_start_offset) {
          respond = true;
          c->log_start_offset = o.log_start_offset;
        }
        if (o.has_error) {
          // Sent again once the error goes away.
          c->high_watermark = -1;
          respond = true;
        }
        plan.include[i] = respond;
        if (o.has_records) s.move_to_back(key);
      }
      return plan;
    }
  }
  return plan;
}

}  // namespace moldau::broker
