#include "moldau/ops/admin_tool.h"

#include <cstdio>
#include <cstdlib>

namespace moldau::ops {

int admin_tool_fail(const std::string& message, const std::string& exception_class) {
  std::fprintf(stderr, "%s\n%s: %s\n\n", message.c_str(), exception_class.c_str(), message.c_str());
  return 1;
}

int admin_option_error(const std::string& message) {
  return admin_tool_fail(message, joptsimple_exception_class(message));
}

int admin_call_fail(const std::string& cause) {
  return admin_tool_fail(cause, "java.util.concurrent.ExecutionException");
}

int int_property(const Properties& props, const std::string& key, int fallback) {
  try {
    return std::stoi(props.get_or(key, std::to_string(fallback)));
  } catch (const std::exception&) {
    return fallback;
  }
}

AdminToolStart start_admin_tool(int argc, char** argv, const char* usage, const std::vector<OptionDoc>& docs,
                                const std::vector<std::string>& required, const char* bootstrap_error) {
  if (argc <= 1) usage_exit(usage, docs);
  auto parsed = parse_args(argc, argv, docs);
  if (!parsed.ok()) std::exit(admin_option_error(parsed.status().message()));
  AdminToolStart start;
  start.args = std::move(parsed).value();
  const ParsedArgs& a = start.args;
  if (a.has("help")) usage_exit(usage, docs);
  if (a.has("version")) version_exit();
  for (const auto& name : required)
    if (!a.has(name)) usage_exit("Missing required argument \"[" + name + "]\"", docs);

  auto config = single_value(a, "command-config");
  if (!config.ok()) std::exit(admin_option_error(config.status().message()));
  if (*config) {
    auto loaded = Properties::load_file(**config);
    if (!loaded.ok()) std::exit(admin_tool_fail(**config, "java.nio.file.NoSuchFileException"));  // names the path
    start.props = std::move(loaded).value();
  }
  auto bootstrap = single_value(a, "bootstrap-server");
  if (!bootstrap.ok()) std::exit(admin_option_error(bootstrap.status().message()));
  auto nodes = parse_bootstrap(**bootstrap);
  if (!nodes.ok())
    std::exit(bootstrap_error ? admin_tool_fail(bootstrap_error, "org.apache.kafka.common.KafkaException")
                              : admin_tool_fail(nodes.status().message(), "org.apache.kafka.common.config.ConfigException"));
  start.bootstrap = std::move(nodes).value();
  return start;
}

}  // namespace moldau::ops
