#pragma once
// Per-partition log configuration: Kafka's topic-level configs with Kafka's defaults. Built
// from the broker's `log.*` defaults, then a topic's overrides (topic-level names).

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "moldau/common/result.h"

namespace moldau::storage {

enum class TimestampType { kCreateTime, kLogAppendTime };

struct LogConfig {
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  int64_t segment_bytes = 1073741824;            // segment.bytes / log.segment.bytes
  int64_t segment_ms = 604800000;                // segment.ms / log.roll.ms (7 days)
  int64_t segment_index_bytes = 10485760;        // segment.index.bytes / log.index.size.max.bytes
  int64_t index_interval_bytes = 4096;           // index.interval.bytes / log.index.interval.bytes
  int64_t retention_ms = 604800000;              // retention.ms / log.retention.ms; -1: forever
  int64_t retention_bytes = -1;                  // retention.bytes / log.retention.bytes; -1: no limit
  bool cleanup_delete = true;                    // cleanup.policy contains "delete"
  bool cleanup_compact = false;                  // cleanup.policy contains "compact"
  int64_t delete_retention_ms = 86400000;        // delete.retention.ms / log.cleaner.delete.retention.ms
  double min_cleanable_dirty_ratio = 0.5;        // min.cleanable.dirty.ratio / log.cleaner.min.cleanable.ratio
  int64_t min_compaction_lag_ms = 0;             // min.compaction.lag.ms
  int64_t file_delete_delay_ms = 60000;          // file.delete.delay.ms / log.segment.delete.delay.ms
  int64_t flush_interval_messages = kNever;      // flush.messages / log.flush.interval.messages
  int64_t flush_interval_ms = kNever;            // flush.ms / log.flush.interval.ms
  TimestampType message_timestamp_type = TimestampType::kCreateTime;  // message.timestamp.type
  int32_t max_message_bytes = 1048588;           // max.message.bytes / message.max.bytes
  // message.timestamp.before.max.ms / .after.max.ms (Kafka 4's defaults: no bound into the past,
  // one hour into the future), and the older message.timestamp.difference.max.ms, which bounds
  // a direction whose own key is left at Long.MAX_VALUE (as Kafka 3.6+ reads them).
  int64_t timestamp_before_max_ms = kNever;
  int64_t timestamp_after_max_ms = 3600000;
  int64_t timestamp_difference_max_ms = kNever;
  int64_t effective_timestamp_before_max_ms() const {
    return timestamp_before_max_ms != kNever ? timestamp_before_max_ms : timestamp_difference_max_ms;
  }
  int64_t effective_timestamp_after_max_ms() const {
    return timestamp_after_max_ms != kNever ? timestamp_after_max_ms : timestamp_difference_max_ms;
  }

  // For old fetchers (Fetch v0-v3), which get batches converted to message format v0/v1.
  bool message_downconversion_enable = true;     // message.downconversion.enable /
                                                 // log.message.downconversion.enable
  std::string compression_type = "producer";     // compression.type (zstd: no old fetchers)

  // Applies one topic-level config ("segment.bytes", "cleanup.policy", ...). Unknown names are
  // ignored (they belong to other layers, e.g. min.insync.replicas); bad values are
  // INVALID_CONFIG.
  Status set(const std::string& name, const std::string& value);
  // Applies one broker-level default ("log.segment.bytes", "log.retention.hours", ...).
  Status set_broker_default(const std::string& name, const std::string& value);

  // Broker defaults then topic overrides.
  static Result<LogConfig> build(const std::map<std::string, std::string>& broker_props,
                                 const std::map<std::string, std::string>& topic_overrides);
};

}  // namespace moldau::storage
