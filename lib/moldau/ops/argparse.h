#pragma once
// What argparse4j (the parser of Kafka's kafka-producer-perf-test) makes of a command line and
// how it prints its help and errors, so that our tool says what Kafka's says: the usage line
// wrapped at the format width, the description and option help justified as its TextHelper
// justifies them, long options matched by unambiguous prefix, its error messages
// ("argument --topic is required", "unrecognized arguments: 'x'", ...).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops::argparse {

enum class Type { kString, kLong, kInteger, kDouble, kFlag };

struct Argument {
  std::vector<std::string> flags;  // e.g. {"-h", "--help"}; the first names it in messages
  std::string dest;
  std::string metavar;  // empty for flags
  std::string help;
  Type type = Type::kString;
  bool required = false;
  bool one_or_more = false;               // nargs("+")
  std::optional<std::string> default_text;  // shown as "(default: x)"
  std::vector<std::string> choices;
  bool in_mutex_group = false;  // the parser's one required mutually exclusive group
};

struct Parser {
  std::string prog;
  std::string description;
  std::string mutex_description;  // the group's description, printed before its arguments
  std::vector<Argument> args;     // in declaration order; -h/--help first
};

// The values given, by dest (a flag: {"true"}).
using Namespace = std::map<std::string, std::vector<std::string>>;

// argparse4j's format width: COLUMNS less 5, else the terminal's width less 5, else 75.
int format_width();
std::string format_usage(const Parser& p, int width);
std::string format_help(const Parser& p, int width);
// TextHelper.wrap with its justification: every line but the last filled to `width`.
std::string wrap(const std::string& text, int width, int initial_offset, const std::string& subsequent_indent);

// Parses argv[1..]; an error is argparse4j's message. `help` is set when -h/--help was seen
// (argparse4j prints the help and exits 0 right there).
Result<Namespace> parse(const Parser& p, int argc, char** argv, bool* help);
// argparse4j's handleError: the usage and "<prog>: error: <message>" on stderr; exits 1.
[[noreturn]] void error_exit(const Parser& p, const std::string& message);

}  // namespace moldau::ops::argparse
