#include "moldau/common/murmur2.h"

#include <cassert>

namespace moldau {

int32_t murmur2(std::span<const uint8_t> data) {
  // Unsigned arithmetic: Java's int overflow wraps, which signed C++ arithmetic must not do.
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const size_t length = data.size();
  const uint8_t* p = data.data();

  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  for (size_t i = 0; i + 4 <= length; i += 4) {
    uint32_t k = uint32_t{p[i]} | uint32_t{p[i + 1]} << 8 | uint32_t{p[i + 2]} << 16 |
                 uint32_t{p[i + 3]} << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const uint8_t* tail = p + (length & ~size_t{3});
  switch (length % 4) {
    case 3:
      h ^= uint32_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= tail[0];
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t default_partition(std::span<const uint8_t> key, int32_t num_partitions) {
  assert(num_partitions > 0);
  return to_positive(murmur2(key)) % num_partitions;
}

}  // namespace moldau
