#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "moldau/ops/metadata_records.h"

using namespace moldau;
using namespace moldau::ops;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(const std::string& h) {
  Bytes out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}
Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
std::string text(const Bytes& b) {
  auto r = remote_log_metadata_text(b);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}
std::string error(const Bytes& b) {
  auto r = remote_log_metadata_text(b);
  REQUIRE(!r.ok());
  return r.status().message();
}

// Values Kafka 4.4's RemoteLogMetadataSerde wrote (tests/integration/RemoteLogMetadataGen.java):
// a segment of orders-3 whose copy started (leader epochs 5, 0, 2 in that order), the
// partition's deletion marked, and the segment's snapshot record.
const std::string kSegmentHead =
    "010000076f72646572730123456789abcdef0fedcba98765432100000003001111111111111111222222222222222200"
    "000000000000000000000000000000c7000000010000018bcfe5687b0000018bcfe569c8040000000000000000000000"
    "000000000002000000000000002800000000050000000000000078000010000000";
const Bytes kSegment = hex(kSegmentHead + "0000");  // state 0, no tagged fields
const Bytes kDelete = hex("010200076f72646572730123456789abcdef0fedcba9876543210000000300000000030000018bcfe56fd00000");
const Bytes kSnapshot = hex(
    "01030011111111111111112222222222222222000000000000000000000000000000c7000000010000018bcfe5687b0000018b"
    "cfe569c80400000000000000000000000000000000020000000000000028000000000500000000000000780000100000000100");

const std::string kSegmentText =
    "RemoteLogSegmentMetadata{remoteLogSegmentId=RemoteLogSegmentId{topicIdPartition=ASNFZ4mrze8P7cuph2VDIQ:orders-3, "
    "id=EREREREREREiIiIiIiIiIg}, startOffset=0, endOffset=199, brokerId=1, maxTimestampMs=1700000000123, "
    "eventTimestampMs=1700000000456, segmentLeaderEpochs={0=0, 2=40, 5=120}, segmentSizeInBytes=1048576, "
    "customMetadata=Optional.empty, state=COPY_SEGMENT_STARTED, txnIdxEmpty=";

}  // namespace

TEST_CASE("remote log metadata: each record as the object Kafka makes of it prints itself") {
  CHECK(text(kSegment) == kSegmentText + "false}");
  CHECK(text(kDelete) ==
        "RemotePartitionDeleteMetadata{topicPartition=ASNFZ4mrze8P7cuph2VDIQ:orders-3, state=DELETE_PARTITION_MARKED, "
        "eventTimestampMs=1700000002000, brokerId=3}");
  CHECK(text(kSnapshot) ==
        "RemoteLogSegmentMetadataSnapshot{segmentId=EREREREREREiIiIiIiIiIg, startOffset=0, endOffset=199, "
        "maxTimestampMs=1700000000123, segmentLeaderEpochs={0=0, 2=40, 5=120}, segmentSizeInBytes=1048576, "
        "customMetadata=Optional.empty, state=COPY_SEGMENT_FINISHED, txnIdxEmpty=false}");
}

TEST_CASE("remote log metadata: a known tagged field is read where it starts, whatever its size says") {
  // txnIndexEmpty (tag 0) with size 0, then size 5: Kafka's generated reader reads the one byte.
  CHECK(text(hex(kSegmentHead + "00" + "010000" + "01")) == kSegmentText + "true}");
  CHECK(text(hex(kSegmentHead + "00" + "010005" + "01")) == kSegmentText + "true}");
  // An unknown tag is skipped by its size; one whose size runs past the end does not decode.
  CHECK(text(hex(kSegmentHead + "00" + "010902aabb")) == kSegmentText + "false}");
  CHECK(error(hex(kSegmentHead + "00" + "010909aa")) == "Failed to deserialize record with type 0");
}

TEST_CASE("remote log metadata: Kafka's words for bytes that do not decode") {
  CHECK(error({}) == "Error while reading frame version");
  CHECK(error({0, 0, 0}) ==
        "Could not deserialize metadata record with frame version 0. Note that upgrades from the preview release of "
        "KRaft in 2.8 to newer versions are not supported.");
  CHECK(error({0xff, 0xff, 0xff, 0xff, 0x0f}) ==
        "Could not deserialize metadata record due to unknown frame version -1(only frame version 1 is supported)");
  CHECK(error({1, 9, 0, 0}) == "org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id 9");
  CHECK(error({1, 0x80, 0x80, 0x02, 0}) == "Value for type was too large.");
  CHECK(error(kDelete + Bytes{0, 7}) == "Found 2 byte(s) of garbage after 2");
  // Version 1 of a record that has only 0: its nested struct refuses it.
  Bytes v1 = kDelete;
  v1[2] = 1;
  CHECK(error(v1) == "Failed to deserialize record with type 2");
  // Version -1 (a 5-byte varint): read as Kafka's reader reads it, with the fields of version 0.
  Bytes negative = Bytes{1, 2, 0xff, 0xff, 0xff, 0xff, 0x0f} + Bytes(kDelete.begin() + 3, kDelete.end());
  CHECK(text(negative) == text(kDelete));
  // A string longer than a short's range.
  Bytes long_name = Bytes{1, 2, 0, 0x81, 0x80, 0x02} + Bytes(32768, 'x') + Bytes(16, 0) + Bytes(4 + 1 + 4 + 8 + 2, 0);
  CHECK(error(long_name) == "Failed to deserialize record with type 2");
}

TEST_CASE("remote log metadata: values Kafka's objects refuse") {
  Bytes state = kDelete;
  state[state.size() - 2] = 3;
  CHECK(error(state) == "null");  // Objects.requireNonNull without a message
  Bytes segment_state = kSegment;
  segment_state[segment_state.size() - 2] = 4;
  CHECK(error(segment_state) == "state can not be null");
  Bytes snapshot_state = kSnapshot;
  snapshot_state[snapshot_state.size() - 2] = 0xff;
  CHECK(error(snapshot_state) == "state can not be null");
}
