#include "moldau/ops/coordinator_records.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/common/varint.h"

namespace moldau::ops {

namespace {

using Json = nlohmann::ordered_json;

// A big-endian reader over a record's bytes, by the message schema's rules (flexible versions:
// compact strings and arrays, tagged fields). Throws on truncated input.
struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool flexible = false;
  void need(size_t n) const {
    if (static_cast<size_t>(end - p) < n) throw std::runtime_error("buffer underflow");
  }
  int8_t i8() { need(1); return static_cast<int8_t>(*p++); }
  int16_t i16() { need(2); int16_t v = static_cast<int16_t>(load_be16(p)); p += 2; return v; }
  int32_t i32() { need(4); int32_t v = static_cast<int32_t>(load_be32(p)); p += 4; return v; }
  int64_t i64() { need(8); int64_t v = static_cast<int64_t>(load_be64(p)); p += 8; return v; }
  uint32_t uvarint() {
    uint32_t v = 0;
    size_t n = get_uvarint32(p, end, &v);
    if (n == 0) throw std::runtime_error("bad varint");
    p += n;
    return v;
  }
  std::optional<std::string> nullable_string() {
    int64_t len = flexible ? static_cast<int64_t>(uvarint()) - 1 : i16();
    if (len < 0) return std::nullopt;
    need(static_cast<size_t>(len));
    std::string s(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
    return s;
  }
  std::string string() {
    auto s = nullable_string();
    if (!s) throw std::runtime_error("non-nullable field was serialized as null");
    return *s;
  }
  std::optional<std::vector<uint8_t>> nullable_bytes() {
    int64_t len = flexible ? static_cast<int64_t>(uvarint()) - 1 : i32();
    if (len < 0) return std::nullopt;
    need(static_cast<size_t>(len));
    std::vector<uint8_t> b(p, p + len);
    p += len;
    return b;
  }
  int32_t array_len() { return flexible ? static_cast<int32_t>(uvarint()) - 1 : i32(); }
  // Tagged fields: calls on_tag(tag, reader over its bytes) for each.
  template <class F>
  void tagged(F on_tag) {
    if (!flexible) return;
    uint32_t n = uvarint();
    for (uint32_t i = 0; i < n; i++) {
      uint32_t tag = uvarint(), size = uvarint();
      need(size);
      Reader sub{p, p + size, true};
      on_tag(tag, sub);
      p += size;
    }
  }
};

// Jackson's base64 of a byte[] (standard alphabet, padded).
std::string base64(const std::vector<uint8_t>& b) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += k[v >> 18], out += k[(v >> 12) & 63], out += k[(v >> 6) & 63], out += k[v & 63];
  }
  if (i + 1 == b.size()) {
    uint32_t v = b[i] << 16;
    out += k[v >> 18], out += k[(v >> 12) & 63], out += "==";
  } else if (i + 2 == b.size()) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8);
    out += k[v >> 18], out += k[(v >> 12) & 63], out += k[(v >> 6) & 63], out += '=';
  }
  return out;
}

Json nullable(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

// Kafka's Uuid.toString: URL-safe base64 without padding.
std::string uuid_string(const uint8_t* p) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (int i = 0; i < 16; i++) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 6) {
      out += k[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += k[(acc << (6 - bits)) & 63];
  return out;
}

// ConsumerProtocolSubscription / ConsumerProtocolAssignment as their JSON converters write them.
Json subscription_json(const std::vector<uint8_t>& bytes) {
  Reader r{bytes.data(), bytes.data() + bytes.size()};
  int16_t v = r.i16();
  if (v < 0) throw std::runtime_error("bad version");
  Json j;
  Json topics = Json::array();
  for (int32_t i = 0, n = r.array_len(); i < n; i++) topics.push_back(r.string());
  j["topics"] = topics;
  auto ud = r.nullable_bytes();
  j["userData"] = ud ? Json(base64(*ud)) : Json(nullptr);
  if (v >= 1) {
    Json owned = Json::array();
    for (int32_t i = 0, n = r.array_len(); i < n; i++) {
      Json tp;
      tp["topic"] = r.string();
      Json ps = Json::array();
      for (int32_t k = 0, m = r.array_len(); k < m; k++) ps.push_back(r.i32());
      tp["partitions"] = ps;
      owned.push_back(tp);
    }
    j["ownedPartitions"] = owned;
  }
  if (v >= 2) j["generationId"] = r.i32();
  if (v >= 3) j["rackId"] = nullable(r.nullable_string());
  return j;
}

Json assignment_json(const std::vector<uint8_t>& bytes) {
  Reader r{bytes.data(), bytes.data() + bytes.size()};
  int16_t v = r.i16();
  if (v < 0) throw std::runtime_error("bad version");
  Json j;
  Json parts = Json::array();
  for (int32_t i = 0, n = r.array_len(); i < n; i++) {
    Json tp;
    tp["topic"] = r.string();
    Json ps = Json::array();
    for (int32_t k = 0, m = r.array_len(); k < m; k++) ps.push_back(r.i32());
    tp["partitions"] = ps;
    parts.push_back(tp);
  }
  j["assignedPartitions"] = parts;
  auto ud = r.nullable_bytes();
  j["userData"] = ud ? Json(base64(*ud)) : Json(nullptr);
  return j;
}

Json offset_commit_value(Reader& v, int16_t version) {
  Json val;
  val["offset"] = v.i64();
  if (version >= 3) val["leaderEpoch"] = v.i32();
  val["metadata"] = v.string();
  val["commitTimestamp"] = v.i64();
  if (version == 1) val["expireTimestamp"] = v.i64();
  std::optional<std::string> topic_id;
  v.tagged([&](uint32_t tag, Reader& t) {
    if (tag == 0) {
      t.need(16);
      if (!std::all_of(t.p, t.p + 16, [](uint8_t c) { return c == 0; })) topic_id = uuid_string(t.p);
    }
  });
  if (topic_id) val["topicId"] = *topic_id;
  return val;
}

Json group_metadata_value(Reader& v, int16_t version, bool decode_consumer_protocol) {
  Json val;
  std::string protocol_type = v.string();
  val["protocolType"] = protocol_type;
  val["generation"] = v.i32();
  val["protocol"] = nullable(v.nullable_string());
  val["leader"] = nullable(v.nullable_string());
  if (version >= 2) val["currentStateTimestamp"] = v.i64();
  Json members = Json::array();
  for (int32_t i = 0, n = v.array_len(); i < n; i++) {
    Json m;
    m["memberId"] = v.string();
    if (version >= 3) m["groupInstanceId"] = nullable(v.nullable_string());
    m["clientId"] = v.string();
    m["clientHost"] = v.string();
    if (version >= 1) m["rebalanceTimeout"] = v.i32();
    m["sessionTimeout"] = v.i32();
    auto sub = v.nullable_bytes().value_or(std::vector<uint8_t>{});
    auto asg = v.nullable_bytes().value_or(std::vector<uint8_t>{});
    m["subscription"] = base64(sub);
    m["assignment"] = base64(asg);
    if (decode_consumer_protocol && protocol_type == "consumer") {
      // Where they do not decode, they stay base64 (as Kafka's parser leaves them).
      try {
        m["subscription"] = subscription_json(sub);
      } catch (const std::exception&) {
      }
      try {
        m["assignment"] = assignment_json(asg);
      } catch (const std::exception&) {
      }
    }
    v.tagged([](uint32_t, Reader&) {});
    members.push_back(m);
  }
  val["members"] = members;
  v.tagged([](uint32_t, Reader&) {});
  return val;
}

Json transaction_value(Reader& v) {
  int64_t producer_id = v.i64();
  int16_t epoch = v.i16();
  int32_t timeout = v.i32();
  int8_t status = v.i8();
  std::optional<Json> partitions;
  int32_t n = v.array_len();
  if (n >= 0) {
    partitions = Json::array();
    for (int32_t i = 0; i < n; i++) {
      Json p;
      p["topic"] = v.string();
      Json ids = Json::array();
      for (int32_t k = 0, m = v.array_len(); k < m; k++) ids.push_back(v.i32());
      p["partitionIds"] = ids;
      v.tagged([](uint32_t, Reader&) {});
      partitions->push_back(p);
    }
  }
  int64_t last_update = v.i64(), start = v.i64();
  int64_t previous_id = -1, next_id = -1;
  int16_t next_epoch = -1, client_version = 0;
  v.tagged([&](uint32_t tag, Reader& t) {
    if (tag == 0) previous_id = t.i64();
    if (tag == 1) next_id = t.i64();
    if (tag == 2) client_version = t.i16();
    if (tag == 3) next_epoch = t.i16();
  });
  static const char* kStates[] = {"Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
                                  "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence"};
  Json val;
  val["producerId"] = producer_id;
  if (previous_id != -1) val["previousProducerId"] = previous_id;
  if (next_id != -1) val["nextProducerId"] = next_id;
  val["producerEpoch"] = epoch;
  if (next_epoch != -1) val["nextProducerEpoch"] = next_epoch;
  val["transactionTimeoutMs"] = timeout;
  val["transactionStatus"] = status >= 0 && status < 8 ? Json(kStates[status]) : Json(std::to_string(status));
  val["transactionPartitions"] = partitions ? *partitions : Json(nullptr);
  val["transactionLastUpdateTimestampMs"] = last_update;
  val["transactionStartTimestampMs"] = start;
  if (client_version != 0) val["clientTransactionVersion"] = client_version;
  return val;
}

}  // namespace

std::string compact_json(const nlohmann::ordered_json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::variant<CoordinatorRecord, CoordinatorRecordError> decode_coordinator_record(
    CoordinatorLog log, std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value,
    bool decode_consumer_protocol) {
  CoordinatorRecord out;
  try {
    Reader k{key.data(), key.data() + key.size()};
    out.type = k.i16();
    const bool groups = log == CoordinatorLog::kGroups;
    if (groups ? (out.type < 0 || out.type > 2) : out.type != 0)
      return CoordinatorRecordError{true, out.type, ""};
    if (!groups) {
      out.key["transactionalId"] = k.string();
    } else {
      out.key["group"] = k.string();
      if (out.type <= 1) {
        out.key["topic"] = k.string();
        out.key["partition"] = k.i32();
      }
    }
    if (!value) return out;
    Reader v{value->data(), value->data() + value->size()};
    out.version = v.i16();
    const int16_t highest = groups ? 4 : 1;
    if (out.version < 0 || out.version > highest)
      return CoordinatorRecordError{false, out.type,
                                    "Unknown record version " + std::to_string(out.version) + " for record type " +
                                        std::to_string(out.type)};
    v.flexible = groups ? out.version >= 4 : out.version >= 1;
    if (!groups)
      out.value = transaction_value(v);
    else if (out.type <= 1)
      out.value = offset_commit_value(v, out.version);
    else
      out.value = group_metadata_value(v, out.version, decode_consumer_protocol);
    return out;
  } catch (const std::exception& e) {
    return CoordinatorRecordError{false, out.type, e.what()};
  }
}

}  // namespace moldau::ops
