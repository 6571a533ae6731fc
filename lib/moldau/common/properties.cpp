#include "moldau/common/properties.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace moldau {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// 1-based line number of byte `offset` (a line ends at "\n", "\r\n" or a lone "\r").
int line_of(std::string_view text, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++line;
    }
  }
  return line;
}

struct LogicalLine {
  std::string text;  // escapes still in place, continuations joined
  size_t start;      // offset of its first character, for error messages
};

// Splits text into logical lines as java.util.Properties.LineReader does (JDK 9 and later):
// skips leading whitespace, blank lines and comment lines; joins a line ending in an odd number
// of backslashes with the next one, without that backslash, the line break or the next line's
// leading whitespace. A '#' or '!' starts a comment wherever the logical line is still empty,
// also right after a continuation; a comment never continues. Quirk kept from the JDK: a
// backslash continuation whose line break ends the input still yields its (possibly empty) line.
std::vector<LogicalLine> read_logical_lines(std::string_view in) {
  std::vector<LogicalLine> lines;
  std::string buf;
  size_t start = 0;
  bool skip_blank = true;  // skipping leading whitespace
  bool appended = false;   // just joined a continued line: a line break ends it
  bool backslash = false;  // odd number of backslashes just before
  const size_t n = in.size();
  size_t i = 0;
  for (;;) {
    if (i >= n) {
      if (!buf.empty()) {
        if (backslash) buf.pop_back();
        lines.push_back({std::move(buf), start});
      }
      return lines;
    }
    char c = in[i++];
    if (skip_blank) {
      if (is_blank(c)) continue;
      if (!appended && (c == '\r' || c == '\n')) continue;
      skip_blank = false;
      appended = false;
    }
    if (buf.empty()) {
      if (c == '#' || c == '!') {
        while (i < n && in[i] != '\r' && in[i] != '\n') ++i;
        if (i >= n) return lines;
        ++i;  // the line break
        skip_blank = true;
        continue;
      }
      start = i - 1;
    }
    if (c != '\n' && c != '\r') {
      buf += c;
      backslash = c == '\\' ? !backslash : false;
      continue;
    }
    // A line break.
    if (buf.empty()) {
      skip_blank = true;
      continue;
    }
    if (i >= n) {
      if (backslash) buf.pop_back();
      lines.push_back({std::move(buf), start});
      return lines;
    }
    if (backslash) {
      buf.pop_back();
      skip_blank = true;
      appended = true;
      backslash = false;
      if (c == '\r' && in[i] == '\n') ++i;
      continue;
    }
    lines.push_back({std::move(buf), start});
    buf.clear();
    skip_blank = true;
  }
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Reads the 4 hex digits of a \u escape at s[pos..pos+4).
std::optional<uint32_t> hex4(std::string_view s, size_t pos) {
  if (pos + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint32_t>(d);
  }
  return v;
}

// Resolves escapes as Properties.loadConvert does: \t \n \r \f, \uXXXX (a surrogate pair of
// two escapes becomes one character), and a backslash before anything else yields that char.
bool unescape(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (++i >= s.size()) break;  // cannot happen after read_logical_lines; drop it
    c = s[i];
    switch (c) {
      case 't':
        *out += '\t';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'u': {
        auto unit = hex4(s, i + 1);
        if (!unit) return false;
        i += 4;
        uint32_t cp = *unit;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          auto low = hex4(s, i + 3);
          if (low && *low >= 0xDC00 && *low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
            i += 6;
          }
        }
        append_utf8(*out, cp);
        break;
      }
      default:
        *out += c;
    }
  }
  return true;
}

// Java's String.trim(): strips characters <= ' ' at both ends.
std::string_view java_trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

// Integer.parseInt / Long.parseLong: optional sign, decimal digits, in range.
template <class T>
std::optional<T> parse_integer(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  T v{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string invalid_config_message(std::string_view key, std::string_view value,
                                   std::string_view reason) {
  std::string m = "Invalid value ";
  m += value;
  m += " for configuration ";
  m += key;
  if (!reason.empty()) {
    m += ": ";
    m += reason;
  }
  return m;
}

Result<Properties> Properties::parse(std::string_view text) {
  Properties props;
  std::string key, value;
  for (const LogicalLine& line : read_logical_lines(text)) {
    std::string_view s = line.text;
    // The key ends at the first unescaped '=', ':' or whitespace (Properties.load0).
    size_t key_len = 0;
    size_t value_start = s.size();
    bool has_separator = false;
    bool backslash = false;
    while (key_len < s.size()) {
      char c = s[key_len];
      if ((c == '=' || c == ':') && !backslash) {
        value_start = key_len + 1;
        has_separator = true;
        break;
      }
      if (is_blank(c) && !backslash) {
        value_start = key_len + 1;
        break;
      }
      backslash = c == '\\' ? !backslash : false;
      ++key_len;
    }
    // Whitespace after the key, then at most one '=' or ':' when whitespace ended the key.
    while (value_start < s.size()) {
      char c = s[value_start];
      if (!is_blank(c)) {
        if (!has_separator && (c == '=' || c == ':')) {
          has_separator = true;
        } else {
          break;
        }
      }
      ++value_start;
    }
    if (!unescape(s.substr(0, key_len), &key) || !unescape(s.substr(value_start), &value)) {
      return Status(ErrorCode::kInvalidConfig, "Malformed \\uxxxx encoding on line " +
                                                   std::to_string(line_of(text, line.start)));
    }
    props.set(std::move(key), std::move(value));
    key.clear();
    value.clear();
  }
  return props;
}

Result<Properties> Properties::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::kInvalidConfig,
                  "Cannot read properties file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return Status(ErrorCode::kInvalidConfig, "Error reading properties file " + path);
  }
  auto props = parse(ss.str());
  if (!props.ok()) {
    return Status(props.status().code(), path + ": " + props.status().message());
  }
  return props;
}

std::optional<std::string> Properties::get(std::string_view key) const {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return entries_[it->second].second;
}

std::string Properties::get_or(std::string_view key, std::string_view fallback) const {
  auto it = index_.find(key);
  return it == index_.end() ? std::string(fallback) : entries_[it->second].second;
}

void Properties::set(std::string key, std::string value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

bool Properties::contains(std::string_view key) const { return index_.find(key) != index_.end(); }

bool Properties::erase(std::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  size_t pos = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(pos));
  for (auto& [k, i] : index_) {
    if (i > pos) --i;
  }
  return true;
}

std::vector<std::string> Properties::keys() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

Result<int32_t> Properties::get_int(std::string_view key, int32_t fallback) const {
  auto raw = get(key);
  if (!raw) return fallback;
  auto v = parse_integer<int32_t>(java_trim(*raw));
  if (!v) {
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message(key, *raw, "Not a number of type INT"));
  }
  return *v;
}

Result<int64_t> Properties::get_long(std::string_view key, int64_t fallback) const {
  auto raw = get(key);
  if (!raw) return fallback;
  auto v = parse_integer<int64_t>(java_trim(*raw));
  if (!v) {
    return Status(ErrorCode::kInvalidConfig,
                  invalid_config_message(key, *raw, "Not a number of type LONG"));
  }
  return *v;
}

Result<bool> Properties::get_bool(std::string_view key, bool fallback) const {
  auto raw = get(key);
  if (!raw) return fallback;
  std::string_view t = java_trim(*raw);
  if (iequals(t, "true")) return true;
  if (iequals(t, "false")) return false;
  return Status(ErrorCode::kInvalidConfig,
                invalid_config_message(key, *raw, "Expected value to be either true or false"));
}

bool Properties::get_flag(std::string_view key, bool fallback) const {
  auto raw = get(key);
  return raw ? iequals(java_trim(*raw), "true") : fallback;
}

Result<std::vector<std::string>> Properties::get_list(std::string_view key,
                                                      std::vector<std::string> fallback) const {
  auto raw = get(key);
  if (!raw) return fallback;
  // ConfigDef: trim, then split on "\\s*,\\s*" keeping empty elements ("a,,b" has three).
  std::string_view t = java_trim(*raw);
  std::vector<std::string> out;
  if (t.empty()) return out;
  size_t pos = 0;
  for (;;) {
    size_t comma = t.find(',', pos);
    std::string_view item = t.substr(pos, comma == std::string_view::npos ? t.npos : comma - pos);
    out.emplace_back(java_trim(item));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

Status apply_override(Properties& props, std::string_view arg) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status(ErrorCode::kInvalidConfig,
                  "Invalid --override '" + std::string(arg) + "': expected property=value");
  }
  props.set(std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1)));
  return Status();
}

}  // namespace moldau
