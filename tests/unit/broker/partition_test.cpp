// A Partition's replication rules over a real log in a temp dir: leadership and epochs, the high
// watermark over the (maximal) ISR, ISR shrink and growth, min.insync.replicas, follower appends.
#include "moldau/broker/replica/partition.h"

#include <doctest/doctest.h>

#include "../storage/test_util.h"

using namespace moldau;
using namespace moldau::broker;
using namespace moldau::broker::replica;
using moldau::storage::test::TempDir;
using moldau::storage::test::simple_batch;

namespace {

constexpr int64_t kNow = 1700000000000;
constexpr int32_t kSelf = 1;

std::unique_ptr<storage::PartitionLog> open_log(const TempDir& d) {
  storage::PartitionLog::OpenOptions o;
  o.high_watermark = 0;
  auto r = storage::PartitionLog::open(d / "t-0", "t", 0, storage::LogConfig{}, o);
  REQUIRE(r.ok());
  return std::move(r).value();
}

PartitionState state(int32_t leader, int32_t epoch, std::vector<int32_t> isr) {
  PartitionState s;
  s.leader = leader;
  s.leader_epoch = epoch;
  s.isr = std::move(isr);
  return s;
}

int64_t append(Partition& p, int i, int16_t acks = 1, int32_t min_insync = 1) {
  auto b = simple_batch(i);
  auto info = p.append_as_leader(b, acks, min_insync, {});
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  return info->last_offset + 1;
}

auto everyone = [](int32_t) { return true; };

}  // namespace

TEST_CASE("a leader's high watermark waits for every in-sync follower") {
  TempDir d;
  auto log = open_log(d);
  Partition p("t", 0, log.get(), kSelf);
  CHECK(p.apply(state(kSelf, 3, {1, 2, 3}), {1, 2, 3}, kNow) == Partition::Transition::kBecameLeader);
  CHECK(p.is_leader());
  CHECK(log->latest_epoch() == 3);  // the epoch starts at the log end, before any append
  int64_t end = 0;
  for (int i = 0; i < 3; ++i) end = append(p, i);
  CHECK(log->high_watermark() == 0);  // followers' positions unknown in this epoch
  CHECK(!p.replicated(end, 2).has_value());
  CHECK(!p.record_follower_fetch(2, 3, kNow));  // 3 still unknown
  CHECK(p.record_follower_fetch(3, 2, kNow));
  CHECK(log->high_watermark() == 2);
  CHECK(p.record_follower_fetch(3, 3, kNow));
  CHECK(log->high_watermark() == 3);
  CHECK(p.replicated(end, 2) == ErrorCode::kNone);
  CHECK(p.replicated(end, 4) == ErrorCode::kNotEnoughReplicasAfterAppend);
}

TEST_CASE("acks=all below min.insync.replicas is refused before anything is appended") {
  TempDir d;
  auto log = open_log(d);
  Partition p("t", 0, log.get(), kSelf);
  p.apply(state(kSelf, 0, {1}), {1, 2, 3}, kNow);
  auto b = simple_batch(0);
  auto refused = p.append_as_leader(b, -1, 2, {});
  CHECK(refused.status().code() == ErrorCode::kNotEnoughReplicas);
  CHECK(log->log_end_offset() == 0);
  CHECK(p.append_as_leader(b, 1, 2, {}).ok());  // acks=1 is not bound by it
  CHECK(log->high_watermark() == 1);             // the only in-sync replica has it
}

TEST_CASE("the ISR shrinks after the lag time and grows when a follower catches up") {
  TempDir d;
  auto log = open_log(d);
  Partition p("t", 0, log.get(), kSelf);
  p.apply(state(kSelf, 1, {1, 2, 3}), {1, 2, 3}, kNow);
  append(p, 0);
  p.record_follower_fetch(2, 1, kNow + 10);
  p.record_follower_fetch(3, 0, kNow + 10);  // behind
  // Follower 3 has not caught up since kNow: out after the lag time.
  CHECK(!p.isr_change(kNow + 5000, 10000, everyone).has_value());
  auto shrink = p.isr_change(kNow + 20000, 10000, everyone);
  REQUIRE(shrink);
  CHECK(*shrink == std::vector<int32_t>{1, 2});
  p.isr_change_started(*shrink);
  CHECK(!p.isr_change(kNow + 20000, 10000, everyone).has_value());  // one change at a time
  // The smaller ISR counts only once committed: the high watermark still waits for 3.
  CHECK(log->high_watermark() == 0);
  PartitionState committed = state(kSelf, 1, {1, 2});
  p.apply(committed, {1, 2, 3}, kNow + 20001);
  CHECK(!p.pending_isr());
  CHECK(log->high_watermark() == 1);
  // Follower 3 catches up to the high watermark: back in, unless it is not eligible.
  p.record_follower_fetch(3, 1, kNow + 20002);
  auto none = [](int32_t) { return false; };
  CHECK(!p.isr_change(kNow + 20003, 10000, none).has_value());
  auto grow = p.isr_change(kNow + 20003, 10000, everyone);
  REQUIRE(grow);
  CHECK(*grow == std::vector<int32_t>{1, 2, 3});
}

TEST_CASE("a member being added counts for the high watermark at once") {
  TempDir d;
  auto log = open_log(d);
  Partition p("t", 0, log.get(), kSelf);
  p.apply(state(kSelf, 1, {1, 2}), {1, 2, 3}, kNow);
  append(p, 0);
  append(p, 1);
  p.record_follower_fetch(2, 1, kNow);
  CHECK(log->high_watermark() == 1);
  p.record_follower_fetch(3, 1, kNow);
  auto grow = p.isr_change(kNow, 10000, everyone);
  REQUIRE(grow);
  p.isr_change_started(*grow);  // maximal ISR {1,2,3}
  p.record_follower_fetch(2, 2, kNow);
  CHECK(log->high_watermark() == 1);  // 3 is at 1
  p.record_follower_fetch(3, 2, kNow);
  CHECK(log->high_watermark() == 2);
}

TEST_CASE("leader epochs: stale and future client epochs, losing the leadership") {
  TempDir d;
  auto log = open_log(d);
  Partition p("t", 0, log.get(), kSelf);
  p.apply(state(kSelf, 5, {1, 2}), {1, 2}, kNow);
  CHECK(p.check_leader() == ErrorCode::kNone);
  CHECK(p.check_leader(5) == ErrorCode::kNone);
  CHECK(p.check_leader(4) == ErrorCode::kFencedLeaderEpoch);
  CHECK(p.check_leader(6) == ErrorCode::kUnknownLeaderEpoch);
  append(p, 0);
  CHECK(p.apply(state(2, 6, {2}), {1, 2}, kNow) == Partition::Transition::kBecameFollower);
  CHECK(!p.is_leader());
  CHECK(p.check_leader() == ErrorCode::kNotLeaderOrFollower);
  CHECK(p.check_leader(5) == ErrorCode::kFencedLeaderEpoch);
  CHECK(p.replicated(1, 1) == ErrorCode::kNotLeaderOrFollower);
  auto b = simple_batch(1);
  CHECK(p.append_as_leader(b, 1, 1, {}).status().code() == ErrorCode::kNotLeaderOrFollower);
}

TEST_CASE("a follower keeps the leader's offsets and epochs and takes its high watermark") {
  TempDir leader_dir, follower_dir;
  auto leader_log = open_log(leader_dir);
  auto follower_log = open_log(follower_dir);
  Partition leader("t", 0, leader_log.get(), 1);
  Partition follower("t", 0, follower_log.get(), 2);
  leader.apply(state(1, 7, {1, 2}), {1, 2}, kNow);
  follower.apply(state(1, 7, {1, 2}), {1, 2}, kNow);
  for (int i = 0; i < 3; ++i) append(leader, i);
  auto read = leader_log->read(0, 1 << 20, -1, true);
  REQUIRE(read.ok());
  std::vector<uint8_t> bytes;
  for (const auto& s : read->slices) {
    size_t at = bytes.size();
    bytes.resize(at + static_cast<size_t>(s.size));
    REQUIRE(::pread(s.file->fd(), bytes.data() + at, static_cast<size_t>(s.size), s.position) == s.size);
  }
  auto appended = follower.append_as_follower(bytes, 2);
  REQUIRE(appended.ok());
  CHECK(follower_log->log_end_offset() == 3);
  CHECK(follower_log->high_watermark() == 2);
  CHECK(follower_log->latest_epoch() == 7);
  CHECK(follower_log->end_offset_for_epoch(7) == std::pair<int32_t, int64_t>{7, 3});
}
