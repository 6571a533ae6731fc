// Key-value calls and transactions against a real single-member etcd.

#include <doctest/doctest.h>

#include "etcd_cluster.h"
#include "moldau/etcd/client.h"

using namespace moldau;
using namespace moldau::etcd;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> keys_of(const RangeResponse& r) {
  std::vector<std::string> out;
  for (const auto& kv : r.kvs) out.push_back(kv.key);
  return out;
}

}  // namespace

TEST_CASE("put, get, prefix range, delete") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});

  auto put = client.put({.key = "brokers/1", .value = "host-a:9092"});
  REQUIRE_MESSAGE(put.ok(), put.status().to_string());
  int64_t first_revision = put->header.revision;
  CHECK(first_revision > 1);
  REQUIRE(client.put({.key = "brokers/2", .value = "host-b:9092"}).ok());
  REQUIRE(client.put({.key = "brokers0", .value = "outside the prefix"}).ok());
  // Binary keys and values survive the base64 of the gateway.
  std::string binary("\x00\x01\xff", 3);
  REQUIRE(client.put({.key = "bin/" + binary, .value = binary}).ok());

  auto one = client.range({.key = "brokers/1"});
  REQUIRE(one.ok());
  REQUIRE(one->kvs.size() == 1);
  CHECK(one->kvs[0].value == "host-a:9092");
  CHECK(one->kvs[0].create_revision == first_revision);
  CHECK(one->kvs[0].mod_revision == first_revision);
  CHECK(one->kvs[0].version == 1);
  CHECK(one->kvs[0].lease == 0);

  auto bin = client.range({.key = "bin/" + binary});
  REQUIRE(bin.ok());
  REQUIRE(bin->kvs.size() == 1);
  CHECK(bin->kvs[0].value == binary);

  auto prefix = client.range(RangeRequest::with_prefix("brokers/"));
  REQUIRE(prefix.ok());
  CHECK(keys_of(*prefix) == std::vector<std::string>{"brokers/1", "brokers/2"});
  CHECK(prefix->count == 2);
  CHECK_FALSE(prefix->more);

  auto limited = RangeRequest::with_prefix("brokers/");
  limited.limit = 1;
  auto first = client.range(limited);
  REQUIRE(first.ok());
  CHECK(keys_of(*first) == std::vector<std::string>{"brokers/1"});
  CHECK(first->more);
  CHECK(first->count == 2);

  auto counted = RangeRequest::with_prefix("brokers/");
  counted.count_only = true;
  auto count = client.range(counted);
  REQUIRE(count.ok());
  CHECK(count->kvs.empty());
  CHECK(count->count == 2);

  auto keys = RangeRequest::with_prefix("brokers/");
  keys.keys_only = true;
  auto only_keys = client.range(keys);
  REQUIRE(only_keys.ok());
  REQUIRE(only_keys->kvs.size() == 2);
  CHECK(only_keys->kvs[0].value.empty());

  // Overwrite with prev_kv, then read the old revision.
  auto again = client.put({.key = "brokers/1", .value = "host-c:9092", .prev_kv = true});
  REQUIRE(again.ok());
  REQUIRE(again->prev_kv.has_value());
  CHECK(again->prev_kv->value == "host-a:9092");
  auto old = client.range({.key = "brokers/1", .revision = first_revision});
  REQUIRE(old.ok());
  REQUIRE(old->kvs.size() == 1);
  CHECK(old->kvs[0].value == "host-a:9092");
  auto serial = client.range({.key = "brokers/1", .serializable = true});
  REQUIRE(serial.ok());
  REQUIRE(serial->kvs.size() == 1);
  CHECK(serial->kvs[0].version == 2);

  auto deleted = client.delete_range({.key = "brokers/2", .prev_kv = true});
  REQUIRE(deleted.ok());
  CHECK(deleted->deleted == 1);
  REQUIRE(deleted->prev_kvs.size() == 1);
  CHECK(deleted->prev_kvs[0].value == "host-b:9092");
  auto gone = client.range({.key = "brokers/2"});
  REQUIRE(gone.ok());
  CHECK(gone->kvs.empty());
  CHECK(gone->count == 0);

  auto all_deleted = client.delete_range(DeleteRangeRequest::with_prefix(""));
  REQUIRE(all_deleted.ok());
  CHECK(all_deleted->deleted == 3);  // brokers/1, brokers0, bin/...
  auto empty = client.range(RangeRequest::with_prefix(""));
  REQUIRE(empty.ok());
  CHECK(empty->kvs.empty());
}

TEST_CASE("txn: create only if absent, then compare-and-set on the mod revision") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});

  auto create_if_absent = [](const std::string& value) {
    TxnRequest txn;
    txn.compare.push_back(Compare::create("controller", CompareResult::kEqual, 0));
    txn.success.push_back(PutRequest{.key = "controller", .value = value});
    txn.failure.push_back(RangeRequest{.key = "controller"});
    return txn;
  };

  auto won = client.txn(create_if_absent("broker-1"));
  REQUIRE_MESSAGE(won.ok(), won.status().to_string());
  CHECK(won->succeeded);
  REQUIRE(won->responses.size() == 1);
  const auto& put = std::get<PutResponse>(won->responses[0]);
  int64_t created_at = put.header.revision;
  CHECK(created_at == won->header.revision);

  auto lost = client.txn(create_if_absent("broker-2"));
  REQUIRE(lost.ok());
  CHECK_FALSE(lost->succeeded);
  REQUIRE(lost->responses.size() == 1);
  const auto& holder = std::get<RangeResponse>(lost->responses[0]);
  REQUIRE(holder.kvs.size() == 1);
  CHECK(holder.kvs[0].value == "broker-1");
  CHECK(holder.kvs[0].create_revision == created_at);
  CHECK(lost->header.revision == created_at);  // nothing written

  // CAS on the mod revision: the first writer with the right revision wins, a stale one fails.
  auto cas = [](int64_t expected_mod, const std::string& value) {
    TxnRequest txn;
    txn.compare.push_back(Compare::mod("controller", CompareResult::kEqual, expected_mod));
    txn.success.push_back(PutRequest{.key = "controller", .value = value, .prev_kv = true});
    return txn;
  };
  auto swapped = client.txn(cas(created_at, "broker-1 epoch 2"));
  REQUIRE(swapped.ok());
  CHECK(swapped->succeeded);
  const auto& swapped_put = std::get<PutResponse>(swapped->responses[0]);
  REQUIRE(swapped_put.prev_kv.has_value());
  CHECK(swapped_put.prev_kv->value == "broker-1");
  CHECK(swapped->header.revision == created_at + 1);

  auto stale = client.txn(cas(created_at, "stale writer"));
  REQUIRE(stale.ok());
  CHECK_FALSE(stale->succeeded);
  CHECK(stale->responses.empty());
  auto now = client.range({.key = "controller"});
  REQUIRE(now.ok());
  CHECK(now->kvs[0].value == "broker-1 epoch 2");
  CHECK(now->kvs[0].mod_revision == created_at + 1);
  CHECK(now->kvs[0].create_revision == created_at);

  // Several compares must all hold; value and version targets.
  TxnRequest multi;
  multi.compare.push_back(Compare::version("controller", CompareResult::kEqual, 2));
  multi.compare.push_back(
      Compare::value_of("controller", CompareResult::kEqual, "broker-1 epoch 2"));
  multi.compare.push_back(Compare::mod("controller", CompareResult::kGreater, created_at));
  multi.success.push_back(DeleteRangeRequest{.key = "controller", .prev_kv = true});
  multi.success.push_back(RangeRequest{.key = "controller"});
  auto deleted = client.txn(multi);
  REQUIRE(deleted.ok());
  CHECK(deleted->succeeded);
  REQUIRE(deleted->responses.size() == 2);
  CHECK(std::get<DeleteRangeResponse>(deleted->responses[0]).deleted == 1);
  CHECK(std::get<RangeResponse>(deleted->responses[1]).kvs.empty());
}

TEST_CASE("errors say which call and endpoint failed, with distinct codes") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});

  auto revoke = client.lease_revoke({.id = 12345});
  REQUIRE_FALSE(revoke.ok());
  CHECK(is_lease_not_found(revoke.status()));
  CHECK(revoke.status().message() == "etcd LeaseRevoke via " + etcd.endpoint(0) +
                                         ": HTTP 404: etcdserver: requested lease not found");

  // A put under a lease that does not exist.
  auto put = client.put({.key = "k", .value = "v", .lease = 999});
  REQUIRE_FALSE(put.ok());
  CHECK(is_lease_not_found(put.status()));

  REQUIRE(client.put({.key = "k", .value = "1"}).ok());
  auto second = client.put({.key = "k", .value = "2"});
  REQUIRE(second.ok());
  REQUIRE(client.put({.key = "k", .value = "3"}).ok());
  REQUIRE(client.compact({.revision = second->header.revision, .physical = true}).ok());
  auto compacted = client.range({.key = "k", .revision = second->header.revision - 1});
  REQUIRE_FALSE(compacted.ok());
  CHECK(is_compacted(compacted.status()));
  CHECK(compacted.status().message().find(
            "etcdserver: mvcc: required revision has been compacted") != std::string::npos);

  auto future = client.range({.key = "k", .revision = 1000000});
  REQUIRE_FALSE(future.ok());
  CHECK(future.status().code() == kInvalid);

  // Nothing listens: unavailable, within the call's timeout, naming the endpoint.
  std::string dead = "http://127.0.0.1:" + std::to_string(test::free_port());
  Client nowhere(ClientOptions{.endpoints = {dead}, .timeout = 1500ms});
  auto start = std::chrono::steady_clock::now();
  auto r = nowhere.range({.key = "k"});
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(is_unavailable(r.status()));
  CHECK(r.status().message().find("etcd Range: no answer within 1500 ms (" + dead +
                                  ": cannot connect:") == 0);
  CHECK(took < 10s);
}
