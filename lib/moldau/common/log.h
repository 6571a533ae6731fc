#pragma once
// Logging for the broker and tools: spdlog to stderr, in Kafka's log4j layout
//   [2026-11-22 08:33:22,123] INFO Started listener on 0.0.0.0:9092 (broker)
// stdout stays for data. Every logger shares one stderr sink and one level; all functions here
// are thread-safe.

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string_view>

namespace moldau {

// Sets the level for all loggers: "trace", "debug", "info", "warn" (or "warning"), "error",
// "off", any case. An unknown name selects "info" and logs a warning. May be called again.
void init_logging(std::string_view level);

// Parses a level name as init_logging accepts it; nullopt when unknown.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view level);

// The default logger; its lines end in "(moldau)". It also becomes spdlog's default logger, so
// spdlog::info(...) writes the same way. init_logging sets it up too.
spdlog::logger& log();
// A logger for one component, created on first use; its lines end in "(<component>)", like the
// class name in Kafka's logs. The pointer stays valid for the life of the process.
spdlog::logger& logger(std::string_view component);

// Kafka's layout as an spdlog formatter (level names TRACE DEBUG INFO WARN ERROR FATAL), for
// sinks other than stderr, such as a test's.
std::unique_ptr<spdlog::formatter> make_log_formatter();

}  // namespace moldau
