#include "moldau/protocol/record_batch.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "moldau/common/crc32c.h"
#include "moldau/common/endian.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/compression.h"
#include "moldau/protocol/produced_records.h"
#include "moldau/protocol/record.h"

// g++ 12 warns about members left out of designated initializers even when they have
// defaults (fixed in g++ 14); the tests use designated initializers for readability.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace moldau;
using namespace moldau::protocol;

namespace {

const Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                               Compression::kLz4, Compression::kZstd};

constexpr int64_t kTs = 1700000000000;  // 2023-11-14T22:13:20Z

std::vector<uint8_t> build(BatchBuilder::Options o, const std::vector<Record>& records) {
  BatchBuilder b(o);
  for (const Record& r : records) b.add(r);
  auto out = b.build();
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  return std::move(out).value();
}

// A varied set: null key, null value (tombstone), empty value, binary bytes, headers with a
// null value, timestamps out of order.
std::vector<Record> sample_records(size_t n) {
  static std::vector<std::string> store;  // keeps the bytes the views point at
  store.clear();
  store.reserve(n * 2);
  std::vector<Record> out;
  for (size_t i = 0; i < n; ++i) {
    Record r;
    r.timestamp = kTs + static_cast<int64_t>(i % 5) * 1000 - 2000;
    store.push_back("key-" + std::to_string(i));
    store.push_back(std::string(i % 300, static_cast<char>('a' + i % 26)) + std::string(1, '\0') + "\xff");
    if (i % 4 != 1) r.key = store[store.size() - 2];
    if (i % 6 == 2) r.value = std::nullopt;
    else if (i % 6 == 3) r.value = std::string_view();
    else r.value = store.back();
    if (i % 3 == 0) r.headers = {{"trace", std::string_view("abc")}, {"empty", std::nullopt}};
    out.push_back(r);
  }
  return out;
}

void check_same(const std::vector<Record>& got, const std::vector<Record>& want, int64_t base_offset) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].offset == base_offset + static_cast<int64_t>(i));
    CHECK(got[i].timestamp == want[i].timestamp);
    CHECK(got[i].key == want[i].key);
    CHECK(got[i].value == want[i].value);
    REQUIRE(got[i].headers.size() == want[i].headers.size());
    for (size_t k = 0; k < got[i].headers.size(); ++k) {
      CHECK(got[i].headers[k].key == want[i].headers[k].key);
      CHECK(got[i].headers[k].value == want[i].headers[k].value);
    }
  }
}

// Rewrites the CRC after a test edits the header.
void fix_crc(std::vector<uint8_t>& b) { update_batch_crc(b); }

Status validate(const std::vector<uint8_t>& b, ValidateOptions o = {}) { return validate_batch(b, o); }

bool has(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("crc32c is the Castagnoli CRC (check value of \"123456789\")") {
  CHECK(crc32c("123456789", 9) == 0xe3069283u);
}

TEST_CASE("golden batch: one record key \"k\" value \"v\", every byte against the layout") {
  BatchBuilder::Options o;
  auto b = build(o, {Record{.timestamp = kTs, .key = "k", .value = "v"}});
  // The record: length 8 (zigzag 16 = 0x10), attributes 0, timestampDelta 0, offsetDelta 0,
  // key length 1 (zigzag 2), 'k', value length 1 (zigzag 2), 'v', header count 0.
  const std::vector<uint8_t> record = {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00};
  std::vector<uint8_t> want = {
      0, 0, 0, 0, 0, 0, 0, 0,                          // baseOffset 0
      0, 0, 0, 58,                                     // batchLength = 70 - 12
      0xff, 0xff, 0xff, 0xff,                          // partitionLeaderEpoch -1
      2,                                               // magic
      0, 0, 0, 0,                                      // crc, filled below
      0, 0,                                            // attributes: none, CreateTime
      0, 0, 0, 0,                                      // lastOffsetDelta 0
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // baseTimestamp 1700000000000
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // maxTimestamp
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producerId -1
      0xff, 0xff,                                      // producerEpoch -1
      0xff, 0xff, 0xff, 0xff,                          // baseSequence -1
      0, 0, 0, 1,                                      // recordsCount 1
  };
  want.insert(want.end(), record.begin(), record.end());
  REQUIRE(want.size() == 70);
  // The documented CRC range: from attributes (byte 21) to the end of the batch.
  uint32_t crc = crc32c(want.data() + 21, want.size() - 21);
  want[17] = static_cast<uint8_t>(crc >> 24);
  want[18] = static_cast<uint8_t>(crc >> 16);
  want[19] = static_cast<uint8_t>(crc >> 8);
  want[20] = static_cast<uint8_t>(crc);
  CHECK(b == want);
  CHECK(validate(b).ok());

  auto h = parse_batch_header(b);
  REQUIRE(h.ok());
  CHECK(h->base_offset == 0);
  CHECK(h->batch_length == 58);
  CHECK(h->partition_leader_epoch == -1);
  CHECK(h->magic == 2);
  CHECK(h->crc == crc);
  CHECK(h->records_count == 1);
  CHECK(h->size_in_bytes() == 70);
  CHECK(h->next_offset() == 1);
  CHECK(h->compression() == Compression::kNone);
}

TEST_CASE("parse_batch_header reads every field and needs 61 bytes") {
  BatchBuilder::Options o{.compression = Compression::kZstd, .base_offset = 0, .partition_leader_epoch = 9,
                          .producer_id = 1234567890123, .producer_epoch = 3, .base_sequence = 77,
                          .transactional = true};
  auto recs = sample_records(10);
  auto b = build(o, recs);
  auto h = parse_batch_header(b);
  REQUIRE(h.ok());
  CHECK(h->partition_leader_epoch == 9);
  CHECK(h->compression() == Compression::kZstd);
  CHECK(h->is_transactional());
  CHECK(!h->is_control());
  CHECK(h->last_offset_delta == 9);
  CHECK(h->base_timestamp == recs[0].timestamp);
  CHECK(h->max_timestamp == kTs + 2000);
  CHECK(h->producer_id == 1234567890123);
  CHECK(h->producer_epoch == 3);
  CHECK(h->base_sequence == 77);
  CHECK(h->records_count == 10);
  CHECK(!parse_batch_header(std::span(b.data(), 60)).ok());
}

TEST_CASE("build, validate, decode round trip for every codec") {
  for (Compression c : kCodecs) {
    for (size_t n : {size_t{1}, size_t{7}, size_t{500}}) {
      CAPTURE(compression_name(c));
      CAPTURE(n);
      auto recs = sample_records(n);
      auto b = build({.compression = c}, recs);
      Status s = validate(b);
      REQUIRE_MESSAGE(s.ok(), s.message());
      auto d = decode_records(b);
      REQUIRE_MESSAGE(d.ok(), d.status().message());
      CHECK(d->header.records_count == static_cast<int32_t>(n));
      check_same(d->records, recs, 0);
      // The same through the callback form, counting calls.
      size_t calls = 0;
      Status fs = for_each_record(b, {}, [&](const Record& r) {
        CHECK(r.offset == static_cast<int64_t>(calls));
        ++calls;
        return Status();
      });
      CHECK(fs.ok());
      CHECK(calls == n);
    }
  }
}

TEST_CASE("decoded views stay valid after the DecodedBatch is moved") {
  auto recs = sample_records(50);
  auto b = build({.compression = Compression::kLz4}, recs);
  auto d = decode_records(b);
  REQUIRE(d.ok());
  DecodedBatch moved = std::move(d).value();
  DecodedBatch again = std::move(moved);
  check_same(again.records, recs, 0);
}

TEST_CASE("for_each_record stops at the callback's error") {
  auto b = build({}, sample_records(10));
  size_t calls = 0;
  Status s = for_each_record(b, {}, [&](const Record&) {
    return ++calls == 3 ? Status(ErrorCode::kPolicyViolation, "stop") : Status();
  });
  CHECK(s.code() == ErrorCode::kPolicyViolation);
  CHECK(calls == 3);
}

TEST_CASE("validate_batch: CRC corruption anywhere in the CRC'd range is detected") {
  auto b = build({.compression = Compression::kGzip}, sample_records(20));
  for (size_t i = kAttributesPos; i < b.size(); ++i) {
    auto bad = b;
    bad[i] ^= 0x01;
    Status s = validate(bad);
    CAPTURE(i);
    REQUIRE(!s.ok());
    // Flipping an attributes bit may turn it into a codec 5..7 or a control batch, but the
    // CRC is checked first.
    CHECK(s.code() == ErrorCode::kCorruptMessage);
    CHECK(has(s, "CRC mismatch: stored 0x"));
  }
  auto bad = b;
  bad[kCrcPos] ^= 0xff;
  Status s = validate(bad, {.position = 1234});
  CHECK(has(s, "batch at byte 1234: CRC mismatch: stored 0x"));
  CHECK(has(s, ", computed 0x"));
}

TEST_CASE("validate_batch: each failure, with Kafka's error code") {
  auto good = build({}, sample_records(3));
  REQUIRE(validate(good).ok());

  SUBCASE("shorter than the header") {
    std::vector<uint8_t> b(good.begin(), good.begin() + 60);
    Status s = validate(b);
    CHECK(s.code() == ErrorCode::kCorruptMessage);
    CHECK(has(s, "size 60 is smaller than the batch header (61 bytes)"));
  }
  SUBCASE("batchLength disagrees with the bytes") {
    auto b = good;
    b.push_back(0);
    Status s = validate(b);
    CHECK(s.code() == ErrorCode::kCorruptMessage);
    CHECK(has(s, "disagrees with the batch size"));
    store_be32(good.data() + kBatchLengthPos, 0xffffffff);
    CHECK(validate(good).code() == ErrorCode::kCorruptMessage);
  }
  SUBCASE("magic 1 and magic 3") {
    auto b = good;
    b[kMagicPos] = 1;
    CHECK(validate(b).code() == ErrorCode::kInvalidRecord);
    b[kMagicPos] = 3;
    CHECK(validate(b).code() == ErrorCode::kCorruptMessage);
    CHECK(has(validate(b), "invalid magic 3"));
  }
  SUBCASE("larger than message.max.bytes") {
    Status s = validate(good, {.max_batch_size = good.size() - 1});
    CHECK(s.code() == ErrorCode::kMessageTooLarge);
    CHECK(validate(good, {.max_batch_size = good.size()}).ok());
  }
  SUBCASE("unknown compression codec") {
    auto b = good;
    b[kAttributesPos + 1] |= 0x05;
    fix_crc(b);
    Status s = validate(b);
    CHECK(s.code() == ErrorCode::kUnsupportedCompressionType);
    CHECK(has(s, "unknown compression codec 5"));
  }
  SUBCASE("negative records count, negative lastOffsetDelta") {
    auto b = good;
    store_be32(b.data() + kRecordsCountPos, static_cast<uint32_t>(-1));
    fix_crc(b);
    CHECK(validate(b).code() == ErrorCode::kInvalidRecord);
    CHECK(validate(b, {.from_client = false}).code() == ErrorCode::kInvalidRecord);
    b = good;
    store_be32(b.data() + kLastOffsetDeltaPos, static_cast<uint32_t>(-5));
    fix_crc(b);
    CHECK(validate(b, {.from_client = false}).code() == ErrorCode::kInvalidRecord);
  }
  SUBCASE("lastOffsetDelta + 1 != count, and count 0, from a client") {
    auto b = good;
    store_be32(b.data() + kLastOffsetDeltaPos, 5);
    fix_crc(b);
    Status s = validate(b);
    CHECK(s.code() == ErrorCode::kInvalidRecord);
    CHECK(has(s, "lastOffsetDelta 5 disagrees with records count 3"));
    CHECK(validate(b, {.from_client = false}).ok());  // compacted batches look like this
    store_be32(b.data() + kRecordsCountPos, 0);
    fix_crc(b);
    CHECK(has(validate(b), "invalid records count 0"));
  }
  SUBCASE("an uncompressed batch whose records do not match its count, from a client") {
    auto b = good;
    store_be32(b.data() + kRecordsCountPos, 4);
    store_be32(b.data() + kLastOffsetDeltaPos, 3);
    fix_crc(b);
    CHECK(validate(b).code() == ErrorCode::kInvalidRecord);
    CHECK(has(validate(b), "record 3 at byte"));
    CHECK(has(validate(b), "length truncated or malformed"));
    store_be32(b.data() + kRecordsCountPos, 2);
    store_be32(b.data() + kLastOffsetDeltaPos, 1);
    fix_crc(b);
    CHECK(has(validate(b), "incorrect declared batch size"));
    CHECK(validate(b, {.from_client = false}).ok());
  }
  SUBCASE("baseOffset must be 0 from a client") {
    auto b = good;
    set_base_offset(b, 42);
    CHECK(validate(b).code() == ErrorCode::kInvalidRecord);
    CHECK(has(validate(b), "baseOffset of a produced batch must be 0, but it is 42"));
    CHECK(validate(b, {.from_client = false}).ok());
  }
  SUBCASE("control batches from clients") {
    auto b = *build_control_batch(5, 0, ControlType::kCommit, 3, kTs);
    Status s = validate(b);
    CHECK(s.code() == ErrorCode::kInvalidRecord);
    CHECK(has(s, "clients are not allowed to write control batches"));
    CHECK(validate(b, {.from_client = false}).ok());
  }
  SUBCASE("producer id without a sequence; transactional without a producer id") {
    auto b = build({.producer_id = 10, .producer_epoch = 0, .base_sequence = -1}, sample_records(2));
    CHECK(validate(b).code() == ErrorCode::kInvalidRecord);
    CHECK(has(validate(b), "invalid base sequence -1 with producer id 10"));
    b = build({.producer_id = 10, .producer_epoch = 0, .base_sequence = 0}, sample_records(2));
    CHECK(validate(b).ok());
    b = build({.transactional = true}, sample_records(2));
    CHECK(has(validate(b), "transactional batch without a producer id"));
    b = build({.producer_id = 10, .producer_epoch = 0, .base_sequence = 0, .transactional = true},
              sample_records(2));
    CHECK(validate(b).ok());
  }
}

TEST_CASE("truncated batches at every length fail validation and decoding without crashing") {
  for (Compression c : kCodecs) {
    CAPTURE(compression_name(c));
    auto b = build({.compression = c}, sample_records(12));
    for (size_t n = 0; n < b.size(); ++n) {
      CAPTURE(n);
      std::span<const uint8_t> cut(b.data(), n);
      CHECK(!validate_batch(cut).ok());
      if (n > 0) CHECK(!split_batches(cut).ok());  // no bytes at all: zero batches, fine
      CHECK(!decode_records(cut).ok());
      // Same bytes, but batchLength (and the CRC) made to agree with the cut: the records
      // region itself is then truncated, which decoding must notice.
      if (n >= kBatchHeaderSize) {
        std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<ptrdiff_t>(n));
        store_be32(t.data() + kBatchLengthPos, static_cast<uint32_t>(n - kLogOverhead));
        fix_crc(t);
        // The framing is fine now, but the records no longer fill the batch (compressed ones:
        // the stream is cut short), which the record pass of a client's batch finds.
        Status v = validate_batch(t);
        CHECK((v.code() == ErrorCode::kInvalidRecord || v.code() == ErrorCode::kCorruptMessage));
        CHECK(validate_batch(t, {.from_client = false}).ok());
        auto d = decode_records(t);
        REQUIRE(!d.ok());
        CHECK((d.status().code() == ErrorCode::kInvalidRecord ||
               d.status().code() == ErrorCode::kCorruptMessage));
      }
    }
  }
}

TEST_CASE("flipped bytes in the records never crash decoding") {
  for (Compression c : {Compression::kNone, Compression::kZstd}) {
    auto b = build({.compression = c}, sample_records(6));
    for (size_t i = kBatchHeaderSize; i < b.size(); ++i) {
      for (uint8_t x : {0x01, 0x80, 0xff}) {
        auto bad = b;
        bad[i] ^= x;
        (void)decode_records(bad);  // ok or an error; under ASan, never a bad read
      }
    }
  }
}

namespace {
// An uncompressed batch whose records region is exactly `records`, declaring `count` records.
std::vector<uint8_t> raw_batch(const std::vector<uint8_t>& records, int32_t count) {
  auto b = build({}, {Record{.timestamp = kTs, .key = "k", .value = "v"}});
  b.resize(kBatchHeaderSize);
  b.insert(b.end(), records.begin(), records.end());
  store_be32(b.data() + kBatchLengthPos, static_cast<uint32_t>(b.size() - kLogOverhead));
  store_be32(b.data() + kRecordsCountPos, static_cast<uint32_t>(count));
  store_be32(b.data() + kLastOffsetDeltaPos, static_cast<uint32_t>(count > 0 ? count - 1 : 0));
  update_batch_crc(b);
  return b;
}
}  // namespace

TEST_CASE("huge lengths and counts are errors before any allocation") {
  // zigzag varint for 0x7fffffff: 0xfe 0xff 0xff 0xff 0x0f
  const std::vector<uint8_t> kHuge = {0xfe, 0xff, 0xff, 0xff, 0x0f};
  SUBCASE("records count 2^31-1 with 9 bytes of records") {
    auto b = raw_batch({0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00}, 0x7fffffff);
    auto d = decode_records(b);
    CHECK(d.status().code() == ErrorCode::kInvalidRecord);
    CHECK(has(d.status(), "records count 2147483647 cannot fit in 9 bytes"));
  }
  SUBCASE("record length 2^31-1") {
    std::vector<uint8_t> r = kHuge;
    r.insert(r.end(), {0, 0, 0, 0, 0, 0});
    auto d = decode_records(raw_batch(r, 1));
    CHECK(has(d.status(), "record 0 at byte 0 of the records: length 2147483647 exceeds the 6 bytes left"));
  }
  SUBCASE("key length 2^31-1") {
    std::vector<uint8_t> r = {0x18, 0x00, 0x00, 0x00};
    r.insert(r.end(), kHuge.begin(), kHuge.end());
    r.insert(r.end(), {0, 0, 0, 0});
    auto d = decode_records(raw_batch(r, 1));
    CHECK(has(d.status(), "key length 2147483647 exceeds the 4 bytes left in the record"));
  }
  SUBCASE("header count 2^31-1") {
    std::vector<uint8_t> r = {0x1a, 0x00, 0x00, 0x00, 0x01, 0x01};
    r.insert(r.end(), kHuge.begin(), kHuge.end());
    r.insert(r.end(), {0, 0, 0});
    auto d = decode_records(raw_batch(r, 1));
    CHECK(has(d.status(), "invalid header count 2147483647"));
  }
  SUBCASE("an over-long varint (6 bytes)") {
    std::vector<uint8_t> r = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0, 0, 0, 0, 0};
    auto d = decode_records(raw_batch(r, 1));
    CHECK(has(d.status(), "length truncated or malformed"));
  }
  SUBCASE("negative key length other than -1, negative header key") {
    auto d = decode_records(raw_batch({0x0c, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00}, 1));
    CHECK(has(d.status(), "invalid key length -2"));
    d = decode_records(raw_batch({0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01}, 1));
    CHECK(has(d.status(), "header 0 has a null key"));
  }
  SUBCASE("record length disagrees with its fields") {
    auto d = decode_records(raw_batch({0x12, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00}, 1));
    CHECK(has(d.status(), "length says 9 bytes but the fields take 6"));
  }
  SUBCASE("bytes left after the declared records; fewer records than declared") {
    auto d = decode_records(raw_batch({0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x0c, 0, 0, 0x02, 1, 1, 0}, 1));
    CHECK(has(d.status(), "bytes remain after the last of 1 records"));
    d = decode_records(raw_batch({0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0}, 2));
    CHECK(d.status().code() == ErrorCode::kInvalidRecord);
  }
  SUBCASE("offset deltas out of order") {
    auto d = decode_records(raw_batch({0x0c, 0x00, 0x00, 0x02, 0x01, 0x01, 0x00,  //
                                       0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00}, 2));
    CHECK(has(d.status(), "offsetDelta 0 out of order"));
  }
}

TEST_CASE("a compressed batch over the decompression limit fails with MESSAGE_TOO_LARGE") {
  std::string big(2 << 20, 'x');
  for (Compression c : {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    CAPTURE(compression_name(c));
    auto b = build({.compression = c}, {Record{.timestamp = kTs, .value = big}});
    CHECK(b.size() < 200000);
    auto d = decode_records(b, {.max_decompressed_bytes = 1 << 20});
    CHECK(d.status().code() == ErrorCode::kMessageTooLarge);
    CHECK(decode_records(b, {.max_decompressed_bytes = 3 << 20}).ok());
  }
}

TEST_CASE("in-place rewrites: base offset and leader epoch keep the CRC; LogAppendTime recomputes it") {
  for (Compression c : kCodecs) {
    CAPTURE(compression_name(c));
    auto recs = sample_records(5);
    auto b = build({.compression = c}, recs);
    uint32_t crc = parse_batch_header(b)->crc;
    set_base_offset(b, 1000);
    set_partition_leader_epoch(b, 7);
    auto h = *parse_batch_header(b);
    CHECK(h.base_offset == 1000);
    CHECK(h.partition_leader_epoch == 7);
    CHECK(h.crc == crc);
    CHECK(validate(b, {.from_client = false}).ok());

    apply_log_append_time(b, kTs + 99);
    h = *parse_batch_header(b);
    CHECK(h.log_append_time());
    CHECK(h.max_timestamp == kTs + 99);
    CHECK(h.base_timestamp == recs[0].timestamp);  // unchanged, as Kafka
    CHECK(h.crc != crc);
    CHECK(validate(b, {.from_client = false}).ok());
    auto d = decode_records(b);
    REQUIRE(d.ok());
    for (const Record& r : d->records) CHECK(r.timestamp == kTs + 99);
    CHECK(d->records[4].offset == 1004);
    auto before = b;
    apply_log_append_time(b, kTs + 99);  // already so: nothing changes
    CHECK(b == before);
  }
}

TEST_CASE("control batches: commit and abort markers as Kafka writes them") {
  auto b = build_control_batch(4242, 3, ControlType::kAbort, 17, kTs, 100, 5);
  REQUIRE(b.ok());
  auto h = *parse_batch_header(*b);
  CHECK(h.is_control());
  CHECK(h.is_transactional());
  CHECK(h.producer_id == 4242);
  CHECK(h.producer_epoch == 3);
  CHECK(h.base_sequence == -1);
  CHECK(h.base_offset == 100);
  CHECK(h.partition_leader_epoch == 5);
  CHECK(h.records_count == 1);
  auto d = decode_records(*b);
  REQUIRE(d.ok());
  const Record& r = d->records[0];
  CHECK(r.offset == 100);
  CHECK(r.timestamp == kTs);
  CHECK(*r.key == std::string_view("\0\0\0\0", 4));
  CHECK(*r.value == std::string_view("\0\0\0\0\0\x11", 6));
  auto cr = parse_control_record(r);
  REQUIRE(cr.ok());
  CHECK(cr->type == 0);
  CHECK(cr->coordinator_epoch == 17);

  auto commit = build_control_batch(1, 0, ControlType::kCommit, 2, kTs);
  auto cd = decode_records(*commit);
  CHECK(parse_control_record(cd->records[0])->type == 1);
  Record short_key{.key = std::string_view("\0\0", 2)};
  CHECK(parse_control_record(short_key).status().code() == ErrorCode::kInvalidRecord);
}

TEST_CASE("explicit offsets: a compacted batch with gaps round-trips and validates as stored") {
  std::vector<Record> recs = {Record{.offset = 10, .timestamp = kTs, .key = "a", .value = "1"},
                              Record{.offset = 13, .timestamp = kTs, .key = "b", .value = "2"}};
  auto b = build({.base_offset = 10, .explicit_offsets = true, .last_offset_delta = 5}, recs);
  auto h = *parse_batch_header(b);
  CHECK(h.last_offset_delta == 5);
  CHECK(h.records_count == 2);
  CHECK(validate(b, {.from_client = false}).ok());
  CHECK(validate(b).code() == ErrorCode::kInvalidRecord);
  auto d = decode_records(b);
  REQUIRE(d.ok());
  CHECK(d->records[0].offset == 10);
  CHECK(d->records[1].offset == 13);
  CHECK(decode_records(b, {.require_sequential_offsets = true}).status().code() == ErrorCode::kInvalidRecord);

  BatchBuilder bad({.explicit_offsets = true});
  bad.add(Record{.offset = 3});
  bad.add(Record{.offset = 3});
  CHECK(bad.build().status().code() == ErrorCode::kInvalidRecord);
  CHECK(BatchBuilder({}).build().status().code() == ErrorCode::kInvalidRecord);  // no records
}

TEST_CASE("split_batches and BatchIterator over concatenated batches") {
  std::vector<uint8_t> all;
  std::vector<size_t> starts;
  for (Compression c : kCodecs) {
    starts.push_back(all.size());
    auto b = build({.compression = c}, sample_records(3));
    all.insert(all.end(), b.begin(), b.end());
  }
  auto v = split_batches(all);
  REQUIRE(v.ok());
  REQUIRE(v->size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK((*v)[i].position == starts[i]);
    CHECK((*v)[i].header.compression() == kCodecs[i]);
    CHECK(validate_batch((*v)[i].bytes, {.position = (*v)[i].position}).ok());
  }
  CHECK(split_batches({}).ok());
  CHECK(split_batches({})->empty());

  SUBCASE("a partial trailing batch") {
    std::span<const uint8_t> cut(all.data(), all.size() - 1);
    auto s = split_batches(cut);
    CHECK(s.status().code() == ErrorCode::kCorruptMessage);
    CHECK(has(s.status(), "batch at byte " + std::to_string(starts[4]) + ": truncated"));
    BatchIterator it(cut);
    BatchView bv;
    int n = 0;
    while (it.next(&bv)) ++n;
    CHECK(n == 4);
    CHECK(it.status().ok());
    CHECK(it.truncated());
    CHECK(it.position() == starts[4]);
  }
  SUBCASE("a bad length stops the walk with an error") {
    store_be32(all.data() + starts[2] + kBatchLengthPos, 10);
    BatchIterator it(all);
    BatchView bv;
    int n = 0;
    while (it.next(&bv)) ++n;
    CHECK(n == 2);
    CHECK(it.status().code() == ErrorCode::kCorruptMessage);
    CHECK(has(it.status(), "batch at byte " + std::to_string(starts[2]) + ": batchLength 10 is smaller"));
    CHECK(it.position() == starts[2]);
    store_be32(all.data() + starts[2] + kBatchLengthPos, 0x7fffff00);
    CHECK(split_batches(all, 1 << 20).status().code() == ErrorCode::kCorruptMessage);
  }
  SUBCASE("magic 1 and magic 7") {
    all[starts[1] + kMagicPos] = 1;
    CHECK(split_batches(all).status().code() == ErrorCode::kInvalidRecord);
    all[starts[1] + kMagicPos] = 7;
    CHECK(split_batches(all).status().code() == ErrorCode::kCorruptMessage);
  }
}

TEST_CASE("validate_produce_records: exactly one batch of magic 2, zstd from v7") {
  auto one = build({}, sample_records(2));
  auto r = validate_produce_records(one, 9);
  REQUIRE(r.ok());
  CHECK(r->batch.bytes.size() == one.size());

  auto two = one;
  two.insert(two.end(), one.begin(), one.end());
  auto s = validate_produce_records(two, 9);
  CHECK(s.status().code() == ErrorCode::kInvalidRecord);
  CHECK(has(s.status(), "exactly one record batch"));

  CHECK(validate_produce_records({}, 3).status().code() == ErrorCode::kInvalidRecord);
  CHECK(validate_produce_records(std::span(one.data(), 30), 3).status().code() == ErrorCode::kInvalidRecord);

  auto zstd = build({.compression = Compression::kZstd}, sample_records(2));
  CHECK(validate_produce_records(zstd, 6).status().code() == ErrorCode::kUnsupportedCompressionType);
  CHECK(validate_produce_records(zstd, 7).ok());

  auto bad_crc = one;
  bad_crc.back() ^= 1;
  CHECK(validate_produce_records(bad_crc, 9).status().code() == ErrorCode::kCorruptMessage);
  CHECK(validate_produce_records(one, 9, {.max_batch_size = 70}).status().code() ==
        ErrorCode::kMessageTooLarge);
}
