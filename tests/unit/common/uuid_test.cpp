#include "moldau/common/uuid.h"

#include <doctest/doctest.h>

#include <set>

using namespace moldau;

TEST_CASE("Uuid renders as Kafka does") {
  CHECK(Uuid{0, 0}.to_string() == "AAAAAAAAAAAAAAAAAAAAAA");
  CHECK(Uuid{0, 1}.to_string() == "AAAAAAAAAAAAAAAAAAAAAQ");
  CHECK(Uuid{0x0123456789abcdefULL, 0xfedcba9876543210ULL}.to_string() == "ASNFZ4mrze_-3LqYdlQyEA");
  CHECK(Uuid{~0ULL, ~0ULL}.to_string() == "_____________________w");
  // Kafka's own examples: DESIGN.md's describe output and Kafka's UuidTest.
  CHECK(Uuid{0x34f9991f285b47dcULL, 0xb4d3032094c1f6b2ULL}.to_string() == "NPmZHyhbR9y00wMglMH2sg");
  CHECK(Uuid{0x517c94f62e40467eULL, 0x96d3438ddad69e58ULL}.to_string() == "UXyU9i5ARn6W00ON2taeWA");
}

TEST_CASE("Uuid parses Kafka's rendering") {
  auto u = Uuid::parse("UXyU9i5ARn6W00ON2taeWA");
  REQUIRE(u.has_value());
  CHECK(u->hi == 0x517c94f62e40467eULL);
  CHECK(u->lo == 0x96d3438ddad69e58ULL);
  CHECK(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAQ") == Uuid{0, 1});
  CHECK(Uuid::parse("_____________________w") == Uuid{~0ULL, ~0ULL});
  CHECK(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAQ==") == Uuid{0, 1});  // padded, as Kafka allows
}

TEST_CASE("Uuid rejects invalid text") {
  CHECK_FALSE(Uuid::parse("").has_value());
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAA").has_value());    // 21 chars
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAAA").has_value());  // 23 chars
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAQ=").has_value());
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAQAA").has_value());
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAA+").has_value());  // standard, not url, base64
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAA/").has_value());
  CHECK_FALSE(Uuid::parse("AAAAAAAAAA AAAAAAAAAAA").has_value());
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAB").has_value());  // non-zero padding bits
  CHECK_FALSE(Uuid::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").has_value());  // 32 bytes
  CHECK_FALSE(Uuid::parse("AAAAAA").has_value());                                       // 4 bytes
}

TEST_CASE("random Uuids round trip and follow Kafka's rules") {
  std::set<Uuid> seen;
  for (int i = 0; i < 2000; ++i) {
    Uuid u = Uuid::random();
    CHECK_FALSE(u.is_zero());
    CHECK_FALSE(u == Uuid{0, 1});
    std::string s = u.to_string();
    REQUIRE(s.size() == 22);
    CHECK(s[0] != '-');
    CHECK(((u.hi >> 12) & 0xf) == 4);  // version 4
    CHECK((u.lo >> 62) == 2);          // IETF variant
    CHECK(Uuid::parse(s) == u);
    seen.insert(u);
  }
  CHECK(seen.size() == 2000);
}
