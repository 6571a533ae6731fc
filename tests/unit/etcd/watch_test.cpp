// Watches against a real etcd: order, resumption after etcd restarts, compaction, cancel.

#include <doctest/doctest.h>

#include <optional>

#include "etcd_cluster.h"
#include "io_util.h"
#include "moldau/etcd/client.h"
#include "moldau/etcd/watch.h"

using namespace moldau;
using namespace moldau::etcd;
using namespace std::chrono_literals;

namespace {

// What a watch delivered, as test::describe strings, plus how it was called.
struct Seen {
  std::vector<std::string> events;
  std::vector<std::pair<int64_t, size_t>> batches;  // (revision, batch number) per event
  std::optional<int64_t> compacted;
  size_t calls = 0;

  WatchHandler handler() {
    return WatchHandler{
        .on_events =
            [this](std::vector<WatchEvent> batch) {
              for (const auto& e : batch) {
                events.push_back(test::describe(e));
                batches.emplace_back(e.kv.mod_revision, calls);
              }
              ++calls;
            },
        .on_compacted = [this](int64_t revision) { compacted = revision; },
    };
  }
};

int64_t put(Client& client, const std::string& key, const std::string& value) {
  auto r = client.put({.key = key, .value = value});
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return r->header.revision;
}

std::string put_event(const std::string& key, const std::string& value, int64_t revision) {
  return "PUT " + key + "=" + value + " @" + std::to_string(revision);
}

}  // namespace

TEST_CASE("a prefix watch delivers puts and deletes in revision order, a txn in one batch") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;

  // History before the watch starts is replayed from start_revision.
  int64_t r1 = put(client, "p/a", "1");
  put(client, "outside", "x");
  Seen seen;
  Watch watch(client, WatchOptions::with_prefix("p/", r1), io.get_executor(), seen.handler());
  int64_t r2 = put(client, "p/b", "2");
  TxnRequest txn;
  txn.success.push_back(PutRequest{.key = "p/c", .value = "3"});
  txn.success.push_back(DeleteRangeRequest{.key = "p/a"});
  auto t = client.txn(txn);
  REQUIRE(t.ok());
  int64_t r3 = t->header.revision;
  auto d = client.delete_range(DeleteRangeRequest::with_prefix("p/"));
  REQUIRE(d.ok());
  int64_t r4 = d->header.revision;

  std::vector<std::string> expected = {
      put_event("p/a", "1", r1),
      put_event("p/b", "2", r2),
      put_event("p/c", "3", r3),
      "DELETE p/a @" + std::to_string(r3) + " (was 1)",
      "DELETE p/b @" + std::to_string(r4) + " (was 2)",
      "DELETE p/c @" + std::to_string(r4) + " (was 3)",
  };
  REQUIRE(test::run_until(io, [&] { return seen.events.size() >= expected.size(); }));
  CHECK(seen.events == expected);
  CHECK_FALSE(seen.compacted.has_value());
  // The changes of one revision (the txn, the delete of the prefix) came in one call.
  for (size_t i = 1; i < seen.batches.size(); ++i) {
    if (seen.batches[i].first == seen.batches[i - 1].first)
      CHECK(seen.batches[i].second == seen.batches[i - 1].second);
  }

  // Cancelled: later changes are not delivered. A second watch shows when they have been
  // streamed, so the first had its chance.
  watch.cancel();
  Seen after;
  Watch witness(client, WatchOptions::with_prefix("p/", r4 + 1), io.get_executor(),
                after.handler());
  int64_t r5 = put(client, "p/late", "5");
  REQUIRE(test::run_until(io, [&] { return !after.events.empty(); }));
  CHECK(after.events == std::vector<std::string>{put_event("p/late", "5", r5)});
  test::run_until(io, [] { return false; }, 100ms);  // run anything the cancelled watch posted
  CHECK(seen.events.size() == expected.size());
}

TEST_CASE("a watch resumes after etcd is killed and restarted, missing nothing") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;

  int64_t r1 = put(client, "brokers/1", "a");
  Seen seen;
  Watch watch(client, WatchOptions::with_prefix("brokers/", r1), io.get_executor(), seen.handler());
  int64_t r2 = put(client, "brokers/2", "b");
  REQUIRE(test::run_until(io, [&] { return seen.events.size() == 2; }));

  // Restarted on another client port, where the watch cannot reach it, so that the next
  // changes are made while the watch is certainly disconnected.
  etcd.kill(0);
  int other_port = test::free_port();
  etcd.restart(0, other_port);
  Client elsewhere(ClientOptions{.endpoints = {"http://127.0.0.1:" + std::to_string(other_port)}});
  int64_t r3 = put(elsewhere, "brokers/3", "c");
  auto d = elsewhere.delete_range({.key = "brokers/1"});
  REQUIRE(d.ok());
  int64_t r4 = d->header.revision;
  etcd.kill(0);
  test::run_until(io, [] { return false; }, 200ms);  // the watch fails to reconnect meanwhile
  CHECK(seen.events.size() == 2);

  // Back on its own port: the watch reconnects and resumes at r2 + 1.
  etcd.restart(0);
  int64_t r5 = put(client, "brokers/4", "d");
  std::vector<std::string> expected = {
      put_event("brokers/1", "a", r1),
      put_event("brokers/2", "b", r2),
      put_event("brokers/3", "c", r3),
      "DELETE brokers/1 @" + std::to_string(r4) + " (was a)",
      put_event("brokers/4", "d", r5),
  };
  REQUIRE(test::run_until(io, [&] { return seen.events.size() >= expected.size(); }, 60s));
  CHECK(seen.events == expected);
  CHECK_FALSE(seen.compacted.has_value());
}

TEST_CASE("a watch resuming from a compacted revision says so, and stops") {
  test::EtcdCluster etcd;
  Client client(ClientOptions{.endpoints = etcd.endpoints()});
  asio::io_context io;

  int64_t r1 = put(client, "t/1", "a");
  Seen seen;
  Watch watch(client, WatchOptions::with_prefix("t/", r1), io.get_executor(), seen.handler());
  REQUIRE(test::run_until(io, [&] { return seen.events.size() == 1; }));

  // While the watch cannot reach etcd, changes are made and compacted away.
  etcd.kill(0);
  int other_port = test::free_port();
  etcd.restart(0, other_port);
  Client elsewhere(ClientOptions{.endpoints = {"http://127.0.0.1:" + std::to_string(other_port)}});
  put(elsewhere, "t/2", "b");
  int64_t r3 = put(elsewhere, "t/3", "c");
  REQUIRE(elsewhere.compact({.revision = r3, .physical = true}).ok());
  etcd.kill(0);
  etcd.restart(0);

  REQUIRE(test::run_until(io, [&] { return seen.compacted.has_value(); }, 60s));
  CHECK(*seen.compacted == r3);
  CHECK(seen.events == std::vector<std::string>{put_event("t/1", "a", r1)});

  // Stopped: nothing more arrives, while a new watch from the current revision works.
  auto list = client.range(RangeRequest::with_prefix("t/"));
  REQUIRE(list.ok());
  CHECK(list->kvs.size() == 3);
  Seen fresh;
  Watch rewatch(client, WatchOptions::with_prefix("t/", list->header.revision + 1),
                io.get_executor(), fresh.handler());
  int64_t r4 = put(client, "t/4", "d");
  REQUIRE(test::run_until(io, [&] { return !fresh.events.empty(); }));
  CHECK(fresh.events == std::vector<std::string>{put_event("t/4", "d", r4)});
  CHECK(seen.events.size() == 1);

  // A watch started at an already compacted revision is told at once.
  Seen late;
  Watch too_old(client, WatchOptions::with_prefix("t/", r1), io.get_executor(), late.handler());
  REQUIRE(test::run_until(io, [&] { return late.compacted.has_value(); }));
  CHECK(*late.compacted == r3);
  CHECK(late.events.empty());
}
