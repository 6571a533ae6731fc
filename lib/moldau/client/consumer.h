#pragma once
// A thin RAII consumer over librdkafka (the high-level KafkaConsumer API). Not thread-safe,
// except wakeup(), which may be called from a signal-watching thread.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moldau/client/producer.h"
#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::client {

enum class TimestampType { kNone, kCreateTime, kLogAppendTime };

struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = -1;
  TimestampType timestamp_type = TimestampType::kNone;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<Header> headers;
};

class Consumer {
 public:
  // `props` must contain group.id (librdkafka needs one even for assign()).
  static Result<std::unique_ptr<Consumer>> create(const Properties& props, const StatisticsHook& stats = {});
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Topic names; a name starting with '^' is a regex (librdkafka's convention).
  Status subscribe(const std::vector<std::string>& topics);
  // Assigns one partition starting at `offset` (or RD_KAFKA_OFFSET_BEGINNING / _END).
  Status assign(const std::string& topic, int32_t partition, int64_t offset);
  // The next message, nullopt when none arrived within timeout_ms. Errors that librdkafka
  // reports as retriable/informational (partition EOF) are skipped; fatal ones are returned.
  Result<std::optional<Message>> poll(int timeout_ms);
  // Rewinds partitions to the given offsets (used so that unconsumed records are not committed).
  void seek(const std::string& topic, int32_t partition, int64_t offset);
  // Stores offsets to be committed (enable.auto.offset.store=false).
  void store_offsets(rd_kafka_topic_partition_list_t* offsets) { rd_kafka_offsets_store(rk_, offsets); }
  // The librdkafka handle, for callers that need the raw API (the perf tool polls messages
  // without copying them). The Consumer keeps ownership.
  rd_kafka_t* handle() { return rk_; }
  // Leaves the group, committing offsets when auto commit is on. Idempotent.
  void close();

 private:
  explicit Consumer(rd_kafka_t* rk) : rk_(rk) {}
  static int on_statistics(rd_kafka_t*, char* json, size_t len, void* opaque);
  rd_kafka_t* rk_;
  StatisticsHook stats_;
  bool closed_ = false;
};

}  // namespace moldau::client
