#include "moldau/ops/admin_tool.h"

#include <cstdio>
#include <cstdlib>

namespace moldau::ops {

int admin_tool_fail(const std::string& message) {
  std::fprintf(stderr, "%s\n\n", message.c_str());
  return 1;
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
  if (!parsed.ok()) std::exit(admin_tool_fail(parsed.status().message()));
  AdminToolStart start;
  start.args = std::move(parsed).value();
  const ParsedArgs& a = start.args;
  if (a.has("help")) usage_exit(usage, docs);
  if (a.has("version")) version_exit();
  for (const auto& name : required)
    if (!a.has(name)) usage_exit("Missing required argument \"[" + name + "]\"", docs);

  auto config = single_value(a, "command-config");
  if (!config.ok()) std::exit(admin_tool_fail(config.status().message()));
  if (*config) {
    auto loaded = Properties::load_file(**config);
    if (!loaded.ok()) std::exit(admin_tool_fail(**config));  // Java's NoSuchFileException names the path
    start.props = std::move(loaded).value();
  }
  auto bootstrap = single_value(a, "bootstrap-server");
  if (!bootstrap.ok()) std::exit(admin_tool_fail(bootstrap.status().message()));
  auto nodes = parse_bootstrap(**bootstrap);
  if (!nodes.ok()) std::exit(admin_tool_fail(bootstrap_error ? bootstrap_error : nodes.status().message()));
  start.bootstrap = std::move(nodes).value();
  return start;
}

}  // namespace moldau::ops
