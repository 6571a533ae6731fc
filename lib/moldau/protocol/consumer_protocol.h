#pragma once
// The "consumer" embedded protocol: what consumers put in JoinGroup's protocol metadata
// (ConsumerProtocolSubscription) and what the leader hands out through SyncGroup
// (ConsumerProtocolAssignment). Each starts with an int16 version; newer versions only append
// fields, so a reader decodes a higher version as the highest it knows and ignores the rest.
// Used by the coordinator (subscribed topics, for OffsetDelete) and by the group tools.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/reader.h"
#include "moldau/protocol/writer.h"

namespace moldau::protocol {

inline constexpr char kConsumerProtocolType[] = "consumer";

struct ConsumerTopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;

  template <class IO>
  void io(IO& io, int16_t /*v*/) {
    io.string("topic", topic);
    io.array("partitions", partitions, [&](IO& io, int32_t& p) { io.i32("", p); });
  }
  friend bool operator==(const ConsumerTopicPartitions&, const ConsumerTopicPartitions&) = default;
};

struct ConsumerProtocolSubscription {
  static constexpr int16_t kMaxVersion = 3;
  int16_t version = 0;
  std::vector<std::string> topics;
  std::optional<Bytes> user_data;
  std::vector<ConsumerTopicPartitions> owned_partitions;  // v1+
  int32_t generation_id = -1;                             // v2+
  std::optional<std::string> rack_id;                     // v3+

  template <class IO>
  void io(IO& io, int16_t v) {
    io.array("topics", topics, [&](IO& io, std::string& t) { io.string("", t); });
    io.nullable_bytes("user_data", user_data);
    if (v >= 1)
      io.array("owned_partitions", owned_partitions,
               [&](IO& io, ConsumerTopicPartitions& tp) { tp.io(io, v); });
    if (v >= 2) io.i32("generation_id", generation_id);
    if (v >= 3) io.nullable_string("rack_id", rack_id);
  }
};

struct ConsumerProtocolAssignment {
  static constexpr int16_t kMaxVersion = 3;
  int16_t version = 0;
  std::vector<ConsumerTopicPartitions> assigned_partitions;
  std::optional<Bytes> user_data;

  template <class IO>
  void io(IO& io, int16_t v) {
    io.array("assigned_partitions", assigned_partitions,
             [&](IO& io, ConsumerTopicPartitions& tp) { tp.io(io, v); });
    io.nullable_bytes("user_data", user_data);
  }
};

// Decodes [int16 version][fields]; trailing bytes of newer versions are ignored.
template <class T>
Result<T> decode_consumer_protocol(std::span<const uint8_t> bytes) {
  Reader r(bytes, false, "consumer protocol");
  T t;
  r.i16("version", t.version);
  if (r.ok() && t.version < 0) r.fail("version", "negative version");
  if (!r.ok()) return r.status();
  int16_t v = t.version > T::kMaxVersion ? T::kMaxVersion : t.version;
  t.io(r, v);
  if (!r.ok()) return r.status();
  return t;
}

template <class T>
Bytes encode_consumer_protocol(T& t) {
  Writer w;
  w.i16("version", t.version);
  t.io(w, t.version > T::kMaxVersion ? T::kMaxVersion : t.version);
  return w.take();
}

}  // namespace moldau::protocol
