// Golden frames captured from real clients (tests/fixtures/wire/capture_all.py): every frame
// must decode completely at its version, and the values each scenario sent must come out.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "moldau/protocol/codec.h"
#include "moldau/protocol/consumer_protocol.h"
#include "moldau/protocol/header.h"
#include "moldau/protocol/messages/all.h"
#include "moldau/protocol/produced_records.h"
#include "moldau/protocol/record.h"

using namespace moldau;
using namespace moldau::protocol;
namespace fs = std::filesystem;

namespace {

const fs::path kWire = fs::path(MOLDAU_TEST_DATA) / "fixtures" / "wire";
const std::set<std::string> kTopics = {"golden", "golden-created", "golden-kp", "golden-js"};

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Checks of the values the capture scenarios sent, per request type.
struct Checks {
  std::map<int16_t, int> seen;

  void check(const ApiVersionsRequest& r, int16_t v) {
    if (v >= 3) CHECK_FALSE(r.client_software_name.empty());
  }
  void check(const MetadataRequest& r, int16_t) {
    if (r.topics)
      for (const auto& t : *r.topics)
        if (t.name) CHECK(kTopics.count(*t.name) == 1);
  }
  void check(ProduceRequest& r, int16_t) {
    REQUIRE(r.topic_data.size() == 1);
    CHECK(kTopics.count(r.topic_data[0].name) == 1);
    REQUIRE(r.topic_data[0].partition_data.size() == 1);
    auto& records = r.topic_data[0].partition_data[0].records;
    REQUIRE(records.data);
    auto batch = validate_produce_records(*records.data, 9);
    REQUIRE_MESSAGE(batch.ok(), batch.status().to_string());
    auto decoded = decode_records(batch->batch.bytes);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->records.size() == 1);
    CHECK(decoded->records[0].key == std::optional<std::string_view>("key1"));
    CHECK(decoded->records[0].value == std::optional<std::string_view>("value1"));
  }
  void check(const FetchRequest& r, int16_t) {
    REQUIRE_FALSE(r.topics.empty());
    for (const auto& t : r.topics) CHECK(kTopics.count(t.topic) == 1);
  }
  void check(const CreateTopicsRequest& r, int16_t) {
    REQUIRE(r.topics.size() == 1);
    CHECK(kTopics.count(r.topics[0].name) == 1);
    CHECK(r.topics[0].num_partitions == 3);
  }
  void check(const FindCoordinatorRequest& r, int16_t v) {
    if (v >= 4) {
      REQUIRE(r.coordinator_keys.size() == 1);
      CHECK(r.coordinator_keys[0] == "golden-group");
    } else {
      CHECK(r.key == "golden-group");
    }
  }
  void check(const JoinGroupRequest& r, int16_t) {
    CHECK(r.group_id == "golden-group");
    CHECK(r.protocol_type == "consumer");
    REQUIRE_FALSE(r.protocols.empty());
    auto sub = decode_consumer_protocol<ConsumerProtocolSubscription>(r.protocols[0].metadata);
    REQUIRE_MESSAGE(sub.ok(), sub.status().to_string());
    REQUIRE(sub->topics.size() == 1);
    CHECK(kTopics.count(sub->topics[0]) == 1);
  }
  void check(const SyncGroupRequest& r, int16_t) { CHECK(r.group_id == "golden-group"); }
  void check(const OffsetCommitRequest& r, int16_t) {
    CHECK(r.group_id == "golden-group");
    REQUIRE(r.topics.size() == 1);
    CHECK(kTopics.count(r.topics[0].name) == 1);
    // The one record sent is at offset 0 of its partition: the commit of that partition is 1.
    bool committed_past_it = false;
    for (const auto& p : r.topics[0].partitions) committed_past_it |= p.committed_offset == 1;
    CHECK(committed_past_it);
  }
  template <class T>
  void check(const T&, int16_t) {}
};

}  // namespace

TEST_CASE("requests captured from real clients decode completely, with the values sent") {
  REQUIRE(fs::exists(kWire));
  Checks checks;
  std::map<std::string, std::set<int16_t>> keys_by_client;
  int frames = 0;
  for (const auto& client : fs::directory_iterator(kWire)) {
    if (!client.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(client.path())) {
      Bytes frame = read_file(f.path());
      CAPTURE(f.path().string());
      Reader r(frame);
      RequestHeader h;
      REQUIRE(read_request_header_start(r, h).ok());
      bool found = false;
      for_each_api([&]<class Req, class Resp>() {
        if (Req::kApiKey != h.api_key) return;
        found = true;
        REQUIRE(read_request_header_rest(r, h, h.api_version >= Req::kFirstFlexibleVersion).ok());
        auto req = decode_body<Req>(r, h.api_version);
        REQUIRE_MESSAGE(req.ok(), req.status().to_string());
        CHECK(r.remaining() == 0);
        // Re-encoding gives back the client's exact bytes.
        Writer w;
        write_request_header(w, h, h.api_version >= Req::kFirstFlexibleVersion);
        encode_body(w, *req, h.api_version);
        CHECK(w.buffer() == frame);
        checks.check(*req, h.api_version);
      });
      if (!found) continue;  // an API the codec does not know (e.g. a newer client probe)
      keys_by_client[client.path().filename().string()].insert(h.api_key);
      ++frames;
    }
  }
  CHECK(frames >= 20);
  // The APIs the issue names, from every client that sends them in its scenario.
  for (const char* client : {"kcat", "confluent", "kafka-python", "kafkajs"}) {
    CAPTURE(client);
    const auto& keys = keys_by_client[client];
    for (int16_t k : {18 /*ApiVersions*/, 3 /*Metadata*/, 0 /*Produce*/, 1 /*Fetch*/,
                      10 /*FindCoordinator*/, 11 /*JoinGroup*/, 14 /*SyncGroup*/})
      CHECK(keys.count(k) == 1);
  }
  CHECK(keys_by_client["kcat"].count(8) == 1);          // OffsetCommit
  CHECK(keys_by_client["confluent"].count(19) == 1);    // CreateTopics
  CHECK(keys_by_client["kafka-python"].count(19) == 1);
  CHECK(keys_by_client["kafkajs"].count(19) == 1);
}
