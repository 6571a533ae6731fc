#pragma once
// The network side: listeners, connections, framing. Each connection reads size-prefixed
// frames, answers them strictly in order (Kafka clients pipeline and rely on that), batches
// the responses of all frames that arrived together into one write, and sends fetched records
// straight from the log files with sendfile(2). A frame larger than socket.request.max.bytes,
// a malformed request or an unexpected exception closes that connection only.

#include <asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::broker {

class Broker;
class Connection;

class Server {
 public:
  explicit Server(Broker& broker);
  ~Server();

  // Binds every configured listener; returns the bound ports in listener order.
  Result<std::vector<uint16_t>> listen();
  // Stops accepting; open connections finish the request in hand and close.
  void stop_accepting();
  void close_all();
  // Closes connections idle for longer than connections.max.idle.ms.
  void close_idle(int64_t now_ms);

  void on_closed(Connection* c);
  size_t connection_count() const { return connections_.size(); }

 private:
  void accept_loop(size_t index);

  Broker& broker_;
  struct Listener {
    std::string name;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  };
  std::vector<Listener> listeners_;
  std::map<Connection*, std::shared_ptr<Connection>> connections_;
  std::map<std::string, int32_t> per_ip_;
};

}  // namespace moldau::broker
