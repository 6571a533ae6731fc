#include "moldau/ops/cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace moldau::ops {

namespace {
// Splits text into lines of at most `width` characters at spaces; keeps explicit newlines.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> out;
  std::istringstream paras(text);
  std::string para;
  while (std::getline(paras, para)) {
    std::string line;
    std::istringstream words(para);
    std::string w;
    bool any = false;
    while (words >> w) {
      any = true;
      if (!line.empty() && line.size() + 1 + w.size() > width) {
        out.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + w;
    }
    if (!line.empty() || !any) out.push_back(line);
  }
  if (out.empty()) out.push_back("");
  return out;
}
}  // namespace

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) out += (i ? sep : "") + parts[i];
  return out;
}

std::string format_help(const std::vector<OptionDoc>& options) {
  constexpr size_t kOptWidth = 41, kDescWidth = 39;
  std::string out = pad_right("Option", kOptWidth) + pad_right("Description", kDescWidth) + "\n";
  out += pad_right("------", kOptWidth) + pad_right("-----------", kDescWidth) + "\n";
  std::vector<OptionDoc> sorted = options;
  std::stable_sort(sorted.begin(), sorted.end(), [](const OptionDoc& a, const OptionDoc& b) { return a.name < b.name; });
  for (const auto& o : sorted) {
    std::string left = "--" + o.name + (o.arg.empty() ? "" : " <" + o.arg + ">");
    auto l = wrap(left, kOptWidth - 2);
    for (size_t i = 1; i < l.size(); i++) l[i] = "  " + l[i];
    auto d = wrap(o.description, kDescWidth - 1);
    size_t n = std::max(l.size(), d.size());
    for (size_t i = 0; i < n; i++) {
      std::string a = i < l.size() ? l[i] : "";
      std::string b = i < d.size() ? d[i] : "";
      std::string row = pad_right(a, kOptWidth) + b;
      while (!row.empty() && row.back() == ' ') row.pop_back();
      out += row + "\n";
    }
  }
  return out;
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

void zookeeper_exit() {
  std::fprintf(stderr,
               "zookeeper is not a recognized option\n"
               "Kafka 3 tools connect to the brokers, not to ZooKeeper: use --bootstrap-server <host:port> "
               "instead, e.g. --bootstrap-server localhost:9092\n");
  std::exit(1);
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
