#include "moldau/common/uuid.h"

#include <random>

#include "moldau/common/endian.h"

namespace moldau {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::mt19937_64& generator() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return gen;
}

}  // namespace

Uuid Uuid::random() {
  auto& gen = generator();
  for (;;) {
    Uuid u{gen(), gen()};
    u.hi = (u.hi & ~uint64_t{0xf000}) | 0x4000;                  // version 4
    u.lo = (u.lo & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);  // IETF variant
    // Kafka reserves 0 and 1 (ZERO_UUID, ONE_UUID = METADATA_TOPIC_ID); neither can have the
    // version bits set, but keep the rule explicit. A leading '-' would read as a CLI flag.
    if (u.is_zero() || (u.hi == 0 && u.lo == 1)) continue;
    if ((u.hi >> 58) == 62) continue;
    return u;
  }
}

std::string Uuid::to_string() const {
  uint8_t bytes[18] = {};  // 16 bytes plus zero padding to a multiple of 3
  store_be64(bytes, hi);
  store_be64(bytes + 8, lo);
  std::string out;
  out.reserve(22);
  for (int i = 0; i < 18; i += 3) {
    uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  out.resize(22);  // 128 bits need 22 characters; the rest is padding
  return out;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() == 24 && text.substr(22) == "==") text = text.substr(0, 22);
  if (text.size() != 22) return std::nullopt;
  uint8_t bytes[18] = {};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    int d = decode_char(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = static_cast<uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  // 22 characters carry 132 bits: 16 bytes and 4 leftover bits, which must be zero.
  if (n != 16 || acc != 0) return std::nullopt;
  return Uuid{load_be64(bytes), load_be64(bytes + 8)};
}

}  // namespace moldau
