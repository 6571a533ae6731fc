// Compaction of compressed and transactional batches (PartitionLog::compact, log_cleaner.cpp):
// the latest record per key survives whatever the codec, within and across batches; batches
// keep their codec, offsets span and producer fields; tombstones and transaction markers go
// after their delete horizon; aborted data goes, and the aborted-transaction index follows
// the markers; open transactions bound what is cleaned; decompression bombs are kept as they are;
// the log's lock is let go while segments are read and rewritten, and a log that changes or goes
// meanwhile ends the round with nothing lost.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <map>
#include <optional>

#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/record.h"
#include "moldau/storage/batch_format.h"
#include "moldau/storage/log_manager.h"
#include "moldau/storage/partition_log.h"
#include "test_util.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace moldau;
using namespace moldau::storage;
using namespace moldau::storage::test;
namespace pr = moldau::protocol;

namespace {

constexpr int64_t kT0 = 1700000000000;
constexpr int64_t kDeleteRetention = 1000;

const pr::Compression kCodecs[] = {pr::Compression::kGzip, pr::Compression::kSnappy, pr::Compression::kLz4,
                                   pr::Compression::kZstd};

LogConfig compact_config() {
  LogConfig cfg;
  cfg.cleanup_delete = false;
  cfg.cleanup_compact = true;
  cfg.segment_ms = 1000;  // the first append after kT0 + 1000 rolls
  cfg.delete_retention_ms = kDeleteRetention;
  cfg.file_delete_delay_ms = 0;
  return cfg;
}

std::unique_ptr<PartitionLog> open_log(const std::string& dir, const LogConfig& cfg, bool clean = true) {
  PartitionLog::OpenOptions o;
  o.clean_shutdown = clean;
  o.now_ms = kT0;
  auto r = PartitionLog::open(dir, "t", 0, cfg, o);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

AppendInfo append(PartitionLog& log, std::vector<uint8_t> batch, int64_t now = kT0) {
  AppendOptions o;
  o.now_ms = now;
  auto r = log.append(batch, 3, o);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

struct KV {
  std::optional<std::string> key;
  std::optional<std::string> value;
};

struct BatchSpec {
  pr::Compression codec = pr::Compression::kNone;
  int64_t producer_id = -1;
  int16_t epoch = 0;
  int32_t base_sequence = -1;
  bool transactional = false;
  int64_t timestamp = kT0;
};

std::vector<uint8_t> batch_of(const std::vector<KV>& kvs, const BatchSpec& s = {}) {
  pr::BatchBuilder::Options o;
  o.compression = s.codec;
  o.producer_id = s.producer_id;
  if (s.producer_id >= 0) {
    o.producer_epoch = s.epoch;
    o.base_sequence = s.base_sequence >= 0 ? s.base_sequence : 0;
  }
  o.transactional = s.transactional;
  pr::BatchBuilder b(o);
  int64_t i = 0;
  for (const auto& kv : kvs) {
    pr::Record r;
    r.timestamp = s.timestamp + i++;
    if (kv.key) r.key = std::string_view(*kv.key);
    if (kv.value) r.value = std::string_view(*kv.value);
    if (i == 1) r.headers = {{"h", std::string_view("x")}};
    b.add(r);
  }
  auto built = b.build();
  REQUIRE(built.ok());
  return std::move(built).value();
}

std::vector<uint8_t> marker(int64_t pid, int16_t epoch, pr::ControlType type, int64_t ts = kT0) {
  auto b = pr::build_control_batch(pid, epoch, type, 0, ts);
  REQUIRE(b.ok());
  return std::move(b).value();
}

struct ReadRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t offset = 0;
  int64_t timestamp = 0;
  size_t headers = 0;
};
struct ReadBatch {
  BatchHeader header;
  std::vector<ReadRecord> records;
};

// Every batch of the log (CRCs checked), its records decoded, decompressing as needed.
std::vector<ReadBatch> read_log(PartitionLog& log) {
  auto r = log.read(log.log_start_offset(), 1 << 30, -1, true);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  std::vector<ReadBatch> out;
  for (const auto& s : r->slices) {
    std::vector<uint8_t> buf(static_cast<size_t>(s.size));
    REQUIRE(::pread(s.file->fd(), buf.data(), buf.size(), s.position) == s.size);
    size_t p = 0;
    while (p + kMinBatchSize <= buf.size()) {
      BatchHeader h = decode_batch_header(buf.data() + p);
      REQUIRE(p + h.size_in_bytes() <= buf.size());
      REQUIRE(batch_crc_ok(buf.data() + p, h.size_in_bytes()));
      auto d = pr::decode_records({buf.data() + p, h.size_in_bytes()});
      REQUIRE_MESSAGE(d.ok(), d.status().to_string());
      ReadBatch rb{h, {}};
      for (const auto& rec : d->records) {
        ReadRecord rr;
        if (rec.key) rr.key = std::string(*rec.key);
        if (rec.value) rr.value = std::string(*rec.value);
        rr.offset = rec.offset;
        rr.timestamp = rec.timestamp;
        rr.headers = rec.headers.size();
        rb.records.push_back(rr);
      }
      out.push_back(std::move(rb));
      p += h.size_in_bytes();
    }
  }
  return out;
}

// "key@offset" (tombstones "key@offset(tombstone)") of every data record, in log order.
std::vector<std::string> data_records(PartitionLog& log) {
  std::vector<std::string> out;
  for (const auto& b : read_log(log)) {
    if (b.header.is_control()) continue;
    for (const auto& r : b.records)
      out.push_back(r.key.value_or("<null>") + "@" + std::to_string(r.offset) + (r.value ? "" : "(tombstone)"));
  }
  return out;
}

std::string kv_name(const KV& kv, int64_t offset) {
  return kv.key.value_or("<null>") + "@" + std::to_string(offset) + (kv.value ? "" : "(tombstone)");
}

}  // namespace

TEST_CASE("compressed batches: only the latest record per key survives, for every codec") {
  for (pr::Compression codec : kCodecs) {
    CAPTURE(compression_name(static_cast<int16_t>(codec)));
    TempDir d;
    auto log = open_log(d / "t-0", compact_config());
    // 10 batches of 4 records over 6 keys; keys repeat within a batch (k0 twice in every
    // batch) and across batches. Producer 42 writes them with sequences.
    std::vector<std::pair<KV, int64_t>> written;
    std::map<std::string, int64_t> last_of_key;
    std::map<int64_t, BatchHeader> before;
    int64_t offset = 0;
    for (int b = 0; b < 10; ++b) {
      std::vector<KV> kvs;
      for (int i = 0; i < 4; ++i) {
        std::string key = "k" + std::to_string(i % 2 == 0 ? 0 : (b + i) % 6);
        kvs.push_back({key, "v" + std::to_string(b) + "-" + std::to_string(i) + std::string(40, 'p')});
      }
      auto info = append(*log, batch_of(kvs, {.codec = codec, .producer_id = 42, .base_sequence = b * 4}));
      CHECK(info.first_offset == offset);
      for (const auto& kv : kvs) {
        written.push_back({kv, offset});
        last_of_key[*kv.key] = offset++;
      }
    }
    for (const auto& rb : read_log(*log)) before[rb.header.base_offset] = rb.header;
    // The active segment: its records are never touched.
    append(*log, batch_of({{"k1", "active"}, {"k0", "active"}}, {.codec = codec, .timestamp = kT0 + 5000}), kT0 + 5000);
    REQUIRE(log->segment_count() == 2);
    const int64_t leo = log->log_end_offset();
    REQUIRE(leo == 42);

    auto s = log->compact(kT0 + 6000, true);
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    std::vector<std::string> expected;
    for (const auto& [kv, off] : written)
      if (last_of_key[*kv.key] == off) expected.push_back(kv_name(kv, off));
    expected.push_back("k1@40");
    expected.push_back("k0@41");
    CHECK(data_records(*log) == expected);
    CHECK(expected.size() == 6 + 2);  // 40 records written before the active segment keep 6
    CHECK(s->records_removed == 40 - 6);
    CHECK(s->segments_cleaned == 1);
    CHECK(log->log_end_offset() == leo);

    // Every surviving batch keeps its codec, offsets span, producer id, epoch and sequence.
    for (const auto& rb : read_log(*log)) {
      if (rb.header.base_offset >= 40) continue;
      REQUIRE(before.contains(rb.header.base_offset));
      const BatchHeader& was = before[rb.header.base_offset];
      CHECK(rb.header.compression() == codec);
      CHECK(rb.header.last_offset_delta == was.last_offset_delta);
      CHECK(rb.header.producer_id == 42);
      CHECK(rb.header.producer_epoch == was.producer_epoch);
      CHECK(rb.header.base_sequence == was.base_sequence);
      CHECK(rb.header.partition_leader_epoch == 3);
      CHECK((rb.header.attributes & pr::kDeleteHorizonBit) == 0);  // no tombstones here
      int64_t max_ts = -1;
      for (const auto& r : rb.records) {
        CHECK(r.timestamp >= kT0);
        max_ts = std::max(max_ts, r.timestamp);
      }
      if (!rb.records.empty()) CHECK(rb.header.max_timestamp == max_ts);
    }
    // The last batch of producer 42 (offsets 36-39) stays, holding its last sequence.
    auto batches = read_log(*log);
    bool has_last = false;
    for (const auto& rb : batches)
      if (rb.header.base_offset == 36) has_last = rb.header.last_offset() == 39 && rb.header.base_sequence == 36;
    CHECK(has_last);

    // Cleaned again: nothing changes, and nothing is rewritten.
    auto again = log->compact(kT0 + 7000, true);
    REQUIRE(again.ok());
    CHECK(again->segments_cleaned == 0);
    CHECK(data_records(*log) == expected);

    // Recovery reads the recompressed batches (CRCs, offsets) like any others.
    log.reset();
    auto reopened = open_log(d / "t-0", compact_config(), false);
    CHECK(data_records(*reopened) == expected);
    CHECK(reopened->log_end_offset() == leo);
  }
}

TEST_CASE("compressed tombstones get a delete horizon, then go once it has passed") {
  TempDir d;
  auto log = open_log(d / "t-0", compact_config());
  append(*log, batch_of({{"a", "1"}, {"b", "1"}, {"c", "1"}}, {.codec = pr::Compression::kZstd}));  // 0-2
  append(*log, batch_of({{"b", std::nullopt}, {"a", "2"}}, {.codec = pr::Compression::kLz4}));     // 3-4
  append(*log, batch_of({{"z", "1"}}, {.timestamp = kT0 + 5000}), kT0 + 5000);  // 5, active
  const int64_t t1 = kT0 + 6000;
  REQUIRE(log->compact(t1, true).ok());
  CHECK(data_records(*log) == std::vector<std::string>{"c@2", "b@3(tombstone)", "a@4", "z@5"});
  auto batches = read_log(*log);
  REQUIRE(batches.size() == 3);
  // The first batch keeps c only (no tombstone: no horizon); the second keeps everything but
  // is rewritten with its delete horizon; record timestamps stay exact.
  CHECK((batches[0].header.attributes & pr::kDeleteHorizonBit) == 0);
  CHECK(batches[0].header.compression() == pr::Compression::kZstd);
  CHECK(batches[0].records[0].timestamp == kT0 + 2);
  CHECK(batches[0].records[0].headers == 0);
  CHECK((batches[1].header.attributes & pr::kDeleteHorizonBit) != 0);
  CHECK(batches[1].header.base_timestamp == t1 + kDeleteRetention);
  CHECK(batches[1].header.compression() == pr::Compression::kLz4);
  CHECK(batches[1].records[0].timestamp == kT0);
  CHECK(batches[1].records[0].headers == 1);
  CHECK(batches[1].records[1].timestamp == kT0 + 1);
  CHECK(batches[1].header.max_timestamp == kT0 + 1);

  // Before the horizon: the tombstone stays.
  REQUIRE(log->compact(t1 + kDeleteRetention - 1, true).ok());
  CHECK(data_records(*log) == std::vector<std::string>{"c@2", "b@3(tombstone)", "a@4", "z@5"});
  // After it: gone; the batch keeps a, its horizon and its offsets span.
  REQUIRE(log->compact(t1 + kDeleteRetention, true).ok());
  CHECK(data_records(*log) == std::vector<std::string>{"c@2", "a@4", "z@5"});
  batches = read_log(*log);
  CHECK(batches[1].header.base_offset == 3);
  CHECK(batches[1].header.last_offset() == 4);
  CHECK(batches[1].records.size() == 1);
}

TEST_CASE("transactions: aborted data goes, markers go after their data, the aborted index follows") {
  TempDir d;
  auto log = open_log(d / "t-0", compact_config());
  using pr::ControlType;
  // 0-1  producer 5, transaction aborted (lz4)
  append(*log, batch_of({{"a", "aborted"}, {"b", "aborted"}},
                        {.codec = pr::Compression::kLz4, .producer_id = 5, .transactional = true}));
  append(*log, marker(5, 0, ControlType::kAbort));  // 2
  // 3-4  producer 6, committed (gzip)
  append(*log, batch_of({{"a", "committed"}, {"c", "1"}},
                        {.codec = pr::Compression::kGzip, .producer_id = 6, .transactional = true}));
  append(*log, marker(6, 0, ControlType::kCommit));  // 5
  append(*log, batch_of({{"b", "plain"}}, {.codec = pr::Compression::kSnappy}));  // 6
  // 7    producer 5 again, committed; its last batch
  append(*log, batch_of({{"d", "1"}}, {.codec = pr::Compression::kZstd, .producer_id = 5, .base_sequence = 2,
                                       .transactional = true}));
  append(*log, marker(5, 0, ControlType::kCommit));  // 8
  append(*log, batch_of({{"z", "1"}}, {.timestamp = kT0 + 5000}), kT0 + 5000);  // 9, active
  REQUIRE(log->segment_count() == 2);
  REQUIRE(log->aborted_transactions(0, 10).size() == 1);
  const std::string txnindex = d / "t-0/00000000000000000000.txnindex";
  REQUIRE(read_file(txnindex).size() == kAbortedTxnEntrySize);

  auto markers = [&] {
    std::vector<std::string> out;
    for (const auto& b : read_log(*log))
      if (b.header.is_control())
        out.push_back(std::to_string(b.header.base_offset) + (b.records.empty() ? "(empty)" : "") +
                      ((b.header.attributes & pr::kDeleteHorizonBit) ? "(horizon)" : ""));
    return out;
  };

  // Round 1: the aborted batch goes (its keys never superseded anything: a@3 was kept
  // because it is the latest committed a, b@6 because the aborted b does not count). The
  // ABORT marker stays: its data was in the log until this round.
  int64_t t = kT0 + 6000;
  auto s = log->compact(t, true);
  REQUIRE(s.ok());
  CHECK(s->records_removed == 2);
  CHECK(data_records(*log) == std::vector<std::string>{"a@3", "c@4", "b@6", "d@7", "z@9"});
  CHECK(markers() == std::vector<std::string>{"2", "5", "8"});
  CHECK(log->aborted_transactions(0, 10).size() == 1);

  // Round 2: no data of the aborted transaction left: its marker gets a delete horizon.
  REQUIRE(log->compact(++t, true).ok());
  CHECK(markers() == std::vector<std::string>{"2(horizon)", "5", "8"});
  CHECK(log->aborted_transactions(0, 10).size() == 1);

  // Supersede a@3 and c@4 (the whole committed batch of producer 6) in a later segment.
  append(*log, batch_of({{"a", "new"}, {"c", "new"}}, {.timestamp = kT0 + 7000}), kT0 + 7000);  // 10-11
  append(*log, batch_of({{"y", "1"}}, {.timestamp = kT0 + 9000}), kT0 + 9000);  // 12, active
  REQUIRE(log->compact(++t, true).ok());
  CHECK(data_records(*log) == std::vector<std::string>{"b@6", "d@7", "z@9", "a@10", "c@11", "y@12"});
  // The batch of producer 6 is its last, so its header stays; so does its COMMIT marker, for
  // which the emptied batch still counts.
  CHECK(markers() == std::vector<std::string>{"2(horizon)", "5", "8"});

  // Past the horizon: the ABORT marker goes, and with it the aborted-transaction entry (in
  // memory and in the .txnindex). Producer 5's COMMIT marker (8) stays: its data (d@7) is alive.
  t += kDeleteRetention + 1;
  REQUIRE(log->compact(t, true).ok());
  CHECK(markers() == std::vector<std::string>{"5", "8"});
  CHECK(log->aborted_transactions(0, 13).empty());
  CHECK(read_file(txnindex).empty());
  CHECK(data_records(*log) == std::vector<std::string>{"b@6", "d@7", "z@9", "a@10", "c@11", "y@12"});

  // Producer state is intact after a restart on the cleaned log.
  log.reset();
  auto reopened = open_log(d / "t-0", compact_config(), false);
  CHECK(reopened->aborted_transactions(0, 13).empty());
  CHECK(data_records(*reopened) == std::vector<std::string>{"b@6", "d@7", "z@9", "a@10", "c@11", "y@12"});
}

TEST_CASE("an open transaction bounds the cleaned range (the last stable offset)") {
  TempDir d;
  auto cfg = compact_config();
  auto log = open_log(d / "t-0", cfg);
  append(*log, batch_of({{"a", "1"}}, {.codec = pr::Compression::kZstd}));  // 0
  append(*log, batch_of({{"a", "2"}}, {.codec = pr::Compression::kZstd}));  // 1
  append(*log, batch_of({{"x", "1"}}, {.timestamp = kT0 + 2000}), kT0 + 2000);  // 2, rolls
  // Producer 8 opens a transaction in the second segment and does not end it.
  append(*log,
         batch_of({{"a", "open"}}, {.codec = pr::Compression::kZstd, .producer_id = 8, .transactional = true,
                                    .timestamp = kT0 + 2000}),
         kT0 + 2000);  // 3
  append(*log, batch_of({{"y", "1"}}, {.timestamp = kT0 + 4000}), kT0 + 4000);  // 4, active
  REQUIRE(log->segment_count() == 3);
  REQUIRE(log->last_stable_offset() == 3);
  REQUIRE(log->compact(kT0 + 5000, true).ok());
  // Only the first segment was cleaned, and a@3 (which may still be aborted) superseded nothing.
  CHECK(data_records(*log) == std::vector<std::string>{"a@1", "x@2", "a@3", "y@4"});
  CHECK(log->cleaner_offset() == 2);
}

TEST_CASE("a decompression bomb is kept as it is, and nothing is lost because of it") {
  TempDir d;
  auto cfg = compact_config();
  cfg.max_message_bytes = 1000;  // the cleaner's bound is then its floor, 8 MiB
  auto log = open_log(d / "t-0", cfg);
  std::string huge(9u << 20, '\0');
  auto bomb = batch_of({{"a", huge}, {"b", "1"}}, {.codec = pr::Compression::kZstd});
  REQUIRE(bomb.size() < 1000);
  append(*log, batch_of({{"a", "0"}}, {.codec = pr::Compression::kGzip}));  // 0
  append(*log, bomb);                                                       // 1-2
  append(*log, batch_of({{"a", "3"}, {"b", "3"}}, {.codec = pr::Compression::kGzip}));  // 3-4
  append(*log, batch_of({{"z", "1"}}, {.timestamp = kT0 + 5000}), kT0 + 5000);  // 5, active
  auto s = log->compact(kT0 + 6000, true);
  REQUIRE(s.ok());
  CHECK(s->undecodable_batches_kept == 1);
  // a@0 goes (a@3 is later); the bomb's records stay although a@3 and b@4 supersede them.
  CHECK(s->records_removed == 1);
  auto batches = read_log(*log);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].header.base_offset == 1);
  CHECK(batches[0].records.size() == 2);
  CHECK(batches[1].header.base_offset == 3);
  CHECK(batches[1].records.size() == 2);
}

TEST_CASE("log cleaner: a pass on several cleaner threads compacts every log as one thread would") {
  TempDir d;
  auto m = LogManager::open({d / "a", d / "b"}, compact_config());
  REQUIRE(m.ok());
  std::vector<PartitionLog*> logs;
  for (int32_t p = 0; p < 5; ++p) {
    auto log = (*m)->create_partition("t", p, Uuid{}, compact_config());
    REQUIRE(log.ok());
    logs.push_back(*log);
    for (int i = 0; i < 6; ++i)
      append(**log, batch_of({{"a", "a" + std::to_string(i)}, {"b", "b" + std::to_string(i)}}));
    append(**log, batch_of({{"c", "active"}}, {.timestamp = kT0 + 5000}), kT0 + 5000);  // rolls
    REQUIRE((*log)->segment_count() == 2);
  }
  auto s = (*m)->run_compaction(kT0 + 6000, 3);
  REQUIRE_MESSAGE(s.ok(), s.status().to_string());
  CHECK(s->threads == 3);
  CHECK(s->segments_cleaned == 5);
  CHECK(s->records_removed == 5 * 10);
  for (PartitionLog* log : logs) CHECK(data_records(*log) == std::vector<std::string>{"a@10", "b@11", "c@12"});
  // More threads than logs: one per log.
  auto again = (*m)->run_compaction(kT0 + 7000, 16);
  REQUIRE(again.ok());
  CHECK(again->threads == 5);
}

namespace {
// Offsets 0-11: keys a and b in turn, six batches in the first segment; then c@12 in a new,
// active segment.
void write_a_b_then_roll(PartitionLog& log) {
  for (int i = 0; i < 6; ++i) append(log, batch_of({{"a", "a" + std::to_string(i)}, {"b", "b" + std::to_string(i)}}));
  append(log, batch_of({{"c", "active"}}, {.timestamp = kT0 + 5000}), kT0 + 5000);  // rolls
  REQUIRE(log.segment_count() == 2);
}
}  // namespace

TEST_CASE("log cleaner: appends and reads go on while a log is cleaned, and what they wrote stays") {
  TempDir d;
  auto log = open_log(d / "t-0", compact_config());
  write_a_b_then_roll(*log);
  CompactOptions options;
  options.force = true;
  bool went_on = false;
  options.after_key_pass = [&] {
    // From another thread, as the event loop would: this waits forever if the cleaner still
    // holds the log's lock.
    auto other = std::async(std::launch::async, [&] {
      append(*log, batch_of({{"a", "during"}}, {.timestamp = kT0 + 5500}), kT0 + 5500);
      return log->log_end_offset();
    });
    REQUIRE(other.wait_for(std::chrono::seconds(120)) == std::future_status::ready);
    went_on = other.get() == 14;
  };
  auto s = log->compact(kT0 + 6000, options);
  REQUIRE_MESSAGE(s.ok(), s.status().to_string());
  CHECK(went_on);
  CHECK_FALSE(s->aborted);
  CHECK(s->segments_cleaned == 1);
  // a@13 is in the active segment, beyond the round: a@10 stays until a later round.
  CHECK(data_records(*log) == std::vector<std::string>{"a@10", "b@11", "c@12", "a@13"});
  CHECK(log->cleaner_offset() == 12);
  // The cleaned segment came with its indexes, under their own names; nothing .cleaned is left.
  for (const char* name : {"00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex"})
    CHECK_MESSAGE(std::filesystem::exists(std::filesystem::path(d / "t-0") / name), name);
  for (const auto& entry : std::filesystem::directory_iterator(d / "t-0"))
    CHECK_MESSAGE(entry.path().extension() != ".cleaned", entry.path().string());
  auto found = log->read(10, 1 << 20, -1, true);  // through the new offset index
  REQUIRE(found.ok());
  CHECK(found->first_batch_offset == 10);
}

TEST_CASE("log cleaner: a truncation under the cleaner ends its round, and the log is the truncated one") {
  TempDir d;
  auto log = open_log(d / "t-0", compact_config());
  write_a_b_then_roll(*log);
  std::vector<std::string> truncated;
  CompactOptions options;
  options.force = true;
  options.after_key_pass = [&] {
    // A follower cutting its log back to the leader's (offset 7 is in the cleaned segment).
    REQUIRE(log->truncate_to(7).ok());
    truncated = data_records(*log);
  };
  auto s = log->compact(kT0 + 6000, options);
  REQUIRE_MESSAGE(s.ok(), s.status().to_string());
  CHECK(s->aborted);
  CHECK(s->segments_cleaned == 0);
  CHECK(truncated == std::vector<std::string>{"a@0", "b@1", "a@2", "b@3", "a@4", "b@5"});
  CHECK(data_records(*log) == truncated);
  CHECK(log->cleaner_offset() == 0);
  for (const auto& entry : std::filesystem::directory_iterator(d / "t-0"))
    CHECK_MESSAGE(entry.path().extension() != ".cleaned", entry.path().string());
  // The next round cleans the log as it now is.
  auto again = log->compact(kT0 + 7000, true);
  REQUIRE(again.ok());
  CHECK_FALSE(again->aborted);
}

namespace {
// 40 batches of 100 records over 50 keys, then a roll.
void write_much(PartitionLog& log) {
  for (int b = 0; b < 40; ++b) {
    std::vector<KV> kvs;
    for (int i = 0; i < 100; ++i) kvs.push_back({"k" + std::to_string(i % 50), std::string(100, 'v')});
    append(log, batch_of(kvs));
  }
  append(log, batch_of({{"c", "active"}}, {.timestamp = kT0 + 5000}), kT0 + 5000);  // rolls
}

// A compaction pass on a thread of its own, once the manager shows it running on t-0. Its
// round then waits between its passes until it is cancelled, so that what cancels it always
// meets it under way.
std::future<Result<CompactionStats>> pass_seen_running(LogManager& m) {
  m.set_after_key_pass([](const std::atomic<bool>& cancel) {
    while (!cancel.load()) std::this_thread::yield();
  });
  auto pass = std::async(std::launch::async, [&m] { return m.run_compaction(kT0 + 6000); });
  bool seen = false;
  while (!seen && pass.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) seen = m.cleaning("t", 0);
  REQUIRE_MESSAGE(seen, "the round ended before it was seen running");
  return pass;
}
}  // namespace

TEST_CASE("log cleaner: closing the log manager cancels the round under way; the log reopens whole") {
  TempDir d;
  std::vector<std::string> before;
  {
    auto m = LogManager::open({d / "a"}, compact_config());
    REQUIRE(m.ok());
    auto created = (*m)->create_partition("t", 0, Uuid{}, compact_config());
    REQUIRE(created.ok());
    write_much(**created);
    before = data_records(**created);
    auto pass = pass_seen_running(**m);
    REQUIRE((*m)->close(true).ok());
    auto s = pass.get();
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    CHECK(s->aborted);
  }
  for (const auto& entry : std::filesystem::directory_iterator(d / "a/t-0"))
    CHECK_MESSAGE(entry.path().extension() != ".cleaned", entry.path().string());
  auto m = LogManager::open({d / "a"}, compact_config());
  REQUIRE(m.ok());
  PartitionLog* log = (*m)->get("t", 0);
  REQUIRE(log != nullptr);
  CHECK(data_records(*log) == before);
}

TEST_CASE("log cleaner: deleting a partition cancels its round and waits for it") {
  TempDir d;
  auto m = LogManager::open({d / "a"}, compact_config());
  REQUIRE(m.ok());
  auto created = (*m)->create_partition("t", 0, Uuid{}, compact_config());
  REQUIRE(created.ok());
  write_much(**created);
  auto pass = pass_seen_running(**m);
  REQUIRE((*m)->delete_partition("t", 0).ok());
  CHECK_FALSE((*m)->cleaning("t", 0));
  auto s = pass.get();
  REQUIRE_MESSAGE(s.ok(), s.status().to_string());
  CHECK(s->aborted);
  CHECK((*m)->get("t", 0) == nullptr);
  CHECK_FALSE(std::filesystem::exists(d / "a/t-0"));
}
