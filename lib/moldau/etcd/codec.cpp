#include "moldau/etcd/codec.h"

#include <charconv>

#include "moldau/etcd/base64.h"

namespace moldau::etcd::detail {
namespace {

// Thrown by the field readers below and caught in each from_json, which turns it into a
// Status; it never leaves this file.
struct DecodeError {
  std::string message;
};

std::string i64(int64_t v) { return std::to_string(v); }

template <class Int>
Int read_int(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<Int>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    Int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  throw DecodeError{std::string("field ") + name + ": not a 64-bit integer: " + it->dump()};
}
int64_t read_i64(const Json& j, const char* name) { return read_int<int64_t>(j, name); }
uint64_t read_u64(const Json& j, const char* name) { return read_int<uint64_t>(j, name); }

// The first of `names` present (the status service answers in camelCase).
template <class Int>
Int read_int_any(const Json& j, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (j.contains(n)) return read_int<Int>(j, n);
  return 0;
}

bool read_bool(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw DecodeError{std::string("field ") + name + ": not a boolean"};
  return it->get<bool>();
}

std::string read_string(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) throw DecodeError{std::string("field ") + name + ": not a string"};
  return it->get<std::string>();
}

std::string read_bytes(const Json& j, const char* name) {
  auto text = read_string(j, name);
  auto bytes = base64_decode(text);
  if (!bytes) throw DecodeError{std::string("field ") + name + ": not base64: " + text};
  return std::move(*bytes);
}

const Json& object_or_empty(const Json& j, const char* name) {
  static const Json kEmpty = Json::object();
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) throw DecodeError{std::string("field ") + name + ": not an object"};
  return *it;
}

const Json& array_or_empty(const Json& j, const char* name) {
  static const Json kEmpty = Json::array();
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_array()) throw DecodeError{std::string("field ") + name + ": not an array"};
  return *it;
}

ResponseHeader read_header(const Json& j) {
  const Json& h = object_or_empty(j, "header");
  ResponseHeader out;
  out.cluster_id = read_u64(h, "cluster_id");
  out.member_id = read_u64(h, "member_id");
  out.revision = read_i64(h, "revision");
  out.raft_term = read_u64(h, "raft_term");
  return out;
}

KeyValue read_kv(const Json& j) {
  if (!j.is_object()) throw DecodeError{"key-value: not an object"};
  KeyValue kv;
  kv.key = read_bytes(j, "key");
  kv.value = read_bytes(j, "value");
  kv.create_revision = read_i64(j, "create_revision");
  kv.mod_revision = read_i64(j, "mod_revision");
  kv.version = read_i64(j, "version");
  kv.lease = read_i64(j, "lease");
  return kv;
}

std::vector<KeyValue> read_kvs(const Json& j, const char* name) {
  std::vector<KeyValue> out;
  for (const auto& e : array_or_empty(j, name)) out.push_back(read_kv(e));
  return out;
}

template <class F>
Status guarded(const char* what, F&& f) {
  try {
    f();
    return Status();
  } catch (const DecodeError& e) {
    return Status(ErrorCode::kUnknownServerError,
                  std::string("unexpected ") + what + " from etcd: " + e.message);
  } catch (const Json::exception& e) {
    return Status(ErrorCode::kUnknownServerError,
                  std::string("unexpected ") + what + " from etcd: " + e.what());
  }
}

void decode_range(const Json& j, RangeResponse& out) {
  out.header = read_header(j);
  out.kvs = read_kvs(j, "kvs");
  out.more = read_bool(j, "more");
  out.count = read_i64(j, "count");
}

void decode_put(const Json& j, PutResponse& out) {
  out.header = read_header(j);
  if (j.contains("prev_kv")) out.prev_kv = read_kv(j["prev_kv"]);
}

void decode_delete(const Json& j, DeleteRangeResponse& out) {
  out.header = read_header(j);
  out.deleted = read_i64(j, "deleted");
  out.prev_kvs = read_kvs(j, "prev_kvs");
}

const char* target_name(CompareTarget t) {
  switch (t) {
    case CompareTarget::kVersion: return "VERSION";
    case CompareTarget::kCreate: return "CREATE";
    case CompareTarget::kMod: return "MOD";
    case CompareTarget::kValue: return "VALUE";
    case CompareTarget::kLease: return "LEASE";
  }
  return "VERSION";
}

const char* result_name(CompareResult r) {
  switch (r) {
    case CompareResult::kEqual: return "EQUAL";
    case CompareResult::kGreater: return "GREATER";
    case CompareResult::kLess: return "LESS";
    case CompareResult::kNotEqual: return "NOT_EQUAL";
  }
  return "EQUAL";
}

Json op_json(const RequestOp& op) {
  return std::visit(
      [](const auto& r) -> Json {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, RangeRequest>) return {{"request_range", to_json(r)}};
        if constexpr (std::is_same_v<T, PutRequest>) return {{"request_put", to_json(r)}};
        if constexpr (std::is_same_v<T, DeleteRangeRequest>)
          return {{"request_delete_range", to_json(r)}};
      },
      op);
}

}  // namespace

Json to_json(const RangeRequest& r) {
  Json j = {{"key", base64_encode(r.key)}};
  if (!r.range_end.empty()) j["range_end"] = base64_encode(r.range_end);
  if (r.limit != 0) j["limit"] = i64(r.limit);
  if (r.revision != 0) j["revision"] = i64(r.revision);
  if (r.keys_only) j["keys_only"] = true;
  if (r.count_only) j["count_only"] = true;
  if (r.serializable) j["serializable"] = true;
  return j;
}

Json to_json(const PutRequest& r) {
  Json j = {{"key", base64_encode(r.key)}, {"value", base64_encode(r.value)}};
  if (r.lease != 0) j["lease"] = i64(r.lease);
  if (r.prev_kv) j["prev_kv"] = true;
  return j;
}

Json to_json(const DeleteRangeRequest& r) {
  Json j = {{"key", base64_encode(r.key)}};
  if (!r.range_end.empty()) j["range_end"] = base64_encode(r.range_end);
  if (r.prev_kv) j["prev_kv"] = true;
  return j;
}

Json to_json(const Compare& c) {
  Json j = {{"key", base64_encode(c.key)},
            {"target", target_name(c.target)},
            {"result", result_name(c.result)}};
  // The operand is the oneof field named after the target.
  switch (c.target) {
    case CompareTarget::kVersion: j["version"] = i64(c.number); break;
    case CompareTarget::kCreate: j["create_revision"] = i64(c.number); break;
    case CompareTarget::kMod: j["mod_revision"] = i64(c.number); break;
    case CompareTarget::kLease: j["lease"] = i64(c.number); break;
    case CompareTarget::kValue: j["value"] = base64_encode(c.value); break;
  }
  return j;
}

Json to_json(const TxnRequest& r) {
  Json compare = Json::array(), success = Json::array(), failure = Json::array();
  for (const auto& c : r.compare) compare.push_back(to_json(c));
  for (const auto& op : r.success) success.push_back(op_json(op));
  for (const auto& op : r.failure) failure.push_back(op_json(op));
  return {{"compare", compare}, {"success", success}, {"failure", failure}};
}

Json to_json(const CompactionRequest& r) {
  Json j = {{"revision", i64(r.revision)}};
  if (r.physical) j["physical"] = true;
  return j;
}

// The lease service's fields are upper-case in the proto ("ID", "TTL").
Json to_json(const LeaseGrantRequest& r) {
  Json j = {{"TTL", i64(r.ttl)}};
  if (r.id != 0) j["ID"] = i64(r.id);
  return j;
}

Json to_json(const LeaseRevokeRequest& r) { return {{"ID", i64(r.id)}}; }

Json to_json(const LeaseTimeToLiveRequest& r) {
  Json j = {{"ID", i64(r.id)}};
  if (r.keys) j["keys"] = true;
  return j;
}

Json to_json(const MemberStatusRequest&) { return Json::object(); }

Json lease_keep_alive_json(int64_t id) { return {{"ID", i64(id)}}; }

Json to_json(const WatchCreate& w) {
  Json c = {{"key", base64_encode(w.key)}};
  if (!w.range_end.empty()) c["range_end"] = base64_encode(w.range_end);
  if (w.start_revision != 0) c["start_revision"] = i64(w.start_revision);
  if (w.prev_kv) c["prev_kv"] = true;
  if (w.progress_notify) c["progress_notify"] = true;
  return {{"create_request", c}};
}

Status from_json(const Json& j, RangeResponse& out) {
  return guarded("range response", [&] { decode_range(j, out); });
}

Status from_json(const Json& j, PutResponse& out) {
  return guarded("put response", [&] { decode_put(j, out); });
}

Status from_json(const Json& j, DeleteRangeResponse& out) {
  return guarded("delete-range response", [&] { decode_delete(j, out); });
}

Status from_json(const Json& j, TxnResponse& out) {
  return guarded("txn response", [&] {
    out.header = read_header(j);
    out.succeeded = read_bool(j, "succeeded");
    size_t i = 0;
    for (const auto& op : array_or_empty(j, "responses")) {
      if (op.contains("response_range")) {
        RangeResponse r;
        decode_range(op["response_range"], r);
        out.responses.emplace_back(std::move(r));
      } else if (op.contains("response_put")) {
        PutResponse r;
        decode_put(op["response_put"], r);
        out.responses.emplace_back(std::move(r));
      } else if (op.contains("response_delete_range")) {
        DeleteRangeResponse r;
        decode_delete(op["response_delete_range"], r);
        out.responses.emplace_back(std::move(r));
      } else {
        throw DecodeError{"responses[" + std::to_string(i) + "]: unknown op " + op.dump()};
      }
      ++i;
    }
  });
}

Status from_json(const Json& j, CompactionResponse& out) {
  return guarded("compaction response", [&] { out.header = read_header(j); });
}

Status from_json(const Json& j, LeaseGrantResponse& out) {
  return guarded("lease grant response", [&] {
    out.header = read_header(j);
    out.id = read_i64(j, "ID");
    out.ttl = read_i64(j, "TTL");
    // A grant that fails inside etcd's lessor answers 200 with "error" set.
    auto error = read_string(j, "error");
    if (!error.empty()) throw DecodeError{"lease grant failed: " + error};
  });
}

Status from_json(const Json& j, LeaseRevokeResponse& out) {
  return guarded("lease revoke response", [&] { out.header = read_header(j); });
}

Status from_json(const Json& j, LeaseTimeToLiveResponse& out) {
  return guarded("lease time-to-live response", [&] {
    out.header = read_header(j);
    out.id = read_i64(j, "ID");
    out.ttl = j.contains("TTL") ? read_i64(j, "TTL") : 0;
    out.granted_ttl = read_i64(j, "grantedTTL");
    for (const auto& k : array_or_empty(j, "keys")) {
      if (!k.is_string()) throw DecodeError{"keys: not a string"};
      auto bytes = base64_decode(k.get<std::string>());
      if (!bytes) throw DecodeError{"keys: not base64"};
      out.keys.push_back(std::move(*bytes));
    }
  });
}

Status from_json(const Json& j, MemberStatusResponse& out) {
  return guarded("status response", [&] {
    out.header = read_header(j);
    out.version = read_string(j, "version");
    out.db_size = read_int_any<int64_t>(j, {"dbSize", "db_size"});
    out.leader = read_int_any<uint64_t>(j, {"leader"});
    out.raft_index = read_int_any<uint64_t>(j, {"raftIndex", "raft_index"});
    out.raft_term = read_int_any<uint64_t>(j, {"raftTerm", "raft_term"});
  });
}

Status from_json(const Json& j, LeaseKeepAliveResponse& out) {
  return guarded("lease keep-alive response", [&] {
    out.header = read_header(j);
    out.id = read_i64(j, "ID");
    out.ttl = read_i64(j, "TTL");
  });
}

Status from_json(const Json& j, WatchMessage& out) {
  return guarded("watch response", [&] {
    out.header = read_header(j);
    out.created = read_bool(j, "created");
    out.canceled = read_bool(j, "canceled");
    out.compact_revision = read_i64(j, "compact_revision");
    out.cancel_reason = read_string(j, "cancel_reason");
    for (const auto& e : array_or_empty(j, "events")) {
      WatchEvent ev;
      auto type = read_string(e, "type");
      if (type.empty() || type == "PUT") {
        ev.type = WatchEvent::Type::kPut;
      } else if (type == "DELETE") {
        ev.type = WatchEvent::Type::kDelete;
      } else {
        throw DecodeError{"events: unknown type " + type};
      }
      ev.kv = read_kv(object_or_empty(e, "kv"));
      if (e.contains("prev_kv")) ev.prev_kv = read_kv(e["prev_kv"]);
      out.events.push_back(std::move(ev));
    }
  });
}

std::optional<GatewayError> gateway_error(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("error");
  if (it == j.end()) return std::nullopt;
  GatewayError e;
  if (it->is_object()) {
    const Json& o = *it;
    if (o.contains("grpc_code") && o["grpc_code"].is_number_integer())
      e.grpc_code = o["grpc_code"].get<int>();
    if (o.contains("message") && o["message"].is_string()) e.message = o["message"];
  } else if (it->is_string()) {
    e.message = it->get<std::string>();
    if (j.contains("message") && j["message"].is_string()) e.message = j["message"];
    if (j.contains("code") && j["code"].is_number_integer()) e.grpc_code = j["code"].get<int>();
  } else {
    return std::nullopt;
  }
  return e;
}

Result<Json> parse_json(std::string_view text) {
  auto j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    std::string shown(text.substr(0, 200));
    return Status(ErrorCode::kUnknownServerError, "etcd answered something that is not JSON: " +
                                                      (shown.empty() ? "(empty)" : shown));
  }
  return j;
}

}  // namespace moldau::etcd::detail
