#include "moldau/common/clock.h"

#include <doctest/doctest.h>

using namespace moldau;

TEST_CASE("clocks") {
  // 2020-01-01T00:00:00Z in ms: the wall clock of any machine running this is later.
  CHECK(wall_clock_ms() > 1577836800000LL);
  int64_t a = monotonic_ns();
  int64_t b = monotonic_ns();
  CHECK(b >= a);
  CHECK(monotonic_ms() >= a / 1'000'000);
}
