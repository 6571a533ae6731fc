#pragma once
// A thin RAII producer over librdkafka. Delivery reports are counted; the first failure's
// message is kept. Not thread-safe.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moldau/client/config.h"
#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::client {

using Header = std::pair<std::string, std::optional<std::string>>;

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> create(const Properties& props, const StatisticsHook& stats = {});
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one record (null key/value when nullopt); blocks while the local queue is full.
  // partition -1: the partitioner chooses.
  Status send(const std::string& topic, const std::optional<std::string>& key,
              const std::optional<std::string>& value, const std::vector<Header>& headers,
              int32_t partition = -1);
  // Waits until every queued record is delivered or failed, up to timeout_ms.
  Status flush(int timeout_ms);
  void poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }
  // The librdkafka handle, for callers that need the raw API (perf tools: rd_kafka_produce
  // with a msg_opaque, transactions). The Producer keeps ownership.
  rd_kafka_t* handle() { return rk_; }
  // Called from poll/flush for every delivery report, after it is counted. `ctx` must outlive
  // the Producer.
  using DeliveryHook = void (*)(const rd_kafka_message_t* m, void* ctx);
  void set_delivery_hook(DeliveryHook hook, void* ctx) {
    hook_ = hook;
    hook_ctx_ = ctx;
  }

  int64_t delivered() const { return delivered_; }
  int64_t failed() const { return failed_; }
  const std::string& first_error() const { return first_error_; }

 private:
  explicit Producer(rd_kafka_t* rk) : rk_(rk) {}
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  static int on_statistics(rd_kafka_t*, char* json, size_t len, void* opaque);
  rd_kafka_t* rk_ = nullptr;
  int64_t delivered_ = 0;
  int64_t failed_ = 0;
  std::string first_error_;
  DeliveryHook hook_ = nullptr;
  void* hook_ctx_ = nullptr;
  StatisticsHook stats_;
};

}  // namespace moldau::client
