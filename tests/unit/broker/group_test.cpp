// The coordinator's pure parts: Java String.hashCode partitioning, protocol choice by votes,
// membership bookkeeping (leaders, static members), state names.
#include <doctest/doctest.h>

#include "moldau/broker/group/group.h"
#include "moldau/protocol/consumer_protocol.h"

using namespace moldau;
using namespace moldau::broker::group;

namespace {

Member member(std::string id, std::vector<std::string> protocols, std::string type = "consumer") {
  Member m;
  m.id = std::move(id);
  m.protocol_type = std::move(type);
  for (auto& p : protocols) m.protocols.push_back({p, {}});
  return m;
}

}  // namespace

TEST_CASE("java String.hashCode, values checked against Java's definition") {
  CHECK(java_string_hash("") == 0);
  CHECK(java_string_hash("hello") == 99162322);
  CHECK(java_string_hash("my-group") == -1906497762);
  CHECK(java_string_hash("polygenelubricants") == INT32_MIN);
  CHECK(java_string_hash("\xc3\xa9") == 233);                 // é: one UTF-16 unit
  CHECK(java_string_hash("\xf0\x9f\x98\x80") == 1772899);     // U+1F600: a surrogate pair
  CHECK(java_string_hash("group\xc3\xa9\xf0\x9f\x98\x80") == 508263725);
}

TEST_CASE("partition_for: Utils.abs(hashCode) % partitions") {
  CHECK(partition_for("hello", 50) == 22);
  CHECK(partition_for("my-group", 50) == 12);
  CHECK(partition_for("console-consumer-12345", 50) == 6);
  CHECK(partition_for("polygenelubricants", 50) == 0);  // abs(MIN_VALUE) is 0 in Kafka's Utils
  CHECK(partition_for("\xf0\x9f\x98\x80", 50) == 49);
  CHECK(partition_for("my-group", 1) == 0);
}

TEST_CASE("protocol selection: common candidates, majority vote, leader breaks ties") {
  Group g("g");
  g.add(member("a", {"range", "roundrobin"}));
  g.add(member("b", {"roundrobin", "range"}));
  g.add(member("c", {"roundrobin", "range", "sticky"}));
  CHECK(g.select_protocol() == "roundrobin");
  g.remove("c");
  // One vote each: the leader's ("a") preference wins.
  CHECK(g.leader == "a");
  CHECK(g.select_protocol() == "range");
  g.add(member("d", {"sticky"}));
  CHECK(g.select_protocol().empty());  // no protocol every member supports
}

TEST_CASE("supports_protocols: type and a protocol every member has") {
  Group g("g");
  CHECK(!g.supports_protocols("consumer", {}));
  CHECK(!g.supports_protocols("", {{"range", {}}}));
  CHECK(g.supports_protocols("consumer", {{"range", {}}}));
  g.add(member("a", {"range", "roundrobin"}));
  CHECK(g.protocol_type == "consumer");
  CHECK(g.supports_protocols("consumer", {{"x", {}}, {"roundrobin", {}}}));
  CHECK(!g.supports_protocols("consumer", {{"cooperative-sticky", {}}}));
  CHECK(!g.supports_protocols("connect", {{"range", {}}}));
}

TEST_CASE("leader moves to a remaining member; static members are re-keyed") {
  Group g("g");
  Member s = member("s-1", {"range"});
  s.instance_id = "inst";
  s.assignment = {9};
  g.add(std::move(s));
  g.add(member("b", {"range"}));
  CHECK(g.leader == "s-1");
  CHECK(g.static_member("inst") == "s-1");
  Member& r = g.replace_static_member("inst", "s-1", "s-2");
  CHECK(r.id == "s-2");
  CHECK(r.assignment == Bytes{9});
  CHECK(g.leader == "s-2");
  CHECK(!g.has("s-1"));
  CHECK(g.static_member("inst") == "s-2");
  g.remove("s-2");
  CHECK(g.leader == "b");
  CHECK(!g.static_member("inst"));
  g.remove("b");
  CHECK(g.leader.empty());
  CHECK(g.empty());
}

TEST_CASE("all_members_joined counts waiters and pending members") {
  asio::io_context io;
  Group g("g");
  g.add(member("a", {"range"}));
  g.add(member("b", {"range"}));
  CHECK(!g.all_members_joined());
  g.get("a")->join_waiter = std::make_shared<Waiter<JoinResult>>(io);
  CHECK(g.num_awaiting_join() == 1);
  g.get("b")->join_waiter = std::make_shared<Waiter<JoinResult>>(io);
  CHECK(g.all_members_joined());
  g.pending_members["p"] = nullptr;
  CHECK(!g.all_members_joined());
}

TEST_CASE("the end of a join phase removes members that did not rejoin and keeps pending ones") {
  asio::io_context io;
  Group g("g");
  g.add(member("a", {"range"}));
  g.add(member("b", {"range"}));
  g.get("a")->join_waiter = std::make_shared<Waiter<JoinResult>>(io);
  // "p" got MEMBER_ID_REQUIRED and has not come back yet.
  g.pending_members["p"] = nullptr;
  CHECK(g.remove_members_not_rejoined() == std::vector<std::string>{"b"});
  CHECK(g.size() == 1);
  CHECK(g.has("a"));
  CHECK(g.leader == "a");
  // Its rejoin must still find it pending, so that it joins the next generation.
  CHECK(g.pending_members.contains("p"));
  CHECK(!g.all_members_joined());
}

TEST_CASE("subscribed topics of a consumer group") {
  Group g("g");
  protocol::ConsumerProtocolSubscription s;
  s.topics = {"t1", "t2"};
  Member a = member("a", {});
  a.protocols.push_back({"range", protocol::encode_consumer_protocol(s)});
  g.add(std::move(a));
  CHECK(!g.subscribed_topics());  // no protocol chosen yet
  g.protocol = "range";
  auto topics = g.subscribed_topics();
  REQUIRE(topics);
  CHECK(*topics == std::set<std::string>{"t1", "t2"});
}

TEST_CASE("state names and the ListGroups filter") {
  CHECK(std::string(state_name(GroupState::kCompletingRebalance)) == "CompletingRebalance");
  CHECK(parse_state("stable") == GroupState::kStable);
  CHECK(parse_state("EMPTY") == GroupState::kEmpty);
  CHECK(!parse_state("bogus"));
}
