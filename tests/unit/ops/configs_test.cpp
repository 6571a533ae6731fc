#include <doctest/doctest.h>

#include "moldau/ops/configs.h"

using moldau::ops::parse_add_config;

TEST_CASE("kafka-configs --add-config splits as ConfigCommand does") {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(*parse_add_config("a=1,b=2") == Pairs{{"a", "1"}, {"b", "2"}});
  // Brackets group values with commas; the brackets are dropped.
  CHECK(*parse_add_config("cleanup.policy=[compact,delete],x=y") ==
        Pairs{{"cleanup.policy", "compact,delete"}, {"x", "y"}});
  // Blanks around keys, '=' and values go.
  CHECK(*parse_add_config(" retention.ms = 7 ") == Pairs{{"retention.ms", "7"}});
  // An empty value is a value; a trailing comma adds nothing.
  CHECK(*parse_add_config("ssl.endpoint.identification.algorithm=,") ==
        Pairs{{"ssl.endpoint.identification.algorithm", ""}});
  for (const char* bad : {"retention.ms", "a=1=2", "", "a=1,,b=2"}) {
    auto r = parse_add_config(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          "Invalid entity config: all configs to be added must be in the format \"key=val\" or  "
          "\"key=[val1,val2]\" to group values which contain commas.");
  }
}
