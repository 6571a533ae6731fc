#pragma once
// The records Kafka's coordinators keep in __consumer_offsets and __transaction_state, decoded
// from their key and value bytes (key: the record type, then the key; value: its version,
// then the value) into JSON as Kafka's generated JSON converters write them. Shared by
// kafka-dump-log (--offsets-decoder, --transaction-log-decoder) and kafka-console-consumer
// (the Offsets/GroupMetadata/TransactionLog message formatters). Pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace moldau::ops {

enum class CoordinatorLog {
  kGroups,        // __consumer_offsets: offset commits (types 0, 1), group metadata (type 2)
  kTransactions,  // __transaction_state: transaction metadata (type 0)
};

struct CoordinatorRecord {
  int16_t type = 0;
  nlohmann::ordered_json key;
  int16_t version = 0;                         // the value's
  std::optional<nlohmann::ordered_json> value;  // nullopt: a tombstone
};

struct CoordinatorRecordError {
  bool unknown_type = false;  // Kafka's UnknownRecordTypeException: a type this log has not
  int16_t type = 0;
  std::string message;  // otherwise: why the bytes did not decode
};

// Decodes one record. With `decode_consumer_protocol`, the subscription and assignment of a
// consumer group's members are decoded too (as kafka-dump-log shows them); else they stay
// base64. A transaction's status is shown by its state's name, as both of Kafka's tools do.
std::variant<CoordinatorRecord, CoordinatorRecordError> decode_coordinator_record(
    CoordinatorLog log, std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value,
    bool decode_consumer_protocol);

// JSON as Jackson's JsonNode.toString writes it: compact, UTF-8 as is.
std::string compact_json(const nlohmann::ordered_json& j);

}  // namespace moldau::ops
