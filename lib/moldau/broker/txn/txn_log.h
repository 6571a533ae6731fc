#pragma once
// The records of __transaction_state, in Kafka's formats (TransactionLogKey v0,
// TransactionLogValue v0, which Kafka 3.7 writes; v1 adds tagged fields and is read too):
//
//   key    int16 version (0), string transactionalId
//   value  int16 version, int64 producerId, int16 producerEpoch, int32 transactionTimeoutMs,
//          int8 transactionStatus, nullable [topic string, [int32 partition]] partitions,
//          int64 lastUpdateTimestampMs, int64 startTimestampMs (v1: tagged fields after each
//          structure; tags 0 previousProducerId, 1 nextProducerId, 2 clientTransactionVersion)
//
// A null value is a tombstone: the transactional id expired.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/reader.h"
#include "moldau/protocol/records.h"
#include "moldau/protocol/writer.h"

namespace moldau::broker::txn {

// Kafka's TransactionState ids, as transactionStatus stores them.
enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
  kDead = 6,
  kPrepareEpochFence = 7,
};
// Kafka's names ("Empty", "Ongoing", ...), as DescribeTransactions and ListTransactions show.
const char* txn_state_name(TxnState s);
std::optional<TxnState> parse_txn_state(std::string_view name);

struct TransactionLogKey {
  std::string transactional_id;
  template <class IO>
  void io(IO& io, int16_t /*v*/) {
    io.string("transactionalId", transactional_id);
  }
  friend bool operator==(const TransactionLogKey&, const TransactionLogKey&) = default;
};

struct TransactionLogValue {
  struct Partitions {
    std::string topic;
    std::vector<int32_t> partition_ids;
    template <class IO>
    void io(IO& io, int16_t /*v*/) {
      io.string("topic", topic);
      io.array("partitionIds", partition_ids, [&](IO& io, int32_t& p) { io.i32("", p); });
      io.tagged_fields();
    }
    friend bool operator==(const Partitions&, const Partitions&) = default;
  };
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t transaction_timeout_ms = 0;
  int8_t transaction_status = 0;
  std::optional<std::vector<Partitions>> transaction_partitions;
  int64_t transaction_last_update_timestamp_ms = -1;
  int64_t transaction_start_timestamp_ms = -1;

  template <class IO>
  void io(IO& io, int16_t v) {
    io.i64("producerId", producer_id);
    io.i16("producerEpoch", producer_epoch);
    io.i32("transactionTimeoutMs", transaction_timeout_ms);
    io.i8("transactionStatus", transaction_status);
    io.nullable_array("transactionPartitions", transaction_partitions,
                      [&](IO& io, Partitions& p) { p.io(io, v); });
    io.i64("transactionLastUpdateTimestampMs", transaction_last_update_timestamp_ms);
    io.i64("transactionStartTimestampMs", transaction_start_timestamp_ms);
    io.tagged_fields();
  }
  friend bool operator==(const TransactionLogValue&, const TransactionLogValue&) = default;
};

inline constexpr int16_t kTransactionLogKeyVersion = 0;
inline constexpr int16_t kTransactionLogValueVersion = 0;

protocol::Bytes encode_transaction_log_key(const std::string& transactional_id);
protocol::Bytes encode_transaction_log_value(TransactionLogValue value);
Result<TransactionLogKey> decode_transaction_log_key(std::span<const uint8_t> bytes);
Result<TransactionLogValue> decode_transaction_log_value(std::span<const uint8_t> bytes);

}  // namespace moldau::broker::txn
