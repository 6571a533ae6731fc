#pragma once
// The start Kafka's joptsimple admin tools share (BrokerApiVersionsCommand,
// DeleteRecordsCommand, LogDirsCommand): the usage without arguments or with --help, the
// version, the required options, then the command config and the bootstrap list their admin
// client reads. An exception that escapes such a tool's main prints its message and the JVM's
// stack trace; ours print the message, the trace's first line (the exception's class and
// message; the frames are Java's own) and an empty line (admin_tool_fail).

#include <string>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/ops/cli.h"
#include "moldau/ops/raw_client.h"

namespace moldau::ops {

struct AdminToolStart {
  ParsedArgs args;
  Properties props;               // --command-config
  std::vector<HostPort> bootstrap;  // --bootstrap-server
};

// Parses the command line and reads the command config and bootstrap list in Kafka's order;
// exits as Kafka's tool would on anything wrong. `required` in the order Kafka checks them.
// A bootstrap list the client rejects ends in `bootstrap_error` when it is given (Kafka's
// admin client wraps the reason: "Failed to create new KafkaAdminClient"), else the reason.
AdminToolStart start_admin_tool(int argc, char** argv, const char* usage, const std::vector<OptionDoc>& docs,
                                const std::vector<std::string>& required, const char* bootstrap_error = nullptr);

// An integer client property, or `fallback` when absent or not a number.
int int_property(const Properties& props, const std::string& key, int fallback);

// Prints `message`, the exception line "`exception_class`: `message`" and an empty line to
// stderr, as Kafka's tools print an exception that escapes them; returns 1 (the exit code).
// (A wrapper such as ExecutionException or RuntimeException(cause) has the cause's
// "class: message" as its message, so `message` is that text then.)
int admin_tool_fail(const std::string& message, const std::string& exception_class);
// admin_tool_fail for one of parse_args' or single_value's messages: joptsimple's exception.
int admin_option_error(const std::string& message);
// admin_tool_fail for an admin client call's failure: `cause` ("class: message") as the
// message, wrapped in the future's ExecutionException.
int admin_call_fail(const std::string& cause);

}  // namespace moldau::ops
