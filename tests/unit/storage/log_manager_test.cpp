#include "moldau/storage/log_manager.h"

#include <doctest/doctest.h>

#include "moldau/storage/file_util.h"
#include "test_util.h"

using namespace moldau;
using namespace moldau::storage;
using namespace moldau::storage::test;

TEST_CASE("log manager: placement on the dir with the fewest partitions") {
  TempDir d;
  auto m = LogManager::open({d / "a", d / "b"}, LogConfig{});
  REQUIRE(m.ok());
  auto& mgr = **m;
  for (int p = 0; p < 4; ++p) REQUIRE(mgr.create_partition("t", p, Uuid{1, 2}, LogConfig{}).ok());
  int in_a = 0;
  for (int p = 0; p < 4; ++p) in_a += mgr.dir_of("t", p) == d / "a";
  CHECK(in_a == 2);
  CHECK(mgr.get("t", 3) != nullptr);
  CHECK(mgr.get("t", 9) == nullptr);
  CHECK(std::filesystem::exists(mgr.dir_of("t", 0) + "/t-0/partition.metadata"));
}

TEST_CASE("log manager: close(clean) writes checkpoints and the marker; reopen recovers") {
  TempDir d;
  Uuid id{0x1234, 0x5678};
  {
    auto m = LogManager::open({d / "a"}, LogConfig{});
    REQUIRE(m.ok());
    auto log = (*m)->create_partition("orders", 1, id, LogConfig{});
    REQUIRE(log.ok());
    for (int i = 0; i < 5; ++i) {
      auto b = simple_batch(i);
      REQUIRE((*log)->append(b, 0, {}).ok());
    }
    REQUIRE((*log)->delete_records_before(2).ok());
    REQUIRE((*m)->close(true).ok());
  }
  CHECK(std::filesystem::exists(d / "a/.kafka_cleanshutdown"));
  CHECK(read_text(d / "a/recovery-point-offset-checkpoint") == "0\n1\norders 1 5\n");
  CHECK(read_text(d / "a/log-start-offset-checkpoint") == "0\n1\norders 1 2\n");
  CHECK(read_text(d / "a/replication-offset-checkpoint") == "0\n1\norders 1 5\n");
  {
    auto m = LogManager::open({d / "a"}, LogConfig{});
    REQUIRE(m.ok());
    CHECK_FALSE(std::filesystem::exists(d / "a/.kafka_cleanshutdown"));  // a crash from now on is seen
    PartitionLog* log = (*m)->get("orders", 1);
    REQUIRE(log != nullptr);
    CHECK(log->log_end_offset() == 5);
    CHECK(log->log_start_offset() == 2);
    CHECK(log->topic_id() == id);
    // Unclean stop: no marker.
    auto b = simple_batch(9);
    REQUIRE(log->append(b, 0, {}).ok());
    REQUIRE((*m)->close(false).ok());
  }
  CHECK_FALSE(std::filesystem::exists(d / "a/.kafka_cleanshutdown"));
  auto m = LogManager::open({d / "a"}, LogConfig{});
  REQUIRE(m.ok());
  CHECK((*m)->get("orders", 1)->log_end_offset() == 6);
}

TEST_CASE("log manager: delete_partition renames to -delete and removes") {
  TempDir d;
  auto m = LogManager::open({d / "a"}, LogConfig{});
  REQUIRE(m.ok());
  auto log = (*m)->create_partition("gone", 0, Uuid{}, LogConfig{});
  REQUIRE(log.ok());
  auto b = simple_batch(0);
  REQUIRE((*log)->append(b, 0, {}).ok());
  // A read in flight keeps its file handle across the deletion.
  auto r = (*log)->read(0, 1000, -1, true);
  REQUIRE(r.ok());
  REQUIRE((*m)->delete_partition("gone", 0).ok());
  CHECK((*m)->get("gone", 0) == nullptr);
  CHECK_FALSE(std::filesystem::exists(d / "a/gone-0"));
  std::vector<uint8_t> buf(static_cast<size_t>(r->slices[0].size));
  CHECK(::pread(r->slices[0].file->fd(), buf.data(), buf.size(), 0) == r->slices[0].size);
  // Leftover *-delete dirs are removed on open.
  std::filesystem::create_directories(d / "a/x-0.0123456789abcdef0123456789abcdef-delete");
  REQUIRE((*m)->close(true).ok());
  auto m2 = LogManager::open({d / "a"}, LogConfig{});
  REQUIRE(m2.ok());
  CHECK_FALSE(std::filesystem::exists(d / "a/x-0.0123456789abcdef0123456789abcdef-delete"));
}

TEST_CASE("log manager: run_retention and run_compaction use each log's config") {
  TempDir d;
  auto m = LogManager::open({d / "a"}, LogConfig{});
  REQUIRE(m.ok());
  LogConfig del;
  del.segment_bytes = static_cast<int64_t>(simple_batch(0).size());
  del.retention_ms = 10;
  del.file_delete_delay_ms = 0;
  auto l1 = (*m)->create_partition("del", 0, Uuid{}, del);
  REQUIRE(l1.ok());
  for (int i = 0; i < 3; ++i) {
    auto b = simple_batch(i, 1000);
    REQUIRE((*l1)->append(b, 0, {}).ok());
  }
  auto n = (*m)->run_retention(5000);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK((*l1)->log_start_offset() == 2);
  auto c = (*m)->run_compaction(5000);
  REQUIRE(c.ok());
  CHECK(c->segments_cleaned == 0);
}

TEST_CASE("log config: broker defaults then topic overrides") {
  auto c = LogConfig::build({{"log.retention.hours", "1"}, {"log.segment.bytes", "1000"}, {"log.flush.interval.messages", "1"}},
                            {{"cleanup.policy", "compact,delete"}, {"retention.ms", "500"}});
  REQUIRE(c.ok());
  CHECK(c->retention_ms == 500);
  CHECK(c->segment_bytes == 1000);
  CHECK(c->flush_interval_messages == 1);
  CHECK(c->cleanup_compact);
  CHECK(c->cleanup_delete);
  auto bad = LogConfig::build({}, {{"cleanup.policy", "nope"}});
  CHECK(bad.status().code() == ErrorCode::kInvalidConfig);
  auto hours = LogConfig::build({{"log.retention.hours", "2"}}, {});
  CHECK(hours->retention_ms == 7200000);
}
