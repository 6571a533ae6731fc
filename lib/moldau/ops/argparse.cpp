#include "moldau/ops/argparse.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "moldau/ops/cli.h"

namespace moldau::ops::argparse {

namespace {

std::string trim_spaces(std::string s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(' ');
  return s.substr(b, e - b + 1);
}

// TextHelper.adjustSpace: strips the line's outer blanks, then widens its blank runs (the
// extra spread from the middle runs outwards) until the line is `width` wide.
std::string adjust_space(const std::string& line, int width, int curwidth) {
  std::string s = trim_spaces(line);
  curwidth -= static_cast<int>(line.size() - s.size());
  int blocks = 0;
  bool in = false;
  for (char c : s) {
    if (c == ' ') {
      if (!in) blocks++;
      in = true;
    } else {
      in = false;
    }
  }
  if (blocks == 0) return s;
  int need = width - curwidth;
  int each = need / blocks, rem = need % blocks;
  int rem_start = (blocks - rem + 1) / 2, rem_end = rem_start + rem;
  std::string out;
  in = false;
  int b = 0;
  for (char c : s) {
    if (c == ' ') {
      if (!in) {
        int add = each + (rem_start <= b && b < rem_end ? 1 : 0);
        out.append(static_cast<size_t>(std::max(add, 0)), ' ');
        b++;
      }
      in = true;
    } else {
      in = false;
    }
    out += c;
  }
  return out;
}

std::string metavar_syntax(const Argument& a) {
  if (a.type == Type::kFlag) return "";
  if (a.one_or_more) return a.metavar + " [" + a.metavar + " ...]";
  return a.metavar;
}

std::string short_syntax(const Argument& a, bool brackets) {
  std::string s = a.flags[0];
  std::string mv = metavar_syntax(a);
  if (!mv.empty()) s += " " + mv;
  if (brackets && !a.required) s = "[" + s + "]";
  return s;
}

std::string help_title(const Argument& a) {
  std::string s = join(a.flags, ", ");
  std::string mv = metavar_syntax(a);
  if (!mv.empty()) s += " " + mv;
  return s;
}

std::string argument_help(const Argument& a, int width) {
  std::string help = a.help;
  if (a.default_text) help += (help.empty() ? "" : " ") + std::string("(default: ") + *a.default_text + ")";
  std::string title = help_title(a);
  std::string out = "  " + title;
  if (help.empty()) return out + "\n";
  int indent = 25;
  if (static_cast<int>(title.size()) <= 21)
    indent -= static_cast<int>(title.size()) + 2;
  else
    out += "\n";
  out += std::string(static_cast<size_t>(indent), ' ');
  return out + wrap(help, width, 25, std::string(25, ' ')) + "\n";
}

std::string textual_name(const Argument& a) { return join(a.flags, "/"); }

bool is_flag_token(const std::string& t) {
  static const std::regex kNegNum("-\\d+");
  return t.size() >= 2 && t[0] == '-' && !std::regex_match(t, kNegNum);
}

// The argument a flag names: exact, or the only one it is a prefix of.
Result<const Argument*> resolve(const Parser& p, const std::string& flag) {
  std::vector<std::string> candidates;
  for (const auto& a : p.args)
    for (const auto& f : a.flags) {
      if (f == flag) return &a;
      if (f.rfind(flag, 0) == 0) candidates.push_back(f);
    }
  if (candidates.empty()) return static_cast<const Argument*>(nullptr);
  if (candidates.size() == 1)
    for (const auto& a : p.args)
      for (const auto& f : a.flags)
        if (f == candidates[0]) return &a;
  std::sort(candidates.begin(), candidates.end());
  return Status(ErrorCode::kInvalidRequest,
                "ambiguous option: " + flag + " could match " + join(candidates, ", "));
}

// ReflectArgumentType.convert for the types Kafka's perf tool declares.
Result<std::string> convert(const Argument& a, const std::string& v) {
  auto fail = [&](const std::string& type) {
    return Status(ErrorCode::kInvalidRequest, "argument " + textual_name(a) + ": could not convert '" + v + "' to " +
                                                  type + " (For input string: \"" + v + "\")");
  };
  auto integral = [&](int64_t lo, int64_t hi) {
    size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
    if (i >= v.size() || !std::all_of(v.begin() + i, v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    errno = 0;
    long long n = std::strtoll(v.c_str(), nullptr, 10);
    return errno == 0 && n >= lo && n <= hi;
  };
  switch (a.type) {
    case Type::kLong:
      if (!integral(INT64_MIN, INT64_MAX)) return fail("Long");
      break;
    case Type::kInteger:
      if (!integral(INT32_MIN, INT32_MAX)) return fail("Integer");
      break;
    case Type::kDouble: {
      static const std::regex kDouble(R"(\s*[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)\s*)");
      if (!std::regex_match(v, kDouble)) return fail("Double");
      break;
    }
    default:
      break;
  }
  if (!a.choices.empty() && std::find(a.choices.begin(), a.choices.end(), v) == a.choices.end())
    return Status(ErrorCode::kInvalidRequest, "argument " + textual_name(a) + ": invalid choice: '" + v +
                                                  "' (choose from {" + join(a.choices, ",") + "})");
  return v;
}

}  // namespace

int format_width() {
  // argparse4j's TerminalWidth: COLUMNS, else the terminal's columns (stty); less 5; else 75.
  int w = 0;
  if (const char* c = std::getenv("COLUMNS")) {
    w = std::atoi(c);
  } else {
    int fd = ::open("/dev/tty", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      winsize ws{};
      if (::ioctl(fd, TIOCGWINSZ, &ws) == 0) w = ws.ws_col;
      ::close(fd);
    }
  }
  w -= 5;
  return w <= 0 ? 75 : w;
}

std::string wrap(const std::string& text, int width, int initial_offset, const std::string& subsequent_indent) {
  std::string res, line;
  int current = initial_offset;
  for (const auto& piece : java_line_pieces(text)) {
    int w = static_cast<int>(piece.size());
    current += w;
    if (current > width) {
      res += adjust_space(line, width, current - w) + "\n" + subsequent_indent;
      line.clear();
      current = static_cast<int>(subsequent_indent.size()) + w;
    }
    line += piece;
  }
  return res + line;
}

std::string format_usage(const Parser& p, int width) {
  std::string out = "usage: " + p.prog;
  const std::string spaces(30, ' ');
  int offset;
  std::string first_indent, subsequent_indent;
  if (static_cast<int>(out.size()) > 30) {
    out += "\n";
    offset = 6;
    first_indent = subsequent_indent = spaces.substr(0, 6);
  } else {
    offset = static_cast<int>(out.size());
    subsequent_indent = spaces.substr(0, static_cast<size_t>(offset));
  }
  std::vector<std::string> opts;
  for (const auto& a : p.args)
    if (!a.in_mutex_group) opts.push_back(short_syntax(a, true));
  std::vector<const Argument*> group;
  for (const auto& a : p.args)
    if (a.in_mutex_group) group.push_back(&a);
  if (group.size() > 1) {
    opts.push_back("(" + short_syntax(*group[0], false));
    for (size_t i = 1; i + 1 < group.size(); i++) {
      opts.push_back("|");
      opts.push_back(short_syntax(*group[i], false));
    }
    opts.push_back("|");
    opts.push_back(short_syntax(*group.back(), false) + ")");
  }
  int current = offset + static_cast<int>(first_indent.size());
  out += first_indent;
  bool first = true;
  for (const auto& syntax : opts) {
    if (!first && current + static_cast<int>(syntax.size()) + 1 > width) {
      out += "\n" + subsequent_indent + " " + syntax;
      current = static_cast<int>(subsequent_indent.size()) + 1 + static_cast<int>(syntax.size());
      continue;
    }
    out += " " + syntax;
    current += 1 + static_cast<int>(syntax.size());
    first = false;
  }
  return out + "\n";
}

std::string format_help(const Parser& p, int width) {
  std::string out = format_usage(p, width);
  if (!p.description.empty()) out += "\n" + wrap(p.description, width, 0, "") + "\n";
  out += "\noptional arguments:\n";
  for (const auto& a : p.args)
    if (!a.in_mutex_group) out += argument_help(a, width);
  out += "\n";
  if (!p.mutex_description.empty()) out += "  " + wrap(p.mutex_description, width, 2, "  ") + "\n\n";
  for (const auto& a : p.args)
    if (a.in_mutex_group) out += argument_help(a, width);
  return out;
}

Result<Namespace> parse(const Parser& p, int argc, char** argv, bool* help) {
  Namespace ns;
  std::vector<const Argument*> used;
  const Argument* mutex_used = nullptr;
  *help = false;
  int i = 1;
  bool separator = false;
  auto flag_at = [&](int k) { return !separator && k < argc && (std::string(argv[k]) == "--" || is_flag_token(argv[k])); };
  while (i < argc) {
    std::string term = argv[i];
    if (flag_at(i) && term != "--") {
      std::string flag = term;
      std::optional<std::string> embedded;
      if (auto eq = term.find('='); eq != std::string::npos) {
        flag = term.substr(0, eq);
        embedded = term.substr(eq + 1);
      }
      auto r = resolve(p, flag);
      if (!r.ok()) return r.status();
      const Argument* a = *r;
      if (!a) return Status(ErrorCode::kInvalidRequest, "unrecognized arguments: '" + term + "'");
      i++;
      if (a->in_mutex_group) {
        if (mutex_used && mutex_used != a)
          return Status(ErrorCode::kInvalidRequest,
                        "argument " + textual_name(*a) + ": not allowed with argument " + textual_name(*mutex_used));
        mutex_used = a;
      }
      if (a->dest == "help") {
        *help = true;
        return ns;
      }
      if (a->type == Type::kFlag) {
        if (embedded)
          return Status(ErrorCode::kInvalidRequest,
                        "argument " + textual_name(*a) + ": ignore implicit argument '" + *embedded + "'");
        ns[a->dest] = {"true"};
      } else if (!a->one_or_more) {
        std::optional<std::string> value = embedded;
        if (!value && i < argc && !flag_at(i)) value = argv[i++];
        if (!value) return Status(ErrorCode::kInvalidRequest, "argument " + textual_name(*a) + ": expected one argument");
        auto c = convert(*a, *value);
        if (!c.ok()) return c.status();
        ns[a->dest] = {*c};
      } else {
        std::vector<std::string> values;
        if (embedded) {
          values.push_back(*embedded);
        } else {
          while (i < argc && !flag_at(i)) values.push_back(argv[i++]);
        }
        if (values.empty())
          return Status(ErrorCode::kInvalidRequest, "argument " + textual_name(*a) + ": expected 1 argument(s)");
        ns[a->dest] = values;
      }
      used.push_back(a);
      continue;
    }
    if (term == "--" && !separator) {
      separator = true;
      i++;
      continue;
    }
    std::vector<std::string> rest(argv + i, argv + argc);
    return Status(ErrorCode::kInvalidRequest, "unrecognized arguments: '" + join(rest, " ") + "'");
  }
  // Every required argument missing is found; the last one is the one reported.
  std::optional<std::string> missing;
  for (const auto& a : p.args)
    if (a.required && std::find(used.begin(), used.end(), &a) == used.end())
      missing = "argument " + textual_name(a) + " is required";
  if (missing) return Status(ErrorCode::kInvalidRequest, *missing);
  if (!mutex_used) {
    std::string names;
    for (const auto& a : p.args)
      if (a.in_mutex_group) names += textual_name(a) + " ";
    if (!names.empty()) return Status(ErrorCode::kInvalidRequest, "one of the arguments " + names + "is required");
  }
  return ns;
}

namespace {
// git's levenshtein (help.c), which argparse4j ports: w swaps, s substitutions, a insertions,
// d deletions.
int levenshtein(const std::string& s1, const std::string& s2, int w, int s, int a, int d) {
  size_t len2 = s2.size();
  std::vector<int> row0(len2 + 1), row1(len2 + 1), row2(len2 + 1);
  for (size_t j = 0; j <= len2; j++) row1[j] = static_cast<int>(j) * a;
  for (size_t i = 0; i < s1.size(); i++) {
    row2[0] = static_cast<int>(i + 1) * d;
    for (size_t j = 0; j < len2; j++) {
      row2[j + 1] = row1[j] + s * (s1[i] != s2[j]);
      if (i > 0 && j > 0 && s1[i - 1] == s2[j] && s1[i] == s2[j - 1] && row2[j + 1] > row0[j - 1] + w)
        row2[j + 1] = row0[j - 1] + w;
      if (row2[j + 1] > row1[j + 1] + d) row2[j + 1] = row1[j + 1] + d;
      if (row2[j + 1] > row2[j] + a) row2[j + 1] = row2[j] + a;
    }
    std::swap(row0, row1);
    std::swap(row1, row2);
  }
  return row1[len2];
}

// argparse4j's printFlagCandidates: after an unrecognized flag, the flags it resembles (a flag
// it begins, or the nearest by git's weights while nearer than 7).
std::string flag_candidates(const Parser& p, const std::string& argument) {
  size_t dashes = argument.find_first_not_of('-');
  if (dashes == 0 || dashes == std::string::npos) return "";
  std::string body = argument.substr(dashes);
  if (body.size() < 2) return "";
  std::vector<std::pair<int, std::string>> candidates;
  for (const auto& a : p.args)
    for (const auto& f : a.flags) {
      std::string fb = f.substr(f.find_first_not_of('-'));
      if (fb.size() <= 1) continue;
      candidates.emplace_back(fb.rfind(body, 0) == 0 ? 0 : levenshtein(body, fb, 0, 2, 1, 4), f);
    }
  if (candidates.empty()) return "";
  std::sort(candidates.begin(), candidates.end());
  int threshold = candidates[0].first;
  if (threshold >= 7) return "";
  std::string out = "\nDid you mean:\n";
  for (const auto& [similarity, subject] : candidates) {
    if (similarity > threshold) break;
    out += "\t" + subject + "\n";
  }
  return out;
}
}  // namespace

void error_exit(const Parser& p, const std::string& message) {
  int width = format_width();
  std::string out = format_usage(p, width) + wrap(p.prog + ": error: " + message + "\n", width, 0, "");
  const std::string unrecognized = "unrecognized arguments: '";
  if (message.rfind(unrecognized, 0) == 0 && message.back() == '\'')
    out += flag_candidates(p, message.substr(unrecognized.size(), message.size() - unrecognized.size() - 1));
  std::fputs(out.c_str(), stderr);
  std::exit(1);
}

}  // namespace moldau::ops::argparse
