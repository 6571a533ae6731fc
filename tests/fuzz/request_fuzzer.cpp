// libFuzzer target: request decoding as the broker does it. Input = one request frame without
// its size prefix. Whatever decodes must re-encode to a value that decodes to the same message.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "moldau/protocol/codec.h"
#include "moldau/protocol/header.h"
#include "moldau/protocol/messages/all.h"

using namespace moldau::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r(std::span<const uint8_t>(data, size));
  RequestHeader header;
  if (!read_request_header_start(r, header).ok()) return 0;
  for_each_api([&]<class Req, class Resp>() {
    if (Req::kApiKey != header.api_key) return;
    int16_t v = header.api_version;
    if (v < Req::kMinVersion || v > Req::kMaxVersion) return;
    if (!read_request_header_rest(r, header, v >= Req::kFirstFlexibleVersion).ok()) return;
    auto req = decode_body<Req>(r, v);
    if (!req.ok()) return;
    Bytes again = encode(*req, v);
    auto back = decode<Req>(again, v);
    if (!back.ok() || encode(*back, v) != again) std::abort();
  });
  return 0;
}
