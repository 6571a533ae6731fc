#pragma once
// kafka-configs (Kafka 4.4's ConfigCommand): describes and alters the configs of topics,
// brokers (one broker, or the cluster-wide default), broker loggers and groups through
// DescribeConfigs and IncrementalAlterConfigs, with Kafka's flags, checks, output, messages
// and exit codes. Quotas and SCRAM credentials (users, clients, ips) and client-metrics
// resources are parsed and checked as Kafka does but not carried out (man page).

#include <string>
#include <utility>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops {

// Parses the command line as ConfigCommand does, runs it; returns the exit code.
int configs_main(int argc, char** argv);

// --- pure parts, unit-tested ---

// --add-config's "k1=v1,k2=[a,b]" as ConfigCommand splits it: at commas and '=' outside
// square brackets, keys and values trimmed, brackets dropped from values. An entry that is
// not exactly one key and one value is Kafka's "Invalid entity config: ..." error.
Result<std::vector<std::pair<std::string, std::string>>> parse_add_config(const std::string& text);

}  // namespace moldau::ops
