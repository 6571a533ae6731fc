#include "moldau/protocol/header.h"

namespace moldau::protocol {

Status read_request_header_start(Reader& r, RequestHeader& h) {
  r.i16("request_api_key", h.api_key);
  r.i16("request_api_version", h.api_version);
  r.i32("correlation_id", h.correlation_id);
  return r.status();
}

Status read_request_header_rest(Reader& r, RequestHeader& h, bool flexible) {
  // The client id stays an int16-length string even in header v2.
  r.set_flexible(false);
  r.nullable_string("client_id", h.client_id);
  r.set_flexible(flexible);
  r.tagged_fields();
  return r.status();
}

void write_request_header(Writer& w, const RequestHeader& h, bool flexible) {
  w.i16("request_api_key", h.api_key);
  w.i16("request_api_version", h.api_version);
  w.i32("correlation_id", h.correlation_id);
  w.set_flexible(false);
  w.nullable_string("client_id", h.client_id);
  w.set_flexible(flexible);
  w.tagged_fields();
}

void write_response_header(Writer& w, int32_t correlation_id, bool flexible_header) {
  w.i32("correlation_id", correlation_id);
  if (flexible_header) {
    bool was = w.flexible();
    w.set_flexible(true);
    w.tagged_fields();
    w.set_flexible(was);
  }
}

Status read_response_header(Reader& r, int32_t& correlation_id, bool flexible_header) {
  r.i32("correlation_id", correlation_id);
  if (flexible_header) {
    bool was = r.flexible();
    r.set_flexible(true);
    r.tagged_fields();
    r.set_flexible(was);
  }
  return r.status();
}

}  // namespace moldau::protocol
