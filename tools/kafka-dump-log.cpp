// kafka-dump-log: prints log segments, their indexes, producer snapshots and transaction
// indexes as Apache Kafka 4.4's DumpLogSegments does (lib/moldau/logtools/dump_log.h). Reads
// the files directly (no broker).

#include "moldau/logtools/dump_log.h"

using namespace moldau;

int main(int argc, char** argv) {
  const auto& options = logtools::dump_log_options();
  auto parsed = ops::parse_args(argc, argv, options);
  if (!parsed.ok()) logtools::uncaught(parsed.status().message());
  const ops::ParsedArgs& a = *parsed;
  if (argc <= 1 || a.has("help")) ops::usage_exit(logtools::kDumpLogUsage, options);
  if (a.has("version")) ops::version_exit();
  if (!a.has("files")) ops::usage_exit("Missing required argument \"[files]\"", options);
  return logtools::dump_log(a);
}
