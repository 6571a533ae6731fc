// Producer state: Kafka 3.7's sequence/epoch rules, duplicates, transactions, snapshots.
#include <doctest/doctest.h>

#include "moldau/storage/producer_state.h"

using namespace moldau;
using namespace moldau::storage;

namespace {
ProducerBatch data(int64_t pid, int16_t epoch, int32_t first_seq, int32_t count, int64_t first_offset,
                   bool txn = false) {
  ProducerBatch b;
  b.producer_id = pid;
  b.epoch = epoch;
  b.first_seq = first_seq;
  b.last_seq = first_seq + count - 1;
  b.first_offset = first_offset;
  b.last_offset = first_offset + count - 1;
  b.max_timestamp = 1000 + first_offset;
  b.transactional = txn;
  return b;
}
ProducerBatch marker(int64_t pid, int16_t epoch, int64_t offset, bool commit) {
  ProducerBatch b;
  b.producer_id = pid;
  b.epoch = epoch;
  b.first_offset = b.last_offset = offset;
  b.control = true;
  b.transactional = true;
  b.commit = commit;
  b.max_timestamp = 5000;
  return b;
}
// check + update, as PartitionLog::append does.
Result<std::optional<BatchMetadata>> append(ProducerStateManager& m, const ProducerBatch& b,
                                            AppendOrigin origin = AppendOrigin::kClient) {
  ProducerStateManager::Scratch scratch;
  auto r = m.check(b, origin, scratch);
  if (r.ok() && !*r) m.update(b);
  return r;
}
}  // namespace

TEST_CASE("producer state: in-order sequences are accepted, gaps are OUT_OF_ORDER_SEQUENCE_NUMBER") {
  ProducerStateManager m;
  REQUIRE(append(m, data(7, 0, 0, 3, 0)).ok());
  REQUIRE(append(m, data(7, 0, 3, 2, 3)).ok());
  auto gap = append(m, data(7, 0, 6, 1, 5));
  CHECK(gap.status().code() == ErrorCode::kOutOfOrderSequenceNumber);
  CHECK(m.find(7)->last_seq() == 4);
  CHECK(m.find(7)->last_offset() == 4);
}

TEST_CASE("producer state: a retried batch returns the original offsets") {
  ProducerStateManager m;
  REQUIRE(append(m, data(7, 0, 0, 3, 10)).ok());
  REQUIRE(append(m, data(7, 0, 3, 3, 13)).ok());
  auto dup = append(m, data(7, 0, 0, 3, 16));
  REQUIRE(dup.ok());
  REQUIRE(dup->has_value());
  CHECK((*dup)->first_offset == 10);
  CHECK((*dup)->last_offset == 12);
  // Only the last five batches are remembered.
  for (int i = 2; i < 7; ++i) REQUIRE(append(m, data(7, 0, i * 3, 3, 10 + i * 3)).ok());
  CHECK(m.find(7)->batches.size() == kProducerBatchesToRetain);
  auto old = append(m, data(7, 0, 3, 3, 100));
  CHECK(old.status().code() == ErrorCode::kOutOfOrderSequenceNumber);
}

TEST_CASE("producer state: epochs") {
  ProducerStateManager m;
  // An unknown producer may start anywhere.
  REQUIRE(append(m, data(9, 2, 40, 1, 0)).ok());
  // A new epoch must restart at 0.
  CHECK(append(m, data(9, 3, 41, 1, 1)).status().code() == ErrorCode::kOutOfOrderSequenceNumber);
  REQUIRE(append(m, data(9, 3, 0, 1, 1)).ok());
  CHECK(append(m, data(9, 2, 41, 1, 2)).status().code() == ErrorCode::kInvalidProducerEpoch);
  CHECK(m.find(9)->epoch == 3);
}

TEST_CASE("producer state: transactions, last stable offset and aborted index") {
  ProducerStateManager m;
  REQUIRE(append(m, data(1, 0, 0, 2, 0, true)).ok());
  REQUIRE(append(m, data(2, 0, 0, 1, 2, true)).ok());
  REQUIRE(append(m, data(1, 0, 2, 1, 3, true)).ok());
  CHECK(m.first_unstable_offset() == 0);
  // A non-transactional write while a transaction is open.
  CHECK(append(m, data(1, 0, 3, 1, 4)).status().code() == ErrorCode::kInvalidTxnState);
  REQUIRE(append(m, marker(1, 0, 4, false), AppendOrigin::kCoordinator).ok());
  CHECK(m.first_unstable_offset() == 2);
  REQUIRE(m.aborted_transactions().size() == 1);
  CHECK(m.aborted_transactions()[0] == AbortedTxn{1, 0, 4, 2});
  REQUIRE(append(m, marker(2, 0, 5, true), AppendOrigin::kCoordinator).ok());
  CHECK(m.first_unstable_offset() == -1);
  CHECK(m.aborted_transactions().size() == 1);
  CHECK(m.aborted_between(5, 10).empty());
  CHECK(m.aborted_between(3, 10).size() == 1);
  // A marker with a bumped epoch fences the old epoch.
  REQUIRE(append(m, data(2, 0, 1, 1, 6, true)).ok());
  REQUIRE(append(m, marker(2, 1, 7, false), AppendOrigin::kCoordinator).ok());
  CHECK(append(m, data(2, 0, 2, 1, 8, true)).status().code() == ErrorCode::kInvalidProducerEpoch);
  CHECK(m.aborted_transactions().back() == AbortedTxn{2, 6, 7, 8});
}

TEST_CASE("producer state: snapshot round trip and expiry") {
  ProducerStateManager m;
  REQUIRE(append(m, data(5, 1, 0, 4, 100)).ok());
  REQUIRE(append(m, data(6, 0, 0, 1, 104, true)).ok());
  std::string snap = m.encode_snapshot();
  CHECK(snap.size() == 10 + 2 * 46);
  ProducerStateManager r;
  REQUIRE(r.load_snapshot(snap, "test").ok());
  REQUIRE(r.find(5));
  CHECK(r.find(5)->epoch == 1);
  CHECK(r.find(5)->last_seq() == 3);
  CHECK(r.find(5)->last_offset() == 103);
  CHECK(r.find(6)->current_txn_first_offset == 104);
  CHECK(r.first_unstable_offset() == 104);
  // The last batch is still recognised as a duplicate after the reload.
  ProducerStateManager::Scratch scratch;
  auto dup = r.check(data(5, 1, 0, 4, 200), AppendOrigin::kClient, scratch);
  REQUIRE(dup.ok());
  REQUIRE(dup->has_value());
  CHECK((*dup)->first_offset == 100);
  snap[12] ^= 1;
  CHECK(!ProducerStateManager().load_snapshot(snap, "test").ok());
  // Expiry keeps producers with an open transaction.
  CHECK(r.expire(1000 + 104 + 10, 5) == 1);
  CHECK(r.find(5) == nullptr);
  CHECK(r.find(6) != nullptr);
}

TEST_CASE("producer state: txnindex entries are Kafka's 34 bytes") {
  AbortedTxn a{3, 10, 20, 21};
  std::string bytes = encode_aborted_txn(a) + encode_aborted_txn({4, 30, 40, 41}) + "xx";
  CHECK(bytes.size() == 2 * kAbortedTxnEntrySize + 2);
  auto back = decode_txn_index(bytes);
  REQUIRE(back.size() == 2);
  CHECK(back[0] == a);
  CHECK(back[1].producer_id == 4);
}
