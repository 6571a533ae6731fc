#include "moldau/common/crc32c.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using namespace moldau;

namespace {

// Runs a check against the dispatching, portable and (when the CPU has it) SSE4.2 paths.
template <class F>
void each_impl(F f) {
  f("dispatch", crc32c_extend);
  f("portable", crc32c_extend_portable);
  if (crc32c_hardware_available()) f("sse4.2", crc32c_extend_hardware);
}

}  // namespace

TEST_CASE("crc32c matches published vectors") {
  // RFC 3720 (iSCSI) appendix B.4, and the "check" value of CRC-32C for "123456789".
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xFF), asc(32), desc(32);
  for (int i = 0; i < 32; ++i) {
    asc[i] = static_cast<uint8_t>(i);
    desc[i] = static_cast<uint8_t>(31 - i);
  }
  const std::string check = "123456789";
  each_impl([&](const char* name, auto fn) {
    CAPTURE(name);
    CHECK(fn(0, zeros.data(), zeros.size()) == 0x8A9136AAu);
    CHECK(fn(0, ones.data(), ones.size()) == 0x62A8AB43u);
    CHECK(fn(0, asc.data(), asc.size()) == 0x46DD794Eu);
    CHECK(fn(0, desc.data(), desc.size()) == 0x113FDB5Cu);
    CHECK(fn(0, check.data(), check.size()) == 0xE3069283u);
    CHECK(fn(0, nullptr, 0) == 0u);
    CHECK(fn(0x12345678u, nullptr, 0) == 0x12345678u);
  });
  CHECK(crc32c(check.data(), check.size()) == 0xE3069283u);
}

TEST_CASE("crc32c paths agree on random lengths and alignments") {
  std::mt19937 rng(42);
  std::vector<uint8_t> buf(4096 + 16);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (int iter = 0; iter < 2000; ++iter) {
    size_t off = rng() % 16;
    size_t len = iter < 64 ? static_cast<size_t>(iter) : rng() % 4096;
    uint32_t seed = iter % 3 == 0 ? 0 : rng();
    uint32_t portable = crc32c_extend_portable(seed, buf.data() + off, len);
    CAPTURE(off);
    CAPTURE(len);
    CHECK(crc32c_extend(seed, buf.data() + off, len) == portable);
    if (crc32c_hardware_available()) {
      CHECK(crc32c_extend_hardware(seed, buf.data() + off, len) == portable);
    }
  }
}

TEST_CASE("crc32c extended piecewise equals one shot") {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(1000);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  const uint32_t whole = crc32c(buf.data(), buf.size());
  each_impl([&](const char* name, auto fn) {
    CAPTURE(name);
    for (int iter = 0; iter < 200; ++iter) {
      uint32_t crc = 0;
      size_t pos = 0;
      while (pos < buf.size()) {
        size_t n = std::min<size_t>(rng() % 37, buf.size() - pos);
        crc = fn(crc, buf.data() + pos, n);
        pos += n;
      }
      CHECK(crc == whole);
    }
  });
}

TEST_CASE("crc32c hardware three-stream path agrees with the portable one on large buffers") {
  // The SSE4.2 path joins three streams of 2048-byte blocks for inputs of 6 KiB and more:
  // check lengths around those block boundaries, odd alignments and non-zero seeds.
  std::mt19937 rng(11);
  std::vector<uint8_t> buf(64 * 1024 + 64);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  if (!crc32c_hardware_available()) return;
  for (size_t len : {6143u, 6144u, 6145u, 6151u, 12288u, 12295u, 20000u, 65536u}) {
    for (size_t off : {0u, 1u, 7u, 13u}) {
      uint32_t seed = static_cast<uint32_t>(rng());
      CAPTURE(len);
      CAPTURE(off);
      CHECK(crc32c_extend_hardware(seed, buf.data() + off, len) == crc32c_extend_portable(seed, buf.data() + off, len));
    }
  }
}
