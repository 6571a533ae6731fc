#include "moldau/ops/metadata_records.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "moldau/common/endian.h"
#include "moldau/common/uuid.h"
#include "moldau/common/varint.h"
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

Json read_struct(Reader& r, const Struct& s, int16_t v, bool flexible);

// A length (compact in flexible versions); -1 for null.
int64_t read_length(Reader& r, bool flexible, bool four_bytes, const Field& f) {
  if (flexible) return static_cast<int64_t>(r.uvarint(f.name)) - 1;
  return four_bytes ? static_cast<int32_t>(r.be(4, f.name)) : static_cast<int16_t>(r.be(2, f.name));
}

Json read_one(Reader& r, const Field& f, int16_t v, bool flexible) {
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
      r.need(static_cast<size_t>(len), f.name);
      const uint8_t* at = r.p;
      r.p += len;
      if (f.type == Type::kBytes) return base64(at, static_cast<size_t>(len));
      return std::string(reinterpret_cast<const char*>(at), static_cast<size_t>(len));
    }
    case Type::kStruct: return read_struct(r, *f.sub, v, flexible);
  }
  return nullptr;
}

Json read_field(Reader& r, const Field& f, int16_t v, bool flexible) {
  if (!f.array) return read_one(r, f, v, flexible);
  int64_t n = read_length(r, flexible, true, f);
  if (n < 0) {
    if (in(v, f.null_min, f.null_max)) return nullptr;
    throw std::runtime_error(std::string("non-nullable field ") + f.name + " was serialized as null");
  }
  if (static_cast<uint64_t>(n) > r.left())
    throw std::runtime_error(std::string("Tried to allocate a collection of size ") + std::to_string(n) +
                             ", but there are only " + std::to_string(r.left()) + " bytes remaining.");
  Json a = Json::array();
  for (int64_t i = 0; i < n; i++) a.push_back(read_one(r, f, v, flexible));
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

Json read_struct(Reader& r, const Struct& s, int16_t v, bool flexible) {
  std::vector<std::optional<Json>> values(s.count);
  for (size_t i = 0; i < s.count; i++) {
    const Field& f = s.fields[i];
    if (!in(v, f.min, f.max) || (f.tag >= 0 && in(v, f.tag_min, f.tag_max))) continue;
    values[i] = read_field(r, f, v, flexible);
  }
  if (flexible) {
    uint32_t n = r.uvarint("tagged fields");
    for (uint32_t k = 0; k < n; k++) {
      uint32_t tag = r.uvarint("tag"), size = r.uvarint("tag size");
      r.need(size, "tagged field");
      Reader sub{r.p, r.p + size};
      for (size_t i = 0; i < s.count; i++) {
        const Field& f = s.fields[i];
        if (f.tag == static_cast<int32_t>(tag) && in(v, f.tag_min, f.tag_max)) values[i] = read_field(sub, f, v, true);
      }
      r.p += size;
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

}  // namespace

Result<std::string> metadata_record_json(std::span<const uint8_t> value) {
  Reader r{value.data(), value.data() + value.size()};
  try {
    uint32_t frame = r.uvarint("frame version");
    if (frame == 0)
      return Status(ErrorCode::kCorruptMessage,
                    "Could not deserialize metadata record with frame version 0. Note that upgrades from the "
                    "preview release of KRaft in 2.8 to newer versions are not supported.");
    if (frame != 1)
      return Status(ErrorCode::kCorruptMessage, "Could not deserialize metadata record due to unknown frame version " +
                                                    std::to_string(frame) + "(only frame version 1 is supported)");
    uint32_t api_key = r.uvarint("type");
    uint32_t version = r.uvarint("version");
    const Message* m = nullptr;
    for (const auto& x : kMetadataRecords)
      if (static_cast<uint32_t>(x.api_key) == api_key) m = &x;
    if (!m)
      return Status(ErrorCode::kCorruptMessage,
                    "org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id " +
                        std::to_string(api_key));
    int16_t v = static_cast<int16_t>(version);
    Json data;
    try {
      data = read_struct(r, *m->fields, v, v >= m->flexible_min && m->flexible_min >= 0);
    } catch (const std::exception&) {
      // Kafka's message names the type only, not the cause.
      return Status(ErrorCode::kCorruptMessage, "Failed to deserialize record with type " + std::to_string(api_key));
    }
    if (r.left() > 0)
      return Status(ErrorCode::kCorruptMessage, "Found " + std::to_string(r.left()) +
                                                    " byte(s) of garbage after " + std::to_string(api_key));
    Json j;
    j["type"] = m->name;
    j["version"] = v;
    j["data"] = std::move(data);
    return to_text(std::move(j));
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
    Json data = read_struct(r, *m->fields, v, v >= m->flexible_min && m->flexible_min >= 0);
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
    out.key = to_text(read_struct(k, *km->fields, 0, km->flexible_min == 0));
    if (!value) return out;
    Reader v{value->data(), value->data() + value->size()};
    out.version = static_cast<int16_t>(v.be(2, "value version"));
    if (out.version < vm->min || out.version > vm->max)
      return Status(ErrorCode::kCorruptMessage, "Unknown value version " + std::to_string(out.version) +
                                                    " for record type " + std::to_string(out.type));
    out.value = to_text(read_struct(v, *vm->fields, out.version,
                                    vm->flexible_min >= 0 && out.version >= vm->flexible_min));
    return out;
  } catch (const std::exception& e) {
    return Status(ErrorCode::kCorruptMessage, e.what());
  }
}

}  // namespace moldau::ops
