#pragma once
// Incremental fetch sessions (KIP-227), after Kafka's FetchSession.scala. A client that sends
// Fetch v7+ with session id 0 and epoch 0 asks for a session: the broker remembers the
// partitions and their fetch parameters under a new id. Later requests name the id and the
// next epoch and list only what changed (added or updated partitions, forgotten ones); the
// broker answers only partitions with something new (records, a moved high watermark or log
// start offset, an error). Epoch -1 means "no session" (a full, sessionless fetch); a full
// fetch (epoch 0 or -1) closes the session it names.
//
// From v13 partitions are named by topic id, and a session keys them so: a topic deleted and
// re-created under its name is another topic. A session made with names cannot go on with ids,
// nor the other way round.
//
// Errors, as Kafka answers them (top level, no partitions):
//   FETCH_SESSION_ID_NOT_FOUND   an incremental fetch names an id the cache does not hold
//                                (never created, evicted, or closed)
//   INVALID_FETCH_SESSION_EPOCH  the epoch is not the one the session expects next
//   FETCH_SESSION_TOPIC_ID_ERROR the request's version uses topic ids and the session does
//                                not, or the other way round
//
// The cache holds at most max.incremental.fetch.session.cache.slots sessions. A new session
// that does not fit evicts, as Kafka's FetchSessionCacheShard.tryEvict does: the least
// recently used session if it has been idle for longer than the eviction time (2 minutes);
// otherwise the least valuable evictable session (fewest partitions; consumers' before
// followers'; only sessions older than the eviction time are evictable by consumers) if the
// new one is at least as valuable. Otherwise no session is created and the fetch is answered
// with session id 0, so the client goes on with full fetches.
//
// Not thread-safe: owned by the broker's event loop. Sessions are shared with the contexts of
// fetches in flight (long polls), which may outlive their eviction.

#include <cstdint>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "moldau/common/error_code.h"
#include "moldau/common/uuid.h"

namespace moldau::broker {

inline constexpr int32_t kInvalidSessionId = 0;
inline constexpr int32_t kInitialEpoch = 0;
inline constexpr int32_t kFinalEpoch = -1;

// The epoch after `epoch`: 1 after 0, wrapping from INT32_MAX to 1; -1 stays -1.
int32_t next_fetch_epoch(int32_t epoch);

// A partition as a fetch names it: by topic name before v13, by topic id from v13 (KIP-516),
// when `topic` is the name the id resolved to, or empty when no topic has that id.
struct FetchPartitionKey {
  std::string topic;
  int32_t partition = 0;
  Uuid topic_id{};
};

// One partition of a fetch, with the parameters the client sent for it.
struct FetchPartitionParams {
  std::string topic;  // v13+: resolved from topic_id, empty when unknown
  int32_t partition = 0;
  Uuid topic_id{};    // v13+
  int64_t fetch_offset = 0;
  int64_t log_start_offset = -1;  // the fetcher's (followers)
  int32_t max_bytes = 0;
  int32_t current_leader_epoch = -1;
  int32_t last_fetched_epoch = -1;
};

// What the broker read for one partition, which decides whether an incremental response
// carries it.
struct FetchPartitionOutcome {
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  bool has_records = false;
  bool has_error = false;
};

struct FetchSession;

// One fetch request's view of the session cache (Kafka's FetchContext).
struct FetchContext {
  enum class Kind {
    kSessionless,  // epoch -1: no session, answer everything, session id 0
    kFull,         // epoch 0: answer everything, then try to create a session
    kIncremental,  // an existing session: answer only what changed
    kError,        // answer `error` at the top level and nothing else
  };
  Kind kind = Kind::kSessionless;
  ErrorCode error = ErrorCode::kNone;
  // The partitions to read, in order: the request's, or the whole session's.
  std::vector<FetchPartitionParams> partitions;
  bool from_follower = false;
  bool uses_topic_ids = false;            // kFull: the session to create keys by topic id
  std::shared_ptr<FetchSession> session;  // kIncremental
  int32_t expected_epoch = 0;             // the session's epoch once this request is applied
};

// How to answer, once the partitions were read.
struct FetchResponsePlan {
  ErrorCode error = ErrorCode::kNone;
  int32_t session_id = kInvalidSessionId;
  std::vector<bool> include;  // per context partition: whether the response carries it
};

class FetchSessionCache {
 public:
  static constexpr int64_t kEvictionMs = 120000;  // Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS

  explicit FetchSessionCache(int32_t max_sessions, int64_t eviction_ms = kEvictionMs);
  ~FetchSessionCache();

  // Kafka's FetchManager.newContext. `version` < 7 has no sessions: pass id 0, epoch -1.
  // `partitions` are the request's (for an incremental fetch: the added and updated ones),
  // `forgotten` the partitions an incremental fetch drops from its session; `uses_topic_ids`:
  // the request is v13+, and names partitions by topic id.
  FetchContext new_context(int32_t session_id, int32_t epoch, bool from_follower,
                           std::vector<FetchPartitionParams> partitions,
                           const std::vector<FetchPartitionKey>& forgotten, int64_t now_ms,
                           bool uses_topic_ids = false);

  // Kafka's updateAndGenerateResponseData: `outcomes` parallels context.partitions. A full
  // context tries to create a session; an incremental one keeps the partitions with news
  // (moving those with records to the back of the session, for fairness) and remembers what
  // it sent; a session whose epoch moved meanwhile (a duplicate request) gets
  // INVALID_FETCH_SESSION_EPOCH.
  FetchResponsePlan finish(FetchContext& context, const std::vector<FetchPartitionOutcome>& outcomes,
                           int64_t now_ms);

  size_t size() const { return sessions_.size(); }
  // Partitions held by all sessions (as of their last use).
  int64_t total_partitions() const { return total_partitions_; }
  int64_t evictions() const { return evictions_; }

 private:
  int32_t new_session_id();
  bool try_evict(bool privileged, size_t size, int64_t now_ms);
  void remove(const std::shared_ptr<FetchSession>& session);
  void touch(FetchSession& session, int64_t now_ms);

  int32_t max_sessions_;
  int64_t eviction_ms_;
  std::unordered_map<int32_t, std::shared_ptr<FetchSession>> sessions_;
  int64_t total_partitions_ = 0;
  int64_t evictions_ = 0;
  std::mt19937 random_;
};

}  // namespace moldau::broker
