#pragma once
// kafka-leader-election (Kafka's LeaderElectionCommand): asks the controller for preferred or
// unclean leader elections of one partition, the partitions of a JSON file, or every partition,
// and prints which were elected, which needed nothing and which failed, in Kafka's words and
// order.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops {

// Parses the command line as LeaderElectionCommand does, runs it; returns the exit code.
int leader_election_main(int argc, char** argv);

// --- pure parts, unit-tested ---

// The partitions of a --path-to-json-file document ({"partitions": [{"topic": t, "partition": p}]}),
// in file order, or the error as the tool prints it: Kafka's exception text ("Replica election
// data is empty", "com.fasterxml.jackson.databind.JsonMappingException: Expected `Integer`
// value, received \"x\"", "Replica election data contains duplicate partitions: [t-1]").
Result<std::vector<std::pair<std::string, int32_t>>> parse_election_json(const std::string& text);

}  // namespace moldau::ops
