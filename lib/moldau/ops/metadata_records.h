#pragma once
// The records of a KRaft cluster's metadata log (__cluster_metadata) and its snapshots, decoded
// into JSON as Kafka's generated JSON converters write them: the metadata records of
// MetadataRecordSerde's framing (frame version, api key, record version, then the record) and
// the raft control records (leader change, snapshot header and footer, kraft version, voters).
// The field lists come from Kafka's record specs through scripts/dev/gen-metadata-records.py
// (metadata_records.inc). Used by kafka-dump-log (--cluster-metadata-decoder, and the control
// records it always decodes). Pure functions.

#include <cstdint>
#include <span>
#include <string>

#include "moldau/common/result.h"

namespace moldau::ops {

// A metadata record's value as Kafka's cluster metadata parser prints it:
// {"type":"TOPIC_RECORD","version":0,"data":{...}}. Fails with why the bytes do not decode.
Result<std::string> metadata_record_json(std::span<const uint8_t> value);

// The raft control records, by their control type (the key's second int16): 2 LEADER_CHANGE,
// 3 SNAPSHOT_HEADER, 4 SNAPSHOT_FOOTER, 5 KRAFT_VERSION, 6 KRAFT_VOTERS. The value is the
// message at version 0 (its first field, Version, says which); the result is it as JSON. Fails for
// another type or bytes that do not decode.
Result<std::string> control_record_json(int16_t type, std::span<const uint8_t> value);

}  // namespace moldau::ops
