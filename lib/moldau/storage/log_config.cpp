#include "moldau/storage/log_config.h"

#include <cstdlib>
#include <vector>

namespace moldau::storage {

namespace {

bool parse_i64(const std::string& v, int64_t* out) {
  if (v.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = x;
  return true;
}

Status bad(const std::string& name, const std::string& value) {
  return Status(ErrorCode::kInvalidConfig, "Invalid value " + value + " for configuration " + name);
}

}  // namespace

Status LogConfig::set(const std::string& name, const std::string& value) {
  int64_t v = 0;
  auto i64 = [&](int64_t* field, int64_t min) -> Status {
    if (!parse_i64(value, &v) || v < min) return bad(name, value);
    *field = v;
    return Status();
  };
  if (name == "segment.bytes") return i64(&segment_bytes, 14);
  if (name == "segment.ms") return i64(&segment_ms, 1);
  if (name == "segment.index.bytes") return i64(&segment_index_bytes, 4);
  if (name == "index.interval.bytes") return i64(&index_interval_bytes, 0);
  if (name == "retention.ms") return i64(&retention_ms, -1);
  if (name == "retention.bytes") return i64(&retention_bytes, std::numeric_limits<int64_t>::min());
  if (name == "delete.retention.ms") return i64(&delete_retention_ms, 0);
  if (name == "min.compaction.lag.ms") return i64(&min_compaction_lag_ms, 0);
  if (name == "file.delete.delay.ms") return i64(&file_delete_delay_ms, 0);
  if (name == "flush.messages") return i64(&flush_interval_messages, 1);
  if (name == "flush.ms") return i64(&flush_interval_ms, 0);
  if (name == "message.timestamp.before.max.ms") return i64(&timestamp_before_max_ms, 0);
  if (name == "message.timestamp.after.max.ms") return i64(&timestamp_after_max_ms, 0);
  if (name == "message.timestamp.difference.max.ms") return i64(&timestamp_difference_max_ms, 0);
  if (name == "max.message.bytes") {
    if (!parse_i64(value, &v) || v < 0 || v > std::numeric_limits<int32_t>::max()) return bad(name, value);
    max_message_bytes = static_cast<int32_t>(v);
    return Status();
  }
  if (name == "min.cleanable.dirty.ratio") {
    char* end = nullptr;
    double d = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || d < 0 || d > 1) return bad(name, value);
    min_cleanable_dirty_ratio = d;
    return Status();
  }
  if (name == "message.timestamp.type") {
    if (value == "CreateTime") message_timestamp_type = TimestampType::kCreateTime;
    else if (value == "LogAppendTime") message_timestamp_type = TimestampType::kLogAppendTime;
    else return bad(name, value);
    return Status();
  }
  if (name == "message.downconversion.enable") {
    if (value == "true") message_downconversion_enable = true;
    else if (value == "false") message_downconversion_enable = false;
    else return bad(name, value);
    return Status();
  }
  if (name == "compression.type") {
    static const char* kTypes[] = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};
    for (const char* t : kTypes) {
      if (value == t) {
        compression_type = value;
        return Status();
      }
    }
    return bad(name, value);
  }
  if (name == "cleanup.policy") {
    bool del = false, compact = false;
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (item == "delete") del = true;
      else if (item == "compact") compact = true;
      else if (!item.empty()) return bad(name, value);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    cleanup_delete = del;
    cleanup_compact = compact;
    return Status();
  }
  return Status();
}

Status LogConfig::set_broker_default(const std::string& name, const std::string& value) {
  static const std::vector<std::pair<const char*, const char*>> kMap = {
      {"log.segment.bytes", "segment.bytes"},
      {"log.roll.ms", "segment.ms"},
      {"log.index.size.max.bytes", "segment.index.bytes"},
      {"log.index.interval.bytes", "index.interval.bytes"},
      {"log.retention.ms", "retention.ms"},
      {"log.retention.bytes", "retention.bytes"},
      {"log.cleanup.policy", "cleanup.policy"},
      {"log.cleaner.delete.retention.ms", "delete.retention.ms"},
      {"log.cleaner.min.cleanable.ratio", "min.cleanable.dirty.ratio"},
      {"log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms"},
      {"log.segment.delete.delay.ms", "file.delete.delay.ms"},
      {"log.flush.interval.messages", "flush.messages"},
      {"log.flush.interval.ms", "flush.ms"},
      {"log.message.timestamp.type", "message.timestamp.type"},
      {"log.message.timestamp.before.max.ms", "message.timestamp.before.max.ms"},
      {"log.message.timestamp.after.max.ms", "message.timestamp.after.max.ms"},
      {"log.message.timestamp.difference.max.ms", "message.timestamp.difference.max.ms"},
      {"message.max.bytes", "max.message.bytes"},
      {"log.message.downconversion.enable", "message.downconversion.enable"},
      {"compression.type", "compression.type"},
  };
  for (const auto& [broker, topic] : kMap)
    if (name == broker) return set(topic, value);
  int64_t v = 0;
  // Kafka's coarser-unit variants, used when the *.ms form is absent (build() orders them).
  if (name == "log.roll.hours" || name == "log.retention.hours" || name == "log.retention.minutes") {
    if (!parse_i64(value, &v)) return bad(name, value);
    int64_t unit = name == "log.retention.minutes" ? 60000 : 3600000;
    int64_t ms = v < 0 ? -1 : v * unit;
    return set(name == "log.roll.hours" ? "segment.ms" : "retention.ms", std::to_string(ms));
  }
  return Status();
}

Result<LogConfig> LogConfig::build(const std::map<std::string, std::string>& broker_props,
                                   const std::map<std::string, std::string>& topic_overrides) {
  LogConfig c;
  // Coarse units first so that the precise *.ms forms win, as in Kafka.
  for (const char* coarse : {"log.retention.hours", "log.retention.minutes", "log.roll.hours"}) {
    auto it = broker_props.find(coarse);
    if (it != broker_props.end()) MOLDAU_RETURN_IF_ERROR(c.set_broker_default(it->first, it->second));
  }
  for (const auto& [k, v] : broker_props) {
    if (k == "log.retention.hours" || k == "log.retention.minutes" || k == "log.roll.hours") continue;
    MOLDAU_RETURN_IF_ERROR(c.set_broker_default(k, v));
  }
  for (const auto& [k, v] : topic_overrides) MOLDAU_RETURN_IF_ERROR(c.set(k, v));
  return c;
}

}  // namespace moldau::storage
