#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "moldau/ops/metadata_records.h"

using namespace moldau;
using namespace moldau::ops;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
// A compact string: length + 1 as an unsigned varint (one byte here), then the bytes.
Bytes compact(const std::string& s) {
  Bytes out{static_cast<uint8_t>(s.size() + 1)};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
Bytes be(uint64_t v, int n) {
  Bytes out;
  for (int i = n - 1; i >= 0; i--) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}
std::string json(const Bytes& b) {
  auto r = metadata_record_json(b);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}
std::string error(const Bytes& b) {
  auto r = metadata_record_json(b);
  REQUIRE(!r.ok());
  return r.status().message();
}

// A topic id, bytes 0..15: AAECAwQFBgcICQoLDA0ODw as Kafka writes it.
const Bytes kTopicId = be(0x0001020304050607ULL, 8) + be(0x08090a0b0c0d0e0fULL, 8);

}  // namespace

TEST_CASE("metadata records: frame version 1, api key, version, then the record as Kafka's JSON") {
  // TopicRecord v0: name, topicId, no tagged fields.
  Bytes topic = Bytes{1, 2, 0} + compact("foo") + kTopicId + Bytes{0};
  CHECK(json(topic) ==
        R"({"type":"TOPIC_RECORD","version":0,"data":{"name":"foo","topicId":"AAECAwQFBgcICQoLDA0ODw"}})");

  // NoOpRecord and EndTransactionRecord: an empty object.
  CHECK(json({1, 20, 0, 0}) == R"({"type":"NO_OP_RECORD","version":0,"data":{}})");
  CHECK(json({1, 24, 0, 0}) == R"({"type":"END_TRANSACTION_RECORD","version":0,"data":{}})");

  // ConfigRecord: resourceType int8, resourceName, name, nullable value.
  CHECK(json(Bytes{1, 4, 0, 2} + compact("foo") + compact("retention.ms") + Bytes{0, 0}) ==
        R"({"type":"CONFIG_RECORD","version":0,"data":{"resourceType":2,"resourceName":"foo","name":"retention.ms","value":null}})");
}

TEST_CASE("metadata records: tagged fields are written only when they differ from their default") {
  // BrokerRegistrationChangeRecord v0: fenced (tag 0) = -1 is written.
  Bytes fenced = Bytes{1, 17, 0} + be(1, 4) + be(13, 8) + Bytes{1, 0, 1, 0xff};
  CHECK(json(fenced) ==
        R"({"type":"BROKER_REGISTRATION_CHANGE_RECORD","version":0,"data":{"brokerId":1,"brokerEpoch":13,"fenced":-1}})");
  // v3 with cordonedLogDirs (tag 3, default null) an empty array: written; fenced absent: not.
  Bytes cordoned = Bytes{1, 17, 3} + be(1, 4) + be(13, 8) + Bytes{1, 3, 1, 1};
  CHECK(json(cordoned) ==
        R"({"type":"BROKER_REGISTRATION_CHANGE_RECORD","version":3,"data":{"brokerId":1,"brokerEpoch":13,"cordonedLogDirs":[]}})");
  // fenced = 0 (its default) is not written.
  Bytes unchanged = Bytes{1, 17, 0} + be(1, 4) + be(13, 8) + Bytes{1, 0, 1, 0};
  CHECK(json(unchanged) ==
        R"({"type":"BROKER_REGISTRATION_CHANGE_RECORD","version":0,"data":{"brokerId":1,"brokerEpoch":13}})");
}

TEST_CASE("metadata records: doubles as Java writes them, bytes as base64") {
  // ClientQuotaRecord: entity [{entityType, entityName (nullable)}], key, value float64, remove.
  Bytes quota = Bytes{1, 14, 0, 2} + compact("client-id") + Bytes{0} + Bytes{0} + compact("producer_byte_rate") +
                be(0x4090000000000000ULL, 8) + Bytes{0, 0};
  CHECK(json(quota) ==
        R"({"type":"CLIENT_QUOTA_RECORD","version":0,"data":{"entity":[{"entityType":"client-id","entityName":null}],"key":"producer_byte_rate","value":1024.0,"remove":false}})");
  // UserScramCredentialRecord: name, mechanism, salt, storedKey, serverKey (bytes), iterations.
  Bytes scram = Bytes{1, 11, 0} + compact("alice") + Bytes{1} + compact("salt") + compact("ab") + compact("") +
                be(8192, 4) + Bytes{0};
  CHECK(json(scram) ==
        R"({"type":"USER_SCRAM_CREDENTIAL_RECORD","version":0,"data":{"name":"alice","mechanism":1,"salt":"c2FsdA==","storedKey":"YWI=","serverKey":"","iterations":8192}})");
}

TEST_CASE("metadata records: what does not decode says why, in Kafka's words where it has them") {
  CHECK(error({0x78}) == "Could not deserialize metadata record due to unknown frame version 120(only frame version 1 is supported)");
  CHECK(error({0, 2, 0}).rfind("Could not deserialize metadata record with frame version 0.", 0) == 0);
  CHECK(error({1, 99, 0, 0}) == "org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id 99");
  CHECK(error({1, 20, 0, 0, 7, 7}) == "Found 2 byte(s) of garbage after 20");
  CHECK(error({1, 2, 0, 4, 'f'}) == "Failed to deserialize record with type 2");
  CHECK(error({1}) == "Error while reading type");
  CHECK(error({}) == "Error while reading frame version");
  // A version Kafka does not know: read with the fields it has.
  CHECK(json({1, 20, 5, 0}) == R"({"type":"NO_OP_RECORD","version":5,"data":{}})");
}

TEST_CASE("raft control records: read at version 0, as Kafka prints them") {
  // LeaderChangeMessage: version, leaderId, voters [{voterId}], grantingVoters [{voterId}].
  Bytes leader = be(0, 2) + be(1, 4) + Bytes{2} + be(1, 4) + Bytes{0} + Bytes{2} + be(1, 4) + Bytes{0} + Bytes{0};
  auto r = control_record_json(2, leader);
  REQUIRE(r.ok());
  CHECK(*r == R"({"version":0,"leaderId":1,"voters":[{"voterId":1}],"grantingVoters":[{"voterId":1}]})");
  auto footer = control_record_json(4, Bytes{0, 0, 0});
  REQUIRE(footer.ok());
  CHECK(*footer == R"({"version":0})");
  CHECK(!control_record_json(3, Bytes{0, 0, 1}).ok());  // a snapshot header cut short
  CHECK(!control_record_json(1, Bytes{0, 0, 0}).ok());  // COMMIT is not a raft control record
}
