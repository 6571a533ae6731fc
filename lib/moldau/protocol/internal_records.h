#pragma once
// The records the group coordinator keeps in __consumer_offsets, in Kafka's formats, so that
// Kafka's tools (kafka-dump-log --offsets-decoder, kafka-console-consumer with the offsets
// formatter) read ours and we read theirs. Each key and value starts with an int16 version:
//
//   key   v0/v1  OffsetCommitKey    group string, topic string, partition int32
//   key   v2     GroupMetadataKey   group string
//   value        OffsetCommitValue  v0-4 (Kafka 3.7 writes v3, v1 when an expiry is set)
//   value        GroupMetadataValue v0-4 (Kafka 3.7 writes v3)
//
// A null value is a tombstone: the offset or the group was deleted. Versions 4+ of the
// values are flexible (tagged fields at the end of each structure). Layouts are described
// once for Reader and Writer, like the messages in protocol/messages/.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/reader.h"
#include "moldau/protocol/writer.h"

namespace moldau::protocol {

inline constexpr int16_t kOffsetCommitKeyVersion = 1;   // what Kafka writes
inline constexpr int16_t kGroupMetadataKeyVersion = 2;
inline constexpr int16_t kOffsetCommitValueVersion = 3;
inline constexpr int16_t kOffsetCommitValueVersionWithExpiry = 1;
inline constexpr int16_t kGroupMetadataValueVersion = 3;

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;

  template <class IO>
  void io(IO& io, int16_t /*v*/) {
    io.string("group", group);
    io.string("topic", topic);
    io.i32("partition", partition);
  }
  friend bool operator==(const OffsetCommitKey&, const OffsetCommitKey&) = default;
};

struct GroupMetadataKey {
  std::string group;

  template <class IO>
  void io(IO& io, int16_t /*v*/) {
    io.string("group", group);
  }
  friend bool operator==(const GroupMetadataKey&, const GroupMetadataKey&) = default;
};

struct OffsetCommitValue {
  int64_t offset = 0;
  int32_t leader_epoch = -1;      // v3+
  std::string metadata;
  int64_t commit_timestamp = 0;
  int64_t expire_timestamp = -1;  // v1 only

  template <class IO>
  void io(IO& io, int16_t v) {
    io.i64("offset", offset);
    if (v >= 3) io.i32("leaderEpoch", leader_epoch);
    io.string("metadata", metadata);
    io.i64("commitTimestamp", commit_timestamp);
    if (v == 1) io.i64("expireTimestamp", expire_timestamp);
    io.tagged_fields();
  }
  friend bool operator==(const OffsetCommitValue&, const OffsetCommitValue&) = default;
};

struct GroupMetadataValue {
  struct MemberMetadata {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v3+
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout = -1;  // v1+
    int32_t session_timeout = 0;
    Bytes subscription;
    Bytes assignment;

    template <class IO>
    void io(IO& io, int16_t v) {
      io.string("memberId", member_id);
      if (v >= 3) io.nullable_string("groupInstanceId", group_instance_id);
      io.string("clientId", client_id);
      io.string("clientHost", client_host);
      if (v >= 1) io.i32("rebalanceTimeout", rebalance_timeout);
      io.i32("sessionTimeout", session_timeout);
      io.bytes("subscription", subscription);
      io.bytes("assignment", assignment);
      io.tagged_fields();
    }
    friend bool operator==(const MemberMetadata&, const MemberMetadata&) = default;
  };

  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;  // v2+
  std::vector<MemberMetadata> members;

  template <class IO>
  void io(IO& io, int16_t v) {
    io.string("protocolType", protocol_type);
    io.i32("generation", generation);
    io.nullable_string("protocol", protocol);
    io.nullable_string("leader", leader);
    if (v >= 2) io.i64("currentStateTimestamp", current_state_timestamp);
    io.array("members", members, [&](IO& io, MemberMetadata& m) { m.io(io, v); });
    io.tagged_fields();
  }
  friend bool operator==(const GroupMetadataValue&, const GroupMetadataValue&) = default;
};

// [int16 version][fields]: a key or value as it is stored in a record.
template <class T>
Bytes encode_versioned(T& t, int16_t version, bool flexible = false) {
  Writer w(flexible);
  w.i16("version", version);
  t.io(w, version);
  return w.take();
}

inline Bytes encode_offset_commit_key(std::string group, std::string topic, int32_t partition) {
  OffsetCommitKey k{std::move(group), std::move(topic), partition};
  return encode_versioned(k, kOffsetCommitKeyVersion);
}
inline Bytes encode_group_metadata_key(std::string group) {
  GroupMetadataKey k{std::move(group)};
  return encode_versioned(k, kGroupMetadataKeyVersion);
}
// v3, or v1 when the commit carries an expiry (OffsetCommit v2-4 with a retention time).
inline Bytes encode_offset_commit_value(OffsetCommitValue value) {
  int16_t v = value.expire_timestamp >= 0 ? kOffsetCommitValueVersionWithExpiry
                                          : kOffsetCommitValueVersion;
  return encode_versioned(value, v);
}
inline Bytes encode_group_metadata_value(GroupMetadataValue value,
                                         int16_t version = kGroupMetadataValueVersion) {
  return encode_versioned(value, version, version >= 4);
}

// A decoded __consumer_offsets key: which kind it is says what the value holds.
using CoordinatorKey = std::variant<OffsetCommitKey, GroupMetadataKey>;

// Versions 0 and 1 are offset commits, 2 group metadata; anything else (Kafka 3.7's new
// group coordinator writes versions 3+ for consumer-protocol groups) fails with
// UNSUPPORTED_VERSION so callers can skip it.
Result<CoordinatorKey> decode_coordinator_key(std::span<const uint8_t> bytes);
Result<OffsetCommitValue> decode_offset_commit_value(std::span<const uint8_t> bytes);
Result<GroupMetadataValue> decode_group_metadata_value(std::span<const uint8_t> bytes);

}  // namespace moldau::protocol
