#include "moldau/etcd/errors.h"

namespace moldau::etcd::detail {

ErrorCode code_for_etcd_error(int grpc_code, std::string_view message) {
  // etcd's messages are fixed strings (api/v3rpc/rpctypes/error.go); the gRPC code alone
  // does not separate a compacted revision from a future one (both OUT_OF_RANGE).
  if (message.find("requested lease not found") != std::string_view::npos) return kLeaseNotFound;
  if (message.find("required revision has been compacted") != std::string_view::npos)
    return kCompacted;
  switch (grpc_code) {
    case kGrpcUnavailable:
      return kUnavailable;
    case kGrpcDeadlineExceeded:
      return kTimedOut;  // "etcdserver: request timed out": no quorum answered in time
    case kGrpcInvalidArgument:
    case kGrpcOutOfRange:
    case kGrpcFailedPrecondition:
      return kInvalid;
    case kGrpcNotFound:
      return kLeaseNotFound;  // the only NOT_FOUND of the kv and lease services
    default:
      return kOther;
  }
}

}  // namespace moldau::etcd::detail
