#pragma once
// Java .properties files (server.properties, client configs) and `--override k=v` flags.
// Parsing follows java.util.Properties.load exactly: '#'/'!' comment lines, '=', ':' or
// whitespace between key and value, backslash line continuations, \t \n \r \f \uXXXX escapes.
// One difference: the text is taken as UTF-8 bytes (Java's load(InputStream) reads ISO-8859-1),
// and \uXXXX escapes come out as UTF-8.
// The typed getters validate like Kafka's ConfigDef and word their errors the same way:
// "Invalid value abc for configuration num.partitions: Not a number of type INT".

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "moldau/common/result.h"

namespace moldau {

// An ordered string -> string map: keys keep the order they were first set in, so that a
// configuration can be printed back as it was written. Setting an existing key replaces its
// value in place. Not thread-safe.
class Properties {
 public:
  // Parses the contents of a .properties file. Fails (INVALID_CONFIG) only on a malformed
  // \uXXXX escape; later duplicates of a key replace earlier values.
  static Result<Properties> parse(std::string_view text);
  // Reads and parses a file; the error message names the file.
  static Result<Properties> load_file(const std::string& path);

  std::optional<std::string> get(std::string_view key) const;
  // The value, or `fallback` when the key is absent.
  std::string get_or(std::string_view key, std::string_view fallback) const;
  void set(std::string key, std::string value);
  bool contains(std::string_view key) const;
  // Removes the key; returns whether it was there.
  bool erase(std::string_view key);
  // Keys in insertion order.
  std::vector<std::string> keys() const;
  // (key, value) pairs in insertion order.
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Typed getters: `fallback` when the key is absent, an INVALID_CONFIG error naming the key
  // and value when it does not parse. Values are trimmed first, as Kafka does.
  Result<int32_t> get_int(std::string_view key, int32_t fallback) const;
  Result<int64_t> get_long(std::string_view key, int64_t fallback) const;
  // "true" or "false", any case.
  Result<bool> get_bool(std::string_view key, bool fallback) const;
  // The flags of Kafka's console message readers and formatters (print.key, parse.key, ...):
  // true when the trimmed value is "true" in any case, false for anything else, never an error.
  bool get_flag(std::string_view key, bool fallback) const;
  // Comma-separated, each element trimmed; an empty (or all-blank) value is an empty list.
  Result<std::vector<std::string>> get_list(std::string_view key,
                                            std::vector<std::string> fallback = {}) const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // key -> position in entries_
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> index_;
};

// Applies one `--override key=value` argument (split at the first '='; the value may be empty
// or contain '='). Fails with INVALID_CONFIG when there is no '=' or the key is empty.
Status apply_override(Properties& props, std::string_view arg);

// Kafka's ConfigException wording: "Invalid value <value> for configuration <key>: <reason>".
std::string invalid_config_message(std::string_view key, std::string_view value,
                                   std::string_view reason);

}  // namespace moldau
