#pragma once
// kafka-broker-api-versions (Kafka's BrokerApiVersionsCommand): for every broker of the
// cluster, the API versions it serves, each with the version Kafka 4.4's Java client would
// use with it ("Fetch(1): 4 to 18 [usable: 18]"), in Kafka's words and order.

#include <cstdint>
#include <string>
#include <vector>

namespace moldau::ops {

// Parses the command line as BrokerApiVersionsCommand does, runs it; returns the exit code.
int broker_api_versions_main(int argc, char** argv);

// --- pure parts, unit-tested ---

struct BrokerApiRange {
  int16_t api_key = 0;
  int16_t min_version = 0;
  int16_t max_version = 0;
};
// NodeApiVersions.toString(true) of Kafka 4.4's client for these ranges: one line per API
// the broker lists or the client knows, by key; "(\n\t...,\n\t...\n)".
std::string format_node_api_versions(const std::vector<BrokerApiRange>& ranges);

}  // namespace moldau::ops
