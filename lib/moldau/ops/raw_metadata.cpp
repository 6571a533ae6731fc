#include "moldau/ops/raw_metadata.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "moldau/protocol/codec.h"
#include "moldau/protocol/header.h"
#include "moldau/protocol/messages/api_versions.h"
#include "moldau/protocol/messages/metadata.h"

namespace moldau::ops {

namespace {

using Clock = std::chrono::steady_clock;

class Conn {
 public:
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool open(const std::string& host, int port, Clock::time_point deadline) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
    for (addrinfo* a = res; a; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
      if (fd_ < 0) continue;
      if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
        if (wait(POLLOUT, deadline)) {
          int err = 0;
          socklen_t len = sizeof err;
          getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
          if (err == 0) {
            freeaddrinfo(res);
            return true;
          }
        }
      }
      ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
    return false;
  }
  // Sends one request frame, returns the response body after the header.
  bool roundtrip(const std::vector<uint8_t>& frame, std::vector<uint8_t>& reply, Clock::time_point deadline) {
    size_t off = 0;
    while (off < frame.size()) {
      if (!wait(POLLOUT, deadline)) return false;
      ssize_t n = ::send(fd_, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN) continue;
        return false;
      }
      off += n;
    }
    uint8_t lenbuf[4];
    if (!read_exact(lenbuf, 4, deadline)) return false;
    uint32_t len = (uint32_t(lenbuf[0]) << 24) | (uint32_t(lenbuf[1]) << 16) | (uint32_t(lenbuf[2]) << 8) | lenbuf[3];
    if (len > 64u << 20) return false;
    reply.resize(len);
    return read_exact(reply.data(), len, deadline);
  }

 private:
  bool wait(short ev, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, ev, 0};
    return ::poll(&p, 1, static_cast<int>(left)) == 1 && (p.revents & ev);
  }
  bool read_exact(uint8_t* buf, size_t n, Clock::time_point deadline) {
    size_t off = 0;
    while (off < n) {
      if (!wait(POLLIN, deadline)) return false;
      ssize_t r = ::recv(fd_, buf + off, n - off, 0);
      if (r == 0) return false;
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return false;
      }
      off += r;
    }
    return true;
  }
  int fd_ = -1;
};

template <class Req>
std::vector<uint8_t> frame(Req& req, int16_t version, int32_t correlation_id) {
  protocol::Writer w;
  protocol::RequestHeader h;
  h.api_key = Req::kApiKey;
  h.api_version = version;
  h.correlation_id = correlation_id;
  h.client_id = "moldau-tools";
  protocol::write_request_header(w, h, protocol::is_flexible<Req>(version));
  protocol::encode_body(w, req, version);
  const auto& body = w.buffer();
  std::vector<uint8_t> out(4);
  uint32_t n = body.size();
  out[0] = n >> 24, out[1] = n >> 16, out[2] = n >> 8, out[3] = n;
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> fetch_topic_ids(const std::vector<client::BrokerInfo>& brokers,
                                                           int timeout_ms, bool* describe_topic_partitions) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& b : brokers) {
    Conn c;
    if (!c.open(b.host, b.port, deadline)) continue;
    protocol::ApiVersionsRequest avr;
    std::vector<uint8_t> reply;
    if (!c.roundtrip(frame(avr, 0, 1), reply, deadline)) continue;
    protocol::Reader r(reply);
    int32_t corr = 0;
    if (!protocol::read_response_header(r, corr, false).ok()) continue;
    auto av = protocol::decode_body<protocol::ApiVersionsResponse>(r, 0);
    if (!av.ok() || av->error_code != 0) continue;
    int16_t max_md = -1;
    constexpr int16_t kDescribeTopicPartitions = 75;
    if (describe_topic_partitions) *describe_topic_partitions = false;
    for (const auto& k : av->api_keys) {
      if (k.api_key == protocol::MetadataRequest::kApiKey) max_md = k.max_version;
      if (k.api_key == kDescribeTopicPartitions && describe_topic_partitions) *describe_topic_partitions = true;
    }
    if (max_md < 10) return Status(ErrorCode::kUnsupportedVersion, "Metadata v10 not supported");
    int16_t v = std::min<int16_t>(max_md, 12);
    protocol::MetadataRequest mr;
    mr.topics = std::nullopt;  // all topics
    mr.allow_auto_topic_creation = false;
    if (!c.roundtrip(frame(mr, v, 2), reply, deadline)) continue;
    protocol::Reader r2(reply);
    if (!protocol::read_response_header(r2, corr, true).ok()) continue;
    auto md = protocol::decode_body<protocol::MetadataResponse>(r2, v);
    if (!md.ok()) continue;
    std::map<std::string, std::string> out;
    for (const auto& t : md->topics)
      if (t.name && !t.topic_id.is_zero()) out[*t.name] = t.topic_id.to_string();
    return out;
  }
  return Status(ErrorCode::kNetworkException, "no broker reachable for Metadata");
}

Result<std::map<int16_t, int16_t>> fetch_api_versions(const std::vector<client::BrokerInfo>& brokers,
                                                     int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& b : brokers) {
    Conn c;
    if (!c.open(b.host, b.port, deadline)) continue;
    protocol::ApiVersionsRequest avr;
    std::vector<uint8_t> reply;
    if (!c.roundtrip(frame(avr, 0, 1), reply, deadline)) continue;
    protocol::Reader r(reply);
    int32_t corr = 0;
    if (!protocol::read_response_header(r, corr, false).ok()) continue;
    auto av = protocol::decode_body<protocol::ApiVersionsResponse>(r, 0);
    if (!av.ok() || av->error_code != 0) continue;
    std::map<int16_t, int16_t> keys;
    for (const auto& k : av->api_keys) keys[k.api_key] = k.max_version;
    return keys;
  }
  return Status(ErrorCode::kNetworkException, "no broker reachable for ApiVersions");
}

}  // namespace moldau::ops
