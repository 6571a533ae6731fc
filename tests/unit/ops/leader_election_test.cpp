// The pure part of kafka-leader-election: its JSON file, read as LeaderElectionCommand reads it.
#include <doctest/doctest.h>

#include "moldau/ops/leader_election.h"

using namespace moldau;
using namespace moldau::ops;

TEST_CASE("leader-election: the JSON file in Kafka's words") {
  auto ok = parse_election_json(R"({"partitions": [{"topic": "t", "partition": 1}, {"topic": "u", "partition": 0}]} x)");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0] == std::pair<std::string, int32_t>{"t", 1});
  CHECK((*ok)[1] == std::pair<std::string, int32_t>{"u", 0});
  CHECK(parse_election_json(R"({"partitions": []})")->empty());
  auto err = [](const std::string& text) { return parse_election_json(text).status().message(); };
  const std::string mapping = "com.fasterxml.jackson.databind.JsonMappingException: ";
  CHECK(err("") == "Replica election data is empty");
  CHECK(err(" \n") == "Replica election data is empty");
  CHECK(err("{nope") == "Replica election data is empty");
  CHECK(err("[1]") == mapping + "Expected JSON object, received [1]");
  CHECK(err(R"({"version": 1})") == "Replica election data is missing \"partitions\" field");
  CHECK(err(R"({"partitions": {"a": 1}})") == mapping + "Expected JSON array, received {\"a\":1}");
  CHECK(err(R"({"partitions": [{"partition": 0}]})") == mapping + "No such field exists: `topic`");
  CHECK(err(R"({"partitions": [{"topic": "t"}]})") == mapping + "No such field exists: `partition`");
  CHECK(err(R"({"partitions": [{"topic": 7, "partition": 0}]})") == mapping + "Expected `String` value, received 7");
  CHECK(err(R"({"partitions": [{"topic": "t", "partition": "0"}]})") ==
        mapping + "Expected `Integer` value, received \"0\"");
  CHECK(err(R"({"partitions": [{"topic": "t", "partition": 1}, {"topic": "t", "partition": 1}]})") ==
        "Replica election data contains duplicate partitions: [t-1]");
}
