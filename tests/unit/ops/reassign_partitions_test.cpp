// The pure parts of kafka-reassign-partitions: its JSON files as ReassignPartitionsCommand reads
// and writes them, and Kafka's rack-unaware replica assignment.
#include <doctest/doctest.h>

#include <set>

#include "moldau/ops/reassign_partitions.h"

using namespace moldau;
using namespace moldau::ops;

TEST_CASE("reassign-partitions: the reassignment JSON in Kafka's words") {
  auto ok = parse_reassignment_json(
      R"({"version":1,"partitions":[{"topic":"t","partition":1,"replicas":[3,1],"log_dirs":["any","/d"]},)"
      R"({"topic":"u","partition":0,"replicas":[2]}]})");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].topic == "t");
  CHECK((*ok)[0].replicas == std::vector<int32_t>{3, 1});
  CHECK((*ok)[0].log_dirs == std::vector<std::string>{"any", "/d"});
  CHECK((*ok)[1].log_dirs == std::vector<std::string>{"any"});
  CHECK(parse_reassignment_json(R"({"version":1})")->empty());
  auto err = [](const std::string& text) { return parse_reassignment_json(text).status().message(); };
  CHECK(err(R"({"version":2,"partitions":[]})") ==
        "Not supported version field value 2\norg.apache.kafka.tools.AdminOperationException");
  CHECK(err("{\"version\":1,\n") ==
        "Unexpected end-of-input within/between Object entries\n at [Source: REDACTED "
        "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 2, column: 1]\n"
        "org.apache.kafka.tools.AdminOperationException");
  CHECK(err("") == "The input string shouldn't be empty\norg.apache.kafka.tools.AdminOperationException");
  CHECK(err(R"({"partitions":[{"topic":"t","partition":"0","replicas":[1]}]})") ==
        "Expected `Integer` value, received \"0\"\ncom.fasterxml.jackson.databind.JsonMappingException");
  CHECK(err(R"({"partitions":[{"topic":"t","partition":0}]})") ==
        "No such field exists: `replicas`\ncom.fasterxml.jackson.databind.JsonMappingException");
  CHECK(err(R"({"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any","any"]}]})") ==
        "Size of replicas list [1] is different from size of log dirs list [any, any] for partition t-0\n"
        "org.apache.kafka.tools.AdminCommandFailedException");

  auto topics = parse_topics_json(R"({"version":1,"topics":[{"topic":"a"},{"topic":"b"}]})");
  REQUIRE(topics.ok());
  CHECK(*topics == std::vector<std::string>{"a", "b"});
  CHECK(parse_topics_json("x").status().message() ==
        "The input string is not a valid JSON\norg.apache.kafka.tools.AdminOperationException");
}

TEST_CASE("reassign-partitions: Kafka's JSON, sorted by topic and partition") {
  std::map<std::pair<std::string, int32_t>, std::vector<int32_t>> a = {{{"t", 10}, {2}}, {{"t", 2}, {1, 2}}, {{"a", 0}, {1}}};
  CHECK(format_reassignment_json(a, {{{"t", 2}, {"/x", "any"}}}) ==
        R"({"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":["any"]},)"
        R"({"topic":"t","partition":2,"replicas":[1,2],"log_dirs":["/x","any"]},)"
        R"({"topic":"t","partition":10,"replicas":[2],"log_dirs":["any"]}]})");
  CHECK(format_reassignment_json({}) == R"({"version":1,"partitions":[]})");
}

TEST_CASE("reassign-partitions: rack-unaware assignment as Kafka's AdminUtils spreads it") {
  // Kafka's AdminUtilsTest: 5 brokers, 10 partitions, 3 replicas, start index 0.
  auto got = assign_replicas_rack_unaware({0, 1, 2, 3, 4}, 10, 3, 0, 0);
  std::map<int32_t, std::vector<int32_t>> want = {
      {0, {0, 1, 2}}, {1, {1, 2, 3}}, {2, {2, 3, 4}}, {3, {3, 4, 0}}, {4, {4, 0, 1}},
      {5, {0, 2, 3}}, {6, {1, 3, 4}}, {7, {2, 4, 0}}, {8, {3, 0, 1}}, {9, {4, 1, 2}}};
  CHECK(got == want);
  // Whatever the random start: every partition gets distinct replicas from the list, the
  // leaders spread evenly.
  for (int32_t start = 0; start < 4; ++start)
    for (int32_t shift = 0; shift < 4; ++shift) {
      auto a = assign_replicas_rack_unaware({5, 6, 7, 8}, 8, 2, start, shift);
      REQUIRE(a.size() == 8);
      std::map<int32_t, int> leaders;
      for (const auto& [p, replicas] : a) {
        REQUIRE(replicas.size() == 2);
        CHECK(std::set<int32_t>(replicas.begin(), replicas.end()).size() == 2);
        for (int32_t r : replicas) CHECK((r >= 5 && r <= 8));
        ++leaders[replicas[0]];
      }
      for (const auto& [b, n] : leaders) CHECK(n == 2);
    }
  CHECK(assign_replicas_rack_unaware({1}, 3, 1, 0, 0) ==
        std::map<int32_t, std::vector<int32_t>>{{0, {1}}, {1, {1}}, {2, {1}}});
}

TEST_CASE("reassign-partitions: rack-aware assignment as Kafka's AdminUtils spreads it") {
  // Kafka's AdminUtils rack-alternated list: racks in name order, brokers by id in each.
  std::map<int32_t, std::string> racks = {{0, "rack1"}, {1, "rack3"}, {2, "rack3"}, {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
  auto got = assign_replicas_rack_aware(racks, 6, 3, 0, 0);
  REQUIRE(got.size() == 6);
  // The leaders walk the alternated list 0, 3, 1, 5, 4, 2; each partition's replicas are on
  // three different racks.
  std::vector<int32_t> leaders;
  for (const auto& [p, replicas] : got) {
    leaders.push_back(replicas[0]);
    std::set<std::string> used;
    for (int32_t r : replicas) used.insert(racks.at(r));
    CHECK(used.size() == 3);
  }
  CHECK(leaders == std::vector<int32_t>{0, 3, 1, 5, 4, 2});
  // The spread Kafka's own tests expect of 7 partitions, 3 replicas, start index and shift 0.
  CHECK(assign_replicas_rack_aware(racks, 7, 3, 0, 0) ==
        std::map<int32_t, std::vector<int32_t>>{{0, {0, 3, 1}}, {1, {3, 1, 5}}, {2, {1, 5, 4}}, {3, {5, 4, 2}},
                                                {4, {4, 2, 0}}, {5, {2, 0, 3}}, {6, {0, 4, 2}}});
}
