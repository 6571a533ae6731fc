#include "moldau/ops/cli.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace moldau::ops {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// The pieces Java's line BreakIterator cuts a line into, as far as the tools' texts need:
// after a run of blanks; after ",:;!?" before a letter, a digit or a signed number; after '.'
// before a letter; after '-' that follows a letter, digit or '-' and comes before a letter, a
// digit or ','; between a signed number and '>'. Where a text needs a break Java makes and these
// rules miss, the text carries '\x01' (a break, printed as nothing).
std::vector<std::string> break_words(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < line.size(); i++) {
    char c = line[i];
    if (c == '\x01') {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
    char next = i + 1 < line.size() ? line[i + 1] : '\0';
    char after = i + 2 < line.size() ? line[i + 2] : '\0';
    char prev = i > 0 ? line[i - 1] : ' ';
    bool brk = false;
    if (c == ' ' || c == '\t') {
      brk = next != ' ' && next != '\t' && next != '\0';
    } else if (c == ',' || c == ':' || c == ';' || c == '!' || c == '?') {
      brk = is_alnum(next) || (next == '-' && std::isdigit(static_cast<unsigned char>(after)));
    } else if (c == '.') {
      brk = is_alpha(next);
    } else if (c == '-') {
      brk = (is_alnum(prev) || prev == '-') && (is_alnum(next) || next == ',');
    } else if (std::isdigit(static_cast<unsigned char>(c)) && next == '>') {
      brk = !cur.empty() && cur[0] == '-';
    }
    if (brk) {
      words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

std::string rstrip(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return s.substr(b, e - b);
}

// joptsimple's column fitting: each embedded line is cut into words; a word that would pass
// `width` starts a new piece, indented by two spaces; a closed piece loses trailing blanks.
std::vector<std::string> pieces_of(const std::string& raw, size_t width) {
  std::vector<std::string> pieces;
  std::istringstream lines(trim(raw));
  std::string line;
  while (std::getline(lines, line)) {
    std::string piece;
    for (const auto& w : break_words(line)) {
      if (piece.size() + w.size() > width) {
        pieces.push_back(rstrip(piece));
        piece = "  " + w;
      } else {
        piece += w;
      }
    }
    if (!piece.empty()) pieces.push_back(piece);
  }
  return pieces;
}
}  // namespace

std::vector<std::string> java_line_pieces(const std::string& line) { return break_words(line); }

std::optional<std::string> invalid_bootstrap_url(const std::string& list) {
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string url = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!url.empty()) {
      // Kafka's Utils.getHost/getPort: "host:port" or "[v6]:port", port all digits.
      auto colon = url.rfind(':');
      bool ok = colon != std::string::npos && colon > 0 && colon + 1 < url.size() &&
                std::all_of(url.begin() + colon + 1, url.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!ok) return url;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

std::string log_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s,%03lld", buf, static_cast<long long>(ms));
  return out;
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) out += (i ? sep : "") + parts[i];
  return out;
}

std::string format_help(const std::vector<OptionDoc>& options) {
  // joptsimple's BuiltinHelpFormatter at 80 columns with 2 between the columns: an option
  // column as wide as the widest option text (at most 39), a description column as wide as
  // the widest description (at most what is left); texts wrapped to those widths; then each
  // column padded to its widest wrapped piece.
  constexpr size_t kOverall = 80, kSep = 2;
  std::vector<OptionDoc> sorted = options;
  std::stable_sort(sorted.begin(), sorted.end(), [](const OptionDoc& a, const OptionDoc& b) { return a.name < b.name; });
  std::vector<std::pair<std::string, std::string>> raw = {{"Option", "Description"}, {"------", "-----------"}};
  for (const auto& o : sorted) {
    std::string left = "--" + o.name;
    if (!o.arg.empty()) left += o.optional_arg ? " [" + o.arg + "]" : " <" + o.arg + ">";
    std::string desc = o.description;
    if (!o.default_value.empty() || o.empty_default)
      desc += desc.empty() ? "default: " + o.default_value : " (default: " + o.default_value + ")";
    raw.emplace_back(left, desc);
  }
  auto visible = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return c != '\x01'; }));
  };
  size_t widest_option = 0, widest_desc = 0;
  for (const auto& [l, d] : raw) {
    widest_option = std::max(widest_option, visible(l));
    widest_desc = std::max(widest_desc, visible(d));
  }
  const size_t option_width = std::min((kOverall - kSep) / 2, widest_option);
  const size_t desc_width = std::min(kOverall - option_width - kSep, widest_desc);
  std::vector<std::pair<std::string, std::string>> rows;
  size_t pad_option = 0, pad_desc = 0;
  for (const auto& [l, d] : raw) {
    auto lp = pieces_of(l, option_width);
    auto dp = pieces_of(d, desc_width);
    for (size_t i = 0; i < std::max(lp.size(), dp.size()); i++) {
      rows.emplace_back(i < lp.size() ? lp[i] : "", i < dp.size() ? dp[i] : "");
      pad_option = std::max(pad_option, rows.back().first.size());
      pad_desc = std::max(pad_desc, rows.back().second.size());
    }
  }
  std::string out;
  for (const auto& [l, d] : rows) out += pad_right(l, pad_option) + std::string(kSep, ' ') + pad_right(d, pad_desc) + "\n";
  return out;
}

bool ParsedArgs::has(const std::string& name) const { return values(name) != nullptr; }

const std::vector<std::string>* ParsedArgs::values(const std::string& name) const {
  for (const auto& [n, v] : options)
    if (n == name) return &v;
  return nullptr;
}

namespace {

// joptsimple converts an argument with the type's valueOf; Java's integer types take an optional
// sign and decimal digits within their range, Double a decimal number.
bool converts_to(const std::string& type, const std::string& token) {
  const char* begin = token.c_str();
  char* end = nullptr;
  errno = 0;
  if (type.rfind("Integer", 0) == 0 || type.rfind("Long", 0) == 0 || type.rfind("Short", 0) == 0) {
    if (token.empty() || std::isspace(static_cast<unsigned char>(token[0]))) return false;
    long long v = std::strtoll(begin, &end, 10);
    if (errno != 0 || *end != '\0' || end == begin) return false;
    if (type.rfind("Integer", 0) == 0) return v >= INT32_MIN && v <= INT32_MAX;
    if (type.rfind("Short", 0) == 0) return v >= INT16_MIN && v <= INT16_MAX;
    return true;
  }
  if (type.rfind("Double", 0) == 0 || type.rfind("Float", 0) == 0) {
    if (token.empty() || std::isspace(static_cast<unsigned char>(token[0]))) return false;
    std::strtod(begin, &end);
    return errno == 0 && *end == '\0' && end != begin;
  }
  return true;  // strings convert
}

bool is_number_type(const std::string& type) {
  for (const char* t : {"Integer", "Long", "Short", "Double", "Float"})
    if (type.rfind(t, 0) == 0) return true;
  return false;
}

// joptsimple's rule for an optional argument: the next token is taken when it does not look like
// an option ("-x", "--x"; a lone "-" does not) and converts, or, for a number type, whenever it
// converts, so that "--record-header-size -1" reads -1 rather than an option named "1".
bool takes_optional_argument(const OptionDoc& spec, const std::string& next) {
  bool looks_like_option = next.size() >= 2 && next[0] == '-';
  if (!converts_to(spec.arg, next)) return false;
  return !looks_like_option || is_number_type(spec.arg);
}

}  // namespace

Result<ParsedArgs> parse_args(int argc, char** argv, const std::vector<OptionDoc>& specs) {
  ParsedArgs out;
  auto find = [&](const std::string& n) -> const OptionDoc* {
    for (const auto& s : specs)
      if (s.name == n) return &s;
    return nullptr;
  };
  auto slot = [&](const std::string& n) -> std::vector<std::string>& {
    for (auto& [k, v] : out.options)
      if (k == n) return v;
    out.options.emplace_back(n, std::vector<std::string>{});
    return out.options.back().second;
  };
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") {
      for (int j = i + 1; j < argc; j++) out.positional.emplace_back(argv[j]);
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    bool long_form = a.rfind("--", 0) == 0;
    std::string body = a.substr(long_form ? 2 : 1);
    std::optional<std::string> attached;
    auto eq = body.find('=');
    if (eq != std::string::npos) {
      attached = body.substr(eq + 1);
      body.resize(eq);
    }
    if (!long_form && !find(body)) {
      // A short token is a cluster of one-letter options; Kafka's tools declare none, so its
      // first letter is what joptsimple reports.
      return Status(ErrorCode::kInvalidRequest, std::string(1, body.empty() ? '-' : body[0]) + " is not a recognized option");
    }
    const OptionDoc* spec = find(body);
    if (!spec) return Status(ErrorCode::kInvalidRequest, body + " is not a recognized option");
    auto& values = slot(body);
    if (spec->arg.empty()) continue;  // joptsimple ignores a value attached to a flag (--list=x)
    if (attached) {
      values.push_back(*attached);
    } else if (spec->optional_arg) {
      if (i + 1 < argc && takes_optional_argument(*spec, argv[i + 1])) values.emplace_back(argv[++i]);
    } else {
      if (i + 1 >= argc) return Status(ErrorCode::kInvalidRequest, "Option " + body + " requires an argument");
      values.emplace_back(argv[++i]);
    }
  }
  return out;
}

Result<std::optional<std::string>> single_value(const ParsedArgs& args, const std::string& name) {
  const auto* v = args.values(name);
  if (!v || v->empty()) return std::optional<std::string>{};
  if (v->size() > 1)
    return Status(ErrorCode::kInvalidRequest, "Found multiple arguments for option " + name + ", but you asked for only one");
  return std::optional<std::string>{v->front()};
}

namespace {
// A value as Java's Long.valueOf / Integer.valueOf read it (an optional sign, decimal digits,
// within [lo, hi]), or joptsimple's "Cannot parse argument 'x' of option y".
Result<std::optional<int64_t>> java_integral(const ParsedArgs& args, const std::string& name, long long lo,
                                             long long hi) {
  auto v = single_value(args, name);
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<int64_t>{};
  const std::string& s = **v;
  bool ok = !s.empty();
  size_t i = (ok && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) ok = false;
  for (size_t j = i; ok && j < s.size(); j++) ok = std::isdigit(static_cast<unsigned char>(s[j])) != 0;
  long long n = 0;
  if (ok) {
    errno = 0;
    n = std::strtoll(s.c_str(), nullptr, 10);
    ok = errno == 0 && n >= lo && n <= hi;
  }
  if (!ok) return Status(ErrorCode::kInvalidRequest, "Cannot parse argument '" + s + "' of option " + name);
  return std::optional<int64_t>{n};
}
}  // namespace

Result<std::optional<int32_t>> int_value(const ParsedArgs& args, const std::string& name) {
  auto v = java_integral(args, name, INT32_MIN, INT32_MAX);
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<int32_t>{};
  return std::optional<int32_t>{static_cast<int32_t>(**v)};
}

Result<std::optional<int64_t>> long_value(const ParsedArgs& args, const std::string& name) {
  return java_integral(args, name, LLONG_MIN, LLONG_MAX);
}

void usage_exit(const std::string& message, const std::vector<OptionDoc>& options) {
  if (!message.empty()) std::fprintf(stderr, "%s\n", message.c_str());
  std::fputs(format_help(options).c_str(), stderr);
  std::exit(1);
}

void version_exit() {
  std::printf("%s\n", kVersion);
  std::exit(0);
}

void zookeeper_exit(bool with_exception_line) {
  // The command line as typed, from /proc, so that the hint can repeat it corrected.
  std::vector<std::string> args;
  if (FILE* f = std::fopen("/proc/self/cmdline", "rb")) {
    std::string cur;
    for (int c; (c = std::fgetc(f)) != EOF;) {
      if (c == 0) {
        args.push_back(cur);
        cur.clear();
      } else {
        cur += static_cast<char>(c);
      }
    }
    std::fclose(f);
  }
  std::string tool = args.empty() ? "kafka-topics" : args[0];
  if (auto slash = tool.rfind('/'); slash != std::string::npos) tool = tool.substr(slash + 1);
  std::string fixed = tool;
  for (size_t i = 1; i < args.size(); i++) {
    const std::string& a = args[i];
    std::optional<std::string> zk;
    if (a == "--zookeeper" && i + 1 < args.size())
      zk = args[++i];
    else if (a.rfind("--zookeeper=", 0) == 0)
      zk = a.substr(12);
    if (zk) {
      // A ZooKeeper address names the host the brokers run on; a broker listens on 9092.
      std::string host = zk->substr(0, zk->find_first_of(":,/"));
      if (host.empty()) host = "localhost";
      fixed += " --bootstrap-server " + host + ":9092";
    } else {
      fixed += " " + a;
    }
  }
  std::fprintf(stderr, "zookeeper is not a recognized option\n");
  if (with_exception_line)
    std::fprintf(stderr, "joptsimple.UnrecognizedOptionException: zookeeper is not a recognized option\n");
  std::fprintf(stderr,
               "(Moldau) Kafka's tools talk to the brokers, not to ZooKeeper, since Kafka 3.0 (Kafka 4 has no "
               "ZooKeeper at all).\n"
               "(Moldau) Give a broker's address instead, e.g.:\n"
               "(Moldau)   %s\n",
               fixed.c_str());
  std::exit(1);
}

std::string joptsimple_exception_class(const std::string& message) {
  auto ends_with = [&](std::string_view tail) {
    return message.size() >= tail.size() && message.compare(message.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends_with(" is not a recognized option")) return "joptsimple.UnrecognizedOptionException";
  if (ends_with(" requires an argument")) return "joptsimple.OptionMissingRequiredArgumentException";
  if (ends_with(", but you asked for only one")) return "joptsimple.MultipleArgumentsForOptionException";
  if (message.rfind("Cannot parse argument ", 0) == 0) return "joptsimple.OptionArgumentConversionException";
  return "joptsimple.OptionException";
}

Properties parse_key_values(const std::vector<std::string>& args) {
  Properties p;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos)
      p.set(a, "");
    else
      p.set(a.substr(0, eq), a.substr(eq + 1));
  }
  return p;
}

Properties load_props_or_exit(const std::string& path) {
  auto r = Properties::load_file(path);
  if (!r.ok()) {
    std::fprintf(stderr, "Error: %s\n", r.status().message().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

void merge_props(Properties& to, const Properties& from) {
  for (const auto& [k, v] : from.entries()) to.set(k, v);
}

}  // namespace moldau::ops
