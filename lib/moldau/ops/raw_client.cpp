#include "moldau/ops/raw_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace moldau::ops {

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return s.substr(b, e - b);
}

bool resolves(const std::string& host) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return false;
  freeaddrinfo(res);
  return true;
}

// "OFFSET_OUT_OF_RANGE" -> "OffsetOutOfRange".
std::string camel(std::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = false;
  }
  return out;
}

}  // namespace

Result<std::vector<HostPort>> parse_bootstrap(const std::string& list) {
  std::vector<HostPort> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string url = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (url.empty()) continue;
    // Utils.getHost / getPort: the port is the digits after the last ':'; "[v6]:port".
    auto colon = url.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < url.size() && url.size() - colon - 1 <= 9 &&
              std::all_of(url.begin() + colon + 1, url.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) return Status(ErrorCode::kInvalidConfig, "Invalid url in bootstrap.servers: " + url);
    std::string host = url.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (!resolves(host)) continue;
    out.push_back({host, std::stoi(url.substr(colon + 1))});
  }
  if (out.empty()) return Status(ErrorCode::kInvalidConfig, "No resolvable bootstrap urls given in bootstrap.servers");
  return out;
}

std::string java_exception_class(ErrorCode code) {
  switch (code) {
    case ErrorCode::kRequestTimedOut: return "org.apache.kafka.common.errors.TimeoutException";
    case ErrorCode::kKafkaStorageError: return "org.apache.kafka.common.errors.KafkaStorageException";
    case ErrorCode::kUnknownServerError: return "org.apache.kafka.common.errors.UnknownServerException";
    case ErrorCode::kInvalidTopicException: return "org.apache.kafka.common.errors.InvalidTopicException";
    case ErrorCode::kLogDirNotFound: return "org.apache.kafka.common.errors.LogDirNotFoundException";
    case ErrorCode::kInvalidConfig: return "org.apache.kafka.common.errors.InvalidConfigurationException";
    default: break;
  }
  // Kafka names the rest after the error: FOO_ERROR -> FooException, BAR_AUTHORIZATION_FAILED ->
  // BarAuthorizationException, BAZ -> BazException.
  std::string name = camel(error_name(code));
  auto ends = [&](const std::string& s) { return name.size() > s.size() && name.ends_with(s); };
  if (ends("Error")) name.resize(name.size() - 5);
  else if (ends("AuthorizationFailed")) name.resize(name.size() - 6);
  return "org.apache.kafka.common.errors." + name + "Exception";
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<RawConnection>> RawConnection::open(const std::string& host, int32_t port,
                                                           RawClock::time_point deadline) {
  std::unique_ptr<RawConnection> c(new RawConnection());
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0)
    return Status(ErrorCode::kNetworkException, "cannot resolve " + host);
  bool connected = false;
  for (addrinfo* a = res; a && !connected; a = a->ai_next) {
    c->fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
    if (c->fd_ < 0) continue;
    if ((::connect(c->fd_, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) && c->wait(POLLOUT, deadline)) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      connected = err == 0;
    }
    if (!connected) {
      ::close(c->fd_);
      c->fd_ = -1;
    }
  }
  freeaddrinfo(res);
  if (!connected) return Status(ErrorCode::kNetworkException, "cannot connect to " + host + ":" + std::to_string(port));
  protocol::ApiVersionsRequest req;
  auto av = c->call<protocol::ApiVersionsRequest, protocol::ApiVersionsResponse>(req, 0, deadline);
  if (!av.ok()) return av.status();
  c->api_versions_ = std::move(av).value();
  return c;
}

int16_t RawConnection::version_for(int16_t api_key, int16_t our_max) const {
  for (const auto& k : api_versions_.api_keys)
    if (k.api_key == api_key) return k.min_version > our_max ? -1 : std::min(k.max_version, our_max);
  return -1;
}

Status RawConnection::roundtrip(const std::vector<uint8_t>& body, std::vector<uint8_t>& reply,
                                RawClock::time_point deadline) {
  std::vector<uint8_t> frame(4);
  uint32_t n = body.size();
  frame[0] = n >> 24, frame[1] = n >> 16, frame[2] = n >> 8, frame[3] = n;
  frame.insert(frame.end(), body.begin(), body.end());
  size_t off = 0;
  while (off < frame.size()) {
    if (!wait(POLLOUT, deadline)) return Status(ErrorCode::kRequestTimedOut, "timed out sending a request");
    ssize_t w = ::send(fd_, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (w <= 0) return Status(ErrorCode::kNetworkException, "connection lost while sending");
    off += w;
  }
  uint8_t len[4];
  if (!read_exact(len, 4, deadline)) return Status(ErrorCode::kNetworkException, "no response");
  uint32_t size = (uint32_t(len[0]) << 24) | (uint32_t(len[1]) << 16) | (uint32_t(len[2]) << 8) | len[3];
  if (size > 64u << 20) return Status(ErrorCode::kNetworkException, "response too large");
  reply.resize(size);
  if (!read_exact(reply.data(), size, deadline)) return Status(ErrorCode::kNetworkException, "response cut short");
  return Status();
}

bool RawConnection::wait(short events, RawClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - RawClock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd_, events, 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1 && (p.revents & events);
}

bool RawConnection::read_exact(uint8_t* buf, size_t n, RawClock::time_point deadline) {
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

Result<protocol::MetadataResponse> raw_metadata(const std::vector<HostPort>& nodes,
                                                const std::optional<std::vector<std::string>>& topics,
                                                RawClock::time_point deadline) {
  Status last(ErrorCode::kNetworkException, "no broker reachable for Metadata");
  for (const auto& n : nodes) {
    auto c = RawConnection::open(n.host, n.port, deadline);
    if (!c.ok()) {
      last = c.status();
      continue;
    }
    int16_t v = (*c)->version_for(protocol::MetadataRequest::kApiKey, 12);
    if (v < 1) continue;
    protocol::MetadataRequest req;
    if (topics) {
      req.topics.emplace();
      for (const auto& t : *topics) {
        protocol::MetadataRequest::MetadataRequestTopic rt;
        rt.name = t;
        req.topics->push_back(rt);
      }
    }
    req.allow_auto_topic_creation = false;
    auto md = (*c)->call<protocol::MetadataRequest, protocol::MetadataResponse>(req, v, deadline);
    if (md.ok()) return md;
    last = md.status();
  }
  return last;
}

}  // namespace moldau::ops
