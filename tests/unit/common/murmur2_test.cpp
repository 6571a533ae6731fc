#include "moldau/common/murmur2.h"

#include <doctest/doctest.h>

#include <string>

using namespace moldau;

TEST_CASE("murmur2 matches Apache Kafka's UtilsTest vectors") {
  // apache/kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
  // testMurmur2 (tag 3.7.1).
  CHECK(murmur2("21") == -973932308);
  CHECK(murmur2("foobar") == -790332482);
  CHECK(murmur2("a-little-bit-long-string") == -985981536);
  CHECK(murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(murmur2("abc") == 479470107);
}

TEST_CASE("murmur2 matches librdkafka's unit test vectors") {
  // confluentinc/librdkafka, src/rdmurmur2.c, unittest_murmur2 (java_murmur2_results). The
  // offsets into the strings exercise unaligned input there; here they cover every tail length.
  const std::string short_unaligned = "1234";
  const std::string unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs";
  auto u = [](uint32_t v) { return static_cast<int32_t>(v); };
  CHECK(murmur2("kafka") == u(0xd067cf64));
  CHECK(murmur2("giberish123456789") == u(0x8f552b0c));
  CHECK(murmur2(short_unaligned) == u(0x9fc97b14));
  CHECK(murmur2(short_unaligned.substr(1)) == u(0xe7c009ca));
  CHECK(murmur2(short_unaligned.substr(2)) == u(0x873930da));
  CHECK(murmur2(short_unaligned.substr(3)) == u(0x5a4b5ca1));
  CHECK(murmur2(unaligned) == u(0x78424f1c));
  CHECK(murmur2(unaligned.substr(1)) == u(0x4a62b377));
  CHECK(murmur2(unaligned.substr(2)) == u(0xe0e4e09e));
  CHECK(murmur2(unaligned.substr(3)) == u(0x62b8b43f));
  CHECK(murmur2("") == u(0x106e08d9));
}

TEST_CASE("to_positive clears the sign bit") {
  CHECK(to_positive(0) == 0);
  CHECK(to_positive(5) == 5);
  CHECK(to_positive(-1) == 0x7fffffff);
  CHECK(to_positive(INT32_MIN) == 0);
  CHECK(to_positive(-973932308) == (-973932308 & 0x7fffffff));
}

TEST_CASE("default_partition agrees with librdkafka's murmur2 partitioner") {
  // confluentinc/librdkafka, tests/0048-partitioner.c, do_test_partitioners: expected partitions
  // for the "murmur2" partitioner, obtained there with the Java client (tests/java/Murmur2Cli),
  // as <positive hash> % partition count; the test topic has 17 partitions (7 in quick mode).
  struct Case {
    const char* key;
    uint32_t positive_hash;
  } cases[] = {
      {"", 0x106e08d9},
      {"23456", 0x058d780f},
      {"this is another string with more length to it perhaps", 0x4f7703da},
      {"hejsan", 0x5ec19395},
  };
  for (const auto& c : cases) {
    CAPTURE(c.key);
    CHECK(static_cast<uint32_t>(to_positive(murmur2(c.key))) == c.positive_hash);
    CHECK(default_partition(c.key, 17) == static_cast<int32_t>(c.positive_hash % 17));
    CHECK(default_partition(c.key, 7) == static_cast<int32_t>(c.positive_hash % 7));
    CHECK(default_partition(c.key, 1) == 0);
  }
  // Kafka's UtilsTest vector through the partitioner: toPositive(-973932308) % 10.
  CHECK(default_partition("21", 10) == (-973932308 & 0x7fffffff) % 10);
}
