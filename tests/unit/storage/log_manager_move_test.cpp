// LogManager::move_partition (AlterReplicaLogDirs): the partition directory moves to another log
// dir by rename, every stored path follows, checkpoints are written in the new dir.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "moldau/storage/file_util.h"
#include "moldau/storage/log_manager.h"
#include "moldau/storage/open_files.h"
#include "test_util.h"

using namespace moldau;
using namespace moldau::storage;
using namespace moldau::storage::test;

namespace {

// The bytes of the batch at `offset`, read through the log (one batch per append here).
std::vector<uint8_t> batch_at(PartitionLog* log, int64_t offset) {
  auto r = log->read(offset, 1, -1, true);
  REQUIRE(r.ok());
  REQUIRE(r->slices.size() == 1);
  CHECK(r->first_batch_offset == offset);
  std::vector<uint8_t> buf(static_cast<size_t>(r->slices[0].size));
  REQUIRE(::pread(r->slices[0].file->fd(), buf.data(), buf.size(), r->slices[0].position) ==
          static_cast<ssize_t>(buf.size()));
  return buf;
}

// Appends batch `i` (one record) and returns its bytes as stored (offset and epoch rewritten).
std::vector<uint8_t> append(PartitionLog* log, int i, int32_t epoch = 3) {
  auto b = simple_batch(i);
  auto info = log->append(b, epoch, {});
  REQUIRE(info.ok());
  CHECK(info->first_offset == i);
  return b;
}

bool contains_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("move_partition: records, paths and checkpoints follow the directory to the new log dir") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = 100;  // one batch per segment: several segments, sealed and active
  cfg.index_interval_bytes = 0;
  cfg.file_delete_delay_ms = 60000;  // deleted segments wait in the directory as *.deleted
  Uuid id{0xabc, 0xdef};
  std::vector<std::vector<uint8_t>> stored;
  {
    auto m = LogManager::open({d / "a", d / "b"}, cfg);
    REQUIRE(m.ok());
    LogManager& mgr = **m;
    auto created = mgr.create_partition("t", 0, id, cfg);
    REQUIRE(created.ok());
    PartitionLog* log = *created;
    REQUIRE(mgr.dir_of("t", 0) == d / "a");
    for (int i = 0; i < 6; ++i) stored.push_back(append(log, i));
    REQUIRE(log->segment_count() == 6);
    // Two segments below the new log start wait for file.delete.delay.ms as *.deleted.
    REQUIRE(log->delete_records_before(2).ok());
    REQUIRE(log->segment_count() == 4);
    CHECK(std::filesystem::exists(d / "a/t-0/00000000000000000000.log.deleted"));
    // A fetch in flight holds its descriptor across the move.
    auto inflight = log->read(5, 1000, -1, true);
    REQUIRE(inflight.ok());

    REQUIRE(mgr.move_partition("t", 0, d / "b").ok());

    CHECK(mgr.get("t", 0) == log);  // same object: pointers held by the broker stay valid
    CHECK(mgr.dir_of("t", 0) == d / "b");
    CHECK(log->dir() == d / "b/t-0");
    CHECK_FALSE(std::filesystem::exists(d / "a/t-0"));
    CHECK(std::filesystem::exists(d / "b/t-0/partition.metadata"));
    CHECK(std::filesystem::exists(d / "b/t-0/leader-epoch-checkpoint"));
    CHECK(std::filesystem::exists(d / "b/t-0/00000000000000000005.log"));
    CHECK(std::filesystem::exists(d / "b/t-0/00000000000000000000.log.deleted"));
    // The new dir's checkpoints hold the partition right away (a crash from here on recovers
    // it with its log start); the old dir's no longer do.
    CHECK(contains_line(read_text(d / "b/log-start-offset-checkpoint"), "t 0 2"));
    CHECK(contains_line(read_text(d / "b/recovery-point-offset-checkpoint"), "t 0 6"));
    CHECK(contains_line(read_text(d / "b/replication-offset-checkpoint"), "t 0 6"));
    CHECK(read_text(d / "a/log-start-offset-checkpoint") == "0\n0\n");

    std::vector<uint8_t> buf(static_cast<size_t>(inflight->slices[0].size));
    CHECK(::pread(inflight->slices[0].file->fd(), buf.data(), buf.size(), inflight->slices[0].position) ==
          inflight->slices[0].size);
    CHECK(buf == stored[5]);

    // Every record still readable, offsets unchanged, also after the descriptors were closed
    // (reopened by the new paths).
    OpenFiles::instance().set_capacity(1);
    for (int i = 2; i < 6; ++i) CHECK(batch_at(log, i) == stored[i]);
    OpenFiles::instance().set_capacity(1024);
    CHECK(log->log_start_offset() == 2);
    CHECK(log->log_end_offset() == 6);

    // Appends go on: new segments, indexes, snapshots and the epoch checkpoint in the new dir.
    for (int i = 6; i < 9; ++i) stored.push_back(append(log, i, 4));
    REQUIRE(log->flush().ok());
    CHECK(std::filesystem::exists(d / "b/t-0/00000000000000000008.log"));
    CHECK(std::filesystem::exists(d / "b/t-0/00000000000000000008.index"));
    CHECK(std::filesystem::exists(d / "b/t-0/00000000000000000008.snapshot"));
    CHECK_FALSE(std::filesystem::exists(d / "a/t-0"));
    CHECK(log->leader_epochs() == std::vector<EpochEntry>{{3, 0}, {4, 6}});
    // The pending deletions are removed from where they are now.
    REQUIRE(log->remove_expired_files(wall_clock_ms() + 120000).ok());
    CHECK_FALSE(std::filesystem::exists(d / "b/t-0/00000000000000000000.log.deleted"));

    REQUIRE(mgr.checkpoint_all().ok());
    CHECK(contains_line(read_text(d / "b/recovery-point-offset-checkpoint"), "t 0 9"));
    CHECK_FALSE(contains_line(read_text(d / "a/recovery-point-offset-checkpoint"), "t 0 9"));
    // Moving back and forth works the same; a move to where it is needs nothing.
    REQUIRE(mgr.move_partition("t", 0, d / "b").ok());
    REQUIRE(mgr.move_partition("t", 0, d / "a/").ok());  // dirs compare after normalization
    CHECK(mgr.dir_of("t", 0) == d / "a");
    REQUIRE(mgr.move_partition("t", 0, d / "b").ok());
    REQUIRE(mgr.close(true).ok());
  }
  // After a restart the partition is found in the new dir, whole.
  auto m = LogManager::open({d / "a", d / "b"}, cfg);
  REQUIRE(m.ok());
  CHECK((*m)->dir_of("t", 0) == d / "b");
  PartitionLog* log = (*m)->get("t", 0);
  REQUIRE(log != nullptr);
  CHECK(log->log_start_offset() == 2);
  CHECK(log->log_end_offset() == 9);
  CHECK(log->topic_id() == id);
  CHECK(log->leader_epochs() == std::vector<EpochEntry>{{3, 0}, {4, 6}});
  for (int i = 2; i < 9; ++i) CHECK(batch_at(log, i) == stored[i]);
}

TEST_CASE("move_partition: a crash after the move finds the log in the new dir with its log start") {
  TempDir d;
  {
    auto m = LogManager::open({d / "a", d / "b"}, LogConfig{});
    REQUIRE(m.ok());
    auto log = (*m)->create_partition("c", 1, Uuid{}, LogConfig{});
    REQUIRE(log.ok());
    for (int i = 0; i < 4; ++i) append(*log, i);
    REQUIRE((*log)->delete_records_before(1).ok());
    REQUIRE((*m)->move_partition("c", 1, d / "b").ok());
    // No close and no checkpoint_all: the process dies here (the manager is just dropped).
  }
  auto m = LogManager::open({d / "a", d / "b"}, LogConfig{});
  REQUIRE(m.ok());
  CHECK((*m)->dir_of("c", 1) == d / "b");
  CHECK((*m)->get("c", 1)->log_start_offset() == 1);
  CHECK((*m)->get("c", 1)->log_end_offset() == 4);
}

TEST_CASE("move_partition: errors leave the log where it was") {
  TempDir d;
  auto m = LogManager::open({d / "a", d / "b"}, LogConfig{});
  REQUIRE(m.ok());
  LogManager& mgr = **m;
  auto log = mgr.create_partition("e", 0, Uuid{}, LogConfig{});
  REQUIRE(log.ok());
  append(*log, 0);
  CHECK(mgr.move_partition("e", 0, d / "elsewhere").code() == ErrorCode::kLogDirNotFound);
  CHECK(mgr.move_partition("e", 7, d / "b").code() == ErrorCode::kUnknownTopicOrPartition);
  // Something already at the target path: refused (rename would replace an empty directory).
  std::filesystem::create_directories(d / "b/e-0");
  Status s = mgr.move_partition("e", 0, d / "b");
  CHECK(s.code() == ErrorCode::kKafkaStorageError);
  CHECK(s.message().find("already exists") != std::string::npos);
  CHECK(mgr.dir_of("e", 0) == d / "a");
  CHECK((*log)->dir() == d / "a/e-0");
  CHECK(read_text(d / "b/log-start-offset-checkpoint") == "0\n0\n");  // no entry left behind
  append(*log, 1);
  CHECK((*log)->log_end_offset() == 2);
  REQUIRE(mgr.close(true).ok());
  // That leftover directory and the log both parse as e-0: start-up refuses rather than pick one.
  auto again = LogManager::open({d / "a", d / "b"}, LogConfig{});
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == ErrorCode::kKafkaStorageError);
  CHECK(again.status().message().find("Duplicate log directories for e-0") != std::string::npos);
}
