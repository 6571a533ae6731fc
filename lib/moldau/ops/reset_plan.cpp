#include "moldau/ops/reset_plan.h"

#include <optional>

#include "moldau/ops/java_config.h"

namespace moldau::ops::reset_plan {

namespace {

constexpr const char* kNoGroup = "org.apache.kafka.tools.consumer.group.CsvUtils$CsvRecordNoGroup";
constexpr const char* kWithGroup = "org.apache.kafka.tools.consumer.group.CsvUtils$CsvRecordWithGroup";

std::string location(size_t column) {
  return "\n at [Source: (StringReader); line: 1, column: " + std::to_string(column) + "]";
}

struct Value {
  std::string text;
  size_t start;  // 0-based, for the column Jackson reports
};

// One CSV record of a line: its values, or the parser's failure.
std::variant<std::vector<Value>, std::string> read_record(std::string line) {
  if (size_t cr = line.find('\r'); cr != std::string::npos) line.resize(cr);  // CR ends a record
  if (line.empty())
    return std::string(
        "com.fasterxml.jackson.databind.exc.MismatchedInputException: No content to map due to end-of-input\n"
        " at [Source: (StringReader); line: UNKNOWN, column: UNKNOWN]");
  std::vector<Value> values;
  size_t i = 0;
  while (true) {
    Value v{"", i};
    if (i < line.size() && line[i] == '"') {
      size_t j = i + 1;
      bool closed = false;
      while (j < line.size()) {
        if (line[j] == '"') {
          if (j + 1 < line.size() && line[j + 1] == '"') {
            v.text += '"';
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        v.text += line[j++];
      }
      if (!closed)
        return "com.fasterxml.jackson.core.JsonParseException: Missing closing quote for value" +
               location(line.size() + 1);
      while (j < line.size() && line[j] != ',') v.text += line[j++];
      i = j;
    } else {
      size_t comma = line.find(',', i);
      v.text = line.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
      i = comma == std::string::npos ? line.size() : comma;
    }
    values.push_back(std::move(v));
    if (i >= line.size()) break;
    i++;  // past the comma: a value follows, empty if the line ends there
  }
  return values;
}

std::string java_trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') b++;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') e--;
  return s.substr(b, e - b);
}

// Jackson's coercion of a CSV value to int or long: blank is 0, a sign and digits otherwise.
std::variant<int64_t, std::string> to_number(const Value& v, bool is_long, const char* record, const char* field) {
  const std::string t = java_trim(v.text);
  const char* type = is_long ? "long" : "int";
  const std::string chain =
      location(v.start + 1) + " (through reference chain: " + record + "[\"" + field + "\"])";
  if (t.empty()) return int64_t{0};
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  bool digits = i < t.size();
  for (size_t k = i; k < t.size(); k++) digits = digits && t[k] >= '0' && t[k] <= '9';
  if (!digits)
    return "com.fasterxml.jackson.databind.exc.InvalidFormatException: Cannot deserialize value of type `" +
           std::string(type) + "` from String \"" + t + "\": not a valid `" + type + "` value" + chain;
  // Magnitude against the type's range, without overflowing while reading it.
  const bool negative = t[0] == '-';
  const unsigned long long limit = is_long ? (negative ? 9223372036854775808ULL : 9223372036854775807ULL)
                                           : (negative ? 2147483648ULL : 2147483647ULL);
  unsigned long long magnitude = 0;
  for (size_t k = i; k < t.size(); k++) {
    unsigned digit = static_cast<unsigned>(t[k] - '0');
    if (magnitude > (limit - digit) / 10) {
      return "com.fasterxml.jackson.databind.JsonMappingException: Numeric value (" + t + ") out of range of " +
             type + (is_long ? " (-9223372036854775808 - 9223372036854775807)" : "") + chain;
    }
    magnitude = magnitude * 10 + digit;
  }
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

// Binds one line to the record's columns; the entry or the failure.
std::variant<Entry, std::string> bind(const std::string& line, bool with_group) {
  auto record = read_record(line);
  if (auto* failure = std::get_if<std::string>(&record)) return *failure;
  const auto& values = std::get<std::vector<Value>>(record);
  const size_t columns = with_group ? 4 : 3;
  const char* name = with_group ? kWithGroup : kNoGroup;
  Entry e;
  for (size_t k = 0; k < values.size(); k++) {
    const Value& v = values[k];
    if (k >= columns)
      return "com.fasterxml.jackson.dataformat.csv.CsvReadException: Too many entries: expected at most " +
             std::to_string(columns) + " (value #" + std::to_string(k) + " (" + std::to_string(v.text.size()) +
             " chars) \"" + v.text + "\")" + location(v.start + 1);
    const size_t column = with_group ? k : k + 1;  // 0 group, 1 topic, 2 partition, 3 offset
    if (column == 0) {
      e.group = v.text;
    } else if (column == 1) {
      e.topic = v.text;
    } else {
      auto n = to_number(v, column == 3, name, column == 3 ? "offset" : "partition");
      if (auto* failure = std::get_if<std::string>(&n)) return *failure;
      if (column == 2)
        e.partition = static_cast<int32_t>(std::get<int64_t>(n));
      else
        e.offset = std::get<int64_t>(n);
    }
  }
  return e;
}

}  // namespace

std::variant<std::vector<Entry>, std::string> parse(const std::string& csv, const std::vector<std::string>& groups) {
  const std::vector<std::string> lines = java_split(csv, '\n');
  // The short form serves a single --group, and only when the first line binds to it.
  const bool short_form = groups.size() == 1 && !lines.empty() && std::holds_alternative<Entry>(bind(lines[0], false));
  std::vector<Entry> plan;
  for (const auto& line : lines) {
    auto bound = bind(line, !short_form);
    if (auto* failure = std::get_if<std::string>(&bound)) return *failure;
    Entry e = std::get<Entry>(std::move(bound));
    if (short_form) e.group = groups[0];
    plan.push_back(std::move(e));
  }
  return plan;
}

}  // namespace moldau::ops::reset_plan
