// A member that stops answering (SIGSTOP): calls time out within their budget, keepers give up
// after the lease's TTL, and everything works again after SIGCONT.

#include <doctest/doctest.h>

#include <optional>
#include <thread>

#include "etcd_cluster.h"
#include "io_util.h"
#include "moldau/etcd/client.h"
#include "moldau/etcd/lease_keeper.h"

using namespace moldau;
using namespace moldau::etcd;
using namespace std::chrono_literals;

namespace {

// Resumes a paused member when the test ends, pass or fail, so that cleanup can kill it.
struct Resume {
  test::EtcdCluster& etcd;
  ~Resume() { etcd.resume(0); }
};

}  // namespace

TEST_CASE("a stopped etcd makes calls fail with a timeout within the configured time") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints(), .timeout = 1000ms,
                              .connect_timeout = 500ms, .attempt_timeout = 400ms});
  REQUIRE(client.put({.key = "k", .value = "1"}).ok());

  etcd.pause(0);
  Resume resume{etcd};
  auto start = std::chrono::steady_clock::now();
  auto put = client.put({.key = "k", .value = "2"});
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(put.ok());
  CHECK(is_timed_out(put.status()));
  CHECK(put.status().message().find("etcd Put via " + etcd.endpoint(0) +
                                    ": no answer within 1000 ms") == 0);
  CHECK(put.status().message().find("may or may not have been applied") != std::string::npos);
  CHECK(took >= 900ms);
  CHECK(took < 5s);  // the budget plus slack for a loaded machine

  // A read tries again (the same, only endpoint) in 400 ms attempts until the budget is spent.
  start = std::chrono::steady_clock::now();
  auto range = client.range({.key = "k"});
  took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(range.ok());
  CHECK(is_timed_out(range.status()));
  CHECK(range.status().message().find("etcd Range: no answer within 1000 ms (" + etcd.endpoint(0) +
                                      ": no answer: ") == 0);
  CHECK(took >= 900ms);
  CHECK(took < 5s);

  etcd.resume(0);
  // The put above may have been applied on resumption; either way the key answers again.
  REQUIRE(test::wait_until([&] { return client.range({.key = "k"}).ok(); }));
  auto after = client.put({.key = "k", .value = "3"});
  REQUIRE_MESSAGE(after.ok(), after.status().to_string());
  auto read = client.range({.key = "k"});
  REQUIRE(read.ok());
  CHECK(read->kvs[0].value == "3");
}

TEST_CASE("a keeper whose etcd stops answering reports the loss once the TTL has passed") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints(), .timeout = 1000ms,
                              .attempt_timeout = 500ms});
  asio::io_context io;
  auto grant = client.lease_grant({.ttl = 2});
  REQUIRE(grant.ok());
  std::optional<Status> lost;
  LeaseKeeper keeper(client, grant->id, 2s, io.get_executor(), [&](const Status& s) { lost = s; });
  // Refreshed a few times while etcd answers.
  test::run_until(io, [&] { return lost.has_value(); }, 1500ms);
  REQUIRE_FALSE(lost.has_value());

  etcd.pause(0);
  Resume resume{etcd};
  auto start = std::chrono::steady_clock::now();
  REQUIRE(test::run_until(io, [&] { return lost.has_value(); }, 30s));
  CHECK(std::chrono::steady_clock::now() - start < 10s);  // a TTL of 2 s, plus slack
  CHECK_MESSAGE(is_timed_out(*lost), lost->to_string());
  CHECK(lost->message().find("no keep-alive succeeded within its TTL of 2 s, so it must be taken "
                             "as expired") != std::string::npos);
}

TEST_CASE("a keeper's lease counts as lapsed once its TTL has run out, before on_lost has run") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints(), .timeout = 1000ms,
                              .attempt_timeout = 500ms});
  asio::io_context io;
  auto grant = client.lease_grant({.ttl = 2});
  REQUIRE(grant.ok());
  std::optional<Status> lost;
  LeaseKeeper keeper(client, grant->id, 2s, io.get_executor(), [&](const Status& s) { lost = s; });
  // Refreshed while etcd answers: never lapsed.
  test::run_until(io, [&] { return lost.has_value(); }, 3s);
  REQUIRE_FALSE(lost.has_value());
  CHECK_FALSE(keeper.lapsed());

  // The executor does not run from here on, as in a broker whose event loop has not yet come
  // to the keeper's callback: lapsed() alone must tell, within the TTL and some slack.
  etcd.pause(0);
  Resume resume{etcd};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!keeper.lapsed() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);  // polling a condition with a deadline
  CHECK(keeper.lapsed());
  CHECK_FALSE(lost.has_value());
  // Once the executor runs, the loss is reported too.
  REQUIRE(test::run_until(io, [&] { return lost.has_value(); }, 30s));
  CHECK(keeper.lapsed());
}
