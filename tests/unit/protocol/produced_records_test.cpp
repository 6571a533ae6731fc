#include "moldau/protocol/produced_records.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/compression.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace moldau;
using namespace moldau::protocol;

namespace {

const Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                               Compression::kLz4, Compression::kZstd};
constexpr int64_t kNow = 1700000000000;

std::vector<uint8_t> build(Compression c, const std::vector<int64_t>& timestamps, bool keys = true,
                           size_t value_size = 10) {
  BatchBuilder b({.compression = c});
  std::string value(value_size, 'v');
  for (size_t i = 0; i < timestamps.size(); ++i) {
    std::string key = "k" + std::to_string(i);
    Record r;
    r.timestamp = timestamps[i];
    if (keys) r.key = key;
    r.value = value;
    b.add(r);
  }
  auto out = b.build();
  REQUIRE(out.ok());
  return std::move(out).value();
}

// What older Sarama releases send: a header maxTimestamp of -1 whatever the records hold.
void claim_max_timestamp(std::vector<uint8_t>& batch, int64_t ts) {
  store_be64(batch.data() + kMaxTimestampPos, static_cast<uint64_t>(ts));
  update_batch_crc(batch);
}

int64_t header_max_timestamp(const std::vector<uint8_t>& batch) {
  return static_cast<int64_t>(load_be64(batch.data() + kMaxTimestampPos));
}

ProducedRecordChecks at_now() {
  ProducedRecordChecks c;
  c.now_ms = kNow;
  return c;
}

}  // namespace

TEST_CASE("the records' largest timestamp is derived, whatever the header claims, for every codec") {
  for (Compression c : kCodecs) {
    CAPTURE(compression_name(c));
    auto batch = build(c, {kNow - 5000, kNow - 1000, kNow - 3000, kNow - 1000});
    claim_max_timestamp(batch, -1);
    auto v = validate_produce_records(batch, 9, {}, at_now());
    REQUIRE_MESSAGE(v.ok(), v.status().to_string());
    CHECK(v->records.max_timestamp == kNow - 1000);
    CHECK(v->records.offset_delta_of_max_timestamp == 1);  // the first record carrying it

    set_create_time_max_timestamp(batch, v->records.max_timestamp);
    CHECK(header_max_timestamp(batch) == kNow - 1000);
    CHECK(validate_batch(batch).ok());  // the CRC was recomputed
  }
}

TEST_CASE("records without timestamps leave the max at -1") {
  auto batch = build(Compression::kNone, {-1, -1});
  auto v = validate_produce_records(batch, 9, {}, at_now());
  REQUIRE(v.ok());
  CHECK(v->records.max_timestamp == -1);
}

TEST_CASE("timestamps outside message.timestamp.before/after.max.ms are INVALID_TIMESTAMP") {
  ProducedRecordChecks c = at_now();
  c.timestamp_before_max_ms = 60000;
  c.timestamp_after_max_ms = 3600000;
  for (Compression codec : kCodecs) {
    CAPTURE(compression_name(codec));
    CHECK(validate_produce_records(build(codec, {kNow - 60000, kNow + 3600000}), 9, {}, c).ok());
    auto past = validate_produce_records(build(codec, {kNow, kNow - 60001}), 9, {}, c);
    CHECK(past.status().code() == ErrorCode::kInvalidTimestamp);
    CHECK(past.status().message().find("Timestamp " + std::to_string(kNow - 60001) +
                                       " of message with offset 1 is out of range") != std::string::npos);
    auto future = validate_produce_records(build(codec, {kNow + 3600001}), 9, {}, c);
    CHECK(future.status().code() == ErrorCode::kInvalidTimestamp);
  }
  // -1 is "no timestamp", never out of range; LogAppendTime topics check nothing.
  CHECK(validate_produce_records(build(Compression::kNone, {-1}), 9, {}, c).ok());
  c.create_time = false;
  CHECK(validate_produce_records(build(Compression::kNone, {kNow + 99999999}), 9, {}, c).ok());
}

TEST_CASE("a producer may not claim LogAppendTime on a CreateTime topic") {
  BatchBuilder b({.log_append_time = true, .log_append_time_ms = kNow});
  Record r;
  r.value = "v";
  b.add(r);
  auto batch = b.build();
  REQUIRE(batch.ok());
  CHECK(validate_produce_records(*batch, 9, {}, at_now()).status().code() == ErrorCode::kInvalidTimestamp);
}

TEST_CASE("compacted topics need keys") {
  ProducedRecordChecks c = at_now();
  c.require_keys = true;
  for (Compression codec : kCodecs) {
    CAPTURE(compression_name(codec));
    CHECK(validate_produce_records(build(codec, {kNow}, true), 9, {}, c).ok());
    auto v = validate_produce_records(build(codec, {kNow}, false), 9, {}, c);
    CHECK(v.status().code() == ErrorCode::kInvalidRecord);
    CHECK(v.status().message().find("without a key") != std::string::npos);
  }
}

TEST_CASE("compressed batches are walked piece by piece: large ones pass, bombs stop at the bound") {
  // 2000 records of 8 KiB: 16 MiB of records, far more than the 64 KiB window.
  std::vector<int64_t> ts(2000, kNow);
  ts[1234] = kNow + 5;
  for (Compression c : {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    CAPTURE(compression_name(c));
    auto batch = build(c, ts, true, 8192);
    auto v = validate_produce_records(batch, 9, {}, at_now());
    REQUIRE_MESSAGE(v.ok(), v.status().to_string());
    CHECK(v->records.max_timestamp == kNow + 5);
    CHECK(v->records.offset_delta_of_max_timestamp == 1234);

    ProducedRecordChecks small = at_now();
    small.max_decompressed_bytes = 1 << 20;
    auto bomb = validate_produce_records(batch, 9, {}, small);
    CHECK(bomb.status().code() == ErrorCode::kMessageTooLarge);
  }
}

TEST_CASE("records that do not fill the batch exactly, or skip offsets, are INVALID_RECORD") {
  for (Compression c : kCodecs) {
    CAPTURE(compression_name(c));
    auto batch = build(c, {kNow, kNow, kNow});
    // One record fewer than the records hold.
    store_be32(batch.data() + kRecordsCountPos, 2);
    store_be32(batch.data() + kLastOffsetDeltaPos, 1);
    update_batch_crc(batch);
    auto v = validate_produce_records(batch, 9, {}, at_now());
    CHECK(v.status().code() == ErrorCode::kInvalidRecord);
    // One record more than they hold.
    store_be32(batch.data() + kRecordsCountPos, 4);
    store_be32(batch.data() + kLastOffsetDeltaPos, 3);
    update_batch_crc(batch);
    v = validate_produce_records(batch, 9, {}, at_now());
    CHECK(!v.ok());
  }
}
