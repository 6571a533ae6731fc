#include <doctest/doctest.h>

#include "moldau/ops/java_config.h"

using namespace moldau;
using namespace moldau::ops;

TEST_CASE("java_config: numbers as Long.valueOf and Integer.valueOf read them") {
  CHECK(java_long("+42") == 42);
  CHECK(java_long("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(java_long("9223372036854775808"));
  CHECK_FALSE(java_long(" 1"));
  CHECK_FALSE(java_long("-"));
  CHECK(java_int("2147483647") == INT32_MAX);
  CHECK_FALSE(java_int("2147483648"));
}

TEST_CASE("java_config: lists as String.split cuts them") {
  using V = std::vector<std::string>;
  CHECK(java_split("", ',') == V{""});  // no separator: the text whole, even empty
  CHECK(java_split("a", ',') == V{"a"});
  CHECK(java_split(",", ',') == V{});  // every piece empty: none
  CHECK(java_split(",,", ',') == V{});
  CHECK(java_split("a,,", ',') == V{"a"});
  CHECK(java_split(",a,,b,", ',') == V{"", "a", "", "b"});
  CHECK(java_split("t:", ':') == V{"t"});
  CHECK(java_split("x\n\n", '\n') == V{"x"});
}

TEST_CASE("java_config: ConfigDef's messages for a wrong type or a value below the minimum") {
  using T = JavaConfigType;
  const JavaSetting settings[] = {{"linger.ms", T::kLong, 0}, {"retries", T::kInt, 0}, {"enable.idempotence", T::kBoolean}};
  Properties p;
  CHECK_FALSE(java_config_error(p, settings));
  p.set("linger.ms", " 5 ");  // trimmed first, as ConfigDef does
  p.set("enable.idempotence", "TRUE");
  CHECK_FALSE(java_config_error(p, settings));
  p.set("retries", "3000000000");
  CHECK(java_config_error(p, settings) == "Invalid value 3000000000 for configuration retries: Not a number of type INT");
  p.set("linger.ms", "-3");  // the first setting in definition order wins
  CHECK(java_config_error(p, settings) == "Invalid value -3 for configuration linger.ms: Value must be at least 0");
  p.set("linger.ms", "0");
  p.set("retries", "1");
  p.set("enable.idempotence", "yes");
  CHECK(java_config_error(p, settings) ==
        "Invalid value yes for configuration enable.idempotence: Expected value to be either true or false");
}
