// A three-member etcd cluster with one member killed: the client moves to the others.

#include <doctest/doctest.h>

#include <optional>

#include "etcd_cluster.h"
#include "io_util.h"
#include "moldau/etcd/client.h"
#include "moldau/etcd/lease_keeper.h"
#include "moldau/etcd/watch.h"

using namespace moldau;
using namespace moldau::etcd;
using namespace std::chrono_literals;

namespace {

// Creates `key` while the cluster may still be electing a leader, retrying until it works. A
// write that failed ambiguously ("request timed out, possibly due to previous leader
// failure") may have been applied; as a create-if-absent txn the retry cannot write twice.
// Returns the key's create revision.
int64_t create_retrying(Client& client, const std::string& key, const std::string& value) {
  int64_t revision = 0;
  std::string last;
  bool created = test::wait_until(
      [&] {
        TxnRequest txn;
        txn.compare.push_back(Compare::create(key, CompareResult::kEqual, 0));
        txn.success.push_back(PutRequest{.key = key, .value = value});
        txn.failure.push_back(RangeRequest{.key = key});
        auto r = client.txn(txn);
        if (!r.ok()) {
          last = r.status().to_string();
          return false;
        }
        revision = r->succeeded
                       ? r->header.revision
                       : std::get<RangeResponse>(r->responses[0]).kvs.at(0).create_revision;
        return true;
      },
      90s);
  REQUIRE_MESSAGE(created, last);
  return revision;
}

}  // namespace

TEST_CASE("with one member of three killed, calls, keep-alives and watches go on via the others") {
  test::EtcdCluster etcd(3);
  // Generous: the survivors may have to elect a new leader first (etcd's election timeout
  // is 1 s), and this machine is shared.
  Client client(ClientOptions{.endpoints = etcd.endpoints(), .timeout = 20s});
  asio::io_context io;

  auto first = client.put({.key = "brokers/1", .value = "a"});
  REQUIRE_MESSAGE(first.ok(), first.status().to_string());
  // The client starts at the first endpoint and stays with it while it answers.
  auto status = client.member_status();
  REQUIRE(status.ok());
  uint64_t member0 = status->header.member_id;

  // Long enough to ride out an election of the survivors on a loaded machine.
  auto grant = client.lease_grant({.ttl = 6});
  REQUIRE(grant.ok());
  REQUIRE(client.put({.key = "alive", .value = "1", .lease = grant->id}).ok());
  std::optional<Status> lost;
  LeaseKeeper keeper(client, grant->id, std::chrono::seconds(grant->ttl), io.get_executor(),
                     [&](const Status& s) { lost = s; });

  std::vector<std::string> seen;
  Watch watch(client, WatchOptions::with_prefix("brokers/", first->header.revision),
              io.get_executor(),
              WatchHandler{.on_events = [&](std::vector<WatchEvent> events) {
                for (const auto& e : events) seen.push_back(test::describe(e));
              }});
  REQUIRE(test::run_until(io, [&] { return seen.size() == 1; }));

  etcd.kill(0);

  int64_t second = create_retrying(client, "brokers/2", "b");
  auto after = client.member_status();
  REQUIRE(after.ok());
  CHECK(after->header.member_id != member0);
  CHECK(after->leader != member0);
  int64_t third = create_retrying(client, "brokers/3", "c");

  std::vector<std::string> expected = {
      "PUT brokers/1=a @" + std::to_string(first->header.revision),
      "PUT brokers/2=b @" + std::to_string(second),
      "PUT brokers/3=c @" + std::to_string(third),
  };
  REQUIRE(test::run_until(io, [&] { return seen.size() >= expected.size(); }, 60s));
  CHECK(seen == expected);

  // The lease stays alive through another TTL, refreshed via the survivors.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(grant->ttl);
  test::run_until(io, [&] { return std::chrono::steady_clock::now() >= until || lost.has_value(); },
                  30s);
  CHECK_MESSAGE(!lost.has_value(), (lost ? lost->to_string() : ""));
  auto alive = client.range({.key = "alive"});
  REQUIRE(alive.ok());
  CHECK(alive->kvs.size() == 1);
}

TEST_CASE("a watch on a member that hangs moves to another member") {
  test::EtcdCluster etcd(3);
  // The watch starts at the first endpoint, which will hang.
  Client client(ClientOptions{.endpoints = etcd.endpoints(), .timeout = 20s,
                              .attempt_timeout = 1000ms});
  Client writer(ClientOptions{.endpoints = {etcd.endpoint(1), etcd.endpoint(2)}, .timeout = 20s});
  asio::io_context io;

  int64_t first = create_retrying(writer, "brokers/1", "a");
  std::vector<std::string> seen;
  Watch watch(client, WatchOptions::with_prefix("brokers/", first), io.get_executor(),
              WatchHandler{.on_events = [&](std::vector<WatchEvent> events) {
                for (const auto& e : events) seen.push_back(test::describe(e));
              }});
  REQUIRE(test::run_until(io, [&] { return seen.size() == 1; }));

  etcd.pause(0);
  struct Resume {
    test::EtcdCluster& etcd;
    ~Resume() { etcd.resume(0); }
  } resume{etcd};
  int64_t second = create_retrying(writer, "brokers/2", "b");

  // The stream to the stopped member stays open and silent; the status probe finds it hung.
  std::vector<std::string> expected = {
      "PUT brokers/1=a @" + std::to_string(first),
      "PUT brokers/2=b @" + std::to_string(second),
  };
  REQUIRE(test::run_until(io, [&] { return seen.size() >= expected.size(); }, 60s));
  CHECK(seen == expected);
}
