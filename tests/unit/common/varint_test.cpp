#include "moldau/common/varint.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

using namespace moldau;

namespace {

std::vector<uint8_t> enc_u64(uint64_t v) {
  std::vector<uint8_t> out(kMaxVarint64Bytes);
  out.resize(put_uvarint64(out.data(), v));
  return out;
}
std::vector<uint8_t> enc_i32(int32_t v) {
  std::vector<uint8_t> out(kMaxVarint64Bytes);
  out.resize(put_varint32(out.data(), v));
  return out;
}
std::vector<uint8_t> enc_i64(int64_t v) {
  std::vector<uint8_t> out(kMaxVarint64Bytes);
  out.resize(put_varint64(out.data(), v));
  return out;
}
const uint8_t* end_of(const std::vector<uint8_t>& v) { return v.data() + v.size(); }

}  // namespace

TEST_CASE("known encodings") {
  CHECK(enc_u64(0) == std::vector<uint8_t>{0x00});
  CHECK(enc_u64(1) == std::vector<uint8_t>{0x01});
  CHECK(enc_u64(127) == std::vector<uint8_t>{0x7F});
  CHECK(enc_u64(128) == std::vector<uint8_t>{0x80, 0x01});
  CHECK(enc_u64(300) == std::vector<uint8_t>{0xAC, 0x02});
  CHECK(enc_u64(UINT32_MAX) == std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(enc_u64(UINT64_MAX) ==
        std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  // Zigzag: 0, -1, 1, -2, ... map to 0, 1, 2, 3, ...
  CHECK(enc_i32(0) == std::vector<uint8_t>{0x00});
  CHECK(enc_i32(-1) == std::vector<uint8_t>{0x01});
  CHECK(enc_i32(1) == std::vector<uint8_t>{0x02});
  CHECK(enc_i32(-2) == std::vector<uint8_t>{0x03});
  CHECK(enc_i32(-64) == std::vector<uint8_t>{0x7F});
  CHECK(enc_i32(64) == std::vector<uint8_t>{0x80, 0x01});
  CHECK(enc_i32(INT32_MAX) == std::vector<uint8_t>{0xFE, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(enc_i32(INT32_MIN) == std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(enc_i64(INT64_MIN) ==
        std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  CHECK(zigzag_encode32(INT32_MIN) == UINT32_MAX);
  CHECK(zigzag_encode64(INT64_MAX) == UINT64_MAX - 1);
}

TEST_CASE("sizes match what is written") {
  for (int64_t v :
       {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64}, int64_t{8191},
        int64_t{8192}, int64_t{INT32_MAX}, int64_t{INT32_MIN}, INT64_MAX, INT64_MIN}) {
    CAPTURE(v);
    CHECK(varint64_size(v) == enc_i64(v).size());
    if (v >= INT32_MIN && v <= INT32_MAX) {
      CHECK(varint32_size(static_cast<int32_t>(v)) == enc_i32(static_cast<int32_t>(v)).size());
    }
  }
  CHECK(uvarint_size(0) == 1);
  CHECK(uvarint_size(127) == 1);
  CHECK(uvarint_size(128) == 2);
  CHECK(uvarint_size(UINT64_MAX) == 10);
}

TEST_CASE("round trips at the edges") {
  for (int32_t v : {0, 1, -1, 63, -64, 64, -65, 300, -300, INT32_MAX, INT32_MIN, INT32_MAX - 1,
                    INT32_MIN + 1}) {
    CAPTURE(v);
    auto b = enc_i32(v);
    int32_t out = 12345;
    REQUIRE(get_varint32(b.data(), end_of(b), &out) == b.size());
    CHECK(out == v);
  }
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{INT32_MAX}, int64_t{INT32_MIN},
                    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1}) {
    CAPTURE(v);
    auto b = enc_i64(v);
    int64_t out = 12345;
    REQUIRE(get_varint64(b.data(), end_of(b), &out) == b.size());
    CHECK(out == v);
  }
  for (uint32_t v : {0u, 1u, 127u, 128u, 16383u, 16384u, UINT32_MAX}) {
    CAPTURE(v);
    auto b = enc_u64(v);
    uint32_t out = 0;
    REQUIRE(get_uvarint32(b.data(), end_of(b), &out) == b.size());
    CHECK(out == v);
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{UINT32_MAX} + 1, UINT64_MAX}) {
    auto b = enc_u64(v);
    uint64_t out = 0;
    REQUIRE(get_uvarint64(b.data(), end_of(b), &out) == b.size());
    CHECK(out == v);
  }
}

TEST_CASE("decoding stops at the end of the varint") {
  std::vector<uint8_t> b = {0xAC, 0x02, 0x05};
  uint32_t out = 0;
  CHECK(get_uvarint32(b.data(), end_of(b), &out) == 2);
  CHECK(out == 300);
}

TEST_CASE("malformed varints are rejected") {
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;

  SUBCASE("empty and truncated input") {
    std::vector<uint8_t> empty;
    CHECK(get_uvarint32(empty.data(), empty.data(), &u32) == 0);
    std::vector<uint8_t> cut = {0xAC};
    CHECK(get_uvarint32(cut.data(), end_of(cut), &u32) == 0);
    CHECK(get_varint64(cut.data(), end_of(cut), &i64) == 0);
    auto full = enc_i64(INT64_MIN);
    for (size_t n = 0; n < full.size(); ++n) {
      CHECK(get_varint64(full.data(), full.data() + n, &i64) == 0);
    }
  }
  SUBCASE("overlong 32-bit: a sixth byte") {
    std::vector<uint8_t> b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    CHECK(get_uvarint32(b.data(), end_of(b), &u32) == 0);
    CHECK(get_varint32(b.data(), end_of(b), &i32) == 0);
    // The same bytes are a fine 64-bit varint (value 0, non-minimal but within 10 bytes).
    CHECK(get_uvarint64(b.data(), end_of(b), &u64) == 6);
  }
  SUBCASE("overlong 64-bit: an eleventh byte") {
    std::vector<uint8_t> b(10, 0x80);
    b.push_back(0x00);
    CHECK(get_uvarint64(b.data(), end_of(b), &u64) == 0);
    CHECK(get_varint64(b.data(), end_of(b), &i64) == 0);
  }
  SUBCASE("32-bit overflow in the fifth byte") {
    // The fifth byte holds bits 28..31; anything above 0x0F overflows uint32.
    std::vector<uint8_t> ok = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    CHECK(get_uvarint32(ok.data(), end_of(ok), &u32) == 5);
    CHECK(u32 == UINT32_MAX);
    for (uint8_t last : {0x10, 0x1F, 0x70, 0x7F}) {
      std::vector<uint8_t> b = {0xFF, 0xFF, 0xFF, 0xFF, last};
      CAPTURE(last);
      CHECK(get_uvarint32(b.data(), end_of(b), &u32) == 0);
      CHECK(get_varint32(b.data(), end_of(b), &i32) == 0);
    }
  }
  SUBCASE("64-bit overflow in the tenth byte") {
    std::vector<uint8_t> b(9, 0xFF);
    b.push_back(0x02);
    CHECK(get_uvarint64(b.data(), end_of(b), &u64) == 0);
    b.back() = 0x01;
    CHECK(get_uvarint64(b.data(), end_of(b), &u64) == 10);
    CHECK(u64 == UINT64_MAX);
  }
}
