// Incremental fetch sessions (KIP-227): creation, epochs, the errors Kafka answers, forgotten
// partitions, what an incremental response leaves out, eviction.
#include "moldau/broker/fetch_session.h"

#include <doctest/doctest.h>

using namespace moldau;
using namespace moldau::broker;

namespace {

FetchPartitionParams part(const std::string& topic, int32_t p, int64_t offset = 0) {
  FetchPartitionParams x;
  x.topic = topic;
  x.partition = p;
  x.fetch_offset = offset;
  x.max_bytes = 1 << 20;
  return x;
}

FetchPartitionOutcome outcome(int64_t hw, bool records = false, bool error = false) {
  return FetchPartitionOutcome{hw, 0, records, error};
}

// A session of partitions t-0..t-(n-1), all at high watermark 10.
int32_t open(FetchSessionCache& cache, int n, int64_t now = 1000, bool follower = false) {
  std::vector<FetchPartitionParams> ps;
  for (int i = 0; i < n; ++i) ps.push_back(part("t", i));
  auto ctx = cache.new_context(0, kInitialEpoch, follower, ps, {}, now);
  CHECK(ctx.kind == FetchContext::Kind::kFull);
  std::vector<FetchPartitionOutcome> out(static_cast<size_t>(n), outcome(10));
  auto plan = cache.finish(ctx, out, now);
  CHECK(plan.error == ErrorCode::kNone);
  CHECK(plan.include.size() == static_cast<size_t>(n));
  return plan.session_id;
}

}  // namespace

TEST_CASE("epochs") {
  CHECK(next_fetch_epoch(0) == 1);
  CHECK(next_fetch_epoch(41) == 42);
  CHECK(next_fetch_epoch(INT32_MAX) == 1);
  CHECK(next_fetch_epoch(-1) == -1);
}

TEST_CASE("a full fetch creates a session; incremental fetches answer only what changed") {
  FetchSessionCache cache(1000);
  int32_t id = open(cache, 3);
  REQUIRE(id > 0);
  CHECK(cache.size() == 1);
  CHECK(cache.total_partitions() == 3);

  // Epoch 1, nothing changed in the request: all three partitions are read...
  auto ctx = cache.new_context(id, 1, false, {}, {}, 2000);
  REQUIRE(ctx.kind == FetchContext::Kind::kIncremental);
  REQUIRE(ctx.partitions.size() == 3);
  // ...but only t-1 (new records) and t-2 (high watermark moved) go in the response.
  auto plan = cache.finish(ctx, {outcome(10), outcome(12, true), outcome(11)}, 2000);
  CHECK(plan.error == ErrorCode::kNone);
  CHECK(plan.session_id == id);
  CHECK(plan.include == std::vector<bool>{false, true, true});

  // t-1 returned records, so it moved to the back; the client updates its offset.
  ctx = cache.new_context(id, 2, false, {part("t", 1, 12)}, {}, 3000);
  REQUIRE(ctx.kind == FetchContext::Kind::kIncremental);
  REQUIRE(ctx.partitions.size() == 3);
  CHECK(ctx.partitions[0].partition == 0);
  CHECK(ctx.partitions[2].partition == 1);
  CHECK(ctx.partitions[2].fetch_offset == 12);
  plan = cache.finish(ctx, {outcome(10), outcome(11), outcome(12)}, 3000);
  CHECK(plan.include == std::vector<bool>{false, false, false});

  // An error is always sent, and sent again when it clears.
  ctx = cache.new_context(id, 3, false, {}, {}, 4000);
  plan = cache.finish(ctx, {outcome(-1, false, true), outcome(11), outcome(12)}, 4000);
  CHECK(plan.include == std::vector<bool>{true, false, false});
  ctx = cache.new_context(id, 4, false, {}, {}, 5000);
  plan = cache.finish(ctx, {outcome(10), outcome(11), outcome(12)}, 5000);
  CHECK(plan.include == std::vector<bool>{true, false, false});
}

TEST_CASE("session errors") {
  FetchSessionCache cache(1000);
  int32_t id = open(cache, 2);
  auto unknown = cache.new_context(id + 1, 1, false, {}, {}, 2000);
  CHECK(unknown.kind == FetchContext::Kind::kError);
  CHECK(unknown.error == ErrorCode::kFetchSessionIdNotFound);
  auto plan = cache.finish(unknown, {}, 2000);
  CHECK(plan.error == ErrorCode::kFetchSessionIdNotFound);
  CHECK(plan.session_id == kInvalidSessionId);

  auto stale = cache.new_context(id, 5, false, {}, {}, 2000);
  CHECK(stale.error == ErrorCode::kInvalidFetchSessionEpoch);
  // A bad epoch leaves the session as it was.
  auto ok = cache.new_context(id, 1, false, {}, {}, 2000);
  CHECK(ok.kind == FetchContext::Kind::kIncremental);
  // The same epoch again (a duplicate) fails, and so does the first request's answer once a
  // later request moved the epoch.
  auto dup = cache.new_context(id, 1, false, {}, {}, 2000);
  CHECK(dup.error == ErrorCode::kInvalidFetchSessionEpoch);
  auto next = cache.new_context(id, 2, false, {}, {}, 2000);
  CHECK(next.kind == FetchContext::Kind::kIncremental);
  plan = cache.finish(ok, {outcome(10), outcome(10)}, 2000);
  CHECK(plan.error == ErrorCode::kInvalidFetchSessionEpoch);

  // A full fetch naming the session closes it.
  auto full = cache.new_context(id, kFinalEpoch, false, {part("t", 0)}, {}, 3000);
  CHECK(full.kind == FetchContext::Kind::kSessionless);
  CHECK(cache.finish(full, {outcome(10)}, 3000).session_id == kInvalidSessionId);
  CHECK(cache.size() == 0);
  CHECK(cache.new_context(id, 3, false, {}, {}, 3000).error == ErrorCode::kFetchSessionIdNotFound);
}

TEST_CASE("forgotten partitions leave the session; an empty session closes") {
  FetchSessionCache cache(1000);
  int32_t id = open(cache, 2);
  auto ctx = cache.new_context(id, 1, false, {part("u", 0)}, {{"t", 0}}, 2000);
  REQUIRE(ctx.kind == FetchContext::Kind::kIncremental);
  REQUIRE(ctx.partitions.size() == 2);
  CHECK(ctx.partitions[0].topic == "t");
  CHECK(ctx.partitions[0].partition == 1);
  CHECK(ctx.partitions[1].topic == "u");
  // A partition new to the session is always sent the first time (its high watermark is new).
  auto plan = cache.finish(ctx, {outcome(10), outcome(0)}, 2000);
  CHECK(plan.include == std::vector<bool>{false, true});

  ctx = cache.new_context(id, 2, false, {}, {{"t", 1}, {"u", 0}}, 3000);
  CHECK(ctx.kind == FetchContext::Kind::kSessionless);
  CHECK(ctx.partitions.empty());
  CHECK(cache.size() == 0);
}

TEST_CASE("no room: stale sessions go first, then smaller old ones; else no session") {
  FetchSessionCache cache(2, /*eviction_ms=*/1000);
  int32_t a = open(cache, 5, 0);
  int32_t b = open(cache, 1, 0);
  REQUIRE(a > 0);
  REQUIRE(b > 0);
  // Both fresh: a new consumer session cannot evict either.
  CHECK(open(cache, 10, 500) == kInvalidSessionId);
  CHECK(cache.size() == 2);
  // b is used at 1500 (and becomes evictable: older than the eviction time); a is not.
  CHECK(cache.new_context(b, 1, false, {}, {}, 1500).kind == FetchContext::Kind::kIncremental);
  // At 1600 a (last used at 0) is stale and goes.
  int32_t c = open(cache, 1, 1600);
  CHECK(c > 0);
  CHECK(cache.new_context(a, 1, false, {}, {}, 1600).error == ErrorCode::kFetchSessionIdNotFound);
  // Now b (1 partition, evictable) gives way to a session of more partitions, not to a smaller
  // one... and c is too young to be evicted by a consumer.
  CHECK(open(cache, 0, 1700) == kInvalidSessionId);
  int32_t d = open(cache, 3, 1700);
  CHECK(d > 0);
  CHECK(cache.new_context(b, 2, false, {}, {}, 1700).error == ErrorCode::kFetchSessionIdNotFound);
  CHECK(cache.evictions() == 2);
  CHECK(cache.size() == 2);
}

TEST_CASE("zero slots: never a session") {
  FetchSessionCache cache(0);
  CHECK(open(cache, 3) == kInvalidSessionId);
  CHECK(cache.size() == 0);
}

TEST_CASE("from v13 a session keys its partitions by topic id, and keeps to ids or to names") {
  FetchSessionCache cache(1000);
  const Uuid old_id{1, 2}, new_id{3, 4};
  auto by_id = [](const Uuid& id, const std::string& name, int32_t p) {
    FetchPartitionParams x = part(name, p);
    x.topic_id = id;
    return x;
  };
  auto ctx = cache.new_context(0, kInitialEpoch, false, {by_id(old_id, "t", 0)}, {}, 1000, true);
  auto plan = cache.finish(ctx, {outcome(5)}, 1000);
  const int32_t id = plan.session_id;
  REQUIRE(id > 0);
  // The topic re-created under its name has another id: another partition, not an update.
  ctx = cache.new_context(id, 1, false, {by_id(new_id, "t", 0)}, {}, 2000, true);
  REQUIRE(ctx.kind == FetchContext::Kind::kIncremental);
  CHECK(ctx.partitions.size() == 2);
  cache.finish(ctx, {outcome(5), outcome(0)}, 2000);
  // Forgotten by id: the old one goes, whatever name it resolves to now.
  ctx = cache.new_context(id, 2, false, {}, {{"", 0, old_id}}, 3000, true);
  REQUIRE(ctx.partitions.size() == 1);
  CHECK(ctx.partitions[0].topic_id == new_id);
  cache.finish(ctx, {outcome(0)}, 3000);
  // A request without ids (v12) on this session, and one with ids on a session of names.
  CHECK(cache.new_context(id, 3, false, {}, {}, 4000, false).error == ErrorCode::kFetchSessionTopicIdError);
  CHECK(cache.new_context(id, 3, false, {}, {}, 4000, true).kind == FetchContext::Kind::kIncremental);
  int32_t by_name = open(cache, 1);
  CHECK(cache.new_context(by_name, 1, false, {}, {}, 4000, true).error == ErrorCode::kFetchSessionTopicIdError);
}
