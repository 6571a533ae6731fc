#include "moldau/ops/kraft_features.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace moldau::ops::kraft {

const std::vector<MetadataVersion>& metadata_versions() {
  // Read off Kafka 4.4.0's own `kafka-storage version-mapping -r <version>` for each.
  static const std::vector<MetadataVersion> v = {
      {"3.3-IV3", 7},  {"3.4-IV0", 8},  {"3.5-IV0", 9},  {"3.5-IV1", 10}, {"3.5-IV2", 11}, {"3.6-IV0", 12},
      {"3.6-IV1", 13}, {"3.6-IV2", 14}, {"3.7-IV0", 15}, {"3.7-IV1", 16}, {"3.7-IV2", 17}, {"3.7-IV3", 18},
      {"3.7-IV4", 19}, {"3.8-IV0", 20}, {"3.9-IV0", 21}, {"4.0-IV0", 22}, {"4.0-IV1", 23}, {"4.0-IV2", 24},
      {"4.0-IV3", 25}, {"4.1-IV0", 26}, {"4.1-IV1", 27}, {"4.2-IV0", 28}, {"4.2-IV1", 29}, {"4.3-IV0", 30},
      {"4.4-IV0", 31}, {"4.4-IV1", 32}, {"4.4-IV2", 33}, {"4.5-IV0", 34},
  };
  return v;
}

const MetadataVersion& latest_stable() { return metadata_versions()[metadata_versions().size() - 2]; }

namespace {

bool is_stable(const MetadataVersion& v) { return v.level <= latest_stable().level; }

// "4.4-IV2" -> "4.4"
std::string release_of(const char* name) {
  const char* dash = std::strchr(name, '-');
  return std::string(name, dash ? static_cast<size_t>(dash - name) : std::strlen(name));
}

}  // namespace

std::optional<MetadataVersion> from_version_string(const std::string& s, bool unstable) {
  // Kafka keys its versions by "major.minor" and "major.minor-IVn"; a longer release
  // ("4.4.1") is looked up by its first two parts.
  std::string key = s;
  size_t first = s.find('.');
  size_t second = first == std::string::npos ? std::string::npos : s.find('.', first + 1);
  if (second != std::string::npos) key = s.substr(0, second);
  std::optional<MetadataVersion> found;
  for (const auto& v : metadata_versions()) {
    if (!unstable && !is_stable(v)) continue;
    // A release names its latest version; only released versions (stable) have a release key.
    if (key == v.name || (is_stable(v) && key == release_of(v.name))) found = v;
  }
  return found;
}

std::optional<MetadataVersion> from_level(int16_t level) {
  for (const auto& v : metadata_versions())
    if (v.level == level) return v;
  return std::nullopt;
}

std::string unknown_version_message(const std::string& s, bool unstable) {
  std::string list;
  for (const auto& v : metadata_versions()) {
    if (!unstable && !is_stable(v)) continue;
    list += (list.empty() ? "" : ", ") + std::string(v.name);
  }
  return "Unknown metadata.version '" + s + "'. Supported metadata.version are: " + list;
}

const std::vector<Feature>& features() {
  // Levels, defaults and dependencies as Kafka 4.4.0's version-mapping and
  // feature-dependencies print them.
  static const std::vector<Feature> f = {
      {"kraft.version", 1, {{21, 1}}, {}},
      {"transaction.version", 2, {{24, 2}}, {}},
      {"group.version", 1, {{22, 1}}, {}},
      {"eligible.leader.replicas.version", 1, {{26, 1}}, {{1, 23}}},
      {"share.version", 2, {{28, 1}, {31, 2}}, {}},
      {"streams.version", 1, {{29, 1}}, {}},
  };
  return f;
}

const Feature* find_feature(const std::string& name) {
  for (const auto& f : features())
    if (name == f.name) return &f;
  return nullptr;
}

int16_t default_level(const Feature& f, int16_t metadata_level) {
  int16_t level = 0;
  for (const auto& [from, l] : f.defaults)
    if (metadata_level >= from) level = l;
  return level;
}

std::optional<int16_t> required_metadata_level(const Feature& f, int16_t level) {
  for (const auto& [l, mv] : f.requires_metadata)
    if (l == level) return mv;
  return std::nullopt;
}

std::string supported_feature_names() {
  std::vector<std::string> names;
  for (const auto& f : features()) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::optional<int16_t> parse_short(const std::string& s) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return std::nullopt;
  int32_t value = 0;
  for (; i < s.size(); i++) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    value = value * 10 + (s[i] - '0');
    if (value > 32768) return std::nullopt;
  }
  if (negative) value = -value;
  if (value > 32767) return std::nullopt;
  return static_cast<int16_t>(value);
}

}  // namespace moldau::ops::kraft
