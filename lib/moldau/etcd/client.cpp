#include "moldau/etcd/client.h"

#include <cassert>
#include <future>

#include "moldau/etcd/client_core.h"

namespace moldau::etcd {
namespace {

using detail::CallSpec;
using detail::Clock;
using detail::Json;

// A unary call described once: the RPC's name, gateway path, and whether it may be re-sent.
template <class Request>
struct Rpc;
template <>
struct Rpc<RangeRequest> {
  static constexpr const char* kName = "Range";
  static constexpr const char* kPath = "/v3/kv/range";
  static constexpr bool kRepeatable = true;
};
template <>
struct Rpc<PutRequest> {
  static constexpr const char* kName = "Put";
  static constexpr const char* kPath = "/v3/kv/put";
  static constexpr bool kRepeatable = false;
};
template <>
struct Rpc<DeleteRangeRequest> {
  static constexpr const char* kName = "DeleteRange";
  static constexpr const char* kPath = "/v3/kv/deleterange";
  static constexpr bool kRepeatable = false;
};
template <>
struct Rpc<TxnRequest> {
  static constexpr const char* kName = "Txn";
  static constexpr const char* kPath = "/v3/kv/txn";
  static constexpr bool kRepeatable = false;
};
template <>
struct Rpc<CompactionRequest> {
  static constexpr const char* kName = "Compact";
  static constexpr const char* kPath = "/v3/kv/compaction";
  static constexpr bool kRepeatable = true;  // compacting twice to one revision is harmless
};
template <>
struct Rpc<LeaseGrantRequest> {
  static constexpr const char* kName = "LeaseGrant";
  static constexpr const char* kPath = "/v3/lease/grant";
  static constexpr bool kRepeatable = false;
};
template <>
struct Rpc<LeaseRevokeRequest> {
  static constexpr const char* kName = "LeaseRevoke";
  static constexpr const char* kPath = "/v3/lease/revoke";
  static constexpr bool kRepeatable = true;
};
template <>
struct Rpc<LeaseTimeToLiveRequest> {
  static constexpr const char* kName = "LeaseTimeToLive";
  static constexpr const char* kPath = "/v3/lease/timetolive";
  static constexpr bool kRepeatable = true;
};
template <>
struct Rpc<MemberStatusRequest> {
  static constexpr const char* kName = "Status";
  static constexpr const char* kPath = "/v3/maintenance/status";
  static constexpr bool kRepeatable = true;
};

template <class Response, class Request>
void start_call(detail::ClientCore& core, const Request& request,
                detail::Callback<Response> done) {
  CallSpec spec;
  spec.name = Rpc<Request>::kName;
  spec.path = Rpc<Request>::kPath;
  spec.repeatable = Rpc<Request>::kRepeatable;
  spec.body = detail::to_json(request).dump();
  spec.deadline = Clock::now() + core.options().timeout;
  core.call(std::move(spec), [done = std::move(done)](Result<Json> json) {
    if (!json.ok()) return done(json.status());
    Response response;
    Status decoded = detail::from_json(*json, response);
    if (!decoded.ok()) return done(std::move(decoded));
    done(std::move(response));
  });
}

template <class Response, class Request>
Result<Response> call_blocking(detail::ClientCore& core, const Request& request) {
  assert(!core.engine().on_worker_thread());
  // Shared with the callback: set_value may still be returning when get() wakes up.
  auto promise = std::make_shared<std::promise<Result<Response>>>();
  auto future = promise->get_future();
  start_call<Response>(core, request, [promise](Result<Response> r) {
    promise->set_value(std::move(r));
  });
  return future.get();
}

}  // namespace

Client::Client(ClientOptions options)
    : core_(std::make_shared<detail::ClientCore>(std::move(options))) {}

Client::~Client() { close(); }

void Client::close() { core_->close(); }

const ClientOptions& Client::options() const { return core_->options(); }

Result<RangeResponse> Client::range(const RangeRequest& r) {
  return call_blocking<RangeResponse>(*core_, r);
}
Result<PutResponse> Client::put(const PutRequest& r) {
  return call_blocking<PutResponse>(*core_, r);
}
Result<DeleteRangeResponse> Client::delete_range(const DeleteRangeRequest& r) {
  return call_blocking<DeleteRangeResponse>(*core_, r);
}
Result<TxnResponse> Client::txn(const TxnRequest& r) {
  return call_blocking<TxnResponse>(*core_, r);
}
Result<CompactionResponse> Client::compact(const CompactionRequest& r) {
  return call_blocking<CompactionResponse>(*core_, r);
}
Result<LeaseGrantResponse> Client::lease_grant(const LeaseGrantRequest& r) {
  return call_blocking<LeaseGrantResponse>(*core_, r);
}
Result<LeaseRevokeResponse> Client::lease_revoke(const LeaseRevokeRequest& r) {
  return call_blocking<LeaseRevokeResponse>(*core_, r);
}
Result<LeaseTimeToLiveResponse> Client::lease_time_to_live(const LeaseTimeToLiveRequest& r) {
  return call_blocking<LeaseTimeToLiveResponse>(*core_, r);
}
Result<MemberStatusResponse> Client::member_status(const MemberStatusRequest& r) {
  return call_blocking<MemberStatusResponse>(*core_, r);
}

void Client::start(const RangeRequest& r, detail::Callback<RangeResponse> done) {
  start_call<RangeResponse>(*core_, r, std::move(done));
}
void Client::start(const PutRequest& r, detail::Callback<PutResponse> done) {
  start_call<PutResponse>(*core_, r, std::move(done));
}
void Client::start(const DeleteRangeRequest& r, detail::Callback<DeleteRangeResponse> done) {
  start_call<DeleteRangeResponse>(*core_, r, std::move(done));
}
void Client::start(const TxnRequest& r, detail::Callback<TxnResponse> done) {
  start_call<TxnResponse>(*core_, r, std::move(done));
}
void Client::start(const CompactionRequest& r, detail::Callback<CompactionResponse> done) {
  start_call<CompactionResponse>(*core_, r, std::move(done));
}
void Client::start(const LeaseGrantRequest& r, detail::Callback<LeaseGrantResponse> done) {
  start_call<LeaseGrantResponse>(*core_, r, std::move(done));
}
void Client::start(const LeaseRevokeRequest& r, detail::Callback<LeaseRevokeResponse> done) {
  start_call<LeaseRevokeResponse>(*core_, r, std::move(done));
}
void Client::start(const LeaseTimeToLiveRequest& r,
                   detail::Callback<LeaseTimeToLiveResponse> done) {
  start_call<LeaseTimeToLiveResponse>(*core_, r, std::move(done));
}
void Client::start(const MemberStatusRequest& r, detail::Callback<MemberStatusResponse> done) {
  start_call<MemberStatusResponse>(*core_, r, std::move(done));
}

}  // namespace moldau::etcd
