#pragma once
// Request and response headers.
//
// Request header v0 (api_key, api_version, correlation_id), v1 adds client_id (a nullable
// int16-length string, never compact), v2 adds tagged fields. Flexible API versions use v2,
// others v1. Response header v0 is the correlation id; v1 (flexible versions) adds tagged
// fields, except that ApiVersions responses always use v0 so that a client that does not yet
// know the broker's versions can read them.

#include <cstdint>
#include <optional>
#include <string>

#include "moldau/common/result.h"
#include "moldau/protocol/reader.h"
#include "moldau/protocol/writer.h"

namespace moldau::protocol {

inline constexpr int16_t kApiVersionsKey = 18;

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// Reads api key, version and correlation id: enough to answer even a request whose version
// the broker does not support.
Status read_request_header_start(Reader& r, RequestHeader& h);
// Reads the rest of the header (client id; tagged fields when `flexible`). The reader is left
// at the body, set to `flexible`.
Status read_request_header_rest(Reader& r, RequestHeader& h, bool flexible);
// Writes a whole request header (v1 or, when flexible, v2).
void write_request_header(Writer& w, const RequestHeader& h, bool flexible);

// Writes a response header (v1 when `flexible_header`). Use response_header_flexible.
void write_response_header(Writer& w, int32_t correlation_id, bool flexible_header);
Status read_response_header(Reader& r, int32_t& correlation_id, bool flexible_header);

inline bool response_header_flexible(int16_t api_key, bool body_flexible) {
  return body_flexible && api_key != kApiVersionsKey;
}

}  // namespace moldau::protocol
