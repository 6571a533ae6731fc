#include "moldau/storage/checkpoint.h"

#include <doctest/doctest.h>

#include "test_util.h"

using namespace moldau;
using namespace moldau::storage;
using namespace moldau::storage::test;

TEST_CASE("offset checkpoint: Kafka's text format, round trip") {
  TempDir d;
  std::map<TopicPartition, int64_t> m{{{"orders", 0}, 42}, {{"orders", 1}, 7}, {{"__consumer_offsets", 12}, 0}};
  REQUIRE(write_offset_checkpoint(d / "recovery-point-offset-checkpoint", m).ok());
  CHECK(read_text(d / "recovery-point-offset-checkpoint") ==
        "0\n3\n__consumer_offsets 12 0\norders 0 42\norders 1 7\n");
  auto back = read_offset_checkpoint(d / "recovery-point-offset-checkpoint");
  REQUIRE(back.ok());
  CHECK(*back == m);
  CHECK_FALSE(std::filesystem::exists(d / "recovery-point-offset-checkpoint.tmp"));
}

TEST_CASE("offset checkpoint: missing is empty, malformed is an error") {
  TempDir d;
  auto missing = read_offset_checkpoint(d / "nope");
  REQUIRE(missing.ok());
  CHECK(missing->empty());
  std::ofstream(d / "bad") << "0\n2\nt 0 1\n";
  auto bad = read_offset_checkpoint(d / "bad");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kKafkaStorageError);
  std::ofstream(d / "bad2") << "1\n0\n";
  CHECK_FALSE(read_offset_checkpoint(d / "bad2").ok());
}

TEST_CASE("leader-epoch-checkpoint round trip") {
  TempDir d;
  std::vector<EpochEntry> e{{0, 0}, {3, 120}};
  REQUIRE(write_leader_epoch_checkpoint(d / "leader-epoch-checkpoint", e).ok());
  CHECK(read_text(d / "leader-epoch-checkpoint") == "0\n2\n0 0\n3 120\n");
  auto back = read_leader_epoch_checkpoint(d / "leader-epoch-checkpoint");
  REQUIRE(back.ok());
  CHECK(*back == e);
}

TEST_CASE("partition.metadata: version and base64url topic id") {
  TempDir d;
  Uuid id{0x34f99987285d47dcULL, 0xb4d30c25a1d21f6bULL};
  REQUIRE(write_partition_metadata(d / "partition.metadata", id).ok());
  std::string text = read_text(d / "partition.metadata");
  CHECK(text == "version: 0\ntopic_id: " + id.to_string() + "\n");
  CHECK(topic_id_to_string(id) == id.to_string());
  auto back = read_partition_metadata(d / "partition.metadata");
  REQUIRE(back.ok());
  CHECK(*back == id);
}
