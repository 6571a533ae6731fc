#pragma once
// The records of a KRaft cluster's metadata log (__cluster_metadata) and its snapshots, decoded
// into JSON as Kafka's generated JSON converters write them: the metadata records of
// MetadataRecordSerde's framing (frame version, api key, record version, then the record) and
// the raft control records (leader change, snapshot header and footer, kraft version, voters).
// The field lists come from Kafka's record specs through scripts/dev/gen-metadata-records.py
// (metadata_records.inc), which also holds the share coordinator's __share_group_state records
// and the records of the remote log metadata topic (__remote_log_metadata).
// Used by kafka-dump-log (--cluster-metadata-decoder, --share-group-state-decoder,
// --remote-log-metadata-decoder, and the control records it always decodes). Pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "moldau/common/result.h"

namespace moldau::ops {

// A metadata record's value as Kafka's cluster metadata parser prints it:
// {"type":"TOPIC_RECORD","version":0,"data":{...}}. Fails with why the bytes do not decode, in
// Kafka's words. A version Kafka does not know is read with the fields of its newest, as Kafka
// does. An absent value is read as no bytes.
Result<std::string> metadata_record_json(std::span<const uint8_t> value);

// The raft control records, by their control type (the key's second int16): 2 LEADER_CHANGE,
// 3 SNAPSHOT_HEADER, 4 SNAPSHOT_FOOTER, 5 KRAFT_VERSION, 6 KRAFT_VOTERS. The value is the
// message at version 0 (its first field, Version, says which); the result is it as JSON. Fails for
// another type or bytes that do not decode.
Result<std::string> control_record_json(int16_t type, std::span<const uint8_t> value);

// A __share_group_state record: the key (its record type as int16, then the key at version 0)
// and the value (its version as int16, then the value) as JSON, as Kafka's coordinator record
// parser shows them. `known` is false for a record type the share coordinator lacks (the
// rest is then empty); a value that is absent is a tombstone (nullopt). Fails with why the
// bytes do not decode.
struct ShareStateRecord {
  int16_t type = 0;
  bool known = true;
  std::string key;
  int16_t version = 0;
  std::optional<std::string> value;
};
Result<ShareStateRecord> share_state_record_json(std::span<const uint8_t> key,
                                                 std::optional<std::span<const uint8_t>> value);

// A record value of the remote log metadata topic as Kafka's RemoteLogMetadataSerde reads it
// (the framing of metadata_record_json, then RemoteLogSegmentMetadataRecord,
// RemoteLogSegmentMetadataUpdateRecord, RemotePartitionDeleteMetadataRecord or
// RemoteLogSegmentMetadataSnapshotRecord) and the object it makes prints itself (Java's
// toString): "RemoteLogSegmentMetadata{remoteLogSegmentId=..., ...}". Fails with the message of
// the exception Kafka throws for bytes that do not decode or for values its objects reject
// (a negative start offset, an unknown state, no leader epochs).
Result<std::string> remote_log_metadata_text(std::span<const uint8_t> value);

}  // namespace moldau::ops
