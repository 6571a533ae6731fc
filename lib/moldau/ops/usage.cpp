#include <cstdio>

#include "moldau/ops/cli.h"
#include "moldau/ops/console_consumer.h"
#include "moldau/ops/console_producer.h"
#include "moldau/ops/consumer_groups.h"
#include "moldau/ops/consumer_perf.h"
#include "moldau/ops/topics.h"

namespace moldau::ops {

const std::vector<OptionDoc>& help_table(Tool tool) {
  switch (tool) {
    case Tool::kTopics: return topics_help_table();
    case Tool::kConsoleProducer: return console_producer_help_table();
    case Tool::kConsoleConsumer: return console_consumer_help_table();
    case Tool::kConsumerGroups: return consumer_groups_help_table();
    case Tool::kConsumerPerf: return consumer_perf_help_table();
  }
  return topics_help_table();
}

namespace {
std::string option_name(std::string s) {
  while (!s.empty() && s.front() == '-') s.erase(s.begin());
  auto eq = s.find('=');
  if (eq != std::string::npos) s.resize(eq);
  return s;
}
}  // namespace

void parse_error_exit(Tool tool, const std::string& name, const std::string& what) {
  std::string msg = what;
  if (name == "ExtrasError") {
    // "The following argument was not expected: --foo" / "...arguments were not expected: --a --b"
    auto colon = what.find(": ");
    std::string first = colon == std::string::npos ? what : what.substr(colon + 2);
    auto sp = first.find(' ');
    if (sp != std::string::npos) first.resize(sp);
    if (option_name(first) == "zookeeper") zookeeper_exit();
    if (first.rfind("-", 0) == 0)
      msg = option_name(first) + " is not a recognized option";
    else
      msg = "Unexpected argument: " + first;
  } else if (name == "ArgumentMismatch") {
    auto colon = what.find(':');
    std::string opt = option_name(what.substr(0, colon));
    if (opt == "zookeeper") zookeeper_exit();
    msg = "Option " + opt + " requires an argument";
  } else if (name == "ConversionError") {
    // "Could not convert: --partitions = abc"
    auto dd = what.find("--");
    auto eq = what.find(" = ");
    if (dd != std::string::npos && eq != std::string::npos)
      msg = "Cannot parse argument '" + what.substr(eq + 3) + "' of option " + option_name(what.substr(dd, eq - dd));
  }
  usage_exit(msg, help_table(tool));
}

}  // namespace moldau::ops
