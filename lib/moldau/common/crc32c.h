#pragma once
// CRC-32C (Castagnoli), as record batches v2 use it. Uses the SSE4.2 instruction when the CPU
// has it, a table-driven fallback otherwise; both give the same values.

#include <cstddef>
#include <cstdint>

namespace moldau {

// Extends `crc` (the value returned for the bytes before; 0 to start) over [data, data+size).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);
inline uint32_t crc32c(const void* data, size_t size) { return crc32c_extend(0, data, size); }

// The portable implementation, exposed so tests can check both paths agree.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t size);

// Whether this CPU has the SSE4.2 CRC32 instruction (x86-64 only).
bool crc32c_hardware_available();
// The SSE4.2 implementation; callers must check crc32c_hardware_available() first.
uint32_t crc32c_extend_hardware(uint32_t crc, const void* data, size_t size);

}  // namespace moldau
