#pragma once
// Requests librdkafka 2.0.2 does not offer (per-broker ApiVersions, DescribeLogDirs, and the
// exact errors of DeleteRecords), sent over a plain TCP connection with lib/moldau/protocol.
// Only PLAINTEXT listeners: the tools that use it say so in their man pages. Not thread-safe;
// every call waits at most until the deadline it is given.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/codec.h"
#include "moldau/protocol/header.h"
#include "moldau/protocol/messages/api_versions.h"
#include "moldau/protocol/messages/metadata.h"

namespace moldau::ops {

using RawClock = std::chrono::steady_clock;

struct HostPort {
  std::string host;
  int32_t port = 0;
};

// bootstrap.servers as Kafka's ClientUtils.parseAndValidateAddresses reads it: entries without
// a port are "Invalid url in bootstrap.servers: x"; entries whose host does not resolve are
// dropped, and none left is "No resolvable bootstrap urls given in bootstrap.servers".
Result<std::vector<HostPort>> parse_bootstrap(const std::string& list);

// The exception class Kafka's clients raise for an error code
// ("org.apache.kafka.common.errors.OffsetOutOfRangeException").
std::string java_exception_class(ErrorCode code);

class RawConnection {
 public:
  ~RawConnection();
  // Connects and asks the broker for its API versions (ApiVersions v0).
  static Result<std::unique_ptr<RawConnection>> open(const std::string& host, int32_t port,
                                                     RawClock::time_point deadline);
  // What the broker answered to ApiVersions.
  const protocol::ApiVersionsResponse& api_versions() const { return api_versions_; }
  // The highest version both sides speak of `api_key`, or -1.
  int16_t version_for(int16_t api_key, int16_t our_max) const;

  template <class Req, class Resp>
  Result<Resp> call(Req& req, int16_t version, RawClock::time_point deadline) {
    protocol::Writer w;
    protocol::RequestHeader h;
    h.api_key = Req::kApiKey;
    h.api_version = version;
    h.correlation_id = ++correlation_id_;
    h.client_id = "moldau-tools";
    protocol::write_request_header(w, h, protocol::is_flexible<Req>(version));
    protocol::encode_body(w, req, version);
    std::vector<uint8_t> reply;
    if (auto s = roundtrip(w.buffer(), reply, deadline); !s.ok()) return s;
    protocol::Reader r(reply);
    int32_t corr = 0;
    bool flexible = protocol::response_header_flexible(Req::kApiKey, protocol::is_flexible<Resp>(version));
    if (auto s = protocol::read_response_header(r, corr, flexible); !s.ok()) return s;
    return protocol::decode_body<Resp>(r, version);
  }

 private:
  RawConnection() = default;
  Status roundtrip(const std::vector<uint8_t>& body, std::vector<uint8_t>& reply, RawClock::time_point deadline);
  bool wait(short events, RawClock::time_point deadline);
  bool read_exact(uint8_t* buf, size_t n, RawClock::time_point deadline);
  int fd_ = -1;
  int32_t correlation_id_ = 0;
  protocol::ApiVersionsResponse api_versions_;
};

// Metadata (v1 to v12) for `topics` (nullopt: all) from the first of `nodes` that answers
// before the deadline; an error when none does.
Result<protocol::MetadataResponse> raw_metadata(const std::vector<HostPort>& nodes,
                                                const std::optional<std::vector<std::string>>& topics,
                                                RawClock::time_point deadline);

}  // namespace moldau::ops
