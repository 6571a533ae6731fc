// Leases and the LeaseKeeper against a real etcd.

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <optional>

#include "etcd_cluster.h"
#include "io_util.h"
#include "moldau/etcd/client.h"
#include "moldau/etcd/lease_keeper.h"

using namespace moldau;
using namespace moldau::etcd;
using namespace std::chrono_literals;

namespace {

bool key_exists(Client& client, const std::string& key) {
  auto r = client.range({.key = key});
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return !r->kvs.empty();
}

}  // namespace

TEST_CASE("a kept-alive lease outlives its TTL; its key goes when the keeper stops") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;

  auto grant = client.lease_grant({.ttl = 2});
  REQUIRE_MESSAGE(grant.ok(), grant.status().to_string());
  CHECK(grant->id != 0);
  CHECK(grant->ttl == 2);
  auto put = client.put({.key = "brokers/1", .value = "up", .lease = grant->id});
  REQUIRE(put.ok());
  auto read = client.range({.key = "brokers/1"});
  REQUIRE(read.ok());
  REQUIRE(read->kvs.size() == 1);
  CHECK(read->kvs[0].lease == grant->id);

  std::optional<Status> lost;
  LeaseKeeper keeper(client, grant->id, std::chrono::seconds(grant->ttl), io.get_executor(),
                     [&](const Status& s) { lost = s; });
  CHECK(keeper.lease_id() == grant->id);

  // Three TTLs pass; the key must be there all along.
  auto until = std::chrono::steady_clock::now() + 3 * std::chrono::seconds(grant->ttl);
  bool always_there = true;
  test::run_until(io, [&] {
    always_there = always_there && key_exists(client, "brokers/1");
    return std::chrono::steady_clock::now() >= until || !always_there;
  }, 20s);
  CHECK(always_there);
  CHECK_FALSE(lost.has_value());
  auto ttl = client.lease_time_to_live({.id = grant->id, .keys = true});
  REQUIRE(ttl.ok());
  CHECK(ttl->ttl > 0);
  CHECK(ttl->granted_ttl == 2);
  CHECK(ttl->keys == std::vector<std::string>{"brokers/1"});

  keeper.stop();
  CHECK(test::run_until(io, [&] { return !key_exists(client, "brokers/1"); }, 20s));
  auto expired = client.lease_time_to_live({.id = grant->id});
  REQUIRE(expired.ok());
  CHECK(expired->ttl == -1);
  CHECK_FALSE(lost.has_value());  // stopping is not losing
}

TEST_CASE("revoking a lease deletes its keys and the keeper reports the loss") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;

  auto grant = client.lease_grant({.ttl = 30});
  REQUIRE(grant.ok());
  REQUIRE(client.put({.key = "controller", .value = "1", .lease = grant->id}).ok());
  REQUIRE(client.put({.key = "brokers/1", .value = "up", .lease = grant->id}).ok());
  std::optional<Status> lost;
  // A short TTL for the keeper's schedule, so that it notices the revocation soon.
  LeaseKeeper keeper(client, grant->id, 3s, io.get_executor(), [&](const Status& s) { lost = s; });

  REQUIRE(client.lease_revoke({.id = grant->id}).ok());
  CHECK_FALSE(key_exists(client, "controller"));
  CHECK_FALSE(key_exists(client, "brokers/1"));

  REQUIRE(test::run_until(io, [&] { return lost.has_value(); }, 20s));
  CHECK(is_lease_not_found(*lost));
  CHECK(lost->message().find(fmt::format("etcd lease {:x}: ", grant->id)) == 0);

  auto again = client.lease_revoke({.id = grant->id});
  REQUIRE_FALSE(again.ok());
  CHECK(is_lease_not_found(again.status()));
}
