#pragma once
// The --from-file reset plan of kafka-consumer-groups, read as Kafka's tool reads it: the file
// split into lines as Java's String.split("\n") splits it, each line one CSV record bound by
// Jackson to (topic, partition, offset) when a single group is named and the first line binds so,
// else to (group, topic, partition, offset). Jackson's leniencies are kept (missing columns are
// 0, blanks around a number, quoted values, a CR ends the record) and so are its failures, with
// their exception classes and messages.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace moldau::ops::reset_plan {

struct Entry {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// The entries in file order, or Jackson's failure: "<exception class>: <message>\n at [Source: ...]".
std::variant<std::vector<Entry>, std::string> parse(const std::string& csv, const std::vector<std::string>& groups);

}  // namespace moldau::ops::reset_plan
