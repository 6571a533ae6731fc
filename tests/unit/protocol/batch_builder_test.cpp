// BatchBuilder options the log cleaner relies on: the delete horizon (KIP-534), kept with
// explicit offsets and every codec.
#include "moldau/protocol/batch_builder.h"

#include <doctest/doctest.h>

#include "moldau/protocol/record.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace moldau;
using namespace moldau::protocol;

namespace {
constexpr int64_t kTs = 1700000000000;
}  // namespace

TEST_CASE("delete horizon: bit 6 set, baseTimestamp holds it, record timestamps stay exact") {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                        Compression::kZstd}) {
    CAPTURE(static_cast<int>(c));
    const int64_t horizon = kTs + 86400000;
    BatchBuilder b({.compression = c, .base_offset = 40, .producer_id = 9, .producer_epoch = 2,
                    .base_sequence = 17, .explicit_offsets = true, .last_offset_delta = 7,
                    .delete_horizon_ms = horizon});
    b.add(Record{.offset = 42, .timestamp = kTs + 5, .key = "a", .value = std::nullopt});
    b.add(Record{.offset = 45, .timestamp = kTs - 3, .key = "b", .value = "2"});
    auto built = b.build();
    REQUIRE(built.ok());
    auto h = parse_batch_header(*built);
    REQUIRE(h.ok());
    CHECK((h->attributes & kDeleteHorizonBit) != 0);
    CHECK(h->compression() == c);
    CHECK(h->base_timestamp == horizon);
    CHECK(h->max_timestamp == kTs + 5);
    CHECK(h->last_offset_delta == 7);
    CHECK(h->base_sequence == 17);
    CHECK(validate_batch(*built, {.from_client = false}).ok());
    auto d = decode_records(*built);
    REQUIRE(d.ok());
    REQUIRE(d->records.size() == 2);
    CHECK(d->records[0].offset == 42);
    CHECK(d->records[0].timestamp == kTs + 5);
    CHECK(!d->records[0].value);
    CHECK(d->records[1].offset == 45);
    CHECK(d->records[1].timestamp == kTs - 3);
  }
  // Without the option: no bit, baseTimestamp is the first record's.
  BatchBuilder plain({});
  plain.add(Record{.timestamp = kTs, .key = "a", .value = "1"});
  auto h = parse_batch_header(*plain.build());
  CHECK((h->attributes & kDeleteHorizonBit) == 0);
  CHECK(h->base_timestamp == kTs);
}
