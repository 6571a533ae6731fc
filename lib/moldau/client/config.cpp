#include "moldau/client/config.h"

#include <cstdio>
#include <map>

namespace moldau::client {

namespace {
// Java-only properties with no meaning for librdkafka: dropped without a word.
bool is_java_only(const std::string& key) {
  static const char* kIgnored[] = {
      "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
      "partitioner.class", "interceptor.classes", "metric.reporters", "max.poll.records",
      "default.api.timeout.ms", "allow.auto.create.topics.for.consumer",
      "max.in.flight.requests.per.connection.java", "client.dns.lookup",
  };
  for (const char* k : kIgnored)
    if (key == k) return true;
  return false;
}
}  // namespace

std::string translate_java_property(const std::string& key) {
  static const std::map<std::string, std::string> kMap = {
      {"sasl.mechanism", "sasl.mechanisms"},
      {"send.buffer.bytes", "socket.send.buffer.bytes"},
      {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
      {"ssl.truststore.location", "ssl.ca.location"},
      {"ssl.keystore.location", "ssl.keystore.location"},
      {"ssl.endpoint.identification.algorithm", "ssl.endpoint.identification.algorithm"},
      {"max.partition.fetch.bytes", "max.partition.fetch.bytes"},
      {"delivery.timeout.ms", "delivery.timeout.ms"},
  };
  if (is_java_only(key)) return "";
  auto it = kMap.find(key);
  return it == kMap.end() ? key : it->second;
}

Config::Config() : conf_(rd_kafka_conf_new()) {}
Config::~Config() {
  if (conf_) rd_kafka_conf_destroy(conf_);
}

rd_kafka_conf_t* Config::release() {
  rd_kafka_conf_t* c = conf_;
  conf_ = nullptr;
  return c;
}

Status Config::set(const std::string& java_key, const std::string& value) {
  std::string key = translate_java_property(java_key);
  if (key.empty()) return Status();
  std::string v = value;
  if (key == "buffer.memory") {  // bytes in Java, kilobytes in librdkafka
    key = "queue.buffering.max.kbytes";
    try {
      v = std::to_string(std::max<long long>(1, std::stoll(value) / 1024));
    } catch (...) {
      return Status(ErrorCode::kInvalidConfig, "Invalid value " + value + " for configuration buffer.memory");
    }
  }
  if (key == "sasl.jaas.config") {
    // org.apache...PlainLoginModule required username="u" password="p";
    auto field = [&](const std::string& name) -> std::string {
      auto p = value.find(name + "=\"");
      if (p == std::string::npos) return "";
      p += name.size() + 2;
      auto e = value.find('"', p);
      return e == std::string::npos ? "" : value.substr(p, e - p);
    };
    std::string user = field("username"), pass = field("password");
    if (!user.empty()) {
      MOLDAU_RETURN_IF_ERROR(set("sasl.username", user));
      MOLDAU_RETURN_IF_ERROR(set("sasl.password", pass));
      return Status();
    }
  }
  char err[512];
  rd_kafka_conf_res_t r = rd_kafka_conf_set(conf_, key.c_str(), v.c_str(), err, sizeof err);
  if (r == RD_KAFKA_CONF_OK) return Status();
  if (r == RD_KAFKA_CONF_UNKNOWN) {
    std::string w = "WARN The configuration '" + java_key + "' was supplied but isn't a known config.";
    std::fprintf(stderr, "%s\n", w.c_str());
    warnings_.push_back(w);
    return Status();
  }
  return Status(ErrorCode::kInvalidConfig, std::string("Invalid value ") + value +
                                               " for configuration " + java_key + ": " + err);
}

Status Config::set_all(const Properties& props) {
  for (const auto& [k, v] : props.entries()) MOLDAU_RETURN_IF_ERROR(set(k, v));
  return Status();
}

void install_statistics(Config& conf, const Properties& props, const StatisticsHook& hook,
                        int (*stats_cb)(rd_kafka_t*, char*, size_t, void*)) {
  if (!hook.on_report) return;
  char e[128];
  if (!props.contains("statistics.interval.ms"))
    rd_kafka_conf_set(conf.get(), "statistics.interval.ms", std::to_string(hook.interval_ms).c_str(), e, sizeof e);
  rd_kafka_conf_set_stats_cb(conf.get(), stats_cb);
}

}  // namespace moldau::client
