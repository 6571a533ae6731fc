#pragma once
// Java client settings as Kafka's ConfigDef parses them: numbers as Long.valueOf and
// Integer.valueOf read them, lists as String.split cuts them, and the ConfigException a client constructor throws for a setting
// of the wrong type or out of its range, with Kafka's words.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::ops {

// Java's Long.valueOf / Integer.valueOf: an optional sign and decimal digits in range.
std::optional<int64_t> java_long(const std::string& s);
std::optional<int32_t> java_int(const std::string& s);
// Java's String.split with a one-character separator (limit 0): no separator leaves the text
// whole, even when empty ("" -> [""]); otherwise the trailing empty pieces go, all of them when
// every piece is empty ("," -> []). Leading and inner empty pieces stay (",a,,b" -> ["", "a", "", "b"]).
std::vector<std::string> java_split(const std::string& s, char sep);

// Utils.loadProps as Kafka's tools meet it: a file that cannot be read fails as the JVM does,
// with the exception's message (the path for a missing file, "Is a directory") and its class in
// `exception_class` (java.nio.file.NoSuchFileException, java.io.IOException, ...).
Result<Properties> load_props_as_java(const std::string& path, std::string* exception_class);

enum class JavaConfigType { kInt, kLong, kBoolean };

// One setting a client defines with a type (and, for numbers, ConfigDef.Range.atLeast).
struct JavaSetting {
  const char* name;
  JavaConfigType type;
  std::optional<int64_t> at_least = std::nullopt;
};

// The message of the ConfigException for the first of `settings` (in their order, as ConfigDef
// defines them) whose value in `props` has the wrong type or is below its minimum:
// "Invalid value <v> for configuration <name>: Not a number of type LONG" and the like.
std::optional<std::string> java_config_error(const Properties& props, std::span<const JavaSetting> settings);

}  // namespace moldau::ops
