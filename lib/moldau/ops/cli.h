#pragma once
// What the tools share: Kafka's (joptsimple's) usage layout, usage errors, property merging.
// Usage errors print the message and the option table to stderr and exit 1, as Kafka's
// CommandLineUtils.printUsageAndExit does.

#include <string>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::ops {

inline constexpr const char* kVersion = "3.7.0 (Moldau 0.1.0)";

// One row of a tool's help: "--name <arg>" and its description.
struct OptionDoc {
  std::string name;  // without dashes
  std::string arg;   // e.g. "String: topic"; empty for flags
  std::string description;
};

// The option table in joptsimple's layout ("Option  Description" / "------  -----------").
std::string format_help(const std::vector<OptionDoc>& options);

// Prints `message` (if not empty) and the help table to stderr; exits 1.
[[noreturn]] void usage_exit(const std::string& message, const std::vector<OptionDoc>& options);
// Prints the version to stdout; exits 0.
[[noreturn]] void version_exit();
// The answer to --zookeeper: Kafka 3 tools talk to brokers only. Exits 1.
[[noreturn]] void zookeeper_exit();

// The tools, for parse_error_exit.
enum class Tool { kTopics, kConsoleProducer, kConsoleConsumer, kConsumerGroups, kConsumerPerf };
// Each tool's option table (defined next to its logic).
const std::vector<OptionDoc>& help_table(Tool tool);
// Turns a command-line parser's error (CLI11's exception name and text) into joptsimple's
// wording ("foo is not a recognized option", "Option topic requires an argument"), prints it
// with the usage and exits 1. --zookeeper gets zookeeper_exit.
[[noreturn]] void parse_error_exit(Tool tool, const std::string& error_name, const std::string& what);

// Kafka's "k=v" list parsing (CommandLineUtils.parseKeyValueArgs): split at the first '=';
// a missing value is "".
Properties parse_key_values(const std::vector<std::string>& args);
// Loads a properties file, or exits 1 with the error on stderr.
Properties load_props_or_exit(const std::string& path);
// Copies every entry of `from` into `to` (later wins).
void merge_props(Properties& to, const Properties& from);

// Joins strings.
std::string join(const std::vector<std::string>& parts, const std::string& sep);
// Java's String.format("%-Ns", s).
std::string pad_right(const std::string& s, size_t width);

}  // namespace moldau::ops
