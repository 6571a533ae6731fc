#include "moldau/protocol/compression.h"

#include <doctest/doctest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>
#include <vector>

using namespace moldau;
using namespace moldau::protocol;

namespace {

const Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                               Compression::kLz4, Compression::kZstd};
const Compression kRealCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                   Compression::kZstd};

// Text-like data that compresses, with some pseudo-random bytes mixed in.
std::vector<uint8_t> sample(size_t n, uint32_t seed = 1) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    v[i] = (i % 7 == 0) ? static_cast<uint8_t>(x >> 24) : static_cast<uint8_t>('a' + (i / 13) % 26);
  }
  return v;
}

std::vector<uint8_t> compress_ok(Compression c, std::span<const uint8_t> data) {
  auto r = compress(c, data);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("compression names match Kafka's compression.type values") {
  CHECK(compression_name(Compression::kNone) == "none");
  CHECK(compression_name(Compression::kGzip) == "gzip");
  CHECK(compression_name(Compression::kSnappy) == "snappy");
  CHECK(compression_name(Compression::kLz4) == "lz4");
  CHECK(compression_name(Compression::kZstd) == "zstd");
  CHECK(compression_from_name("zstd") == Compression::kZstd);
  CHECK(!compression_from_name("producer").has_value());
}

TEST_CASE("every codec round-trips empty, tiny, block-sized and large inputs") {
  for (Compression c : kCodecs) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{32 * 1024}, size_t{32 * 1024 + 1},
                     size_t{65536 * 3 + 17}, size_t{1 << 20}}) {
      CAPTURE(compression_name(c));
      CAPTURE(n);
      auto data = sample(n, static_cast<uint32_t>(n));
      auto packed = compress_ok(c, data);
      auto back = decompress(c, packed, n);
      REQUIRE_MESSAGE(back.ok(), back.status().message());
      CHECK(*back == data);
    }
  }
}

TEST_CASE("the output limit is inclusive: exactly the size passes, one byte less fails") {
  auto data = sample(100000);
  for (Compression c : kCodecs) {
    CAPTURE(compression_name(c));
    auto packed = compress_ok(c, data);
    CHECK(decompress(c, packed, data.size()).ok());
    auto r = decompress(c, packed, data.size() - 1);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == ErrorCode::kMessageTooLarge);
  }
}

TEST_CASE("snappy writes the xerial framing and reads both xerial and raw snappy") {
  auto data = sample(100000);
  auto packed = compress_ok(Compression::kSnappy, data);
  const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  REQUIRE(packed.size() > 16);
  CHECK(std::memcmp(packed.data(), header, 16) == 0);
  // First block: int32 length, then a raw snappy block of 32 KiB.
  uint32_t len = static_cast<uint32_t>(packed[16]) << 24 | packed[17] << 16 | packed[18] << 8 | packed[19];
  size_t block_size = 0;
  REQUIRE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(packed.data() + 20), len, &block_size));
  CHECK(block_size == 32 * 1024);

  // Raw snappy, as librdkafka writes it.
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(data.data()), data.size(), &raw);
  auto back = decompress(Compression::kSnappy,
                         std::span(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()), 1 << 20);
  REQUIRE(back.ok());
  CHECK(*back == data);

  // A xerial stream with no blocks is empty data.
  auto empty = decompress(Compression::kSnappy, std::span(header, 16), 10);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("zstd frames without a content size decode (streaming)") {
  auto data = sample(300000);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::vector<uint8_t> packed(ZSTD_compressBound(data.size()));
  // Streaming compression with an unknown size leaves the content size out of the frame.
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer out{packed.data(), packed.size(), 0};
  size_t rc = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  REQUIRE(rc == 0);
  packed.resize(out.pos);
  CHECK(ZSTD_getFrameContentSize(packed.data(), packed.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  auto back = decompress(Compression::kZstd, packed, data.size());
  REQUIRE(back.ok());
  CHECK(*back == data);
}

TEST_CASE("lz4 frames with content size, content checksum and 4 MiB blocks decode") {
  auto data = sample(200000);
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max4MB;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.contentSize = data.size();
  std::vector<uint8_t> packed(LZ4F_compressFrameBound(data.size(), &prefs));
  size_t n = LZ4F_compressFrame(packed.data(), packed.size(), data.data(), data.size(), &prefs);
  REQUIRE(!LZ4F_isError(n));
  packed.resize(n);
  auto back = decompress(Compression::kLz4, packed, data.size());
  REQUIRE(back.ok());
  CHECK(*back == data);
  // Our own frames: FLG version 01, block independence set; BD 64 KiB.
  auto ours = compress_ok(Compression::kLz4, data);
  CHECK(ours[0] == 0x04);
  CHECK(ours[1] == 0x22);
  CHECK(ours[4] == 0x60);
  CHECK((ours[5] & 0x70) == 0x40);
}

TEST_CASE("gzip output is a gzip stream and concatenated members read as one") {
  auto a = sample(5000, 1), b = sample(7000, 2);
  auto pa = compress_ok(Compression::kGzip, a), pb = compress_ok(Compression::kGzip, b);
  CHECK(pa[0] == 0x1f);
  CHECK(pa[1] == 0x8b);
  std::vector<uint8_t> both = pa;
  both.insert(both.end(), pb.begin(), pb.end());
  auto back = decompress(Compression::kGzip, both, 1 << 20);
  REQUIRE(back.ok());
  std::vector<uint8_t> expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  CHECK(*back == expected);
  both.push_back(0x00);
  auto bad = decompress(Compression::kGzip, both, 1 << 20);
  CHECK(bad.status().code() == ErrorCode::kCorruptMessage);
}

TEST_CASE("truncated compressed data fails at every length without crashing") {
  auto data = sample(3000);
  for (Compression c : kRealCodecs) {
    CAPTURE(compression_name(c));
    auto packed = compress_ok(c, data);
    for (size_t n = 0; n < packed.size(); ++n) {
      CAPTURE(n);
      auto r = decompress(c, std::span(packed.data(), n), 1 << 20);
      // A prefix can be a valid shorter stream only for snappy's xerial blocks (the header
      // alone is an empty stream); its content then differs from the data.
      if (r.ok()) {
        CHECK(c == Compression::kSnappy);
        CHECK(*r != data);
      } else {
        CHECK(r.status().code() == ErrorCode::kCorruptMessage);
      }
    }
  }
}

TEST_CASE("garbage and flipped bytes fail cleanly") {
  auto data = sample(4000);
  for (Compression c : kRealCodecs) {
    CAPTURE(compression_name(c));
    auto packed = compress_ok(c, data);
    for (size_t i = 0; i < packed.size(); i += 3) {
      auto bad = packed;
      bad[i] ^= 0x5a;
      auto r = decompress(c, bad, 1 << 20);  // may pass (a literal changed) or fail: never crash
      if (!r.ok()) {
        CHECK((r.status().code() == ErrorCode::kCorruptMessage ||
               r.status().code() == ErrorCode::kMessageTooLarge));
      }
    }
    std::vector<uint8_t> junk(1000, 0xee);
    CHECK(!decompress(c, junk, 1 << 20).ok());
  }
}

TEST_CASE("a decompression bomb (100 MB of zeros) is rejected under a 1 MB limit, for every codec") {
  const size_t kBig = 100u << 20, kLimit = 1u << 20;
  std::vector<uint8_t> zeros(kBig, 0);
  for (Compression c : kRealCodecs) {
    CAPTURE(compression_name(c));
    auto packed = compress_ok(c, zeros);
    CHECK(packed.size() < kBig / 20);  // snappy's best ratio is about 21:1
    std::vector<uint8_t> out;
    Status s = decompress_into(c, packed, kLimit, &out);
    REQUIRE(!s.ok());
    CHECK(s.code() == ErrorCode::kMessageTooLarge);
    CHECK(s.message().find("limit of 1048576 bytes") != std::string::npos);
    CHECK(out.capacity() <= kLimit);  // never allocated beyond the limit
  }
  // Raw snappy states its length up front: rejected before any allocation.
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(zeros.data()), zeros.size(), &raw);
  std::vector<uint8_t> out;
  Status s = decompress_into(Compression::kSnappy,
                             std::span(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()),
                             kLimit, &out);
  CHECK(s.code() == ErrorCode::kMessageTooLarge);
  CHECK(out.capacity() == 0);
}

TEST_CASE("a snappy block claiming 4 GiB is refused before allocation") {
  const uint8_t raw[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};  // varint 0xffffffff, then junk
  std::vector<uint8_t> out;
  Status s = decompress_into(Compression::kSnappy, raw, 1 << 20, &out);
  CHECK(s.code() == ErrorCode::kMessageTooLarge);
  CHECK(out.capacity() == 0);
  // A xerial block length beyond the input.
  std::vector<uint8_t> x = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
                            0x7f, 0xff, 0xff, 0xff, 0x01};
  auto r = decompress(Compression::kSnappy, x, 1 << 20);
  CHECK(r.status().code() == ErrorCode::kCorruptMessage);
  CHECK(r.status().message().find("declares 2147483647 bytes but 1 are left") != std::string::npos);
}

TEST_CASE("compression levels are passed to the codec") {
  auto data = sample(200000);
  for (Compression c : {Compression::kGzip, Compression::kLz4, Compression::kZstd}) {
    CAPTURE(compression_name(c));
    auto fast = compress(c, data, 1);
    auto best = compress(c, data, c == Compression::kGzip ? 9 : 12);
    REQUIRE(fast.ok());
    REQUIRE(best.ok());
    CHECK(*best != *fast);
    CHECK(*decompress(c, *best, data.size()) == data);
    CHECK(*decompress(c, *fast, data.size()) == data);
  }
  CHECK(compress(Compression::kGzip, data, 42).status().code() == ErrorCode::kInvalidConfig);
}
