#pragma once
// A connection from this broker to another one, for the requests brokers send each other
// (a follower's Fetch, the transaction coordinator's WriteTxnMarkers). It speaks the same wire
// protocol as any client, one request at a time, and reconnects on the next call after any
// failure. Every call ends within its timeout (the socket is closed when it expires).
//
// Event loop only; one coroutine at a time per connection.

#include <asio/awaitable.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/common/result.h"
#include "moldau/protocol/codec.h"
#include "moldau/protocol/header.h"

namespace moldau::broker::peer {

class PeerConnection {
 public:
  PeerConnection(asio::io_context& io, std::string client_id) : io_(io), client_id_(std::move(client_id)) {}
  ~PeerConnection() { close(); }

  // Sends `request` at `version` to host:port (connecting first when not connected to it) and
  // returns the decoded response. Errors (connect, I/O, timeout, a malformed response) close the
  // connection; NETWORK_EXCEPTION, or REQUEST_TIMED_OUT when the timeout expired.
  template <class Response, class Request>
  asio::awaitable<Result<Response>> call(const std::string& host, int32_t port, Request& request, int16_t version,
                                         std::chrono::milliseconds timeout) {
    if (!socket_ || host != host_ || port != port_) {
      close();
      socket_ = std::make_shared<asio::ip::tcp::socket>(io_);
      host_ = host;
      port_ = port;
      connected_ = false;
    }
    auto s = socket_;
    auto expired = std::make_shared<bool>(false);
    asio::steady_timer timer(io_, timeout);
    timer.async_wait([s, expired](asio::error_code ec) {
      if (ec) return;
      *expired = true;
      asio::error_code ignored;
      s->close(ignored);
    });
    auto fail = [&](const std::string& what) {
      close();
      return Status(*expired ? ErrorCode::kRequestTimedOut : ErrorCode::kNetworkException,
                    std::string(Request::kApiName) + " to " + host + ":" + std::to_string(port) + ": " + what);
    };
    try {
      if (!connected_) {
        asio::ip::tcp::resolver resolver(io_);
        auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
        co_await asio::async_connect(*s, endpoints, asio::use_awaitable);
        s->set_option(asio::ip::tcp::no_delay(true));
        connected_ = true;
      }
      protocol::Writer w;
      protocol::RequestHeader h;
      h.api_key = Request::kApiKey;
      h.api_version = version;
      h.correlation_id = ++correlation_;
      h.client_id = client_id_;
      protocol::write_request_header(w, h, protocol::is_flexible<Request>(version));
      protocol::encode_body(w, request, version);
      const auto& body = w.buffer();
      uint8_t size[4];
      store_be32(size, static_cast<uint32_t>(body.size()));
      std::vector<asio::const_buffer> out{asio::buffer(size, 4), asio::buffer(body.data(), body.size())};
      co_await asio::async_write(*s, out, asio::use_awaitable);
      co_await asio::async_read(*s, asio::buffer(size, 4), asio::use_awaitable);
      uint32_t n = load_be32(size);
      if (n > kMaxResponseBytes) co_return fail("response of " + std::to_string(n) + " bytes");
      std::vector<uint8_t> reply(n);
      co_await asio::async_read(*s, asio::buffer(reply), asio::use_awaitable);
      timer.cancel();
      protocol::Reader r(reply);
      int32_t correlation = 0;
      bool flexible = protocol::response_header_flexible(Request::kApiKey, protocol::is_flexible<Response>(version));
      Status header = protocol::read_response_header(r, correlation, flexible);
      if (!header.ok() || correlation != h.correlation_id) co_return fail("bad response header");
      auto resp = protocol::decode_body<Response>(r, version);
      if (!resp.ok()) co_return fail(resp.status().message());
      co_return std::move(resp).value();
    } catch (const std::system_error& e) {
      co_return fail(e.what());
    }
  }

  void close() {
    if (socket_) {
      asio::error_code ignored;
      socket_->close(ignored);
      socket_.reset();
    }
  }

 private:
  static constexpr uint32_t kMaxResponseBytes = 256u << 20;

  asio::io_context& io_;
  std::string client_id_;
  std::shared_ptr<asio::ip::tcp::socket> socket_;
  std::string host_;
  int32_t port_ = 0;
  bool connected_ = false;
  int32_t correlation_ = 0;
};

}  // namespace moldau::broker::peer
