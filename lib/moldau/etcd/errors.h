#pragma once
// How etcd failures are reported. Status carries Kafka's error codes (so a broker can pass one
// on); each kind of etcd failure that a caller reacts to differently has its own code, picked
// for the nearest meaning, and the message says the rest: which call, which endpoint, the
// HTTP status or curl's error, and etcd's own words ("etcdserver: requested lease not found").

#include <string>
#include <string_view>

#include "moldau/common/result.h"

namespace moldau::etcd {

// No answer within the call's timeout. A write may or may not have been applied.
inline constexpr ErrorCode kTimedOut = ErrorCode::kRequestTimedOut;
// No endpoint could be reached, the connection broke, or etcd has no leader / is overloaded
// (gRPC UNAVAILABLE). Retriable; a write that failed this way after it was sent may have
// been applied.
inline constexpr ErrorCode kUnavailable = ErrorCode::kNetworkException;
// The lease does not exist: it expired, was revoked, or never was granted.
inline constexpr ErrorCode kLeaseNotFound = ErrorCode::kUnknownMemberId;
// The revision asked for was compacted away; re-read at the current revision.
inline constexpr ErrorCode kCompacted = ErrorCode::kOffsetOutOfRange;
// etcd rejected the request as malformed or out of range (bad argument, future revision,
// too many ops in a txn, duplicate key in a txn...).
inline constexpr ErrorCode kInvalid = ErrorCode::kInvalidRequest;
// The client was closed before the call completed.
inline constexpr ErrorCode kClosed = ErrorCode::kOperationNotAttempted;
// Anything else etcd answered (kUnknownServerError).
inline constexpr ErrorCode kOther = ErrorCode::kUnknownServerError;

inline bool is_timed_out(const Status& s) { return s.code() == kTimedOut; }
inline bool is_unavailable(const Status& s) { return s.code() == kUnavailable; }
inline bool is_lease_not_found(const Status& s) { return s.code() == kLeaseNotFound; }
inline bool is_compacted(const Status& s) { return s.code() == kCompacted; }

namespace detail {

// gRPC status codes as etcd's gateway reports them in "code".
inline constexpr int kGrpcInvalidArgument = 3;
inline constexpr int kGrpcDeadlineExceeded = 4;
inline constexpr int kGrpcNotFound = 5;
inline constexpr int kGrpcFailedPrecondition = 9;
inline constexpr int kGrpcOutOfRange = 11;
inline constexpr int kGrpcUnavailable = 14;

// The code for an error etcd answered: its gRPC code and message.
ErrorCode code_for_etcd_error(int grpc_code, std::string_view message);

}  // namespace detail
}  // namespace moldau::etcd
