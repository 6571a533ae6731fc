#pragma once
// kafka-dump-log's work, after Apache Kafka 4.4's DumpLogSegments, byte for byte: its lines for
// log segments (shallow or deep, with the record data), offset and time indexes (dumped,
// verified, sanity-checked), producer snapshots and transaction indexes; its decoders (String,
// Integer, Long; the __consumer_offsets, __transaction_state, __share_group_state and
// __cluster_metadata records as JSON, __remote_log_metadata's as its objects print themselves;
// raft control records always); its error report and exit codes. It reads the files directly,
// which is why it is not in lib/moldau/ops (ops talks to brokers, DESIGN.md).

#include <string>
#include <vector>

#include "moldau/ops/cli.h"

namespace moldau::logtools {

// Kafka's usage line and option table, in its words (they are the tool's output).
extern const char* const kDumpLogUsage;
const std::vector<ops::OptionDoc>& dump_log_options();

// Dumps every file of --files in turn. The other options are read from `args` when a file
// needs them, as Kafka reads them (a bad --max-bytes matters only once a .log comes). Returns
// the exit code; what Kafka lets escape as an exception exits 1 from inside (uncaught).
int dump_log(const ops::ParsedArgs& args);

// What escapes DumpLogSegments.main (a joptsimple error, an IOException, a corrupt file): the
// JVM prints it and exits 1. Printed the way our other tools print theirs.
[[noreturn]] void uncaught(const std::string& message);

}  // namespace moldau::logtools
