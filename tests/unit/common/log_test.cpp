#include "moldau/common/log.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <regex>
#include <sstream>

using namespace moldau;

TEST_CASE("log lines use Kafka's log4j layout") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  sink->set_formatter(make_log_formatter());
  spdlog::logger lg("group-coordinator", sink);
  lg.set_level(spdlog::level::trace);
  lg.info("Loaded {} offsets", 42);
  lg.warn("careful");
  lg.error("bad");
  lg.debug("d");
  lg.trace("t");
  lg.critical("c");
  const std::regex line(
      R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (INFO|WARN|ERROR|DEBUG|TRACE|FATAL) .* \(group-coordinator\))");
  std::istringstream in(out.str());
  std::string l;
  std::vector<std::string> lines;
  while (std::getline(in, l)) {
    CAPTURE(l);
    CHECK(std::regex_match(l, line));
    lines.push_back(l.substr(l.find(']') + 2));
  }
  CHECK(lines ==
        std::vector<std::string>{"INFO Loaded 42 offsets (group-coordinator)",
                                 "WARN careful (group-coordinator)",
                                 "ERROR bad (group-coordinator)", "DEBUG d (group-coordinator)",
                                 "TRACE t (group-coordinator)", "FATAL c (group-coordinator)"});
}

TEST_CASE("levels") {
  CHECK(parse_log_level("trace") == spdlog::level::trace);
  CHECK(parse_log_level("DEBUG") == spdlog::level::debug);
  CHECK(parse_log_level("info") == spdlog::level::info);
  CHECK(parse_log_level("warn") == spdlog::level::warn);
  CHECK(parse_log_level("warning") == spdlog::level::warn);
  CHECK(parse_log_level("error") == spdlog::level::err);
  CHECK(parse_log_level("off") == spdlog::level::off);
  CHECK_FALSE(parse_log_level("loud").has_value());

  spdlog::logger& a = logger("storage");
  CHECK(&a == &logger("storage"));
  CHECK(a.name() == "storage");
  CHECK(log().name() == "moldau");
  CHECK(spdlog::default_logger_raw() == &log());
  init_logging("error");
  CHECK_FALSE(a.should_log(spdlog::level::warn));
  CHECK(a.should_log(spdlog::level::err));
  CHECK_FALSE(logger("created-later").should_log(spdlog::level::info));
  init_logging("off");
  CHECK_FALSE(log().should_log(spdlog::level::critical));
  init_logging("debug");
  CHECK(a.should_log(spdlog::level::debug));
  CHECK_FALSE(a.should_log(spdlog::level::trace));
  init_logging("info");
}
