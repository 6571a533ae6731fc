#pragma once
// What a handler gets for one request: the decoded header, a Reader positioned at the body,
// the broker, the connection's peer, and the Writer that the response body goes into (after
// the frame size and response header, which the connection writes and patches).

#include <asio/awaitable.hpp>
#include <string>

#include "moldau/common/result.h"
#include "moldau/protocol/codec.h"
#include "moldau/protocol/header.h"

namespace moldau::broker {

class Broker;

struct RequestContext {
  Broker& broker;
  const protocol::RequestHeader& header;
  protocol::Reader& body;
  protocol::Writer& response;
  std::string client_host;
  std::string listener;
  bool responded = false;

  int16_t version() const { return header.api_version; }

  // Decodes the body as Req; an error (the connection is then closed) names API, version and
  // byte offset.
  template <class Req>
  Result<Req> decode() {
    return protocol::decode_body<Req>(body, header.api_version);
  }

  // Encodes `resp` as the response body. A handler that never calls it sends no response
  // (Produce with acks=0).
  template <class Resp>
  void respond(Resp& resp) {
    protocol::encode_body(response, resp, header.api_version);
    responded = true;
  }
};

// A handler returns a failed Status only for a request it cannot answer (malformed); the
// connection is then closed. Kafka-level errors go in the response.
using Handler = asio::awaitable<Status> (*)(RequestContext&);

}  // namespace moldau::broker
