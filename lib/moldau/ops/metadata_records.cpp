#include "moldau/ops/metadata_records.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "moldau/common/endian.h"
#include "moldau/common/uuid.h"
#include "moldau/common/varint.h"
#include "moldau/ops/deserializers.h"
#include "moldau/ops/perf_common.h"

namespace moldau::ops {

namespace {

using Json = nlohmann::ordered_json;

// The tables metadata_records.inc fills: one Field per field of a record's spec.
enum class Type { kInt8, kInt16, kInt32, kInt64, kUint16, kUint32, kFloat64, kBool, kString, kBytes, kUuid, kStruct };

struct Struct;
struct Field {
  const char* name;  // as the JSON converter writes it
  Type type;         // the element's type for an array
  bool array;
  int16_t min, max;            // versions the field is in
  int16_t null_min, null_max;  // versions it may be null in (-1: none)
  int32_t tag;                 // -1: not tagged
  int16_t tag_min, tag_max;    // versions it is tagged in
  const char* def;             // the spec's default ("" when it gives none)
  const Struct* sub;           // kStruct: its fields
};
struct Struct {
  const Field* fields;
  size_t count;
};
struct Message {
  int16_t api_key;
  const char* name;
  int16_t min, max, flexible_min;
  const Struct* fields;
};

#include "moldau/ops/metadata_records.inc"

bool in(int16_t v, int16_t lo, int16_t hi) { return lo >= 0 && v >= lo && v <= hi; }

// A bounded big-endian reader; throws std::runtime_error naming what ran short.
struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  void need(size_t n, const char* what) const {
    if (static_cast<size_t>(end - p) < n)
      throw std::runtime_error(std::string("buffer underflow reading ") + what);
  }
  uint64_t be(size_t n, const char* what) {
    need(n, what);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[i];
    p += n;
    return v;
  }
  uint32_t uvarint(const char* what) {
    uint32_t v = 0;
    size_t n = get_uvarint32(p, end, &v);
    if (n == 0) throw std::runtime_error(std::string("Error while reading ") + what);
    p += n;
    return v;
  }
  size_t left() const { return static_cast<size_t>(end - p); }
};

// Jackson's base64 of a byte[] (standard alphabet, padded).
std::string base64(const uint8_t* b, size_t n) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += k[v >> 18], out += k[(v >> 12) & 63], out += k[(v >> 6) & 63], out += k[v & 63];
  }
  if (i + 1 == n) {
    uint32_t v = b[i] << 16;
    out += k[v >> 18], out += k[(v >> 12) & 63], out += "==";
  } else if (i + 2 == n) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8);
    out += k[v >> 18], out += k[(v >> 12) & 63], out += k[(v >> 6) & 63], out += '=';
  }
  return out;
}

// `highest`: the newest version of the message being read.
Json read_struct(Reader& r, const Struct& s, int16_t v, bool flexible, int16_t highest);

// A length (compact in flexible versions); -1 for null.
int64_t read_length(Reader& r, bool flexible, bool four_bytes, const Field& f) {
  if (flexible) return static_cast<int64_t>(r.uvarint(f.name)) - 1;
  return four_bytes ? static_cast<int32_t>(r.be(4, f.name)) : static_cast<int16_t>(r.be(2, f.name));
}

Json read_one(Reader& r, const Field& f, int16_t v, bool flexible, int16_t highest) {
  switch (f.type) {
    case Type::kInt8: return static_cast<int8_t>(r.be(1, f.name));
    case Type::kInt16: return static_cast<int16_t>(r.be(2, f.name));
    case Type::kInt32: return static_cast<int32_t>(r.be(4, f.name));
    case Type::kInt64: return static_cast<int64_t>(r.be(8, f.name));
    case Type::kUint16: return static_cast<uint16_t>(r.be(2, f.name));
    case Type::kUint32: return static_cast<uint32_t>(r.be(4, f.name));
    case Type::kFloat64: {
      uint64_t bits = r.be(8, f.name);
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
    case Type::kBool: return r.be(1, f.name) != 0;
    case Type::kUuid: {
      Uuid u;
      u.hi = r.be(8, f.name);
      u.lo = r.be(8, f.name);
      return u.to_string();
    }
    case Type::kString:
    case Type::kBytes: {
      int64_t len = read_length(r, flexible, f.type == Type::kBytes, f);
      if (len < 0) {
        if (!f.array && in(v, f.null_min, f.null_max)) return nullptr;
        throw std::runtime_error(std::string("non-nullable field ") + f.name + " was serialized as null");
      }
      // Kafka's generated readers refuse a string longer than a short's range.
      if (f.type == Type::kString && len > 0x7fff)
        throw std::runtime_error(std::string("string field ") + f.name + " had invalid length " + std::to_string(len));
      r.need(static_cast<size_t>(len), f.name);
      const uint8_t* at = r.p;
      r.p += len;
      if (f.type == Type::kBytes) return base64(at, static_cast<size_t>(len));
      return std::string(reinterpret_cast<const char*>(at), static_cast<size_t>(len));
    }
    case Type::kStruct:
      // Kafka's generated reader of a nested struct refuses a version newer than the message's
      // (the message itself reads one with the fields of its newest).
      if (v > std::min(f.max, highest))
        throw std::runtime_error("Can't read version " + std::to_string(v) + " of " + f.name);
      return read_struct(r, *f.sub, v, flexible, highest);
  }
  return nullptr;
}

Json read_field(Reader& r, const Field& f, int16_t v, bool flexible, int16_t highest) {
  if (!f.array) return read_one(r, f, v, flexible, highest);
  int64_t n = read_length(r, flexible, true, f);
  if (n < 0) {
    if (in(v, f.null_min, f.null_max)) return nullptr;
    throw std::runtime_error(std::string("non-nullable field ") + f.name + " was serialized as null");
  }
  if (static_cast<uint64_t>(n) > r.left())
    throw std::runtime_error(std::string("Tried to allocate a collection of size ") + std::to_string(n) +
                             ", but there are only " + std::to_string(r.left()) + " bytes remaining.");
  Json a = Json::array();
  for (int64_t i = 0; i < n; i++) a.push_back(read_one(r, f, v, flexible, highest));
  return a;
}

// Whether a tagged field's value differs from its default: the converter writes only those.
bool non_default(const Json& j, const Field& f) {
  std::string def = f.def;
  if (j.is_null()) return def != "null";
  if (f.array) return def == "null" || !j.empty();
  switch (f.type) {
    case Type::kBool: return j.get<bool>() != (def == "true");
    case Type::kString: return def == "null" || j.get<std::string>() != def;
    case Type::kBytes: return def == "null" || !j.get<std::string>().empty();
    case Type::kUuid: return j.get<std::string>() != "AAAAAAAAAAAAAAAAAAAAAA";
    case Type::kFloat64: return j.get<double>() != (def.empty() ? 0.0 : std::strtod(def.c_str(), nullptr));
    case Type::kStruct: return true;
    default: return j.get<int64_t>() != (def.empty() ? 0 : std::strtoll(def.c_str(), nullptr, 0));
  }
}

Json read_struct(Reader& r, const Struct& s, int16_t v, bool flexible, int16_t highest) {
  std::vector<std::optional<Json>> values(s.count);
  for (size_t i = 0; i < s.count; i++) {
    const Field& f = s.fields[i];
    if (!in(v, f.min, f.max) || (f.tag >= 0 && in(v, f.tag_min, f.tag_max))) continue;
    values[i] = read_field(r, f, v, flexible, highest);
  }
  if (flexible) {
    uint32_t n = r.uvarint("tagged fields");
    for (uint32_t k = 0; k < n; k++) {
      uint32_t tag = r.uvarint("tag"), size = r.uvarint("tag size");
      // As Kafka's generated readers do: a known tag's field is read where it starts, whatever
      // its size says; an unknown one is skipped by its size.
      const Field* known = nullptr;
      size_t at = 0;
      for (size_t i = 0; i < s.count; i++)
        if (s.fields[i].tag == static_cast<int32_t>(tag) && in(v, s.fields[i].tag_min, s.fields[i].tag_max))
          known = &s.fields[i], at = i;
      if (known) {
        values[at] = read_field(r, *known, v, true, highest);
      } else {
        r.need(size, "tagged field");
        r.p += size;
      }
    }
  }
  Json obj = Json::object();
  for (size_t i = 0; i < s.count; i++) {
    const Field& f = s.fields[i];
    if (!in(v, f.min, f.max) || !values[i]) continue;
    if (f.tag >= 0 && in(v, f.tag_min, f.tag_max) && !non_default(*values[i], f)) continue;
    obj[f.name] = std::move(*values[i]);
  }
  return obj;
}

// Jackson's JsonNode.toString: compact, UTF-8 as is, doubles as Java writes them (nlohmann
// writes everything else the same way).
void write_text(const Json& j, std::string* out) {
  if (j.is_object()) {
    *out += '{';
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      if (!first) *out += ',';
      first = false;
      *out += Json(k).dump(-1, ' ', false, Json::error_handler_t::replace);
      *out += ':';
      write_text(v, out);
    }
    *out += '}';
  } else if (j.is_array()) {
    *out += '[';
    for (size_t i = 0; i < j.size(); i++) {
      if (i) *out += ',';
      write_text(j[i], out);
    }
    *out += ']';
  } else if (j.is_number_float()) {
    *out += java_double(j.get<double>());
  } else {
    *out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

std::string to_text(const Json& j) {
  std::string out;
  write_text(j, &out);
  return out;
}

// AbstractApiMessageSerde's framing: frame version 1, api key, record version (unsigned varints
// read as shorts), then the record of that key in `table`, and nothing after it. Throws
// std::runtime_error with Kafka's message.
struct Framed {
  const Message* m;
  int16_t version;
  Json data;
};

int16_t frame_short(Reader& r, const char* what) {
  int32_t v = static_cast<int32_t>(r.uvarint(what));  // Java's int: 5 bytes may make it negative
  if (v > INT16_MAX) throw std::runtime_error(std::string("Value for ") + what + " was too large.");
  return static_cast<int16_t>(v);
}

template <size_t N>
Framed read_framed(std::span<const uint8_t> value, const Message (&table)[N]) {
  Reader r{value.data(), value.data() + value.size()};
  int16_t frame = frame_short(r, "frame version");
  if (frame == 0)
    throw std::runtime_error(
        "Could not deserialize metadata record with frame version 0. Note that upgrades from the "
        "preview release of KRaft in 2.8 to newer versions are not supported.");
  if (frame != 1)
    throw std::runtime_error("Could not deserialize metadata record due to unknown frame version " +
                             std::to_string(frame) + "(only frame version 1 is supported)");
  int16_t api_key = frame_short(r, "type");
  int16_t v = frame_short(r, "version");
  const Message* m = nullptr;
  for (const auto& x : table)
    if (x.api_key == api_key) m = &x;
  if (!m)
    throw std::runtime_error("org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id " +
                             std::to_string(api_key));
  Framed out{m, v, {}};
  try {
    // A version Kafka does not know is read as its generated reader reads it: a newer one with
    // the fields of its newest; a negative one (a 5-byte varint) with those of its oldest, its
    // version checks being left out where a field is in every version from the oldest on.
    int16_t rv = v < 0 ? m->min : v;
    out.data = read_struct(r, *m->fields, rv, rv >= m->flexible_min && m->flexible_min >= 0, m->max);
  } catch (const std::exception&) {
    // Kafka's message names the type only, not the cause.
    throw std::runtime_error("Failed to deserialize record with type " + std::to_string(api_key));
  }
  if (r.left() > 0)
    throw std::runtime_error("Found " + std::to_string(r.left()) + " byte(s) of garbage after " +
                             std::to_string(api_key));
  return out;
}

// Java's toString of the objects RemoteLogMetadataSerde makes.
const char* const kSegmentStates[] = {"COPY_SEGMENT_STARTED", "COPY_SEGMENT_FINISHED", "DELETE_SEGMENT_STARTED",
                                      "DELETE_SEGMENT_FINISHED"};
const char* const kPartitionDeleteStates[] = {"DELETE_PARTITION_MARKED", "DELETE_PARTITION_STARTED",
                                              "DELETE_PARTITION_FINISHED"};

// RemoteLogSegmentState.forId: null for an id it lacks (the constructors then throw).
const char* state_name(const Json& id, const char* const* names, int count) {
  int v = id.get<int>();
  return v >= 0 && v < count ? names[v] : nullptr;
}

// TopicIdPartition: "<topic id>:<name>-<partition>" (the name decoded as Java decodes UTF-8).
std::string topic_id_partition(const Json& t) {
  return t["id"].get<std::string>() + ":" + java_utf8(t["name"].get<std::string>()) + "-" +
         std::to_string(t["partition"].get<int32_t>());
}

std::string segment_id(const Json& s) {
  return "RemoteLogSegmentId{topicIdPartition=" + topic_id_partition(s["topicIdPartition"]) +
         ", id=" + s["id"].get<std::string>() + "}";
}

// Optional<CustomMetadata>: the bytes (base64 here) only counted.
std::string custom_metadata(const Json& j) {
  if (!j.contains("customMetadata") || j["customMetadata"].is_null()) return "Optional.empty";
  const std::string& b64 = j["customMetadata"].get_ref<const std::string&>();
  size_t pad = b64.size() >= 2 && b64[b64.size() - 2] == '=' ? 2 : !b64.empty() && b64.back() == '=' ? 1 : 0;
  return "Optional[CustomMetadata{" + std::to_string(b64.size() / 4 * 3 - pad) + " bytes}]";
}

// The leader epochs as a HashMap (a later entry for an epoch wins) copied into a TreeMap.
std::map<int32_t, int64_t> leader_epochs(const Json& j) {
  std::map<int32_t, int64_t> out;
  for (const auto& e : j["segmentLeaderEpochs"]) out[e["leaderEpoch"].get<int32_t>()] = e["offset"].get<int64_t>();
  if (out.empty()) throw std::runtime_error("segmentLeaderEpochs can not be null or empty");
  return out;
}

std::string map_text(const std::map<int32_t, int64_t>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + std::to_string(k) + "=" + std::to_string(v);
  return out + "}";
}

std::string num(const Json& j, const char* name) { return std::to_string(j[name].get<int64_t>()); }

std::string txn_index_empty(const Json& j) {
  return j.contains("txnIndexEmpty") && j["txnIndexEmpty"].get<bool>() ? "true" : "false";
}

// RemoteLogSegmentMetadataTransform: the segment as first made, then updated with its state.
std::string segment_metadata(const Json& j) {
  int64_t start = j["startOffset"].get<int64_t>(), end = j["endOffset"].get<int64_t>();
  if (start < 0)
    throw std::runtime_error("Unexpected start offset = " + std::to_string(start) +
                             ". StartOffset for a remote segment cannot be negative");
  if (end < start)
    throw std::runtime_error("Unexpected end offset = " + std::to_string(end) +
                             ". EndOffset for a remote segment cannot be less than startOffset = " +
                             std::to_string(start));
  auto epochs = leader_epochs(j);
  const char* state = state_name(j["remoteLogSegmentState"], kSegmentStates, 4);
  if (!state) throw std::runtime_error("state can not be null");
  return "RemoteLogSegmentMetadata{remoteLogSegmentId=" + segment_id(j["remoteLogSegmentId"]) +
         ", startOffset=" + std::to_string(start) + ", endOffset=" + std::to_string(end) +
         ", brokerId=" + num(j, "brokerId") + ", maxTimestampMs=" + num(j, "maxTimestampMs") +
         ", eventTimestampMs=" + num(j, "eventTimestampMs") + ", segmentLeaderEpochs=" + map_text(epochs) +
         ", segmentSizeInBytes=" + num(j, "segmentSizeInBytes") + ", customMetadata=" + custom_metadata(j) +
         ", state=" + state + ", txnIdxEmpty=" + txn_index_empty(j) + "}";
}

std::string segment_metadata_update(const Json& j) {
  const char* state = state_name(j["remoteLogSegmentState"], kSegmentStates, 4);
  if (!state) throw std::runtime_error("state can not be null");
  return "RemoteLogSegmentMetadataUpdate{remoteLogSegmentId=" + segment_id(j["remoteLogSegmentId"]) +
         ", customMetadata=" + custom_metadata(j) + ", state=" + state +
         ", eventTimestampMs=" + num(j, "eventTimestampMs") + ", brokerId=" + num(j, "brokerId") + "}";
}

std::string partition_delete_metadata(const Json& j) {
  const char* state = state_name(j["remotePartitionDeleteState"], kPartitionDeleteStates, 3);
  // Objects.requireNonNull without a message: the exception's message is null.
  if (!state) throw std::runtime_error("null");
  return "RemotePartitionDeleteMetadata{topicPartition=" + topic_id_partition(j["topicIdPartition"]) +
         ", state=" + state + ", eventTimestampMs=" + num(j, "eventTimestampMs") +
         ", brokerId=" + num(j, "brokerId") + "}";
}

std::string segment_metadata_snapshot(const Json& j) {
  const char* state = state_name(j["remoteLogSegmentState"], kSegmentStates, 4);
  if (!state) throw std::runtime_error("state can not be null");
  auto epochs = leader_epochs(j);
  return "RemoteLogSegmentMetadataSnapshot{segmentId=" + j["segmentId"].get<std::string>() +
         ", startOffset=" + num(j, "startOffset") + ", endOffset=" + num(j, "endOffset") +
         ", maxTimestampMs=" + num(j, "maxTimestampMs") + ", segmentLeaderEpochs=" + map_text(epochs) +
         ", segmentSizeInBytes=" + num(j, "segmentSizeInBytes") + ", customMetadata=" + custom_metadata(j) +
         ", state=" + state + ", txnIdxEmpty=" + txn_index_empty(j) + "}";
}

}  // namespace

Result<std::string> metadata_record_json(std::span<const uint8_t> value) {
  try {
    Framed f = read_framed(value, kMetadataRecords);
    Json j;
    j["type"] = f.m->name;
    j["version"] = f.version;
    j["data"] = std::move(f.data);
    return to_text(std::move(j));
  } catch (const std::exception& e) {
    return Status(ErrorCode::kCorruptMessage, e.what());
  }
}

Result<std::string> remote_log_metadata_text(std::span<const uint8_t> value) {
  try {
    Framed f = read_framed(value, kRemoteLogMetadataRecords);
    switch (f.m->api_key) {
      case 0: return segment_metadata(f.data);
      case 1: return segment_metadata_update(f.data);
      case 2: return partition_delete_metadata(f.data);
      default: return segment_metadata_snapshot(f.data);
    }
  } catch (const std::exception& e) {
    return Status(ErrorCode::kCorruptMessage, e.what());
  }
}

Result<std::string> control_record_json(int16_t type, std::span<const uint8_t> value) {
  static const char* kByType[] = {nullptr, nullptr, "LeaderChangeMessage", "SnapshotHeaderRecord",
                                  "SnapshotFooterRecord", "KRaftVersionRecord", "VotersRecord"};
  if (type < 2 || type > 6) return Status(ErrorCode::kCorruptMessage, "not a raft control record");
  const Message* m = nullptr;
  for (const auto& x : kControlRecords)
    if (std::strcmp(x.name, kByType[type]) == 0) m = &x;
  Reader r{value.data(), value.data() + value.size()};
  try {
    // Kafka reads each at the version it writes (0), whatever the message's own Version field.
    const int16_t v = 0;
    Json data = read_struct(r, *m->fields, v, v >= m->flexible_min && m->flexible_min >= 0, m->max);
    return to_text(std::move(data));
  } catch (const std::exception& e) {
    return Status(ErrorCode::kCorruptMessage, e.what());
  }
}

Result<ShareStateRecord> share_state_record_json(std::span<const uint8_t> key,
                                                 std::optional<std::span<const uint8_t>> value) {
  auto find = [](int16_t type, const char* kind) -> const Message* {
    for (const auto& x : kShareStateRecords)
      if (x.api_key == type && std::strcmp(x.name, kind) == 0) return &x;
    return nullptr;
  };
  ShareStateRecord out;
  try {
    Reader k{key.data(), key.data() + key.size()};
    out.type = static_cast<int16_t>(k.be(2, "key version"));
    const Message* km = find(out.type, "coordinator-key");
    const Message* vm = find(out.type, "coordinator-value");
    if (!km || !vm) {
      out.known = false;
      return out;
    }
    out.key = to_text(read_struct(k, *km->fields, 0, km->flexible_min == 0, km->max));
    if (!value) return out;
    Reader v{value->data(), value->data() + value->size()};
    out.version = static_cast<int16_t>(v.be(2, "value version"));
    if (out.version < vm->min || out.version > vm->max)
      return Status(ErrorCode::kCorruptMessage, "Unknown value version " + std::to_string(out.version) +
                                                    " for record type " + std::to_string(out.type));
    out.value = to_text(read_struct(v, *vm->fields, out.version,
                                    vm->flexible_min >= 0 && out.version >= vm->flexible_min, vm->max));
    return out;
  } catch (const std::exception& e) {
    return Status(ErrorCode::kCorruptMessage, e.what());
  }
}

}  // namespace moldau::ops
