#pragma once
// Whole-body encode and decode of one message type at one version.

#include <span>
#include <string>

#include "moldau/common/result.h"
#include "moldau/protocol/reader.h"
#include "moldau/protocol/writer.h"

namespace moldau::protocol {

template <class M>
bool is_flexible(int16_t version) {
  return version >= M::kFirstFlexibleVersion;
}

// Appends the body of `m` at `version` to `w` (which the caller may have started with a header).
template <class M>
void encode_body(Writer& w, M& m, int16_t version) {
  w.set_flexible(is_flexible<M>(version));
  m.io(w, version);
}

template <class M>
Bytes encode(M& m, int16_t version) {
  Writer w;
  encode_body(w, m, version);
  return w.take();
}

// Decodes a body from `r` (positioned after the header). Errors name the API and version.
template <class M>
Result<M> decode_body(Reader& r, int16_t version) {
  const bool request = std::string_view(__PRETTY_FUNCTION__).find("Request") != std::string_view::npos;
  std::string context = std::string(M::kApiName) + (request ? "Request v" : "Response v") +
                        std::to_string(version);
  r.set_context(context);
  r.set_flexible(is_flexible<M>(version));
  M m;
  m.io(r, version);
  if (!r.ok()) return r.status();
  r.set_context({});
  return m;
}

template <class M>
Result<M> decode(std::span<const uint8_t> data, int16_t version) {
  Reader r(data);
  return decode_body<M>(r, version);
}

}  // namespace moldau::protocol
