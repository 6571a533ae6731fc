#pragma once
// The JSON of etcd's gRPC gateway (internal to the client): protobuf fields by their proto
// names, bytes as base64, 64-bit integers as decimal strings, fields at their default value
// omitted (so an absent field reads as 0, "" or false, and an event without "type" is a PUT).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "moldau/common/result.h"
#include "moldau/etcd/types.h"

namespace moldau::etcd::detail {

using Json = nlohmann::json;

Json to_json(const RangeRequest& r);
Json to_json(const PutRequest& r);
Json to_json(const DeleteRangeRequest& r);
Json to_json(const Compare& c);
Json to_json(const TxnRequest& r);
Json to_json(const CompactionRequest& r);
Json to_json(const LeaseGrantRequest& r);
Json to_json(const LeaseRevokeRequest& r);
Json to_json(const LeaseTimeToLiveRequest& r);
Json to_json(const MemberStatusRequest& r);

// Decoding a response object; a malformed field makes a failed Status naming it.
Status from_json(const Json& j, RangeResponse& out);
Status from_json(const Json& j, PutResponse& out);
Status from_json(const Json& j, DeleteRangeResponse& out);
Status from_json(const Json& j, TxnResponse& out);
Status from_json(const Json& j, CompactionResponse& out);
Status from_json(const Json& j, LeaseGrantResponse& out);
Status from_json(const Json& j, LeaseRevokeResponse& out);
Status from_json(const Json& j, LeaseTimeToLiveResponse& out);
Status from_json(const Json& j, MemberStatusResponse& out);

// One answer of /v3/lease/keepalive. ttl 0: the lease is gone.
struct LeaseKeepAliveResponse {
  ResponseHeader header;
  int64_t id = 0;
  int64_t ttl = 0;
};
Json lease_keep_alive_json(int64_t id);
Status from_json(const Json& j, LeaseKeepAliveResponse& out);

// The body that opens a watch stream: {"create_request": {...}}.
struct WatchCreate {
  std::string key;
  std::string range_end;
  int64_t start_revision = 0;
  bool prev_kv = false;
  bool progress_notify = false;
};
Json to_json(const WatchCreate& w);

// One message of a watch stream.
struct WatchMessage {
  ResponseHeader header;
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::vector<WatchEvent> events;
};
Status from_json(const Json& j, WatchMessage& out);

// An error as the gateway writes it: unary {"error": "...", "message": "...", "code": 5} or,
// inside a stream, {"error": {"grpc_code": 14, "message": "...", ...}}. nullopt when `j` is
// not an error.
struct GatewayError {
  int grpc_code = 0;
  std::string message;
};
std::optional<GatewayError> gateway_error(const Json& j);

// Parses `text` as JSON; a failure says what was being parsed and where.
Result<Json> parse_json(std::string_view text);

}  // namespace moldau::etcd::detail
