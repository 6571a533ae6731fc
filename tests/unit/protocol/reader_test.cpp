// The bounded Reader: every failure is an error with a location, never a crash or a large
// allocation.
#include <doctest/doctest.h>

#include "moldau/protocol/codec.h"
#include "moldau/protocol/messages/fetch.h"
#include "moldau/protocol/messages/metadata.h"
#include "moldau/protocol/messages/produce.h"
#include "moldau/protocol/reader.h"
#include "moldau/protocol/writer.h"

using namespace moldau;
using namespace moldau::protocol;

namespace {
Bytes bytes_of(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<uint8_t>(x));
  return b;
}
}  // namespace

TEST_CASE("fixed-width reads check the bytes left") {
  Bytes b = bytes_of({0x00, 0x01, 0x02});
  Reader r(b);
  int16_t a = 0;
  r.i16("a", a);
  CHECK(a == 1);
  int32_t c = 7;
  r.i32("c", c);
  CHECK_FALSE(r.ok());
  CHECK(c == 0);
  CHECK(r.status().code() == ErrorCode::kInvalidRequest);
  CHECK(r.status().message() == "c: needs 4 bytes, 1 left at offset 2");
  // Once failed, later reads are no-ops and the first error stays.
  int8_t d = 5;
  r.i8("d", d);
  CHECK(d == 0);
  CHECK(r.status().message() == "c: needs 4 bytes, 1 left at offset 2");
}

TEST_CASE("huge array counts fail before allocating, naming the path and offset") {
  // Fetch v11: replica_id, max_wait, min_bytes, max_bytes, isolation, session id, epoch,
  // then topics: count 1, topic "t", partitions: count 2147483647.
  Writer w;
  w.i32("", -1);
  w.i32("", 500);
  w.i32("", 1);
  w.i32("", 1 << 20);
  w.i8("", 0);
  w.i32("", 0);
  w.i32("", -1);
  w.i32("", 1);
  w.string("", std::string("t"));
  w.i32("", 2147483647);
  w.i32("", 0);
  w.i32("", 0);
  w.i32("", 0);
  auto r = decode<FetchRequest>(w.buffer(), 11);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "FetchRequest v11: topics[0].partitions: count 2147483647 exceeds 12 bytes left at offset 36");
}

TEST_CASE("string and bytes lengths beyond the input fail") {
  Bytes b = bytes_of({0x7f, 0xff, 'a'});
  Reader r(b);
  std::string s;
  r.string("name", s);
  CHECK_FALSE(r.ok());
  CHECK(r.status().message() == "name: length 32767 exceeds 1 bytes left at offset 2");

  Bytes c = bytes_of({0x7f, 0xff, 0xff, 0xff});
  Reader r2(c);
  Bytes out;
  r2.bytes("value", out);
  CHECK_FALSE(r2.ok());
  CHECK(out.empty());

  // Negative lengths other than -1 are malformed; -1 is null only where nullable.
  Bytes d = bytes_of({0xff, 0xfe});
  Reader r3(d);
  std::optional<std::string> ns;
  r3.nullable_string("n", ns);
  CHECK_FALSE(r3.ok());
  Bytes e = bytes_of({0xff, 0xff});
  Reader r4(e);
  r4.string("n", s);
  CHECK_FALSE(r4.ok());
  CHECK(r4.status().message() == "n: null where the field is not nullable at offset 2");
  Reader r5(e);
  r5.nullable_string("n", ns);
  CHECK(r5.ok());
  CHECK_FALSE(ns.has_value());
}

TEST_CASE("compact encodings in flexible versions") {
  Writer w(true);
  w.string("", std::string("abc"));
  w.nullable_string("", std::optional<std::string>());
  CHECK(w.buffer() == bytes_of({4, 'a', 'b', 'c', 0}));
  Reader r(w.buffer(), true);
  std::string s;
  std::optional<std::string> n = "x";
  r.string("s", s);
  r.nullable_string("n", n);
  CHECK(r.ok());
  CHECK(s == "abc");
  CHECK_FALSE(n.has_value());
}

TEST_CASE("bad varints are errors") {
  // Six continuation bytes: longer than a 32-bit varint may be.
  Bytes b = bytes_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  Reader r(b, true);
  uint32_t v = 0;
  r.uvarint("len", v);
  CHECK_FALSE(r.ok());
  // Truncated.
  Bytes t = bytes_of({0x80});
  Reader r2(t, true);
  r2.uvarint("len", v);
  CHECK_FALSE(r2.ok());
  // Overflowing 32 bits in the fifth byte.
  Bytes o = bytes_of({0xff, 0xff, 0xff, 0xff, 0x7f});
  Reader r3(o, true);
  r3.uvarint("len", v);
  CHECK_FALSE(r3.ok());
  Bytes ok = bytes_of({0xff, 0xff, 0xff, 0xff, 0x0f});
  Reader r4(ok, true);
  r4.uvarint("len", v);
  CHECK(r4.ok());
  CHECK(v == 0xffffffffu);
}

TEST_CASE("huge tagged-field counts and sizes fail") {
  // A flexible Metadata v12 request: topics null (0), allow auto create, include ops, then a
  // tagged-field count of 2^31.
  Bytes b = bytes_of({0x00, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08});
  auto r = decode<MetadataRequest>(b, 12);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("tagged_fields: count 2147483648 exceeds") != std::string::npos);
  // One tag whose size runs past the end.
  Bytes c = bytes_of({0x00, 0x01, 0x00, 0x01, 0x05, 0x7f, 0x00});
  auto r2 = decode<MetadataRequest>(c, 12);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().message().find("size 127 exceeds") != std::string::npos);
}

TEST_CASE("unknown tagged fields are skipped, known ones decoded") {
  FetchRequest req;
  req.cluster_id = "cluster-1";
  req.topics.resize(1);
  req.topics[0].topic = "t";
  Bytes b = encode(req, 12);
  auto d = decode<FetchRequest>(b, 12);
  REQUIRE(d.ok());
  CHECK(d->cluster_id == std::optional<std::string>("cluster-1"));

  // Splice an unknown tag 7 (2 bytes) after cluster_id's tag in the top-level tag block.
  Bytes with_unknown(b.begin(), b.end());
  // The top-level tags are the last bytes: count 1, tag 0, size, compact string.
  size_t tags_at = b.size() - (1 + 1 + 1 + 1 + 9);
  CHECK(with_unknown[tags_at] == 1);
  with_unknown[tags_at] = 2;
  for (int x : {7, 2, 0xaa, 0xbb}) with_unknown.push_back(static_cast<uint8_t>(x));
  auto d2 = decode<FetchRequest>(with_unknown, 12);
  REQUIRE_MESSAGE(d2.ok(), d2.status().to_string());
  CHECK(d2->cluster_id == std::optional<std::string>("cluster-1"));
}

TEST_CASE("record payloads held as file slices are spliced, not copied") {
  Records rec;
  rec.slices.push_back(FileSlice{nullptr, 100, 50});
  rec.slices.push_back(FileSlice{nullptr, 400, 25});
  Writer w;
  w.i32("", 1);
  w.records("records", rec);
  w.i32("", 2);
  CHECK(w.size() == 4 + 4 + 75 + 4);
  CHECK(w.buffer().size() == 12);
  REQUIRE(w.splices().size() == 2);
  CHECK(w.splices()[0].buffer_offset == 8);
  CHECK(w.splices()[1].buffer_offset == 8);
  CHECK(w.buffer() == bytes_of({0, 0, 0, 1, 0, 0, 0, 75, 0, 0, 0, 2}));
}
