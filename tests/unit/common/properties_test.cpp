// Properties parsing, checked rule by rule against java.util.Properties.load.
#include "moldau/common/properties.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace moldau;

namespace {

Properties parse_ok(std::string_view text) {
  auto r = Properties::parse(text);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

// The single value of a one-entry text.
std::string value_of(std::string_view text, const std::string& key) {
  Properties p = parse_ok(text);
  CHECK(p.size() == 1);
  auto v = p.get(key);
  REQUIRE_MESSAGE(v.has_value(), "no key '" << key << "' in: " << text);
  return *v;
}

}  // namespace

TEST_CASE("separators: '=', ':' or whitespace, with whitespace around them") {
  CHECK(value_of("a=b", "a") == "b");
  CHECK(value_of("a:b", "a") == "b");
  CHECK(value_of("a b", "a") == "b");
  CHECK(value_of("a\tb", "a") == "b");
  CHECK(value_of("a\fb", "a") == "b");
  CHECK(value_of("a = b", "a") == "b");
  CHECK(value_of("a    b", "a") == "b");
  CHECK(value_of("a \t : \t b", "a") == "b");
  CHECK(value_of("a==b", "a") == "=b");  // only the first '=' separates
  CHECK(value_of("a = = b", "a") == "= b");
  CHECK(value_of("a: :b", "a") == ":b");
  CHECK(value_of("a b=c", "a") == "b=c");
  CHECK(value_of("a=b  ", "a") == "b  ");  // trailing whitespace is kept
  CHECK(value_of("url=http://h:80/x?y=z", "url") == "http://h:80/x?y=z");
}

TEST_CASE("keys without values, and empty keys") {
  CHECK(value_of("a", "a") == "");
  CHECK(value_of("a=", "a") == "");
  CHECK(value_of("a   ", "a") == "");
  CHECK(value_of("a :", "a") == "");
  CHECK(value_of("=b", "") == "b");
}

TEST_CASE("comments and blank lines") {
  Properties p = parse_ok(
      "# a comment\n"
      "! another comment\n"
      "   # indented comment\n"
      "\t! indented too\n"
      "\n"
      "   \t  \n"
      "a=b # not a comment\n"
      "c=d!\n"
      "#comment ending in a backslash does not continue \\\n"
      "e=f\n");
  CHECK(p.keys() == std::vector<std::string>{"a", "c", "e"});
  CHECK(p.get("a") == "b # not a comment");
  CHECK(p.get("c") == "d!");
  CHECK(p.get("e") == "f");
  CHECK(parse_ok("# only\n! comments").empty());
  CHECK(parse_ok("").empty());
}

TEST_CASE("leading whitespace of a line is skipped") {
  CHECK(value_of("   \t\fkey=value", "key") == "value");
}

TEST_CASE("line continuations") {
  CHECK(value_of("fruits = apple, banana, \\\n          pear, cherry", "fruits") ==
        "apple, banana, pear, cherry");
  CHECK(value_of("a=b\\\nc", "a") == "bc");
  CHECK(value_of("a=b\\\n\t \f c\\\n  d", "a") == "bcd");
  // The key itself may continue.
  CHECK(value_of("ke\\\n  y=v", "key") == "v");
  // A continued line starting with '#' or '!' is content, not a comment.
  CHECK(value_of("a=b\\\n  #c", "a") == "b#c");
  CHECK(value_of("a=b\\\n!c", "a") == "b!c");
  // An even number of backslashes is escaped backslashes, not a continuation.
  Properties even = parse_ok("a=b\\\\\nc=d");
  CHECK(even.get("a") == "b\\");
  CHECK(even.get("c") == "d");
  // Three: one escaped backslash, then a continuation.
  CHECK(value_of("a=b\\\\\\\nc", "a") == "b\\c");
  // An empty line ends a continued one.
  Properties empty = parse_ok("a=b\\\n\nc=d");
  CHECK(empty.get("a") == "b");
  CHECK(empty.get("c") == "d");
  // A backslash at the very end of the input is dropped.
  CHECK(value_of("a=b\\", "a") == "b");
  // A line that is only a backslash continues into the next one.
  CHECK(value_of("\\\nx=y", "x") == "y");
}

TEST_CASE("JDK LineReader corner cases") {
  // Found by differential fuzzing against OpenJDK 17's Properties.load.
  // A '#' or '!' where the logical line is still empty is a comment, even after a continuation.
  Properties p = parse_ok("\\\n#b1\\\nx\\\n1#");
  CHECK(p.keys() == std::vector<std::string>{"x1#"});
  CHECK(parse_ok("3\n\\\r!\n3D").keys() == std::vector<std::string>{"3", "3D"});
  // A continuation whose line break ends the input yields an (empty) entry...
  Properties q = parse_ok("a=1\n\\\n");
  CHECK(q.keys() == std::vector<std::string>{"a", ""});
  CHECK(parse_ok("\\\r").keys() == std::vector<std::string>{""});
  // ...but not when the break is "\r\n".
  CHECK(parse_ok("a=1\n\\\r\n").keys() == std::vector<std::string>{"a"});
}

TEST_CASE("line terminators: \\n, \\r\\n and \\r") {
  Properties p = parse_ok("a=1\r\nb=2\rc=3\nd=4\\\r\n   5\r\ne=6\\\r  7");
  CHECK(p.keys() == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(p.get("a") == "1");
  CHECK(p.get("b") == "2");
  CHECK(p.get("c") == "3");
  CHECK(p.get("d") == "45");
  CHECK(p.get("e") == "67");
}

TEST_CASE("escapes") {
  CHECK(value_of("a=\\t\\n\\r\\f", "a") == "\t\n\r\f");
  CHECK(value_of("a=x\\\\y", "a") == "x\\y");
  CHECK(value_of("a=\\x\\y\\z\\=\\:\\#\\!", "a") == "xyz=:#!");  // backslash + other char
  CHECK(value_of("a=\\ b", "a") == " b");  // an escaped space keeps leading whitespace
  CHECK(value_of("a=\\u0041\\u0062c", "a") == "Abc");
  CHECK(value_of("a=\\u00e9\\u00E9", "a") == "\xC3\xA9\xC3\xA9");
  CHECK(value_of("a=\\u20AC", "a") == "\xE2\x82\xAC");
  CHECK(value_of("a=\\uD83D\\uDE00", "a") == "\xF0\x9F\x98\x80");  // surrogate pair
  CHECK(value_of("a=caf\xC3\xA9", "a") == "caf\xC3\xA9");          // UTF-8 passes through
  CHECK(value_of("\\u0041=1", "A") == "1");
}

TEST_CASE("keys with escaped separators and whitespace") {
  Properties p = parse_ok(
      "key\\=with\\:seps\\ and\\ spaces = v\n"
      "a\\\\=b\n"
      "tab\\\tkey c\n");
  CHECK(p.get("key=with:seps and spaces") == "v");
  CHECK(p.get("a\\") == "b");
  CHECK(p.get("tab\tkey") == "c");
}

TEST_CASE("malformed \\u escapes are errors naming the line") {
  for (const char* text : {"x=1\na=\\u12", "x=1\na=\\uZZZZ", "x=1\n\\u=1", "x=1\na=\\u004"}) {
    CAPTURE(text);
    auto r = Properties::parse(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidConfig);
    CHECK(r.status().message() == "Malformed \\uxxxx encoding on line 2");
  }
}

TEST_CASE("duplicates replace the value and keep the first position") {
  Properties p = parse_ok("b=1\na=2\nb=3\n");
  CHECK(p.keys() == std::vector<std::string>{"b", "a"});
  CHECK(p.get("b") == "3");
  CHECK(p.size() == 2);
}

TEST_CASE("map operations keep insertion order") {
  Properties p;
  CHECK(p.empty());
  p.set("z", "1");
  p.set("a", "2");
  p.set("m", "3");
  CHECK(p.keys() == std::vector<std::string>{"z", "a", "m"});
  CHECK(p.contains("a"));
  CHECK_FALSE(p.contains("b"));
  CHECK_FALSE(p.get("b").has_value());
  CHECK(p.get_or("b", "dflt") == "dflt");
  CHECK(p.get_or("a", "dflt") == "2");
  CHECK(p.erase("a"));
  CHECK_FALSE(p.erase("a"));
  CHECK(p.keys() == std::vector<std::string>{"z", "m"});
  CHECK(p.get("m") == "3");
  p.set("a", "4");
  CHECK(p.entries().back() == std::pair<std::string, std::string>{"a", "4"});
}

TEST_CASE("a realistic server.properties") {
  Properties p = parse_ok(
      "############################# Server Basics #############################\n"
      "\n"
      "# The id of the broker. This must be set to a unique integer for each broker.\n"
      "broker.id=0\n"
      "listeners=PLAINTEXT://:9092\n"
      "num.network.threads=3\n"
      "log.dirs=/tmp/kafka-logs\n"
      "num.partitions=1\n"
      "log.retention.hours=168\n"
      "zookeeper.connect=localhost:2181\n");
  CHECK(p.keys() == std::vector<std::string>{"broker.id", "listeners", "num.network.threads",
                                             "log.dirs", "num.partitions", "log.retention.hours",
                                             "zookeeper.connect"});
  CHECK(p.get("listeners") == "PLAINTEXT://:9092");
  CHECK(*p.get_int("num.partitions", 7) == 1);
}

TEST_CASE("load_file") {
  char path[] = "/tmp/moldau_props_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path, std::ios::binary);
    out << "# test\nbroker.id = 5\nlog.dirs=/data/a,/data/b\n";
  }
  auto r = Properties::load_file(path);
  REQUIRE(r.ok());
  CHECK(r->get("broker.id") == "5");
  CHECK(r->get("log.dirs") == "/data/a,/data/b");
  std::remove(path);

  auto missing = Properties::load_file("/nonexistent/dir/server.properties");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kInvalidConfig);
  CHECK(missing.status().message().find("/nonexistent/dir/server.properties") != std::string::npos);
}

TEST_CASE("apply_override") {
  Properties p = parse_ok("broker.id=0\n");
  CHECK(apply_override(p, "broker.id=3").ok());
  CHECK(apply_override(p, "log.dirs=/tmp/a=b").ok());  // split at the first '='
  CHECK(apply_override(p, "empty=").ok());
  CHECK(p.get("broker.id") == "3");
  CHECK(p.get("log.dirs") == "/tmp/a=b");
  CHECK(p.get("empty") == "");
  CHECK(p.keys() == std::vector<std::string>{"broker.id", "log.dirs", "empty"});

  Status bad = apply_override(p, "broker.id");
  CHECK(bad.code() == ErrorCode::kInvalidConfig);
  CHECK(bad.message() == "Invalid --override 'broker.id': expected property=value");
  CHECK_FALSE(apply_override(p, "=x").ok());
  CHECK(p.size() == 3);
}

TEST_CASE("typed getters validate like Kafka's ConfigDef") {
  Properties p = parse_ok(
      "num.partitions=abc\n"
      "n1= 42 \n"
      "n2=+7\n"
      "n3=-2147483648\n"
      "n4=2147483648\n"
      "n5=\n"
      "n6=1.5\n"
      "l1=9223372036854775807\n"
      "l2=9223372036854775808\n"
      "b1=TRUE\n"
      "b2= False \n"
      "b3=yes\n"
      "list1=a, b ,c\n"
      "list2=\n"
      "list3=  \n"
      "list4=a,,b\n"
      "list5=a,\n"
      "list6= PLAINTEXT://:9092 \n");

  auto bad = p.get_int("num.partitions", 1);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidConfig);
  CHECK(bad.status().message() ==
        "Invalid value abc for configuration num.partitions: Not a number of type INT");
  CHECK(*p.get_int("absent", 9) == 9);
  CHECK(*p.get_int("n1", 0) == 42);
  CHECK(*p.get_int("n2", 0) == 7);
  CHECK(*p.get_int("n3", 0) == INT32_MIN);
  CHECK(p.get_int("n4", 0).status().message() ==
        "Invalid value 2147483648 for configuration n4: Not a number of type INT");
  CHECK_FALSE(p.get_int("n5", 0).ok());
  CHECK_FALSE(p.get_int("n6", 0).ok());

  CHECK(*p.get_long("n4", 0) == 2147483648LL);
  CHECK(*p.get_long("l1", 0) == INT64_MAX);
  CHECK(p.get_long("l2", 0).status().message() ==
        "Invalid value 9223372036854775808 for configuration l2: Not a number of type LONG");
  CHECK(*p.get_long("absent", -1) == -1);

  CHECK(*p.get_bool("b1", false) == true);
  CHECK(*p.get_bool("b2", true) == false);
  CHECK(*p.get_bool("absent", true) == true);
  CHECK(p.get_bool("b3", false).status().message() ==
        "Invalid value yes for configuration b3: Expected value to be either true or false");
  // Console reader/formatter flags: only "true" (trimmed, any case) is true; never an error.
  CHECK(p.get_flag("b1", false) == true);
  CHECK(p.get_flag("b2", true) == false);
  CHECK(p.get_flag("b3", true) == false);
  CHECK(p.get_flag("absent", true) == true);

  CHECK(*p.get_list("list1") == std::vector<std::string>{"a", "b", "c"});
  CHECK(p.get_list("list2")->empty());
  CHECK(p.get_list("list3")->empty());
  CHECK(*p.get_list("list4") == std::vector<std::string>{"a", "", "b"});
  CHECK(*p.get_list("list5") == std::vector<std::string>{"a", ""});
  CHECK(*p.get_list("list6") == std::vector<std::string>{"PLAINTEXT://:9092"});
  CHECK(*p.get_list("absent", {"x"}) == std::vector<std::string>{"x"});
}
