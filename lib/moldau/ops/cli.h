#pragma once
// What the tools share: Kafka's (joptsimple's) usage layout, usage errors, property merging.
// Usage errors print the message and the option table to stderr and exit 1, as Kafka's
// CommandLineUtils.printUsageAndExit does.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::ops {

// The Kafka release whose tools ours follow, and ours after it.
inline constexpr const char* kVersion = "4.4.0 (Moldau 0.1.0)";

// One option of a tool, as Kafka declares it with joptsimple: "--name <arg>" and its
// description. It is both the parser's spec and the help table's row.
struct OptionDoc {
  OptionDoc(std::string n, std::string a, std::string d, bool optional = false, std::string dflt = "",
            bool empty_dflt = false)
      : name(std::move(n)), arg(std::move(a)), description(std::move(d)), optional_arg(optional),
        default_value(std::move(dflt)), empty_default(empty_dflt) {}
  std::string name;  // without dashes
  std::string arg;   // e.g. "String: topic"; empty for flags
  std::string description;
  bool optional_arg = false;   // "--name [arg]": the argument may be left out
  std::string default_value;   // shown as " (default: v)"
  bool empty_default = false;  // the default is "" and shown, as " (default: )"
};

// The option table in joptsimple's layout ("Option  Description" / "------  -----------"),
// 80 columns with the padding joptsimple leaves, wrapped where joptsimple wraps.
std::string format_help(const std::vector<OptionDoc>& options);

// What joptsimple (without abbreviations, as Kafka's tools set it up) makes of a command line:
// the values given for each option (in order; a flag has an empty list) and the arguments that
// are not options.
struct ParsedArgs {
  std::vector<std::pair<std::string, std::vector<std::string>>> options;  // in first-seen order
  std::vector<std::string> positional;
  bool has(const std::string& name) const;
  const std::vector<std::string>* values(const std::string& name) const;
};
// Parses argv[1..] against `options`; an error is joptsimple's message ("x is not a recognized
// option", "Option topic requires an argument").
Result<ParsedArgs> parse_args(int argc, char** argv, const std::vector<OptionDoc>& options);
// The one value of a single-valued option, or joptsimple's "Found multiple arguments for option
// x, but you asked for only one".
Result<std::optional<std::string>> single_value(const ParsedArgs& args, const std::string& name);
// An Integer option's value in Java's Integer.parseInt terms, or joptsimple's "Cannot parse
// argument 'x' of option y".
Result<std::optional<int32_t>> int_value(const ParsedArgs& args, const std::string& name);
// A Long option's value in Java's Long.valueOf terms, or the same message.
Result<std::optional<int64_t>> long_value(const ParsedArgs& args, const std::string& name);

// Prints `message` (if not empty) and the help table to stderr; exits 1.
[[noreturn]] void usage_exit(const std::string& message, const std::vector<OptionDoc>& options);
// Prints the version to stdout; exits 0.
[[noreturn]] void version_exit();
// The answer to --zookeeper: joptsimple's "zookeeper is not a recognized option", then (better
// than Kafka) the command line to type instead, with --bootstrap-server. Exits 1.
[[noreturn]] void zookeeper_exit(bool with_exception_line = false);
// The joptsimple exception a parse_args message comes from (what a tool that lets it through
// prints before its stack trace): UnrecognizedOptionException and the like.
std::string joptsimple_exception_class(const std::string& message);

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

// The first entry of a bootstrap list that Kafka's clients reject ("Invalid url in
// bootstrap.servers: x": no port, or nothing at all), or nullopt when all are host:port.
std::optional<std::string> invalid_bootstrap_url(const std::string& list);

// The time as Kafka's log4j pattern prints it ("2026-11-30 19:38:47,583", local time).
std::string log_timestamp();

// The pieces Java's line BreakIterator cuts `line` into (each keeps its trailing blanks), as
// joptsimple's and argparse4j's help formatters wrap texts.
std::vector<std::string> java_line_pieces(const std::string& line);

// Joins strings.
std::string join(const std::vector<std::string>& parts, const std::string& sep);
// Java's String.format("%-Ns", s).
std::string pad_right(const std::string& s, size_t width);

}  // namespace moldau::ops
