// The pure parts of kafka-broker-api-versions, kafka-delete-records and kafka-log-dirs.
#include <doctest/doctest.h>

#include "moldau/ops/broker_api_versions.h"
#include "moldau/ops/delete_records.h"
#include "moldau/ops/log_dirs.h"
#include "moldau/ops/raw_client.h"

using namespace moldau;
using namespace moldau::ops;

TEST_CASE("broker-api-versions: NodeApiVersions.toString(true) of Kafka 4.4's client") {
  std::string text = format_node_api_versions({{0, 0, 13}, {1, 4, 18}, {4, 0, 7}, {3, 0, 12}, {200, 1, 2}, {19, 0, 1}});
  // Listed APIs by key with the version the client would use; client APIs the broker lacks are
  // UNSUPPORTED; a key the client does not know is UNKNOWN.
  CHECK(text.rfind("(\n\tProduce(0): 0 to 13 [usable: 13],\n\tFetch(1): 4 to 18 [usable: 18],\n"
                   "\tListOffsets(2): UNSUPPORTED,\n\tMetadata(3): 0 to 12 [usable: 12],\n"
                   "\tLeaderAndIsr(4): 0 to 7 [unusable: node too new],\n",
                   0) == 0);
  CHECK(text.find("\tCreateTopics(19): 0 to 1 [unusable: node too old],\n") != std::string::npos);
  CHECK(text.find("\tVote(52)") == std::string::npos);  // not a client API
  CHECK(text.find(",\n\tUnregisterController(94): UNSUPPORTED,\n\tUNKNOWN(200): 1 to 2\n)") != std::string::npos);
}

TEST_CASE("delete-records: the offset JSON file in Kafka's words") {
  auto ok = parse_offset_json(R"({"partitions": [{"topic": "t", "partition": 1, "offset": 5000000000},
                                                 {"topic": "t", "partition": 1, "offset": -1}]} trailing)");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].offset == 5000000000LL);
  CHECK((*ok)[1].offset == -1);
  auto err = [](const std::string& text) { return parse_offset_json(text).status().message(); };
  CHECK(err("") == "The input string is not a valid JSON");
  CHECK(err("{nope") == "The input string is not a valid JSON");
  CHECK(err(" \n") == "Expected JSON object, received ");
  CHECK(err("[1, 2]") == "Expected JSON object, received [1,2]");
  CHECK(err(R"({"version": 2})") == "Not supported version field value 2");
  CHECK(err(R"({"version": "1"})") == "Expected `Integer` value, received \"1\"");
  CHECK(err(R"({"version": 1})") == "Missing partitions field");
  CHECK(err(R"({"partitions": {"a": 1}})") == "Expected JSON array, received {\"a\":1}");
  CHECK(err(R"({"partitions": [3]})") == "Expected JSON object, received 3");
  CHECK(err(R"({"partitions": [{"topic": "t", "offset": 1}]})") == "No such field exists: `partition`");
  CHECK(err(R"({"partitions": [{"topic": 7, "partition": 0, "offset": 1}]})") == "Expected `String` value, received 7");
  CHECK(err(R"({"partitions": [{"topic": "t", "partition": 5000000000, "offset": 1}]})") ==
        "Expected `Integer` value, received 5000000000");
  CHECK(err(R"({"partitions": [{"topic": "t", "partition": 0, "offset": 1.5}]})") ==
        "Expected `Long` value, received 1.5");
}

TEST_CASE("log-dirs: LogDirsCommand's JSON, in Java's HashMap orders") {
  BrokerLogDirs b;
  b.broker = 1;
  LogDirView dir;
  dir.path = "/data/kafka";
  dir.replicas = {{"dr", 0, 106, 0, false}, {"dr", 1, 0, 0, false}, {"dr", 2, 7, 0, true}, {"other", 0, 1, 0, false}};
  b.dirs.push_back(dir);
  LogDirView bad;
  bad.path = "/data/broken";
  bad.error = "org.apache.kafka.common.errors.KafkaStorageException";
  b.dirs.push_back(bad);
  // dr-0..2 fall in buckets 15, 14, 13; "/data/kafka" in 5, "/data/broken" in 14.
  CHECK(format_log_dirs_json({b}, {"dr"}) ==
        "{\"brokers\":[{\"broker\":1,\"logDirs\":["
        "{\"partitions\":[{\"partition\":\"dr-2\",\"size\":7,\"offsetLag\":0,\"isFuture\":true},"
        "{\"partition\":\"dr-1\",\"size\":0,\"offsetLag\":0,\"isFuture\":false},"
        "{\"partition\":\"dr-0\",\"size\":106,\"offsetLag\":0,\"isFuture\":false}],"
        "\"error\":null,\"logDir\":\"/data/kafka\"},"
        "{\"partitions\":[],\"error\":\"org.apache.kafka.common.errors.KafkaStorageException\","
        "\"logDir\":\"/data/broken\"}]}],\"version\":1}");
}

TEST_CASE("raw client: bootstrap lists and Kafka's exception names") {
  CHECK(parse_bootstrap("localhost").status().message() == "Invalid url in bootstrap.servers: localhost");
  CHECK(parse_bootstrap(" , ").status().message() == "No resolvable bootstrap urls given in bootstrap.servers");
  auto ok = parse_bootstrap("127.0.0.1:9092, [::1]:9093,");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[1].host == "::1");
  CHECK((*ok)[1].port == 9093);
  CHECK(java_exception_class(ErrorCode::kOffsetOutOfRange) == "org.apache.kafka.common.errors.OffsetOutOfRangeException");
  CHECK(java_exception_class(ErrorCode::kKafkaStorageError) == "org.apache.kafka.common.errors.KafkaStorageException");
  CHECK(java_exception_class(ErrorCode::kTopicAuthorizationFailed) ==
        "org.apache.kafka.common.errors.TopicAuthorizationException");
  CHECK(java_exception_class(ErrorCode::kNotLeaderOrFollower) ==
        "org.apache.kafka.common.errors.NotLeaderOrFollowerException");
}
