#include "moldau/storage/partition_log.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include "moldau/storage/batch_format.h"
#include "moldau/storage/file_util.h"
#include "moldau/storage/open_files.h"
#include "test_util.h"

using namespace moldau;
using namespace moldau::storage;
using namespace moldau::storage::test;

namespace {

constexpr int64_t kT0 = 1700000000000;

std::unique_ptr<PartitionLog> open_log(const std::string& dir, const LogConfig& cfg, bool clean = true,
                                       int64_t recovery_point = 0, int64_t now = kT0) {
  PartitionLog::OpenOptions o;
  o.clean_shutdown = clean;
  o.recovery_point = recovery_point;
  o.now_ms = now;
  auto r = PartitionLog::open(dir, "t", 0, cfg, o);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

AppendInfo append(PartitionLog& log, std::vector<uint8_t> batch, int64_t now = kT0) {
  AppendOptions o;
  o.now_ms = now;
  auto r = log.append(batch, 5, o);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

// Reads everything from `offset` (via pread of the slices) and returns the batches' headers.
std::vector<BatchHeader> read_all(PartitionLog& log, int64_t offset, int32_t max_bytes = 1 << 30) {
  auto r = log.read(offset, max_bytes, -1, true);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  std::vector<BatchHeader> out;
  for (const auto& s : r->slices) {
    std::vector<uint8_t> buf(static_cast<size_t>(s.size));
    REQUIRE(::pread(s.file->fd(), buf.data(), buf.size(), s.position) == s.size);
    size_t p = 0;
    while (p + kMinBatchSize <= buf.size()) {
      BatchHeader h = decode_batch_header(buf.data() + p);
      if (p + h.size_in_bytes() > buf.size()) break;
      CHECK(batch_crc_ok(buf.data() + p, h.size_in_bytes()));
      out.push_back(h);
      p += h.size_in_bytes();
    }
  }
  return out;
}

std::vector<std::string> record_keys(PartitionLog& log, int64_t offset = 0) {
  auto r = log.read(offset, 1 << 30, -1, true);
  REQUIRE(r.ok());
  std::vector<std::string> keys;
  for (const auto& s : r->slices) {
    std::vector<uint8_t> buf(static_cast<size_t>(s.size));
    REQUIRE(::pread(s.file->fd(), buf.data(), buf.size(), s.position) == s.size);
    size_t p = 0;
    while (p + kMinBatchSize <= buf.size()) {
      BatchHeader h = decode_batch_header(buf.data() + p);
      std::vector<RecordView> recs;
      std::string err;
      REQUIRE(decode_records({buf.data() + p, h.size_in_bytes()}, &recs, &err));
      for (auto& rv : recs)
        keys.push_back(std::string(rv.key->begin(), rv.key->end()) + "@" + std::to_string(rv.offset) +
                       (rv.value ? "" : "(tombstone)"));
      p += h.size_in_bytes();
    }
  }
  return keys;
}

}  // namespace

TEST_CASE("append assigns offsets in place, read returns whole batches") {
  TempDir d;
  auto log = open_log(d / "t-0", LogConfig{});
  CHECK(log->log_end_offset() == 0);
  auto a = append(*log, make_batch({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  CHECK(a.first_offset == 0);
  CHECK(a.last_offset == 2);
  CHECK(a.records == 3);
  auto b = append(*log, simple_batch(9));
  CHECK(b.first_offset == 3);
  CHECK(log->log_end_offset() == 4);
  CHECK(log->high_watermark() == 4);
  auto hs = read_all(*log, 0);
  REQUIRE(hs.size() == 2);
  CHECK(hs[0].base_offset == 0);
  CHECK(hs[0].partition_leader_epoch == 5);
  CHECK(hs[1].base_offset == 3);
  // From the middle of the first batch: the whole batch holding it comes back.
  auto r = log->read(1, 1 << 20, -1, false);
  REQUIRE(r.ok());
  CHECK(r->first_batch_offset == 0);
  // At the log end: nothing. Past it: out of range.
  auto e = log->read(4, 1 << 20, -1, false);
  REQUIRE(e.ok());
  CHECK(e->slices.empty());
  auto oor = log->read(5, 1 << 20, -1, false);
  CHECK(oor.status().code() == ErrorCode::kOffsetOutOfRange);
  CHECK(std::filesystem::exists(d / "t-0/00000000000000000000.log"));
  CHECK(std::filesystem::file_size(d / "t-0/00000000000000000000.log") == static_cast<uintmax_t>(log->size_bytes()));
}

TEST_CASE("append rejects bad batches without writing") {
  TempDir d;
  auto log = open_log(d / "t-0", LogConfig{});
  auto bad = simple_batch(1);
  bad.back() ^= 0xff;  // CRC mismatch
  CHECK(log->append(bad, 0, {}).status().code() == ErrorCode::kCorruptMessage);
  auto shortb = simple_batch(1);
  shortb.resize(shortb.size() - 3);
  CHECK(log->append(shortb, 0, {}).status().code() == ErrorCode::kCorruptMessage);
  LogConfig small;
  small.max_message_bytes = 50;
  log->set_config(small);
  auto big = simple_batch(1);
  CHECK(log->append(big, 0, {}).status().code() == ErrorCode::kMessageTooLarge);
  CHECK(log->log_end_offset() == 0);
  CHECK(log->size_bytes() == 0);
}

TEST_CASE("read honours max_bytes, min_one_batch and max_offset_exclusive") {
  TempDir d;
  auto log = open_log(d / "t-0", LogConfig{});
  int64_t batch_size = static_cast<int64_t>(simple_batch(0).size());
  for (int i = 0; i < 10; ++i) append(*log, simple_batch(i));
  auto r = log->read(0, 10, -1, true);
  REQUIRE(r.ok());
  CHECK(r->bytes == batch_size);  // one whole batch despite max_bytes 10
  r = log->read(0, 10, -1, false);
  REQUIRE(r.ok());
  CHECK(r->bytes == 10);  // Kafka's partial slice; clients drop the partial batch
  r = log->read(0, 1 << 20, 4, false);
  REQUIRE(r.ok());
  CHECK(r->bytes == 4 * batch_size);
  log->set_high_watermark(6);
  CHECK(log->high_watermark() == 6);
  r = log->read(6, 1 << 20, log->high_watermark(), false);
  REQUIRE(r.ok());
  CHECK(r->slices.empty());
}

TEST_CASE("roll by segment.bytes, and reads span segments") {
  TempDir d;
  LogConfig cfg;
  int64_t batch_size = static_cast<int64_t>(simple_batch(0).size());
  cfg.segment_bytes = batch_size * 3;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 10; ++i) append(*log, simple_batch(i));
  auto segs = log->segments();
  REQUIRE(segs.size() == 4);
  CHECK(segs[1].base_offset == 3);
  CHECK(segs[3].base_offset == 9);
  CHECK(std::filesystem::exists(d / "t-0/00000000000000000003.log"));
  CHECK(std::filesystem::exists(d / "t-0/00000000000000000003.timeindex"));
  auto hs = read_all(*log, 0);
  REQUIRE(hs.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(hs[i].base_offset == i);
  hs = read_all(*log, 4);
  REQUIRE(hs.size() == 6);
  CHECK(hs[0].base_offset == 4);
}

TEST_CASE("roll by segment.ms and by index fullness") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_ms = 1000;
  auto log = open_log(d / "t-0", cfg);
  append(*log, simple_batch(0, kT0), kT0);
  append(*log, simple_batch(1, kT0), kT0 + 500);
  CHECK(log->segment_count() == 1);
  append(*log, simple_batch(2, kT0 + 1500), kT0 + 1500);
  CHECK(log->segment_count() == 2);

  TempDir d2;
  LogConfig c2;
  c2.index_interval_bytes = 0;      // an index entry per batch after the first
  c2.segment_index_bytes = 8 * 3;   // three offset index entries
  auto log2 = open_log(d2 / "t-0", c2);
  for (int i = 0; i < 6; ++i) append(*log2, simple_batch(i));
  CHECK(log2->segment_count() == 2);
  CHECK(log2->segments()[1].base_offset == 4);
}

TEST_CASE("batches without a timestamp do not roll a segment each; segment.ms counts from creation") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_ms = 1000;
  auto log = open_log(d / "t-0", cfg);
  // Records with no timestamp (-1): the first batch's max timestamp is -1.
  for (int i = 0; i < 5; ++i) append(*log, make_batch({{"k", "v", -1}}), kT0 + i * 100);
  CHECK(log->segment_count() == 1);
  // segment.ms then runs from the segment's creation (kT0, the open time).
  append(*log, make_batch({{"k", "v", -1}}), kT0 + 1500);
  CHECK(log->segment_count() == 2);
}

TEST_CASE("time retention of a segment without record timestamps uses its file's modification time") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = 100;  // one batch per segment
  cfg.retention_ms = 60000;
  cfg.file_delete_delay_ms = 0;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 4; ++i) append(*log, make_batch({{"k", "v", -1}}), kT0);
  REQUIRE(log->segment_count() == 4);
  // The files were just written: now is well within retention of their modification time.
  const int64_t now = wall_clock_ms();
  CHECK(*log->apply_retention(now) == 0);
  CHECK(log->log_start_offset() == 0);
  // A day later they are past it (the active segment always stays).
  CHECK(*log->apply_retention(now + 86400000) == 3);
  CHECK(log->log_start_offset() == 3);
}

TEST_CASE("thousands of segments through a handful of open files") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = 100;  // one batch per segment
  OpenFiles::instance().set_capacity(8);
  {
    auto log = open_log(d / "t-0", cfg);
    for (int i = 0; i < 2000; ++i) append(*log, simple_batch(i));
    CHECK(log->segment_count() == 2000);
    CHECK(OpenFiles::instance().open_count() <= 8);
    // Every batch reads back, a few segments per read.
    int64_t offset = 0;
    while (offset < 2000) {
      auto headers = read_all(*log, offset);
      REQUIRE(!headers.empty());
      CHECK(headers.front().base_offset == offset);
      offset = headers.back().next_offset();
    }
    CHECK(OpenFiles::instance().open_count() <= 8);
    REQUIRE(log->close().ok());
  }
  auto reopened = open_log(d / "t-0", cfg);
  CHECK(reopened->log_end_offset() == 2000);
  append(*reopened, simple_batch(2000));
  CHECK(read_all(*reopened, 2000).size() == 1);
  OpenFiles::instance().set_capacity(1024);
}

TEST_CASE("offset index entries every index.interval.bytes, Kafka's file format") {
  TempDir d;
  LogConfig cfg;
  int64_t bs = static_cast<int64_t>(simple_batch(0, kT0, 100).size());
  cfg.index_interval_bytes = bs * 2;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 10; ++i) append(*log, simple_batch(i, kT0 + i, 100));
  REQUIRE(log->flush().ok());
  auto idx = read_file(d / "t-0/00000000000000000000.index");
  // Entries when more than 2 batches of bytes accumulated: at batches 3, 6, 9.
  REQUIRE(idx.size() == 3 * 8);
  CHECK(load_be32(&idx[0]) == 3);
  CHECK(load_be32(&idx[4]) == 3 * bs);
  CHECK(load_be32(&idx[8]) == 6);
  auto tidx = read_file(d / "t-0/00000000000000000000.timeindex");
  REQUIRE(tidx.size() == 3 * 12);
  CHECK(load_be64(&tidx[0]) == static_cast<uint64_t>(kT0 + 3));
  CHECK(load_be32(&tidx[8]) == 3);
}

TEST_CASE("offset_for_timestamp: special values and real timestamps") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = 300;
  cfg.index_interval_bytes = 100;
  auto log = open_log(d / "t-0", cfg);
  // Offsets 0..2 in one batch (ts 100, 300, 200), then single records ts 400, 250(!), 500.
  append(*log, make_batch({{"a", "x", 100}, {"b", "x", 300}, {"c", "x", 200}}));
  append(*log, make_batch({{"d", "x", 400}}));
  append(*log, make_batch({{"e", "x", 250}}));
  append(*log, make_batch({{"f", "x", 500}}));
  append(*log, make_batch({{"g", "x", 500}}));
  CHECK(log->segment_count() >= 2);
  auto q = [&](int64_t ts) {
    auto r = log->offset_for_timestamp(ts);
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(q(kEarliestTimestamp) == OffsetAndTimestamp{0, -1});
  CHECK(q(kLatestTimestamp) == OffsetAndTimestamp{7, -1});
  CHECK(q(kMaxTimestamp) == OffsetAndTimestamp{5, 500});
  CHECK(q(0) == OffsetAndTimestamp{0, 100});
  CHECK(q(150) == OffsetAndTimestamp{1, 300});
  CHECK(q(300) == OffsetAndTimestamp{1, 300});
  CHECK(q(301) == OffsetAndTimestamp{3, 400});
  CHECK(q(450) == OffsetAndTimestamp{5, 500});
  CHECK_FALSE(q(501).has_value());
}

TEST_CASE("delete_records_before moves the log start and drops whole segments") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = static_cast<int64_t>(simple_batch(0).size()) * 2;
  cfg.file_delete_delay_ms = 0;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 6; ++i) append(*log, simple_batch(i));
  REQUIRE(log->segment_count() == 3);
  auto r = log->delete_records_before(3);
  REQUIRE(r.ok());
  CHECK(*r == 3);
  CHECK(log->log_start_offset() == 3);
  CHECK(log->segment_count() == 2);  // [0,1] gone; [2,3] holds the new start
  CHECK_FALSE(std::filesystem::exists(d / "t-0/00000000000000000000.log"));
  CHECK(log->read(2, 1000, -1, true).status().code() == ErrorCode::kOffsetOutOfRange);
  auto hs = read_all(*log, 3);
  CHECK(hs.front().base_offset == 3);
  CHECK(log->offset_for_timestamp(kEarliestTimestamp)->value().offset == 3);
  CHECK(log->delete_records_before(7).status().code() == ErrorCode::kOffsetOutOfRange);
}

TEST_CASE("truncate_to cuts whole batches, segments and the epoch cache") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = static_cast<int64_t>(simple_batch(0).size()) * 2;
  cfg.file_delete_delay_ms = 0;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 6; ++i) {
    AppendOptions o;
    o.now_ms = kT0;
    auto b = simple_batch(i);
    REQUIRE(log->append(b, i < 3 ? 1 : 2, o).ok());
  }
  CHECK(log->leader_epochs() == std::vector<EpochEntry>{{1, 0}, {2, 3}});
  CHECK(log->end_offset_for_epoch(1) == std::pair<int32_t, int64_t>{1, 3});
  REQUIRE(log->truncate_to(3).ok());
  CHECK(log->log_end_offset() == 3);
  CHECK(log->high_watermark() == 3);
  CHECK(log->leader_epochs() == std::vector<EpochEntry>{{1, 0}});
  CHECK(read_all(*log, 0).size() == 3);
  CHECK(append(*log, simple_batch(9)).first_offset == 3);
  REQUIRE(log->truncate_to(0).ok());
  CHECK(log->log_end_offset() == 0);
  CHECK(log->segment_count() == 1);
}

TEST_CASE("truncate_to at the log end drops an epoch started there without records") {
  // A replica that led epoch 3 without appending, then follows a leader of epoch 4: the leader
  // ends epoch 2 at our log end, and the empty epoch 3 must go, or every fetch diverges again.
  TempDir d;
  auto log = open_log(d / "t-0", LogConfig{});
  AppendOptions o;
  o.now_ms = kT0;
  auto b = simple_batch(0);
  REQUIRE(log->append(b, 2, o).ok());
  REQUIRE(log->assign_epoch_start_offset(3, 1).ok());
  CHECK(log->latest_epoch() == 3);
  REQUIRE(log->truncate_to(1).ok());
  CHECK(log->log_end_offset() == 1);
  CHECK(log->leader_epochs() == std::vector<EpochEntry>{{2, 0}});
  CHECK(log->latest_epoch() == 2);
}

TEST_CASE("LogAppendTime rewrites maxTimestamp and the CRC") {
  TempDir d;
  LogConfig cfg;
  cfg.message_timestamp_type = TimestampType::kLogAppendTime;
  auto log = open_log(d / "t-0", cfg);
  auto a = append(*log, simple_batch(0, 5), kT0 + 7);
  CHECK(a.log_append_time == kT0 + 7);
  auto hs = read_all(*log, 0);
  REQUIRE(hs.size() == 1);
  CHECK(hs[0].max_timestamp == kT0 + 7);
  CHECK(hs[0].log_append_time());
}

TEST_CASE("clean reopen keeps offsets, indexes and timestamps") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = 400;
  cfg.index_interval_bytes = 50;
  {
    auto log = open_log(d / "t-0", cfg);
    for (int i = 0; i < 20; ++i) append(*log, simple_batch(i, kT0 + i));
    REQUIRE(log->flush().ok());
    REQUIRE(log->close().ok());
  }
  auto log = open_log(d / "t-0", cfg, true);
  CHECK(log->log_end_offset() == 20);
  CHECK(read_all(*log, 0).size() == 20);
  CHECK(log->offset_for_timestamp(kT0 + 13)->value().offset == 13);
  CHECK(log->offset_for_timestamp(kMaxTimestamp)->value() == OffsetAndTimestamp{19, kT0 + 19});
  CHECK(append(*log, simple_batch(20)).first_offset == 20);
}

TEST_CASE("recovery: truncated tail is cut at the last whole batch") {
  TempDir d;
  std::string seg = d / "t-0/00000000000000000000.log";
  {
    auto log = open_log(d / "t-0", LogConfig{});
    for (int i = 0; i < 5; ++i) append(*log, simple_batch(i));
  }
  auto bytes = read_file(seg);
  size_t bs = simple_batch(0).size();
  bytes.resize(bytes.size() - bs / 2);  // half of the last batch
  write_file(seg, bytes);
  auto log = open_log(d / "t-0", LogConfig{}, false, 0);
  CHECK(log->log_end_offset() == 4);
  CHECK(std::filesystem::file_size(seg) == 4 * bs);
  CHECK(append(*log, simple_batch(9)).first_offset == 4);
}

TEST_CASE("recovery: a corrupt batch cuts it, the rest, and later segments") {
  TempDir d;
  LogConfig cfg;
  size_t bs = simple_batch(0).size();
  cfg.segment_bytes = static_cast<int64_t>(bs) * 4;
  {
    auto log = open_log(d / "t-0", cfg);
    for (int i = 0; i < 10; ++i) append(*log, simple_batch(i));
    CHECK(log->segment_count() == 3);
  }
  std::string seg = d / "t-0/00000000000000000004.log";
  auto bytes = read_file(seg);
  bytes[bs + 70] ^= 0x55;  // inside the second batch of segment 4 (offset 5)
  write_file(seg, bytes);
  auto log = open_log(d / "t-0", cfg, false, 2);
  CHECK(log->log_end_offset() == 5);
  CHECK(log->segment_count() == 2);
  CHECK_FALSE(std::filesystem::exists(d / "t-0/00000000000000000008.log"));
  CHECK(read_all(*log, 0).size() == 5);
  CHECK(log->recovery_point() == 5);
}

TEST_CASE("recovery: garbage length field is cut") {
  TempDir d;
  std::string seg = d / "t-0/00000000000000000000.log";
  {
    auto log = open_log(d / "t-0", LogConfig{});
    for (int i = 0; i < 3; ++i) append(*log, simple_batch(i));
  }
  auto bytes = read_file(seg);
  std::vector<uint8_t> junk(30, 0xff);
  bytes.insert(bytes.end(), junk.begin(), junk.end());
  write_file(seg, bytes);
  auto log = open_log(d / "t-0", LogConfig{}, false, 0);
  CHECK(log->log_end_offset() == 3);
  CHECK(std::filesystem::file_size(seg) == 3 * simple_batch(0).size());
}

TEST_CASE("missing and corrupt index files are rebuilt, even after a clean shutdown") {
  TempDir d;
  LogConfig cfg;
  cfg.index_interval_bytes = 1;
  std::vector<uint8_t> idx_before, tidx_before;
  {
    auto log = open_log(d / "t-0", cfg);
    for (int i = 0; i < 8; ++i) append(*log, simple_batch(i, kT0 + i));
    REQUIRE(log->flush().ok());
    REQUIRE(log->close().ok());
    idx_before = read_file(d / "t-0/00000000000000000000.index");
    tidx_before = read_file(d / "t-0/00000000000000000000.timeindex");
  }
  REQUIRE(idx_before.size() == 7 * 8);
  std::filesystem::remove(d / "t-0/00000000000000000000.index");
  {
    auto log = open_log(d / "t-0", cfg, true);
    CHECK(log->log_end_offset() == 8);
    REQUIRE(log->close().ok());
  }
  CHECK(read_file(d / "t-0/00000000000000000000.index") == idx_before);
  // A size that is not a multiple of the entry size fails the sanity check.
  auto t = tidx_before;
  t.resize(t.size() - 5);
  write_file(d / "t-0/00000000000000000000.timeindex", t);
  {
    auto log = open_log(d / "t-0", cfg, true);
    CHECK(log->offset_for_timestamp(kT0 + 5)->value().offset == 5);
    REQUIRE(log->close().ok());
  }
  CHECK(read_file(d / "t-0/00000000000000000000.timeindex") == tidx_before);
  // Positions past the end of the log are insane too.
  auto bad = idx_before;
  store_be32(&bad[bad.size() - 4], 1u << 30);
  write_file(d / "t-0/00000000000000000000.index", bad);
  auto log = open_log(d / "t-0", cfg, true);
  CHECK(read_all(*log, 6).front().base_offset == 6);
  REQUIRE(log->close().ok());
  CHECK(read_file(d / "t-0/00000000000000000000.index") == idx_before);
}

TEST_CASE("retention by time deletes whole old segments, never the active one") {
  TempDir d;
  LogConfig cfg;
  cfg.segment_bytes = static_cast<int64_t>(simple_batch(0).size()) * 2;
  cfg.retention_ms = 1000;
  cfg.file_delete_delay_ms = 500;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 6; ++i) append(*log, simple_batch(i, kT0 + i * 100));
  REQUIRE(log->segment_count() == 3);  // [0,1] ts<=100, [2,3] ts<=300, [4,5] active
  auto n = log->apply_retention(kT0 + 1200);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(log->log_start_offset() == 2);
  CHECK(std::filesystem::exists(d / "t-0/00000000000000000000.log.deleted"));
  REQUIRE(log->remove_expired_files(kT0 + 1300).ok());
  CHECK(std::filesystem::exists(d / "t-0/00000000000000000000.log.deleted"));
  REQUIRE(log->remove_expired_files(kT0 + 1700).ok());
  CHECK_FALSE(std::filesystem::exists(d / "t-0/00000000000000000000.log.deleted"));
  CHECK_FALSE(std::filesystem::exists(d / "t-0/00000000000000000000.index.deleted"));
  n = log->apply_retention(kT0 + 100000);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(log->segment_count() == 1);  // the active segment stays
  CHECK(log->log_start_offset() == 4);
}

TEST_CASE("retention by size") {
  TempDir d;
  LogConfig cfg;
  int64_t bs = static_cast<int64_t>(simple_batch(0).size());
  cfg.segment_bytes = bs * 2;
  cfg.retention_ms = -1;
  cfg.retention_bytes = bs * 3;
  cfg.file_delete_delay_ms = 0;
  auto log = open_log(d / "t-0", cfg);
  for (int i = 0; i < 7; ++i) append(*log, simple_batch(i));
  REQUIRE(log->segment_count() == 4);
  auto n = log->apply_retention(kT0);
  REQUIRE(n.ok());
  CHECK(*n == 2);  // 7 batches -> 3 left: [4,5] and the active [6]
  CHECK(log->log_start_offset() == 4);
  CHECK(log->size_bytes() == 3 * bs);
  // Compact-only topics are not subject to retention.
  cfg.cleanup_delete = false;
  cfg.cleanup_compact = true;
  cfg.retention_bytes = 0;
  log->set_config(cfg);
  CHECK(*log->apply_retention(kT0) == 0);
}

namespace {
LogConfig compact_config() {
  LogConfig cfg;
  cfg.cleanup_delete = false;
  cfg.cleanup_compact = true;
  cfg.segment_bytes = 200;
  cfg.delete_retention_ms = 1000;
  cfg.file_delete_delay_ms = 0;
  return cfg;
}
}  // namespace

TEST_CASE("compaction keeps the last record per key and drops old tombstones") {
  TempDir d;
  auto cfg = compact_config();
  auto log = open_log(d / "t-0", cfg);
  append(*log, make_batch({{"a", "1", kT0}, {"b", "1", kT0}, {"c", "1", kT0}}));  // 0-2
  append(*log, make_batch({{"a", "2", kT0}, {"b", std::nullopt, kT0}}));            // 3-4
  append(*log, make_batch({{"d", "1", kT0}}));                                      // 5
  append(*log, make_batch({{"x", "1", kT0 + 5000}}));                               // 6
  append(*log, make_batch({{"y", "1", kT0 + 5000}}));                               // 7
  append(*log, make_batch({{"z", "1", kT0 + 5000}}));                               // 8
  REQUIRE(log->segment_count() >= 2);
  int64_t leo = log->log_end_offset();
  // Tombstones still within delete.retention.ms of their segment: kept.
  auto s = log->compact(kT0 + 500, true);
  REQUIRE(s.ok());
  CHECK(s->records_removed == 2);
  auto keys = record_keys(*log);
  CHECK(std::find(keys.begin(), keys.end(), "b@4(tombstone)") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "a@0") == keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "a@3") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "c@2") != keys.end());
  // Later: the tombstone goes.
  s = log->compact(kT0 + 7000, true);
  REQUIRE(s.ok());
  keys = record_keys(*log);
  CHECK(std::find(keys.begin(), keys.end(), "b@4(tombstone)") == keys.end());
  CHECK(keys.front() == "c@2");
  CHECK(log->log_end_offset() == leo);
  // Offsets are kept: reading from a removed offset returns the next batch holding it.
  auto hs = read_all(*log, 0);
  REQUIRE(!hs.empty());
  CHECK(hs.front().base_offset == 0);  // batch 0-2 kept (with c), its lastOffsetDelta too
  CHECK(hs.front().last_offset() == 2);
  CHECK(hs.front().records_count == 1);
  // Reopen without a clean shutdown: the cleaned segments recover fine.
  log.reset();
  auto again = open_log(d / "t-0", cfg, false, 0);
  CHECK(record_keys(*again) == keys);
}

TEST_CASE("compaction keeps an emptied producer batch's header when it is the producer's last") {
  TempDir d;
  auto cfg = compact_config();
  auto log = open_log(d / "t-0", cfg);
  append(*log, make_batch({{"a", "1"}}, protocol::Compression::kNone, 77));  // 0, producer 77
  append(*log, make_batch({{"a", "2"}}));                                    // 1 supersedes
  append(*log, make_batch({{"q", std::string(300, 'q')}}));                  // rolls
  append(*log, make_batch({{"r", "1"}}));
  REQUIRE(log->compact(kT0, true).ok());
  auto hs = read_all(*log, 0);
  REQUIRE(!hs.empty());
  CHECK(hs[0].base_offset == 0);
  CHECK(hs[0].records_count == 0);
  CHECK(hs[0].producer_id == 77);
  CHECK(hs[0].batch_length == 49);
}

TEST_CASE("interrupted compaction: .cleaned is discarded, .swap rolled forward") {
  TempDir d;
  auto cfg = compact_config();
  std::vector<std::string> expected;
  {
    auto log = open_log(d / "t-0", cfg);
    append(*log, make_batch({{"a", "1"}, {"b", "1"}}));
    append(*log, make_batch({{"a", "2"}}));
    append(*log, make_batch({{"z", std::string(300, 'z')}}));
    append(*log, make_batch({{"y", "1"}}));
    expected = record_keys(*log);
    REQUIRE(log->close().ok());
  }
  std::string stem = d / "t-0/00000000000000000000";
  // A half-written cleaned file: must be ignored and removed.
  write_file(stem + ".log.cleaned", {1, 2, 3});
  {
    auto log = open_log(d / "t-0", cfg, false, 0);
    CHECK(record_keys(*log) == expected);
    CHECK_FALSE(std::filesystem::exists(stem + ".log.cleaned"));
    // Compact into a copy, then put the result back as a .swap next to the original.
    REQUIRE(log->compact(kT0, true).ok());
    expected = record_keys(*log);
    REQUIRE(log->close().ok());
  }
  auto cleaned = read_file(stem + ".log");
  // Simulate the crash after .swap was complete but before the old files went away: put an
  // uncleaned version back as .log and the cleaned one as .swap.
  auto original = make_batch({{"a", "1"}, {"b", "1"}});
  store_be64(original.data(), 0);
  write_file(stem + ".log", original);
  write_file(stem + ".log.swap", cleaned);
  // The indexes the cleaner built for the copy, not yet renamed either.
  write_file(stem + ".index.cleaned", std::vector<uint8_t>(8, 0));
  write_file(stem + ".timeindex.cleaned", std::vector<uint8_t>(12, 0));
  auto log = open_log(d / "t-0", cfg, false, 0);
  CHECK(record_keys(*log) == expected);
  CHECK_FALSE(std::filesystem::exists(stem + ".log.swap"));
  CHECK_FALSE(std::filesystem::exists(stem + ".index.cleaned"));
  CHECK_FALSE(std::filesystem::exists(stem + ".timeindex.cleaned"));
  CHECK(read_file(stem + ".log") == cleaned);
}
