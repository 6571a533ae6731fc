#pragma once
// Protocol buffers style variable-length integers as Kafka uses them: unsigned varints
// (compact lengths, tagged fields) and zigzag varints (record fields). A 32-bit varint takes
// at most 5 bytes and a 64-bit one at most 10; a longer encoding is malformed.

#include <cstddef>
#include <cstdint>

namespace moldau {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

inline uint32_t zigzag_encode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline int32_t zigzag_decode32(uint32_t v) {
  return static_cast<int32_t>(v >> 1) ^ -static_cast<int32_t>(v & 1);
}
inline uint64_t zigzag_encode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t zigzag_decode64(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Writes `v` at `out` (room for kMaxVarint64Bytes needed); returns the bytes written.
inline size_t put_uvarint64(uint8_t* out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}
inline size_t put_uvarint32(uint8_t* out, uint32_t v) { return put_uvarint64(out, v); }
inline size_t put_varint32(uint8_t* out, int32_t v) { return put_uvarint64(out, zigzag_encode32(v)); }
inline size_t put_varint64(uint8_t* out, int64_t v) { return put_uvarint64(out, zigzag_encode64(v)); }

inline size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline size_t varint32_size(int32_t v) { return uvarint_size(zigzag_encode32(v)); }
inline size_t varint64_size(int64_t v) { return uvarint_size(zigzag_encode64(v)); }

// Reads an unsigned varint of at most `max_bytes` bytes from [p, end). Returns the bytes
// consumed, or 0 when the input ends first, is longer than max_bytes, or overflows the type.
inline size_t get_uvarint(const uint8_t* p, const uint8_t* end, uint64_t* out, size_t max_bytes) {
  uint64_t result = 0;
  for (size_t i = 0; i < max_bytes; ++i) {
    if (p + i >= end) return 0;
    uint8_t b = p[i];
    if (i == max_bytes - 1) {
      // The last allowed byte may carry only the bits left in the type.
      unsigned bits_left = max_bytes == kMaxVarint32Bytes ? 32 - 7 * i : 64 - 7 * i;
      if ((b & 0x80) != 0 || (bits_left < 7 && (b >> bits_left) != 0)) return 0;
    }
    result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *out = result;
      return i + 1;
    }
  }
  return 0;
}
inline size_t get_uvarint32(const uint8_t* p, const uint8_t* end, uint32_t* out) {
  uint64_t v = 0;
  size_t n = get_uvarint(p, end, &v, kMaxVarint32Bytes);
  if (n) *out = static_cast<uint32_t>(v);
  return n;
}
inline size_t get_uvarint64(const uint8_t* p, const uint8_t* end, uint64_t* out) {
  return get_uvarint(p, end, out, kMaxVarint64Bytes);
}
inline size_t get_varint32(const uint8_t* p, const uint8_t* end, int32_t* out) {
  uint32_t v = 0;
  size_t n = get_uvarint32(p, end, &v);
  if (n) *out = zigzag_decode32(v);
  return n;
}
inline size_t get_varint64(const uint8_t* p, const uint8_t* end, int64_t* out) {
  uint64_t v = 0;
  size_t n = get_uvarint64(p, end, &v);
  if (n) *out = zigzag_decode64(v);
  return n;
}

}  // namespace moldau
