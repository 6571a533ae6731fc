// Message formats v0/v1: golden bytes written out by hand from the format (docs/legacy_records.md),
// Kafka's up-conversion of what old producers send and its down-conversion for old fetchers.
#include "moldau/protocol/legacy_records.h"

#include <doctest/doctest.h>

#include <lz4frame.h>

#include <string>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/protocol/batch_builder.h"
#include "moldau/protocol/compression.h"
#include "moldau/protocol/record.h"

using namespace moldau;
using namespace moldau::protocol;

namespace {

constexpr int64_t kTs = 1700000000000;  // 0x0000018bcfe56800

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes be64(int64_t v) { Bytes b(8); store_be64(b.data(), static_cast<uint64_t>(v)); return b; }
Bytes be32(int32_t v) { Bytes b(4); store_be32(b.data(), static_cast<uint32_t>(v)); return b; }
Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes sized(std::optional<std::string_view> s) { return s ? cat({be32(static_cast<int32_t>(s->size())), str(*s)}) : be32(-1); }

// One message by hand: [offset][size][crc][magic][attributes][timestamp (v1)][key][value].
Bytes message(int64_t offset, int8_t magic, int8_t attributes, int64_t ts,
              std::optional<std::string_view> key, std::optional<std::string_view> value,
              std::optional<uint32_t> crc = std::nullopt) {
  Bytes body = {static_cast<uint8_t>(magic), static_cast<uint8_t>(attributes)};
  if (magic == 1) body = cat({body, be64(ts)});
  body = cat({body, sized(key), sized(value)});
  Bytes with_crc = cat({be32(0), body});
  uint32_t c = crc ? *crc : legacy_message_crc(with_crc);
  return cat({be64(offset), be32(static_cast<int32_t>(with_crc.size())), be32(static_cast<int32_t>(c)), body});
}

// A compressed wrapper around `inner` (a message set), by hand.
Bytes wrapper(int64_t offset, int8_t magic, Compression codec, const Bytes& inner, int64_t ts = kTs,
              int8_t extra_attributes = 0) {
  auto compressed = compress(codec, inner);
  REQUIRE(compressed.ok());
  std::string_view v(reinterpret_cast<const char*>(compressed->data()), compressed->size());
  return message(offset, magic, static_cast<int8_t>(static_cast<int>(codec) | extra_attributes), ts,
                 std::nullopt, v);
}

struct Msg {
  int64_t offset;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;
  std::optional<std::string> key, value;
};

// Parses a message set (shallow only), checking every CRC.
std::vector<Msg> parse_set(const Bytes& set) {
  std::vector<Msg> out;
  size_t pos = 0;
  while (pos < set.size()) {
    REQUIRE(set.size() - pos >= kLogOverhead);
    int64_t off = static_cast<int64_t>(load_be64(set.data() + pos));
    size_t size = load_be32(set.data() + pos + 8);
    REQUIRE(set.size() - pos - kLogOverhead >= size);
    std::span<const uint8_t> body(set.data() + pos + kLogOverhead, size);
    auto m = parse_legacy_message(off, body);
    REQUIRE_MESSAGE(m.ok(), m.status().to_string());
    CHECK(m->crc == legacy_message_crc(body));
    Msg x{m->offset, m->magic, m->attributes, m->timestamp, {}, {}};
    if (m->key) x.key = std::string(*m->key);
    if (m->value) x.value = std::string(*m->value);
    out.push_back(x);
    pos += kLogOverhead + size;
  }
  return out;
}

Bytes v2_batch(int64_t base_offset, Compression codec, const std::vector<Record>& records,
               bool control = false, bool log_append_time = false) {
  BatchBuilder::Options o;
  o.base_offset = base_offset;
  o.compression = codec;
  o.control = control;
  o.transactional = control;
  o.log_append_time = log_append_time;
  o.log_append_time_ms = kTs + 99;
  BatchBuilder b(o);
  for (const auto& r : records) b.add(r);
  auto out = b.build();
  REQUIRE(out.ok());
  return *out;
}

Record rec(int64_t ts, std::optional<std::string_view> key, std::optional<std::string_view> value,
           std::vector<Header> headers = {}) {
  Record r;
  r.timestamp = ts;
  r.key = key;
  r.value = value;
  r.headers = std::move(headers);
  return r;
}

DecodedBatch decode_v2(const Bytes& batch) {
  REQUIRE(validate_batch(batch).ok());
  auto d = decode_records(batch);
  REQUIRE_MESSAGE(d.ok(), d.status().to_string());
  return std::move(*d);
}

ErrorCode up_error(const Bytes& set, UpConvertOptions o = {}) {
  auto r = up_convert_message_set(set, o);
  return r.ok() ? ErrorCode::kNone : r.status().code();
}

}  // namespace

TEST_CASE("golden bytes: one magic 0 and one magic 1 message") {
  // magic 0, offset 0, key "k", value "v": CRC32 of 00 00 00000001 6b 00000001 76.
  const Bytes v0 = {0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 16,  0x1f, 0xec, 0xd7, 0x0a,  0, 0,
                    0, 0, 0, 1, 'k',  0, 0, 0, 1, 'v'};
  CHECK(message(0, 0, 0, -1, "k", "v") == v0);
  LegacyMessageSetBuilder b0({.magic = 0});
  b0.add(0, kTs, "k", "v");  // magic 0 has no timestamp
  CHECK(*b0.build() == v0);

  const Bytes v1 = {0, 0, 0, 0, 0, 0, 0, 7,  0, 0, 0, 24,  0x39, 0x26, 0x8c, 0x33,  1, 0,
                    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
                    0, 0, 0, 1, 'k',  0, 0, 0, 1, 'v'};
  CHECK(message(7, 1, 0, kTs, "k", "v") == v1);
  LegacyMessageSetBuilder b1({.magic = 1});
  b1.add(7, kTs, "k", "v");
  CHECK(*b1.build() == v1);

  auto m = parse_legacy_message(7, std::span<const uint8_t>(v1).subspan(kLogOverhead));
  REQUIRE(m.ok());
  CHECK(m->offset == 7);
  CHECK(m->magic == 1);
  CHECK(m->timestamp == kTs);
  CHECK(m->crc == 0x39268c33u);
  CHECK(*m->key == "k");
  CHECK(*m->value == "v");

  // A null key is length -1.
  auto n = message(0, 1, 0, kTs, std::nullopt, "v");
  CHECK(load_be32(n.data() + 12) == 0xc1672ac5u);
  auto p = parse_legacy_message(0, std::span<const uint8_t>(n).subspan(kLogOverhead));
  REQUIRE(p.ok());
  CHECK(!p->key);
}

TEST_CASE("up-conversion of uncompressed message sets") {
  SUBCASE("magic 0: no timestamps, keys and values kept, null key and value") {
    Bytes set = cat({message(0, 0, 0, -1, "k1", "v1"), message(0, 0, 0, -1, std::nullopt, "v2"),
                     message(5, 0, 0, -1, "k3", std::nullopt)});
    auto out = up_convert_message_set(set);
    REQUIRE_MESSAGE(out.ok(), out.status().to_string());
    DecodedBatch d = decode_v2(*out);
    CHECK(d.header.compression() == Compression::kNone);
    CHECK(d.header.producer_id == -1);
    CHECK(d.header.base_offset == 0);
    CHECK(d.header.max_timestamp == kNoTimestamp);
    REQUIRE(d.records.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(d.records[i].offset == static_cast<int64_t>(i));  // offsets are the broker's
      CHECK(d.records[i].timestamp == kNoTimestamp);
      CHECK(d.records[i].headers.empty());
    }
    CHECK(*d.records[0].key == "k1");
    CHECK(*d.records[0].value == "v1");
    CHECK(!d.records[1].key);
    CHECK(!d.records[2].value);
  }
  SUBCASE("magic 1: timestamps kept, in any order") {
    Bytes set = cat({message(0, 1, 0, kTs + 5, "a", "1"), message(1, 1, 0, kTs, "b", "2")});
    auto out = up_convert_message_set(set);
    REQUIRE(out.ok());
    DecodedBatch d = decode_v2(*out);
    REQUIRE(d.records.size() == 2);
    CHECK(d.records[0].timestamp == kTs + 5);
    CHECK(d.records[1].timestamp == kTs);
    CHECK(d.header.max_timestamp == kTs + 5);
  }
}

TEST_CASE("up-conversion of compressed wrappers keeps the codec") {
  for (Compression codec : {Compression::kGzip, Compression::kSnappy, Compression::kLz4}) {
    for (int8_t magic : {0, 1}) {
      CAPTURE(static_cast<int>(codec));
      CAPTURE(static_cast<int>(magic));
      // Inner offsets: relative 0..2 for magic 1; absolute (whatever the producer wrote) for 0.
      Bytes inner = cat({message(0, magic, 0, kTs, "k0", "v0"), message(1, magic, 0, kTs + 1, std::nullopt, "v1"),
                         message(2, magic, 0, kTs + 2, "k2", std::string(5000, 'x'))});
      Bytes set = wrapper(magic == 1 ? 2 : 0, magic, codec, inner, kTs + 2);
      auto out = up_convert_message_set(set);
      REQUIRE_MESSAGE(out.ok(), out.status().to_string());
      DecodedBatch d = decode_v2(*out);
      CHECK(d.header.compression() == codec);
      REQUIRE(d.records.size() == 3);
      CHECK(*d.records[0].key == "k0");
      CHECK(!d.records[1].key);
      CHECK(d.records[2].value->size() == 5000);
      CHECK(d.records[1].offset == 1);
      CHECK(d.records[1].timestamp == (magic == 1 ? kTs + 1 : kNoTimestamp));
    }
  }
}

TEST_CASE("magic 0 lz4: Kafka's old frame header checksum is accepted; magic 1 needs the right one") {
  Bytes inner0 = message(0, 0, 0, -1, "k", "v");
  LegacyMessageSetBuilder b({.magic = 0, .compression = Compression::kLz4});
  b.add(0, -1, "k", "v");
  Bytes set0 = *b.build();
  // The wrapper's value is an LZ4 frame whose checksum byte a standard reader refuses.
  auto w = parse_legacy_message(0, std::span<const uint8_t>(set0).subspan(kLogOverhead));
  REQUIRE(w.ok());
  std::span<const uint8_t> frame(reinterpret_cast<const uint8_t*>(w->value->data()), w->value->size());
  CHECK(decompress(Compression::kLz4, frame, 1 << 20).status().code() == ErrorCode::kCorruptMessage);
  auto up = up_convert_message_set(set0);
  REQUIRE_MESSAGE(up.ok(), up.status().to_string());
  DecodedBatch d = decode_v2(*up);
  REQUIRE(d.records.size() == 1);
  CHECK(*d.records[0].value == "v");
  // A magic 0 wrapper with a standard frame is read too.
  CHECK(up_error(wrapper(0, 0, Compression::kLz4, inner0)) == ErrorCode::kNone);
  // The same old-style frame under magic 1 is corrupt.
  Bytes set1 = message(0, 1, static_cast<int8_t>(Compression::kLz4), kTs, std::nullopt, *w->value);
  Bytes inner1 = message(0, 1, 0, kTs, "k", "v");
  (void)inner1;
  CHECK(up_error(set1) == ErrorCode::kCorruptMessage);
}

TEST_CASE("up-conversion refuses what Kafka refuses, with its error codes") {
  const Bytes good = message(0, 1, 0, kTs, "k", "v");
  SUBCASE("shallow CRC mismatch") {
    CHECK(up_error(message(0, 1, 0, kTs, "k", "v", 0x12345678)) == ErrorCode::kCorruptMessage);
  }
  SUBCASE("size below the minimum overhead") {
    Bytes b = good;
    store_be32(b.data() + 8, 13);
    CHECK(up_error(b) == ErrorCode::kCorruptMessage);
  }
  SUBCASE("torn last message") {
    Bytes b = cat({good, good});
    b.resize(b.size() - 3);
    CHECK(up_error(b) == ErrorCode::kCorruptMessage);
  }
  SUBCASE("magic 3") {
    Bytes b = good;
    b[16] = 3;
    CHECK(up_error(b) == ErrorCode::kCorruptMessage);
  }
  SUBCASE("key length beyond the message (CRC valid)") {
    Bytes b = message(0, 1, 0, kTs, "k", "v");
    store_be32(b.data() + 26, 1000);
    store_be32(b.data() + 12, legacy_message_crc(std::span<const uint8_t>(b).subspan(kLogOverhead)));
    CHECK(up_error(b) == ErrorCode::kCorruptMessage);
  }
  SUBCASE("mixed magics") {
    CHECK(up_error(cat({good, message(1, 0, 0, -1, "k", "v")})) == ErrorCode::kInvalidRecord);
  }
  SUBCASE("a compressed wrapper that is not alone") {
    Bytes w = wrapper(0, 1, Compression::kGzip, good);
    CHECK(up_error(cat({w, w})) == ErrorCode::kInvalidRecord);
    CHECK(up_error(cat({good, w})) == ErrorCode::kInvalidRecord);
  }
  SUBCASE("inner messages compressed, of another magic, with a bad CRC, or none") {
    Bytes nested = wrapper(0, 1, Compression::kGzip, good);
    CHECK(up_error(wrapper(0, 1, Compression::kGzip, nested)) == ErrorCode::kInvalidRecord);
    CHECK(up_error(wrapper(0, 1, Compression::kGzip, message(0, 0, 0, -1, "k", "v"))) ==
          ErrorCode::kInvalidRecord);
    CHECK(up_error(wrapper(0, 1, Compression::kGzip, message(0, 1, 0, kTs, "k", "v", 7))) ==
          ErrorCode::kCorruptMessage);
    CHECK(up_error(wrapper(0, 1, Compression::kGzip, Bytes{})) == ErrorCode::kInvalidRecord);
  }
  SUBCASE("a wrapper with a null value") {
    CHECK(up_error(message(0, 1, 1, kTs, std::nullopt, std::nullopt)) == ErrorCode::kInvalidRecord);
  }
  SUBCASE("zstd, and unknown codecs") {
    CHECK(up_error(message(0, 1, 4, kTs, std::nullopt, "x")) == ErrorCode::kInvalidRecord);
    CHECK(up_error(message(0, 1, 6, kTs, std::nullopt, "x")) == ErrorCode::kUnsupportedCompressionType);
  }
  SUBCASE("a payload that does not decompress") {
    CHECK(up_error(message(0, 1, 1, kTs, std::nullopt, "not gzip")) == ErrorCode::kCorruptMessage);
  }
  SUBCASE("magic 1 wrapper offsets") {
    Bytes inner = cat({message(0, 1, 0, kTs, "a", "1"), message(1, 1, 0, kTs, "b", "2")});
    CHECK(up_error(wrapper(1, 1, Compression::kGzip, inner)) == ErrorCode::kNone);
    CHECK(up_error(wrapper(0, 1, Compression::kGzip, inner)) == ErrorCode::kNone);  // old librdkafka
    CHECK(up_error(wrapper(7, 1, Compression::kGzip, inner)) == ErrorCode::kNone);
    Bytes far = cat({message(0, 1, 0, kTs, "a", "1"), message(9, 1, 0, kTs, "b", "2")});
    CHECK(up_error(wrapper(3, 1, Compression::kGzip, far)) == ErrorCode::kInvalidRecord);
  }
  SUBCASE("LogAppendTime from a producer") {
    Bytes lat = message(0, 1, kLegacyTimestampTypeBit, kTs, "k", "v");
    UpConvertOptions lat_topic;
    lat_topic.log_append_time_topic = true;
    CHECK(up_error(lat, lat_topic) == ErrorCode::kInvalidTimestamp);
    CHECK(up_error(lat) == ErrorCode::kNone);  // a CreateTime topic only checks the bounds
    CHECK(up_error(message(0, 1, kLegacyTimestampTypeBit, -1, "k", "v")) == ErrorCode::kInvalidTimestamp);
    Bytes lat_wrapper = wrapper(0, 1, Compression::kGzip, good, kTs, kLegacyTimestampTypeBit);
    CHECK(up_error(lat_wrapper, lat_topic) == ErrorCode::kInvalidTimestamp);
    // Inner messages of a LogAppendTime wrapper take the wrapper's timestamp.
    auto out = up_convert_message_set(wrapper(0, 1, Compression::kGzip, good, kTs + 42, kLegacyTimestampTypeBit));
    REQUIRE(out.ok());
    CHECK(decode_v2(*out).records[0].timestamp == kTs + 42);
  }
  SUBCASE("sizes") {
    UpConvertOptions small;
    small.max_message_size = good.size() - 1;
    CHECK(up_error(good, small) == ErrorCode::kMessageTooLarge);
    small.max_message_size = good.size();
    CHECK(up_error(good, small) == ErrorCode::kNone);
    UpConvertOptions bomb;
    bomb.max_decompressed_bytes = 1000;
    CHECK(up_error(wrapper(0, 1, Compression::kGzip, message(0, 1, 0, kTs, "k", std::string(5000, 'z'))), bomb) ==
          ErrorCode::kMessageTooLarge);
  }
  SUBCASE("compacted topics need keys") {
    UpConvertOptions compacted;
    compacted.compacted_topic = true;
    CHECK(up_error(message(0, 1, 0, kTs, std::nullopt, "v"), compacted) == ErrorCode::kInvalidRecord);
    CHECK(up_error(good, compacted) == ErrorCode::kNone);
  }
  SUBCASE("nothing at all") { CHECK(up_error(Bytes{}) == ErrorCode::kInvalidRecord); }
}

TEST_CASE("down-conversion of uncompressed batches: one message per record from the fetch offset") {
  Bytes log = cat({v2_batch(10, Compression::kNone,
                            {rec(kTs, "a", "1", {{"h", std::string_view("x")}}), rec(kTs + 1, std::nullopt, "2"),
                             rec(kTs + 2, "c", std::nullopt)}),
                   v2_batch(13, Compression::kNone, {rec(kTs + 3, "d", "4")})});
  SUBCASE("magic 1") {
    auto out = down_convert(log, {.magic = 1, .first_offset = 11});
    REQUIRE_MESSAGE(out.ok(), out.status().to_string());
    auto msgs = parse_set(out->bytes);
    REQUIRE(msgs.size() == 3);
    CHECK(msgs[0].offset == 11);
    CHECK(msgs[0].magic == 1);
    CHECK(msgs[0].timestamp == kTs + 1);
    CHECK(!msgs[0].key);
    CHECK(msgs[1].offset == 12);
    CHECK(!msgs[1].value);
    CHECK(msgs[2].offset == 13);
    CHECK(*msgs[2].key == "d");
    CHECK(out->batches_consumed == 2);
  }
  SUBCASE("magic 0, headers dropped") {
    auto out = down_convert(log, {.magic = 0, .first_offset = 0});
    REQUIRE(out.ok());
    auto msgs = parse_set(out->bytes);
    REQUIRE(msgs.size() == 4);
    CHECK(msgs[0].offset == 10);
    CHECK(msgs[0].magic == 0);
    CHECK(msgs[0].timestamp == kNoTimestamp);
    CHECK(*msgs[0].value == "1");
    // Exactly: 12 + 14 + 1 + 1 bytes for the first message.
    CHECK(load_be32(out->bytes.data() + 8) == 16u);
  }
  SUBCASE("a partial trailing batch is left out") {
    Bytes cut(log.begin(), log.end() - 5);
    auto out = down_convert(cut, {.magic = 1});
    REQUIRE(out.ok());
    CHECK(parse_set(out->bytes).size() == 3);
  }
  SUBCASE("max_bytes stops between messages, but the first always goes") {
    auto one = down_convert(log, {.magic = 1, .max_bytes = 1});
    REQUIRE(one.ok());
    CHECK(parse_set(one->bytes).size() == 1);
    auto two = down_convert(log, {.magic = 1, .max_bytes = 2 * (12 + 22 + 2) + 5});
    REQUIRE(two.ok());
    CHECK(parse_set(two->bytes).size() == 2);
  }
}

TEST_CASE("down-conversion of compressed batches: one wrapper with relative (magic 1) offsets") {
  for (Compression codec : {Compression::kGzip, Compression::kSnappy, Compression::kLz4}) {
    for (int8_t magic : {0, 1}) {
      CAPTURE(static_cast<int>(codec));
      CAPTURE(static_cast<int>(magic));
      Bytes log = v2_batch(100, codec, {rec(kTs + 7, "a", "1"), rec(kTs + 3, "b", "2"), rec(kTs, std::nullopt, "3")});
      // A compressed batch goes whole even from the middle.
      auto out = down_convert(log, {.magic = magic, .first_offset = 101});
      REQUIRE_MESSAGE(out.ok(), out.status().to_string());
      auto shallow = parse_set(out->bytes);
      REQUIRE(shallow.size() == 1);
      CHECK(shallow[0].offset == 102);  // the wrapper sits at the last offset
      CHECK((shallow[0].attributes & 7) == static_cast<int>(codec));
      CHECK(!shallow[0].key);
      if (magic == 1) CHECK(shallow[0].timestamp == kTs + 7);
      // The inner set, decompressed as Kafka reads it (old lz4 checksum for magic 0).
      auto back = up_convert_message_set(out->bytes);
      REQUIRE_MESSAGE(back.ok(), back.status().to_string());
      DecodedBatch d = decode_v2(*back);
      REQUIRE(d.records.size() == 3);
      CHECK(*d.records[0].key == "a");
      CHECK(*d.records[2].value == "3");
      CHECK(d.records[0].timestamp == (magic == 1 ? kTs + 7 : kNoTimestamp));
      // Inner offsets as written: relative for magic 1, absolute for magic 0.
      std::vector<uint8_t> frame(shallow[0].value->begin(), shallow[0].value->end());
      if (codec == Compression::kLz4 && magic == 0) continue;  // old checksum: checked above
      auto inner = decompress(codec, frame, 1 << 20);
      REQUIRE(inner.ok());
      auto msgs = parse_set(*inner);
      REQUIRE(msgs.size() == 3);
      CHECK(msgs[0].offset == (magic == 1 ? 0 : 100));
      CHECK(msgs[2].offset == (magic == 1 ? 2 : 102));
      CHECK(msgs[1].timestamp == (magic == 1 ? kTs + 3 : kNoTimestamp));
    }
  }
}

TEST_CASE("down-conversion: control batches dropped, LogAppendTime kept, zstd refused") {
  Bytes data = v2_batch(0, Compression::kNone, {rec(kTs, "k", "v")});
  Bytes marker = v2_batch(1, Compression::kNone, {rec(kTs, "\0\0\0\1", "\0\0\0\0\0\0")}, /*control=*/true);
  Bytes zstd = v2_batch(2, Compression::kZstd, {rec(kTs, "z", "z")});
  Bytes later = v2_batch(3, Compression::kNone, {rec(kTs, "l", "l")});

  auto out = down_convert(cat({data, marker, later}), {.magic = 1});
  REQUIRE(out.ok());
  auto msgs = parse_set(out->bytes);
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].offset == 0);
  CHECK(msgs[1].offset == 3);

  auto only_marker = down_convert(marker, {.magic = 1});
  REQUIRE(only_marker.ok());
  CHECK(only_marker->bytes.empty());

  auto first_zstd = down_convert(cat({zstd, later}), {.magic = 1});
  CHECK(first_zstd.status().code() == ErrorCode::kUnsupportedCompressionType);
  auto zstd_after = down_convert(cat({data, zstd, later}), {.magic = 1});
  REQUIRE(zstd_after.ok());
  CHECK(parse_set(zstd_after->bytes).size() == 1);

  Bytes lat = v2_batch(5, Compression::kNone, {rec(kTs, "k", "v")}, false, /*log_append_time=*/true);
  auto l = down_convert(lat, {.magic = 1});
  REQUIRE(l.ok());
  auto lm = parse_set(l->bytes);
  REQUIRE(lm.size() == 1);
  CHECK(lm[0].timestamp == kTs + 99);
  CHECK((lm[0].attributes & kLegacyTimestampTypeBit) != 0);
  auto l0 = down_convert(lat, {.magic = 0});
  REQUIRE(l0.ok());
  CHECK(parse_set(l0->bytes)[0].attributes == 0);  // no timestamp type below magic 1
}
