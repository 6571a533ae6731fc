#include "moldau/ops/java_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace moldau::ops {

std::optional<int64_t> java_long(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); j++)
    if (s[j] < '0' || s[j] > '9') return std::nullopt;
  errno = 0;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<int32_t> java_int(const std::string& s) {
  auto v = java_long(s);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

std::vector<std::string> java_split(const std::string& s, char sep) {
  if (s.find(sep) == std::string::npos) return {s};
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t next = s.find(sep, start);
    out.push_back(s.substr(start, next == std::string::npos ? std::string::npos : next - start));
    if (next == std::string::npos) break;
    start = next + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::optional<std::string> java_config_error(const Properties& props, std::span<const JavaSetting> settings) {
  for (const JavaSetting& s : settings) {
    auto v = props.get(s.name);
    if (!v) continue;
    // ConfigDef trims a string value first (String.trim: every char up to the space).
    std::string t = *v;
    auto blank = [](char c) { return static_cast<unsigned char>(c) <= ' '; };
    t.erase(t.begin(), std::find_if_not(t.begin(), t.end(), blank));
    t.erase(std::find_if_not(t.rbegin(), t.rend(), blank).base(), t.end());
    const std::string invalid = "Invalid value " + *v + " for configuration " + s.name + ": ";
    if (s.type == JavaConfigType::kBoolean) {
      std::string lower = t;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower != "true" && lower != "false") return invalid + "Expected value to be either true or false";
      continue;
    }
    std::optional<int64_t> n = java_long(t);
    if (s.type == JavaConfigType::kInt && !java_int(t)) n.reset();
    if (!n) return invalid + "Not a number of type " + (s.type == JavaConfigType::kInt ? "INT" : "LONG");
    if (s.at_least && *n < *s.at_least) return invalid + "Value must be at least " + std::to_string(*s.at_least);
  }
  return std::nullopt;
}

Result<Properties> load_props_as_java(const std::string& path, std::string* exception_class) {
  auto fail = [&](const char* cls, const std::string& message) {
    *exception_class = cls;
    return Status(ErrorCode::kInvalidConfig, message);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return fail("java.nio.file.NoSuchFileException", path);
    if (errno == EACCES) return fail("java.nio.file.AccessDeniedException", path);
    return fail("java.nio.file.FileSystemException", path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return fail("java.io.IOException", "Is a directory");
  if (::access(path.c_str(), R_OK) != 0) return fail("java.nio.file.AccessDeniedException", path);
  auto r = Properties::load_file(path);
  if (!r.ok()) return fail("java.io.IOException", r.status().message());
  return r;
}

}  // namespace moldau::ops
