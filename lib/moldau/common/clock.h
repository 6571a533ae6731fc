#pragma once
// Time sources. Kafka's timestamps are milliseconds since the Unix epoch (as
// System.currentTimeMillis); deadlines and timeouts use the monotonic clock, which never jumps.

#include <cstdint>

namespace moldau {

// Milliseconds since the Unix epoch, from the system clock (may jump when the clock is set).
int64_t wall_clock_ms();
// Nanoseconds from an arbitrary fixed point, never decreasing.
int64_t monotonic_ns();
inline int64_t monotonic_ms() { return monotonic_ns() / 1'000'000; }

}  // namespace moldau
