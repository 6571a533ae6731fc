#pragma once
// kafka-delete-records (Kafka's DeleteRecordsCommand): deletes the records of partitions below
// the offsets an offset JSON file gives, and prints each partition's new low watermark or its
// error, in Kafka's words and order.

#include <cstdint>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::ops {

// Parses the command line as DeleteRecordsCommand does, runs it; returns the exit code.
int delete_records_main(int argc, char** argv);

// --- pure parts, unit-tested ---

struct RecordsToDelete {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};
// The offset JSON file ({"partitions": [{"topic": t, "partition": p, "offset": o}], "version": 1}),
// entries in file order, duplicates kept; errors in the words of Kafka's JSON decoding
// ("Missing partitions field", "Expected `Integer` value, received \"x\"", ...).
Result<std::vector<RecordsToDelete>> parse_offset_json(const std::string& text);

}  // namespace moldau::ops
