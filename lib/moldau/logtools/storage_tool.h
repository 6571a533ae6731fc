#pragma once
// kafka-storage's subcommands, after Apache Kafka 4.4's StorageTool: `format` writes
// meta.properties (and the bootstrap checkpoint's place) into every log dir of a config, `info`
// shows what the log dirs hold, `version-mapping` and `feature-dependencies` print Kafka's
// feature tables. Each parses its own arguments as argparse4j does and prints Kafka's words;
// each returns the exit code. They read and write log directories, hence here and not in ops.

#include <string>
#include <vector>

namespace moldau::logtools {

// The top-level usage and help (argparse4j's).
extern const char* const kStorageUsage;
extern const char* const kStorageHelp;
// argparse4j's error: the usage, then "kafka-storage: error: <message>" wrapped at its width,
// on stderr. Returns 1.
int usage_error(const char* usage, const std::string& message);

int storage_format(const std::vector<std::string>& args);
int storage_info(const std::vector<std::string>& args);
int storage_version_mapping(const std::vector<std::string>& args);
int storage_feature_dependencies(const std::vector<std::string>& args);

}  // namespace moldau::logtools
