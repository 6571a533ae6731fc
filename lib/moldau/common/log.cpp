#include "moldau/common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace moldau {
namespace {

// log4j's level names in place of spdlog's ("warning", "critical").
class KafkaLevelFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view name = level_name(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<KafkaLevelFlag>();
  }

 private:
  static std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
        return "TRACE";
      case spdlog::level::debug:
        return "DEBUG";
      case spdlog::level::info:
        return "INFO";
      case spdlog::level::warn:
        return "WARN";
      case spdlog::level::err:
        return "ERROR";
      case spdlog::level::critical:
        return "FATAL";
      default:
        return "OFF";
    }
  }
};

struct Registry {
  std::mutex mu;
  spdlog::sink_ptr sink;
  std::atomic<spdlog::level::level_enum> level{spdlog::level::info};
  // std::map keeps node addresses stable, so references handed out stay valid.
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;

  Registry() : sink(std::make_shared<spdlog::sinks::stderr_sink_mt>()) {
    sink->set_formatter(make_log_formatter());
  }
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: loggers may be used at exit
  return *r;
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<KafkaLevelFlag>('*');
  f->set_pattern("[%Y-%m-%d %H:%M:%S,%e] %* %v (%n)");
  return f;
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view level) {
  std::string l(level);
  for (char& c : l) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (l == "trace") return spdlog::level::trace;
  if (l == "debug") return spdlog::level::debug;
  if (l == "info") return spdlog::level::info;
  if (l == "warn" || l == "warning") return spdlog::level::warn;
  if (l == "error") return spdlog::level::err;
  if (l == "off") return spdlog::level::off;
  return std::nullopt;
}

void init_logging(std::string_view level) {
  auto parsed = parse_log_level(level);
  log();  // creates the default logger
  Registry& r = registry();
  {
    std::lock_guard lock(r.mu);
    r.level = parsed.value_or(spdlog::level::info);
    for (auto& [name, lg] : r.loggers) lg->set_level(r.level);
  }
  if (!parsed) log().warn("Unknown log level '{}', using INFO", level);
}

spdlog::logger& logger(std::string_view component) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.loggers.find(component);
  if (it == r.loggers.end()) {
    auto lg = std::make_shared<spdlog::logger>(std::string(component), r.sink);
    lg->set_level(r.level);
    it = r.loggers.emplace(std::string(component), std::move(lg)).first;
  }
  return *it->second;
}

spdlog::logger& log() {
  static spdlog::logger* const def = [] {
    spdlog::logger& lg = logger("moldau");
    // So that plain spdlog::info(...) calls share the sink, layout and level.
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    spdlog::set_default_logger(r.loggers.find("moldau")->second);
    return &lg;
  }();
  return *def;
}

}  // namespace moldau
