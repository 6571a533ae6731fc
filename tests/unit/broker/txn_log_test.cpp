// __transaction_state records: Kafka's TransactionLogKey v0 / TransactionLogValue v0 bytes,
// round trips, v1 (flexible) decoding, state names.
#include <doctest/doctest.h>

#include "moldau/broker/txn/txn_log.h"

using namespace moldau;
using namespace moldau::broker::txn;

TEST_CASE("txn log: key v0 bytes") {
  auto key = encode_transaction_log_key("tx");
  CHECK(key == protocol::Bytes{0x00, 0x00, 0x00, 0x02, 't', 'x'});
  auto back = decode_transaction_log_key(key);
  REQUIRE(back.ok());
  CHECK(back->transactional_id == "tx");
  protocol::Bytes v1{0x00, 0x01, 0x00, 0x02, 't', 'x'};
  CHECK(decode_transaction_log_key(v1).status().code() == ErrorCode::kUnsupportedVersion);
}

TEST_CASE("txn log: value v0 bytes and round trip") {
  TransactionLogValue v;
  v.producer_id = 0x0102;
  v.producer_epoch = 3;
  v.transaction_timeout_ms = 60000;
  v.transaction_status = static_cast<int8_t>(TxnState::kOngoing);
  v.transaction_partitions = std::vector<TransactionLogValue::Partitions>{{"t", {0, 1}}};
  v.transaction_last_update_timestamp_ms = 5;
  v.transaction_start_timestamp_ms = 4;
  auto bytes = encode_transaction_log_value(v);
  protocol::Bytes expected{
      0x00, 0x00,                                      // version 0
      0, 0, 0, 0, 0, 0, 0x01, 0x02,                    // producerId
      0x00, 0x03,                                      // producerEpoch
      0x00, 0x00, 0xea, 0x60,                          // transactionTimeoutMs 60000
      0x01,                                            // transactionStatus Ongoing
      0x00, 0x00, 0x00, 0x01,                          // one topic
      0x00, 0x01, 't',                                 // topic
      0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1,  // partitionIds [0, 1]
      0, 0, 0, 0, 0, 0, 0, 5,                          // lastUpdateTimestamp
      0, 0, 0, 0, 0, 0, 0, 4,                          // startTimestamp
  };
  CHECK(bytes == expected);
  auto back = decode_transaction_log_value(bytes);
  REQUIRE(back.ok());
  CHECK(*back == v);

  // Empty partitions are written as an empty array (not null).
  TransactionLogValue e;
  e.transaction_partitions.emplace();
  auto eb = encode_transaction_log_value(e);
  CHECK(eb.size() == 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8);
  CHECK(decode_transaction_log_value(eb)->transaction_partitions->empty());
}

TEST_CASE("txn log: value v1 is flexible") {
  protocol::Bytes v1{
      0x00, 0x01,                    // version 1
      0, 0, 0, 0, 0, 0, 0, 9,        // producerId
      0x00, 0x00,                    // epoch
      0x00, 0x00, 0x03, 0xe8,        // timeout 1000
      0x04,                          // CompleteCommit
      0x01,                          // compact array: 0 topics
      0, 0, 0, 0, 0, 0, 0, 7,        // lastUpdate
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // start -1
      0x00,                          // no tagged fields
  };
  auto v = decode_transaction_log_value(v1);
  REQUIRE(v.ok());
  CHECK(v->producer_id == 9);
  CHECK(v->transaction_status == 4);
  CHECK(v->transaction_partitions->empty());
  CHECK(v->transaction_start_timestamp_ms == -1);
}

TEST_CASE("txn log: Kafka's state names") {
  CHECK(std::string(txn_state_name(TxnState::kPrepareEpochFence)) == "PrepareEpochFence");
  CHECK(std::string(txn_state_name(TxnState::kCompleteAbort)) == "CompleteAbort");
  CHECK(parse_txn_state("ongoing") == TxnState::kOngoing);
  CHECK(!parse_txn_state("Stable"));
}
