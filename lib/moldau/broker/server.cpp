#include "moldau/broker/server.h"

#include <poll.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "moldau/broker/api_table.h"
#include "moldau/broker/broker.h"
#include "moldau/common/endian.h"
#include "moldau/common/log.h"
#include "moldau/storage/file_util.h"

namespace moldau::broker {

using asio::ip::tcp;

namespace {
spdlog::logger& net_log() { return logger("network"); }
}  // namespace

// One client connection. Owned by the Server (shared_ptr so the coroutine keeps it alive).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Broker& broker, Server& server, tcp::socket socket, std::string listener)
      : broker_(broker), server_(server), socket_(std::move(socket)), listener_(std::move(listener)) {
    asio::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) {
      peer_host_ = ep.address().to_string();
      peer_ = peer_host_ + ":" + std::to_string(ep.port());
    }
    socket_.set_option(tcp::no_delay(true), ec);
    last_active_ms_ = storage::wall_clock_ms();
  }

  const std::string& peer_host() const { return peer_host_; }
  int64_t last_active_ms() const { return last_active_ms_; }

  void start() {
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), [self]() { return self->run(); }, asio::detached);
  }

  void close() {
    asio::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  asio::awaitable<void> run() {
    try {
      co_await serve();
    } catch (const std::exception& e) {
      // Nothing unexpected may take the broker down: log and drop this connection.
      net_log().error("Unexpected error on connection from {}: {}", peer_, e.what());
    }
    close();
    server_.on_closed(this);
  }

  asio::awaitable<void> serve() {
    const size_t max_frame = static_cast<size_t>(broker_.config().socket_request_max_bytes);
    std::vector<uint8_t> in(64 * 1024);
    size_t filled = 0;
    // Bytes that the frame at the start of the buffer needs in all (after the loop below moved
    // it there). The buffer grows by doubling up to that as bytes arrive, never to the size a
    // frame announces: a peer that announces 100 MiB and sends 10 bytes costs 64 KiB, not 100 MiB.
    size_t want = 0;
    for (;;) {
      asio::error_code ec;
      if (filled == in.size()) in.resize(std::min(in.size() * 2, std::max(want, in.size() + 1)));
      size_t n = co_await socket_.async_read_some(asio::buffer(in.data() + filled, in.size() - filled),
                                                  asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // closed by the peer or by us
      filled += n;
      last_active_ms_ = storage::wall_clock_ms();

      // Answer every complete frame in the buffer, then send the answers in one go.
      size_t pos = 0;
      while (filled - pos >= 4) {
        int32_t size = static_cast<int32_t>(load_be32(in.data() + pos));
        if (size < 0 || static_cast<size_t>(size) > max_frame) {
          net_log().warn(
              "Closing connection from {}: request size {} is out of range (socket.request.max.bytes={})",
              peer_, size, max_frame);
          co_return;
        }
        if (filled - pos - 4 < static_cast<size_t>(size)) {
          want = static_cast<size_t>(size) + 4;  // at most socket.request.max.bytes + 4
          break;
        }
        std::span<const uint8_t> frame(in.data() + pos + 4, static_cast<size_t>(size));
        pos += 4 + static_cast<size_t>(size);
        // A request that may wait (long-poll fetch, group joins) must not hold back the
        // answers to the requests before it.
        const ApiEntry* api =
            frame.size() >= 2 ? find_api(static_cast<int16_t>(load_be16(frame.data()))) : nullptr;
        if (api && api->may_wait && !co_await flush()) co_return;
        bool keep = co_await handle(frame);
        if (!keep) {
          co_await flush();
          co_return;
        }
        // While it waited, the client may have gone. What it sent after the waiting request is
        // not served then: nobody reads the answers, and they could act on a world that moved
        // on (a consumer's Metadata, sent while its Fetch was parked, re-created a topic that
        // was deleted after the consumer had exited, when the deletion woke the Fetch). The
        // waiting request's own answer still goes out, for a client that only half-closed.
        if (api && api->may_wait && peer_shut_down()) {
          co_await flush();
          co_return;
        }
        // queued.max.requests bounds the answers held per connection: a client pipelining many
        // small requests gets them written out in groups, and while the socket does not drain,
        // nothing more is read from it.
        if (out_.size() >= static_cast<size_t>(std::max(broker_.config().queued_max_requests, 1)) &&
            !co_await flush())
          co_return;
      }
      if (pos > 0) {
        std::memmove(in.data(), in.data() + pos, filled - pos);
        filled -= pos;
      }
      if (filled == 0 && in.size() > 1024 * 1024) {
        in.resize(64 * 1024);
        in.shrink_to_fit();
      }
      if (!co_await flush()) co_return;
      if (broker_.stopping()) co_return;
    }
  }

  // Whether the peer has closed (or shut down the sending half of) the connection, or reset
  // it, without reading: POLLRDHUP reports the peer's FIN even behind unread requests.
  bool peer_shut_down() {
    pollfd p{socket_.native_handle(), POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // Handles one request frame; false: close the connection.
  asio::awaitable<bool> handle(std::span<const uint8_t> frame) {
    protocol::Reader r(frame);
    protocol::RequestHeader header;
    if (!protocol::read_request_header_start(r, header).ok()) {
      net_log().warn("Closing connection from {}: truncated request header", peer_);
      co_return false;
    }
    const ApiEntry* api = find_api(header.api_key);
    if (!api) {
      net_log().warn("Closing connection from {}: unknown API key {}", peer_, header.api_key);
      co_return false;
    }
    bool supported = header.api_version >= api->min_version && header.api_version <= api->max_version;
    if (!supported && header.api_key != protocol::kApiVersionsKey) {
      net_log().warn("Closing connection from {}: {} v{} is not supported (versions {}-{})", peer_,
                     api->name, header.api_version, api->min_version, api->max_version);
      co_return false;
    }
    bool flexible = supported && header.api_version >= api->first_flexible_version;
    if (!protocol::read_request_header_rest(r, header, flexible).ok()) {
      // An ApiVersions request of an unknown version may carry a header we can't read; answer
      // it anyway, as Kafka does.
      if (header.api_key != protocol::kApiVersionsKey) {
        net_log().warn("Closing connection from {}: malformed request header: {}", peer_,
                       r.status().message());
        co_return false;
      }
    }

    protocol::Writer response;
    response.i32("size", 0);  // patched below
    protocol::write_response_header(response, header.correlation_id,
                                    protocol::response_header_flexible(header.api_key, flexible));
    RequestContext ctx{broker_, header, r, response, peer_host_, listener_};
    Status s = co_await api->handler(ctx);
    if (!s.ok()) {
      net_log().warn("Closing connection from {}: {}", peer_, s.to_string());
      co_return false;
    }
    if (ctx.responded) {
      response.patch_i32(0, static_cast<int32_t>(response.size() - 4));
      out_.push_back(std::move(response));
    }
    co_return true;
  }

  // Sends the queued responses: buffer bytes by writev, record slices by sendfile.
  asio::awaitable<bool> flush() {
    if (out_.empty()) co_return true;
    std::vector<asio::const_buffer> bufs;
    auto send_bufs = [&]() -> asio::awaitable<bool> {
      if (bufs.empty()) co_return true;
      asio::error_code ec;
      co_await asio::async_write(socket_, bufs, asio::redirect_error(asio::use_awaitable, ec));
      bufs.clear();
      co_return !ec;
    };
    for (auto& w : out_) {
      const auto& buf = w.buffer();
      size_t at = 0;
      for (const auto& splice : w.splices()) {
        if (splice.buffer_offset > at)
          bufs.emplace_back(buf.data() + at, splice.buffer_offset - at);
        at = splice.buffer_offset;
        if (!co_await send_bufs()) co_return false;
        if (!co_await send_file(splice.slice)) co_return false;
      }
      if (buf.size() > at) bufs.emplace_back(buf.data() + at, buf.size() - at);
    }
    bool ok = co_await send_bufs();
    out_.clear();
    co_return ok;
  }

  asio::awaitable<bool> send_file(const FileSlice& slice) {
    if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
    off_t offset = slice.position;
    size_t left = static_cast<size_t>(slice.size);
    while (left > 0) {
      ssize_t n = ::sendfile(socket_.native_handle(), slice.file->fd(), &offset, left);
      if (n > 0) {
        left -= static_cast<size_t>(n);
        continue;
      }
      if (n == 0) {
        // The file is shorter than the slice (truncated meanwhile): the frame would be
        // corrupt, so drop the connection; the client reconnects and refetches.
        co_return false;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN) co_return false;
      asio::error_code ec;
      co_await socket_.async_wait(tcp::socket::wait_write,
                                  asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return false;
    }
    co_return true;
  }

  Broker& broker_;
  Server& server_;
  tcp::socket socket_;
  std::string listener_;
  std::string peer_;
  std::string peer_host_;
  int64_t last_active_ms_ = 0;
  std::vector<protocol::Writer> out_;
};

Server::Server(Broker& broker) : broker_(broker) {}
Server::~Server() = default;

Result<std::vector<uint16_t>> Server::listen() {
  std::vector<uint16_t> ports;
  for (const auto& l : broker_.config().listeners) {
    asio::error_code ec;
    tcp::endpoint ep;
    if (l.host.empty() || l.host == "0.0.0.0") {
      ep = tcp::endpoint(tcp::v4(), l.port);
    } else {
      tcp::resolver resolver(broker_.io());
      auto results = resolver.resolve(l.host, std::to_string(l.port), ec);
      if (ec || results.empty())
        return Status(ErrorCode::kInvalidConfig,
                      "cannot resolve listener host " + l.host + ": " + ec.message());
      ep = results.begin()->endpoint();
    }
    auto acceptor = std::make_unique<tcp::acceptor>(broker_.io());
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status(ErrorCode::kKafkaStorageError,
                    "Socket server failed to bind to " + l.host + ":" + std::to_string(l.port) +
                        ": " + ec.message() + ".");
    ports.push_back(acceptor->local_endpoint().port());
    net_log().info("Listening on {}://{}:{}", l.name, l.host, ports.back());
    listeners_.push_back({l.name, std::move(acceptor)});
  }
  for (size_t i = 0; i < listeners_.size(); ++i) accept_loop(i);
  return ports;
}

void Server::accept_loop(size_t index) {
  auto& l = listeners_[index];
  l.acceptor->async_accept([this, index](asio::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !listeners_[index].acceptor->is_open()) return;
      net_log().warn("accept failed: {}", ec.message());
      accept_loop(index);
      return;
    }
    const auto& cfg = broker_.config();
    asio::error_code rec;
    std::string ip = socket.remote_endpoint(rec).address().to_string();
    if (static_cast<int64_t>(connections_.size()) >= cfg.max_connections) {
      net_log().warn("Rejecting connection from {}: max.connections={} reached", ip, cfg.max_connections);
      socket.close(rec);
    } else if (per_ip_[ip] >= cfg.max_connections_per_ip) {
      net_log().warn("Rejecting connection from {}: max.connections.per.ip={} reached", ip,
                     cfg.max_connections_per_ip);
      socket.close(rec);
    } else {
      auto c = std::make_shared<Connection>(broker_, *this, std::move(socket),
                                            listeners_[index].name);
      ++per_ip_[c->peer_host()];
      connections_.emplace(c.get(), c);
      c->start();
    }
    accept_loop(index);
  });
}

void Server::on_closed(Connection* c) {
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  if (--per_ip_[c->peer_host()] <= 0) per_ip_.erase(c->peer_host());
  connections_.erase(it);
}

void Server::stop_accepting() {
  for (auto& l : listeners_) {
    asio::error_code ec;
    l.acceptor->close(ec);
  }
}

void Server::close_all() {
  auto copy = connections_;
  for (auto& [p, c] : copy) c->close();
}

void Server::close_idle(int64_t now_ms) {
  int64_t limit = broker_.config().connections_max_idle_ms;
  if (limit < 0) return;
  auto copy = connections_;
  for (auto& [p, c] : copy)
    if (now_ms - c->last_active_ms() > limit) c->close();
}

}  // namespace moldau::broker
