#include "moldau/broker/replica/replication_quota.h"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace moldau::broker::replica {

namespace {
constexpr int64_t kSamples = 11;
constexpr int64_t kSampleMs = 1000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int32_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

void ReplicationQuota::expire(int64_t now_ms) {
  const int64_t oldest = now_ms / kSampleMs - (kSamples - 1);
  while (!samples_.empty() && samples_.front().first < oldest) samples_.pop_front();
}

void ReplicationQuota::record(int64_t bytes, int64_t now_ms) {
  expire(now_ms);
  const int64_t second = now_ms / kSampleMs;
  if (samples_.empty() || samples_.back().first != second) samples_.push_back({second, 0});
  samples_.back().second += bytes;
}

bool ReplicationQuota::exceeded(int64_t rate, int64_t now_ms) {
  if (rate == kUnthrottled) return false;
  expire(now_ms);
  if (samples_.empty()) return false;
  int64_t total = 0;
  for (const auto& [second, bytes] : samples_) total += bytes;
  // Over the time the samples span (at least one second), as Kafka's Rate measures.
  const int64_t elapsed_ms = std::max<int64_t>(now_ms - samples_.front().first * kSampleMs, kSampleMs);
  return static_cast<double>(total) * 1000.0 / static_cast<double>(elapsed_ms) > static_cast<double>(rate);
}

bool names_replica(const std::string& config, int32_t partition, int32_t broker) {
  std::string_view rest = trim(config);
  if (rest == "*") return true;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view entry = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t colon = entry.find(':');
    if (colon == std::string_view::npos) continue;
    int32_t p = 0, b = 0;
    if (parse_int(trim(entry.substr(0, colon)), &p) && parse_int(trim(entry.substr(colon + 1)), &b) &&
        p == partition && b == broker)
      return true;
  }
  return false;
}

}  // namespace moldau::broker::replica
