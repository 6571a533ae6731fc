// The asynchronous forms: completions on the caller's executor, coroutines, and what closing
// the client does to calls still pending.

#include <doctest/doctest.h>

#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>

#include <optional>
#include <thread>

#include "etcd_cluster.h"
#include "io_util.h"
#include "moldau/etcd/client.h"

using namespace moldau;
using namespace moldau::etcd;
using namespace std::chrono_literals;

TEST_CASE("co_await a call with asio::use_awaitable") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;

  std::vector<std::string> steps;
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        TxnRequest claim;
        claim.compare.push_back(Compare::create("controller", CompareResult::kEqual, 0));
        claim.success.push_back(PutRequest{.key = "controller", .value = "1"});
        Result<TxnResponse> first = co_await client.txn(claim, asio::use_awaitable);
        steps.push_back(first.ok() && first->succeeded ? "claimed" : "not claimed");
        Result<TxnResponse> second = co_await client.txn(claim, asio::use_awaitable);
        steps.push_back(second.ok() && !second->succeeded ? "held" : "not held");
        // Requests in named variables (or from functions), never as aggregate temporaries in
        // the co_await expression: see Client's note on g++ 12.
        RangeRequest controller{.key = "controller"};
        Result<RangeResponse> read = co_await client.range(controller, asio::use_awaitable);
        steps.push_back(read.ok() && read->kvs.size() == 1 ? read->kvs[0].value : "?");
        Result<RangeResponse> all =
            co_await client.range(RangeRequest::with_prefix("cont"), asio::use_awaitable);
        steps.push_back(all.ok() ? std::to_string(all->count) : "?");
        LeaseRevokeRequest revoke_unknown{.id = 42};
        Result<LeaseRevokeResponse> revoke =
            co_await client.lease_revoke(revoke_unknown, asio::use_awaitable);
        steps.push_back(is_lease_not_found(revoke.status()) ? "no lease" : "?");
        finished = true;
      },
      asio::detached);
  REQUIRE(test::run_until(io, [&] { return finished; }));
  CHECK(steps == std::vector<std::string>{"claimed", "held", "1", "1", "no lease"});
}

TEST_CASE("a callback bound to an executor runs there, and the pending call keeps run() going") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;
  REQUIRE(client.put({.key = "k", .value = "v"}).ok());

  std::optional<std::thread::id> ran_on;
  std::optional<Result<RangeResponse>> got;
  RangeRequest read{.key = "k"};
  client.range(read, asio::bind_executor(io, [&](Result<RangeResponse> r) {
                 ran_on = std::this_thread::get_id();
                 got = std::move(r);
               }));
  // No work guard: run() returns only once the completion has run, because the call counts
  // as outstanding work until then.
  io.run();
  REQUIRE(got.has_value());
  REQUIRE(got->ok());
  CHECK((*got)->kvs[0].value == "v");
  CHECK(ran_on == std::this_thread::get_id());
}

TEST_CASE("closing the client completes pending calls with kClosed on their executors") {
  test::EtcdCluster etcd;
  auto client =
      std::make_unique<Client>(ClientOptions{.endpoints = etcd.endpoints(), .timeout = 60s});
  asio::io_context io;
  etcd.pause(0);  // the call cannot complete on its own
  struct Resume {
    test::EtcdCluster& etcd;
    ~Resume() { etcd.resume(0); }
  } resume{etcd};

  std::optional<Status> put_status;
  PutRequest write{.key = "k", .value = "v"};
  client->put(write,
              asio::bind_executor(io, [&](Result<PutResponse> r) { put_status = r.status(); }));
  CHECK(io.poll() == 0);  // still pending
  auto closed_at = std::chrono::steady_clock::now();
  client->close();
  io.restart();
  io.run();  // returns once the completion has run
  REQUIRE(put_status.has_value());
  CHECK(put_status->code() == kClosed);
  CHECK(put_status->message() == "etcd Put: the client was closed before the call completed");
  CHECK(std::chrono::steady_clock::now() - closed_at < 10s);

  // Calls after close fail at once, blocking or not.
  auto after = client->range({.key = "k"});
  REQUIRE_FALSE(after.ok());
  CHECK(after.status().code() == kClosed);
  client.reset();
}
