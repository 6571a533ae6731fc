// __consumer_offsets key and value encodings against hand-checked bytes (Kafka's layouts:
// int16 version, then the fields), and the consumer protocol's subscription.
#include <doctest/doctest.h>

#include "moldau/protocol/consumer_protocol.h"
#include "moldau/protocol/internal_records.h"

using namespace moldau;
using namespace moldau::protocol;

TEST_CASE("offset commit key v1: version, group, topic, partition") {
  Bytes k = encode_offset_commit_key("g", "t", 3);
  CHECK(k == Bytes{0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x03});
  auto d = decode_coordinator_key(k);
  REQUIRE(d.ok());
  REQUIRE(std::holds_alternative<OffsetCommitKey>(*d));
  CHECK(std::get<OffsetCommitKey>(*d) == OffsetCommitKey{"g", "t", 3});
}

TEST_CASE("group metadata key v2") {
  Bytes k = encode_group_metadata_key("ab");
  CHECK(k == Bytes{0x00, 0x02, 0x00, 0x02, 'a', 'b'});
  auto d = decode_coordinator_key(k);
  REQUIRE(d.ok());
  CHECK(std::get<GroupMetadataKey>(*d).group == "ab");
}

TEST_CASE("offset commit key v0 decodes; unknown key versions are refused") {
  Bytes k0{0x00, 0x00, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x07};
  auto d = decode_coordinator_key(k0);
  REQUIRE(d.ok());
  CHECK(std::get<OffsetCommitKey>(*d).partition == 7);
  auto bad = decode_coordinator_key(Bytes{0x00, 0x05, 0x00, 0x00});
  CHECK(!bad.ok());
  CHECK(bad.status().code() == ErrorCode::kUnsupportedVersion);
  CHECK(!decode_coordinator_key(Bytes{0x00, 0x01, 0x00, 0x05, 'g'}).ok());  // truncated
}

TEST_CASE("offset commit value v3 (Kafka 3.7's choice) and v1 with an expiry") {
  OffsetCommitValue v;
  v.offset = 42;
  v.metadata = "m";
  v.commit_timestamp = 1000;
  Bytes b = encode_offset_commit_value(v);
  CHECK(b == Bytes{0x00, 0x03,                                      // version 3
                   0, 0, 0, 0, 0, 0, 0, 42,                         // offset
                   0xff, 0xff, 0xff, 0xff,                          // leaderEpoch -1
                   0x00, 0x01, 'm',                                 // metadata
                   0, 0, 0, 0, 0, 0, 0x03, 0xe8});                  // commitTimestamp
  auto d = decode_offset_commit_value(b);
  REQUIRE(d.ok());
  CHECK(*d == v);

  v.expire_timestamp = 2000;
  Bytes b1 = encode_offset_commit_value(v);
  CHECK(b1 == Bytes{0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 42, 0x00, 0x01, 'm', 0, 0, 0, 0, 0, 0, 0x03,
                    0xe8, 0, 0, 0, 0, 0, 0, 0x07, 0xd0});
  auto d1 = decode_offset_commit_value(b1);
  REQUIRE(d1.ok());
  CHECK(d1->expire_timestamp == 2000);
  CHECK(d1->leader_epoch == -1);
}

TEST_CASE("offset commit value v4 is flexible (trailing tagged fields)") {
  Bytes b{0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2, 0x02, 'x', 0, 0, 0, 0, 0, 0, 0, 9, 0x00};
  auto d = decode_offset_commit_value(b);
  REQUIRE(d.ok());
  CHECK(d->offset == 5);
  CHECK(d->leader_epoch == 2);
  CHECK(d->metadata == "x");
  CHECK(d->commit_timestamp == 9);
}

TEST_CASE("group metadata value v3 round trip and layout") {
  GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 2;
  v.protocol = "range";
  v.leader = "m1";
  v.current_state_timestamp = 7;
  GroupMetadataValue::MemberMetadata m;
  m.member_id = "m1";
  m.client_id = "c";
  m.client_host = "/h";
  m.rebalance_timeout = 300000;
  m.session_timeout = 10000;
  m.subscription = {1, 2};
  m.assignment = {3};
  v.members.push_back(m);
  Bytes b = encode_group_metadata_value(v);
  Bytes expected{0x00, 0x03,
                 0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r',
                 0, 0, 0, 2,
                 0x00, 0x05, 'r', 'a', 'n', 'g', 'e',
                 0x00, 0x02, 'm', '1',
                 0, 0, 0, 0, 0, 0, 0, 7,
                 0, 0, 0, 1,                  // members
                 0x00, 0x02, 'm', '1',
                 0xff, 0xff,                  // groupInstanceId null
                 0x00, 0x01, 'c',
                 0x00, 0x02, '/', 'h',
                 0x00, 0x04, 0x93, 0xe0,      // rebalanceTimeout 300000
                 0x00, 0x00, 0x27, 0x10,      // sessionTimeout 10000
                 0, 0, 0, 2, 1, 2,
                 0, 0, 0, 1, 3};
  CHECK(b == expected);
  auto d = decode_group_metadata_value(b);
  REQUIRE(d.ok());
  CHECK(*d == v);
}

TEST_CASE("consumer protocol subscription: versions 0..3 and newer") {
  ConsumerProtocolSubscription s;
  s.version = 1;
  s.topics = {"a", "b"};
  s.owned_partitions = {{"a", {0, 1}}};
  Bytes b = encode_consumer_protocol(s);
  CHECK(b == Bytes{0, 1, 0, 0, 0, 2, 0, 1, 'a', 0, 1, 'b', 0xff, 0xff, 0xff, 0xff,
                   0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1});
  auto d = decode_consumer_protocol<ConsumerProtocolSubscription>(b);
  REQUIRE(d.ok());
  CHECK(d->topics == std::vector<std::string>{"a", "b"});
  CHECK(d->owned_partitions.size() == 1);
  // A future version with extra trailing fields still decodes.
  Bytes future{0, 9, 0, 0, 0, 1, 0, 1, 'z', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x42, 0x42};
  auto f = decode_consumer_protocol<ConsumerProtocolSubscription>(future);
  REQUIRE(f.ok());
  CHECK(f->topics == std::vector<std::string>{"z"});
}
