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

// The librdkafka name for a Java client property name, or "" when it has none and should be
// ignored silently (e.g. "key.serializer"). Returns `key` itself when no translation applies.
std::string translate_java_property(const std::string& key);

}  // namespace moldau::client
