// The gateway JSON codec, base64 and prefix ranges: no etcd process needed.

#include <doctest/doctest.h>

#include <set>

#include "moldau/etcd/base64.h"
#include "moldau/etcd/codec.h"
#include "moldau/etcd/errors.h"
#include "moldau/etcd/types.h"

using namespace moldau;
using namespace moldau::etcd;
using detail::Json;

TEST_CASE("base64 round trips every length and rejects malformed text") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode(std::string("\x00\xff\xfe", 3)) == "AP/+");
  for (size_t n = 0; n < 40; ++n) {
    std::string bytes;
    for (size_t i = 0; i < n; ++i) bytes += char(i * 37 + 11);
    auto back = base64_decode(base64_encode(bytes));
    REQUIRE(back.has_value());
    CHECK(*back == bytes);
  }
  CHECK_FALSE(base64_decode("Zm9").has_value());
  CHECK_FALSE(base64_decode("Zm=v").has_value());
  CHECK_FALSE(base64_decode("Zm9*").has_value());
  CHECK_FALSE(base64_decode("Zg==Zg==").has_value());
}

TEST_CASE("prefix_range_end increments the last byte below 0xff") {
  CHECK(prefix_range_end("brokers/") == "brokers0");
  CHECK(prefix_range_end("a") == "b");
  CHECK(prefix_range_end(std::string("a\xff", 2)) == "b");
  CHECK(prefix_range_end(std::string("\xff\xff", 2)) == std::string(1, '\0'));
  CHECK(prefix_range_end("") == std::string(1, '\0'));
  auto all = RangeRequest::with_prefix("");
  CHECK(all.key == std::string(1, '\0'));
  CHECK(all.range_end == std::string(1, '\0'));
}

TEST_CASE("a txn request encodes compares and ops as the gateway expects") {
  TxnRequest txn;
  txn.compare.push_back(Compare::create("controller", CompareResult::kEqual, 0));
  txn.compare.push_back(Compare::mod("p/0", CompareResult::kNotEqual, 42));
  txn.compare.push_back(Compare::value_of("v", CompareResult::kGreater, "x"));
  txn.success.push_back(PutRequest{"controller", "1", 7, false});
  txn.failure.push_back(RangeRequest{.key = "controller"});
  txn.failure.push_back(DeleteRangeRequest::with_prefix("a"));
  Json j = detail::to_json(txn);
  CHECK(j.dump() ==
        R"({"compare":[{"create_revision":"0","key":"Y29udHJvbGxlcg==",)"
        R"("result":"EQUAL","target":"CREATE"},)"
        R"({"key":"cC8w","mod_revision":"42","result":"NOT_EQUAL","target":"MOD"},)"
        R"({"key":"dg==","result":"GREATER","target":"VALUE","value":"eA=="}],)"
        R"("failure":[{"request_range":{"key":"Y29udHJvbGxlcg=="}},)"
        R"({"request_delete_range":{"key":"YQ==","range_end":"Yg=="}}],)"
        R"("success":[{"request_put":{"key":"Y29udHJvbGxlcg==","lease":"7",)"
        R"("value":"MQ=="}}]})");
}

TEST_CASE("a txn response decodes per-op results, with omitted defaults read as zero") {
  // As etcd 3.4 answers a failed create-if-absent whose failure branch read the key.
  auto j = Json::parse(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
      R"("revision":"2","raft_term":"2"},)"
      R"("responses":[{"response_range":{"header":{"revision":"2"},)"
      R"("kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1",)"
      R"("value":"YmFy"}],"count":"1"}},{"response_put":{"header":{"revision":"2"}}}]})");
  TxnResponse r;
  REQUIRE(detail::from_json(j, r).ok());
  CHECK_FALSE(r.succeeded);
  CHECK(r.header.cluster_id == 15118495548433857066ull);
  CHECK(r.header.revision == 2);
  REQUIRE(r.responses.size() == 2);
  const auto& range = std::get<RangeResponse>(r.responses[0]);
  REQUIRE(range.kvs.size() == 1);
  CHECK(range.kvs[0].key == "foo");
  CHECK(range.kvs[0].value == "bar");
  CHECK(range.kvs[0].create_revision == 2);
  CHECK(range.kvs[0].lease == 0);
  CHECK(range.count == 1);
  CHECK_FALSE(std::get<PutResponse>(r.responses[1]).prev_kv.has_value());
}

TEST_CASE("malformed responses fail with the field named") {
  TxnResponse r;
  auto s = detail::from_json(Json::parse(R"({"header":{"revision":"x2"}})"), r);
  CHECK(s.code() == ErrorCode::kUnknownServerError);
  CHECK(s.message() ==
        "unexpected txn response from etcd: field revision: not a 64-bit integer: \"x2\"");
  RangeResponse rr;
  s = detail::from_json(Json::parse(R"({"kvs":[{"key":"!!"}]})"), rr);
  CHECK(s.message() == "unexpected range response from etcd: field key: not base64: !!");
}

TEST_CASE("watch messages: events, deletes, compaction") {
  detail::WatchMessage m;
  auto j = Json::parse(
      R"({"header":{"revision":"6"},"events":[)"
      R"({"kv":{"key":"Zm9v","mod_revision":"5","value":"YmFy"}},)"
      R"({"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"6"},)"
      R"("prev_kv":{"key":"Zm9v","mod_revision":"5"}}]})");
  REQUIRE(detail::from_json(j, m).ok());
  REQUIRE(m.events.size() == 2);
  CHECK(m.events[0].type == WatchEvent::Type::kPut);
  CHECK(m.events[0].kv.value == "bar");
  CHECK(m.events[1].type == WatchEvent::Type::kDelete);
  CHECK(m.events[1].kv.mod_revision == 6);
  REQUIRE(m.events[1].prev_kv.has_value());
  CHECK(m.events[1].prev_kv->mod_revision == 5);

  detail::WatchMessage c;
  auto cancel = Json::parse(R"({"header":{},"canceled":true,"compact_revision":"4"})");
  REQUIRE(detail::from_json(cancel, c).ok());
  CHECK(c.canceled);
  CHECK(c.compact_revision == 4);
}

TEST_CASE("gateway errors in both shapes map to distinct codes") {
  auto unary = detail::gateway_error(Json::parse(
      R"({"error":"etcdserver: requested lease not found",)"
      R"("message":"etcdserver: requested lease not found","code":5})"));
  REQUIRE(unary.has_value());
  CHECK(unary->grpc_code == 5);
  CHECK(detail::code_for_etcd_error(unary->grpc_code, unary->message) == kLeaseNotFound);
  auto streamed = detail::gateway_error(Json::parse(
      R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader",)"
      R"("http_status":"Service Unavailable"}})"));
  REQUIRE(streamed.has_value());
  CHECK(detail::code_for_etcd_error(streamed->grpc_code, streamed->message) == kUnavailable);
  CHECK(detail::code_for_etcd_error(
            11, "etcdserver: mvcc: required revision has been compacted") == kCompacted);
  CHECK(detail::code_for_etcd_error(
            11, "etcdserver: mvcc: required revision is a future revision") == kInvalid);
  CHECK_FALSE(detail::gateway_error(Json::parse(R"({"result":{}})")).has_value());
  // Each kind a caller tells apart has its own code.
  std::set<ErrorCode> codes{kTimedOut, kUnavailable, kLeaseNotFound, kCompacted,
                            kInvalid,  kClosed,      kOther};
  CHECK(codes.size() == 7);
}
