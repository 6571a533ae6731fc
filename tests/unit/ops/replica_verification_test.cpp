// The pure parts of kafka-replica-verification: the batches of a fetch, and the comparison of
// the replicas with the lines ReplicaVerificationTool prints.
#include <doctest/doctest.h>

#include <cstring>

#include "moldau/ops/replica_verification.h"

using namespace moldau::ops;

namespace {

// A magic 2 batch header (no records inside: the tool reads only the header's fields).
std::vector<uint8_t> batch(int64_t base, int32_t last_delta, uint32_t crc, int32_t size = 49) {
  std::vector<uint8_t> b(12 + static_cast<size_t>(size), 0);
  for (int i = 0; i < 8; i++) b[i] = static_cast<uint8_t>(base >> (56 - 8 * i));
  for (int i = 0; i < 4; i++) b[8 + i] = static_cast<uint8_t>(size >> (24 - 8 * i));
  b[16] = 2;
  for (int i = 0; i < 4; i++) b[17 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  for (int i = 0; i < 4; i++) b[23 + i] = static_cast<uint8_t>(last_delta >> (24 - 8 * i));
  return b;
}

std::vector<std::string> strip_times(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.substr(l.find(": ") + 2));
  return out;
}

}  // namespace

TEST_CASE("replica-verification: whole batches only") {
  auto a = batch(0, 1, 7), b = batch(2, 2, 9);
  std::vector<uint8_t> bytes(a);
  bytes.insert(bytes.end(), b.begin(), b.end());
  bytes.insert(bytes.end(), b.begin(), b.begin() + 30);  // cut short by the fetch size
  auto got = verified_batches(bytes);
  REQUIRE(got.size() == 2);
  CHECK(got[0].last_offset == 1);
  CHECK(got[0].next_offset == 2);
  CHECK(got[0].checksum == 7);
  CHECK(got[1].last_offset == 4);
  CHECK(got[1].checksum == 9);
  CHECK(verified_batches({}).empty());
}

TEST_CASE("replica-verification: agreeing replicas move the offset to the high watermark") {
  ReplicaBuffer buf({{{"t", 0}, 0}, {{"t", 1}, 0}}, 0, 0);
  for (int32_t r : {1, 2}) {
    buf.add({"t", 0}, r, ReplicaFetch{5, {{1, 2, 7}, {4, 5, 8}}});
    buf.add({"t", 1}, r, ReplicaFetch{0, {}});
  }
  std::vector<std::string> lines;
  CHECK(buf.verify(10, [&](const std::string& l) { lines.push_back(l); }));
  CHECK(buf.offset({"t", 0}) == 5);
  REQUIRE(lines.size() == 1);
  // Both lags are 0: the first partition in Java's HashMap order is named.
  CHECK(strip_times(lines)[0] == "max lag is 0 for partition t-1 at offset 0 among 2 partitions");
}

TEST_CASE("replica-verification: a lagging replica, a checksum and an offset that differ") {
  ReplicaBuffer lag({{{"t", 0}, 0}}, 0, 0);
  lag.add({"t", 0}, 1, ReplicaFetch{5, {{1, 2, 7}, {4, 5, 8}}});
  lag.add({"t", 0}, 2, ReplicaFetch{2, {{1, 2, 7}}});
  std::vector<std::string> lines;
  CHECK(lag.verify(10, [&](const std::string& l) { lines.push_back(l); }));
  CHECK(strip_times(lines) == std::vector<std::string>{"max lag is 3 for partition t-0 at offset 2 among 1 partitions"});

  ReplicaBuffer crc({{{"t", 0}, 0}}, 1000, 0);
  crc.add({"t", 0}, 1, ReplicaFetch{2, {{1, 2, 7}}});
  crc.add({"t", 0}, 2, ReplicaFetch{2, {{1, 2, 9}}});
  lines.clear();
  CHECK(crc.verify(10, [&](const std::string& l) { lines.push_back(l); }));  // no report yet
  CHECK(strip_times(lines) == std::vector<std::string>{
                                  "partition t-0 has unmatched checksum at offset 1; replica 1's checksum 7; "
                                  "replica 2's checksum 9"});

  ReplicaBuffer off({{{"t", 0}, 0}}, 0, 0);
  off.add({"t", 0}, 1, ReplicaFetch{5, {{1, 2, 7}}});
  off.add({"t", 0}, 2, ReplicaFetch{5, {{3, 4, 7}}});
  lines.clear();
  CHECK_FALSE(off.verify(10, [&](const std::string& l) { lines.push_back(l); }));
  CHECK(strip_times(lines) == std::vector<std::string>{"partition t-0: replica 1's offset 1 doesn't match replica 2's offset 3"});
}
