#pragma once
// Client configuration for librdkafka from Java-style client properties.
// Kafka's tools take Java client property names (--command-config, --producer.config,
// --consumer-property, ...). librdkafka knows most of them; the few it does not are translated
// where there is an equivalent, Java-only ones (serializers, ...) are dropped silently, and the
// rest are dropped with a warning on stderr.

#include <librdkafka/rdkafka.h>

#include <string>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::client {

// Owns an rd_kafka_conf_t until it is handed to rd_kafka_new.
class Config {
 public:
  Config();
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // Sets one property, translating Java names. Returns an error (INVALID_CONFIG) when
  // librdkafka rejects the value; unknown names only warn.
  Status set(const std::string& key, const std::string& value);
  // Sets every entry of `props` in order.
  Status set_all(const Properties& props);
  // Transfers ownership of the conf (to rd_kafka_new).
  rd_kafka_conf_t* release();
  rd_kafka_conf_t* get() { return conf_; }
  // Warnings produced so far (also printed to stderr as they happen).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  rd_kafka_conf_t* conf_;
  std::vector<std::string> warnings_;
};

// librdkafka's statistics report (its JSON, every statistics.interval.ms: `interval_ms` unless
// the properties set it), handed to `on_report` from the client's poll. `ctx` must outlive the
// client. The perf tools' --print-metrics reads it.
struct StatisticsHook {
  void (*on_report)(const char* json, size_t len, void* ctx) = nullptr;
  void* ctx = nullptr;
  int interval_ms = 1000;
};

// When `hook` has a callback: its report interval (unless `props` sets one) and `stats_cb` as
// librdkafka's stats callback, through which the client hands each report to the hook.
void install_statistics(Config& conf, const Properties& props, const StatisticsHook& hook,
                        int (*stats_cb)(rd_kafka_t*, char*, size_t, void*));

// The librdkafka name for a Java client property name, or "" when it has none and should be
// ignored silently (e.g. "key.serializer"). Returns `key` itself when no translation applies.
std::string translate_java_property(const std::string& key);

}  // namespace moldau::client
