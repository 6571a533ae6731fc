#include "moldau/storage/producer_state.h"

#include <algorithm>
#include <climits>

#include "moldau/common/crc32c.h"
#include "moldau/common/endian.h"

namespace moldau::storage {

namespace {

bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return static_cast<int64_t>(next_seq) == static_cast<int64_t>(last_seq) + 1 ||
         (next_seq == 0 && last_seq == INT32_MAX);
}

void put16(std::string& s, uint16_t v) {
  char b[2];
  store_be16(reinterpret_cast<uint8_t*>(b), v);
  s.append(b, 2);
}
void put32(std::string& s, uint32_t v) {
  char b[4];
  store_be32(reinterpret_cast<uint8_t*>(b), v);
  s.append(b, 4);
}
void put64(std::string& s, uint64_t v) {
  char b[8];
  store_be64(reinterpret_cast<uint8_t*>(b), v);
  s.append(b, 8);
}
const uint8_t* u8(const std::string& s, size_t at) { return reinterpret_cast<const uint8_t*>(s.data()) + at; }

// Kafka's ProducerStateEntry.addBatch: a new epoch forgets the batches of the old one.
void add_batch(ProducerEntry& e, const ProducerBatch& b) {
  if (e.epoch != b.epoch) {
    e.batches.clear();
    e.epoch = b.epoch;
  }
  e.batches.push_back({b.first_seq, b.last_seq, b.first_offset, b.last_offset, b.max_timestamp});
  while (e.batches.size() > kProducerBatchesToRetain) e.batches.pop_front();
  e.last_timestamp = b.max_timestamp;
}

constexpr int16_t kSnapshotVersion = 1;
// producerId, epoch, lastSequence, lastOffset, offsetDelta, timestamp, coordinatorEpoch,
// currentTxnFirstOffset.
constexpr size_t kSnapshotEntrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

}  // namespace

Result<std::optional<BatchMetadata>> ProducerStateManager::check(const ProducerBatch& b, AppendOrigin origin,
                                                                  Scratch& scratch) const {
  using R = std::optional<BatchMetadata>;
  if (b.producer_id < 0 || origin == AppendOrigin::kReplication) return R();
  const ProducerEntry* current = find(b.producer_id);
  ProducerEntry empty;
  empty.producer_id = b.producer_id;
  if (!current) current = &empty;
  auto sit = scratch.find(b.producer_id);
  ProducerEntry& updated = sit != scratch.end() ? sit->second : (scratch[b.producer_id] = *current);
  const bool first_in_append = sit == scratch.end();

  // A client retry of one of the last five batches.
  if (origin == AppendOrigin::kClient && !b.control && first_in_append && current->epoch == b.epoch) {
    for (const auto& m : current->batches)
      if (m.first_seq == b.first_seq && m.last_seq == b.last_seq) return R(m);
  }
  if (b.epoch < updated.epoch)
    return Status(ErrorCode::kInvalidProducerEpoch,
                  "Epoch of producer " + std::to_string(b.producer_id) + " at offset " +
                      std::to_string(b.first_offset) + " is " + std::to_string(b.epoch) +
                      ", which is smaller than the last seen epoch " + std::to_string(updated.epoch));
  if (b.control) {
    if (updated.coordinator_epoch > b.coordinator_epoch)
      return Status(ErrorCode::kTransactionCoordinatorFenced,
                    "Invalid coordinator epoch for producerId " + std::to_string(b.producer_id) + ": " +
                        std::to_string(b.coordinator_epoch) + " (zombie), " +
                        std::to_string(updated.coordinator_epoch) + " (current)");
    if (updated.epoch != b.epoch) updated.batches.clear();
    updated.epoch = b.epoch;
    updated.coordinator_epoch = b.coordinator_epoch;
    updated.current_txn_first_offset = -1;
    return R();
  }
  if (origin == AppendOrigin::kClient) {
    if (b.epoch != updated.epoch) {
      if (b.first_seq != 0 && updated.epoch != -1)
        return Status(ErrorCode::kOutOfOrderSequenceNumber,
                      "Invalid sequence number for new epoch of producer " + std::to_string(b.producer_id) +
                          ": " + std::to_string(b.epoch) + " (request epoch), " + std::to_string(b.first_seq) +
                          " (seq. number), " + std::to_string(updated.epoch) + " (current producer epoch)");
    } else {
      int32_t last = updated.last_seq();
      if (!(current->epoch == -1 || in_sequence(last, b.first_seq)))
        return Status(ErrorCode::kOutOfOrderSequenceNumber,
                      "Out of order sequence number for producer " + std::to_string(b.producer_id) + " at offset " +
                          std::to_string(b.first_offset) + ": " + std::to_string(b.first_seq) +
                          " (incoming seq. number), " + std::to_string(last) + " (current end sequence number)");
    }
  }
  if (updated.current_txn_first_offset >= 0 && !b.transactional)
    return Status(ErrorCode::kInvalidTxnState, "Expected transactional write from producer " +
                                                   std::to_string(b.producer_id) + " at offset " +
                                                   std::to_string(b.first_offset));
  add_batch(updated, b);
  if (b.transactional && updated.current_txn_first_offset < 0) updated.current_txn_first_offset = b.first_offset;
  return R();
}

std::optional<AbortedTxn> ProducerStateManager::update(const ProducerBatch& b) {
  if (b.producer_id < 0) return std::nullopt;
  ProducerEntry& e = producers_[b.producer_id];
  e.producer_id = b.producer_id;
  if (!b.control) {
    add_batch(e, b);
    if (b.transactional && e.current_txn_first_offset < 0) {
      e.current_txn_first_offset = b.first_offset;
      ongoing_[b.first_offset] = b.producer_id;
    }
    return std::nullopt;
  }
  std::optional<AbortedTxn> aborted;
  if (e.current_txn_first_offset >= 0) {
    int64_t first = e.current_txn_first_offset;
    ongoing_.erase(first);
    if (!b.commit) {
      AbortedTxn a;
      a.producer_id = b.producer_id;
      a.first_offset = first;
      a.last_offset = b.first_offset;
      // Kafka's lastStableOffset(completedTxn): the oldest other open transaction, else the
      // offset after the marker.
      a.last_stable_offset = ongoing_.empty() ? b.last_offset + 1 : ongoing_.begin()->first;
      aborted_.push_back(a);
      aborted = a;
    }
  }
  if (e.epoch != b.epoch) e.batches.clear();
  e.epoch = b.epoch;
  e.coordinator_epoch = b.coordinator_epoch;
  e.last_timestamp = b.max_timestamp;
  e.current_txn_first_offset = -1;
  return aborted;
}

const ProducerEntry* ProducerStateManager::find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

int64_t ProducerStateManager::first_unstable_offset() const {
  return ongoing_.empty() ? -1 : ongoing_.begin()->first;
}

std::vector<AbortedTxn> ProducerStateManager::aborted_between(int64_t from, int64_t to) const {
  std::vector<AbortedTxn> out;
  for (const auto& a : aborted_)
    if (a.last_offset >= from && a.first_offset < to) out.push_back(a);
  return out;
}

void ProducerStateManager::add_aborted(const AbortedTxn& a) {
  for (const auto& x : aborted_)
    if (x.producer_id == a.producer_id && x.first_offset == a.first_offset) return;
  aborted_.push_back(a);
  std::sort(aborted_.begin(), aborted_.end(),
            [](const AbortedTxn& x, const AbortedTxn& y) { return x.last_offset < y.last_offset; });
}

void ProducerStateManager::remove_aborted(int64_t producer_id, int64_t marker_offset) {
  std::erase_if(aborted_, [&](const AbortedTxn& a) {
    return a.producer_id == producer_id && a.last_offset == marker_offset;
  });
}

size_t ProducerStateManager::expire(int64_t now_ms, int64_t expiration_ms) {
  size_t n = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    if (it->second.current_txn_first_offset < 0 && now_ms - it->second.last_timestamp >= expiration_ms) {
      it = producers_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

void ProducerStateManager::truncate_aborted(int64_t offset) {
  std::erase_if(aborted_, [&](const AbortedTxn& a) { return a.last_offset >= offset; });
}

void ProducerStateManager::drop_aborted_before(int64_t log_start) {
  std::erase_if(aborted_, [&](const AbortedTxn& a) { return a.last_offset < log_start; });
}

void ProducerStateManager::clear() {
  producers_.clear();
  ongoing_.clear();
}

std::string ProducerStateManager::encode_snapshot() const {
  std::string body;
  put32(body, static_cast<uint32_t>(producers_.size()));
  for (const auto& [pid, e] : producers_) {
    put64(body, static_cast<uint64_t>(pid));
    put16(body, static_cast<uint16_t>(e.epoch));
    put32(body, static_cast<uint32_t>(e.last_seq()));
    put64(body, static_cast<uint64_t>(e.last_offset()));
    int32_t delta = e.batches.empty() ? 0 : static_cast<int32_t>(e.batches.back().last_offset - e.batches.back().first_offset);
    put32(body, static_cast<uint32_t>(delta));
    put64(body, static_cast<uint64_t>(e.last_timestamp));
    put32(body, static_cast<uint32_t>(e.coordinator_epoch));
    put64(body, static_cast<uint64_t>(e.current_txn_first_offset));
  }
  std::string out;
  put16(out, kSnapshotVersion);
  put32(out, crc32c(body.data(), body.size()));
  out += body;
  return out;
}

Status ProducerStateManager::load_snapshot(const std::string& bytes, const std::string& what) {
  auto corrupt = [&](const std::string& why) { return Status(ErrorCode::kCorruptMessage, what + ": " + why); };
  if (bytes.size() < 10) return corrupt("too short");
  if (static_cast<int16_t>(load_be16(u8(bytes, 0))) != kSnapshotVersion) return corrupt("unknown version");
  uint32_t crc = load_be32(u8(bytes, 2));
  if (crc32c(bytes.data() + 6, bytes.size() - 6) != crc) return corrupt("CRC mismatch");
  uint32_t count = load_be32(u8(bytes, 6));
  if (bytes.size() != 10 + static_cast<size_t>(count) * kSnapshotEntrySize) return corrupt("bad length");
  clear();
  size_t at = 10;
  for (uint32_t i = 0; i < count; ++i, at += kSnapshotEntrySize) {
    ProducerEntry e;
    e.producer_id = static_cast<int64_t>(load_be64(u8(bytes, at)));
    e.epoch = static_cast<int16_t>(load_be16(u8(bytes, at + 8)));
    int32_t last_seq = static_cast<int32_t>(load_be32(u8(bytes, at + 10)));
    int64_t last_offset = static_cast<int64_t>(load_be64(u8(bytes, at + 14)));
    int32_t delta = static_cast<int32_t>(load_be32(u8(bytes, at + 22)));
    e.last_timestamp = static_cast<int64_t>(load_be64(u8(bytes, at + 26)));
    e.coordinator_epoch = static_cast<int32_t>(load_be32(u8(bytes, at + 34)));
    e.current_txn_first_offset = static_cast<int64_t>(load_be64(u8(bytes, at + 38)));
    if (last_offset >= 0)
      e.batches.push_back({std::max(0, last_seq - delta), last_seq, last_offset - delta, last_offset, e.last_timestamp});
    if (e.current_txn_first_offset >= 0) ongoing_[e.current_txn_first_offset] = e.producer_id;
    producers_[e.producer_id] = std::move(e);
  }
  return Status();
}

std::string encode_aborted_txn(const AbortedTxn& a) {
  std::string s;
  put16(s, 0);
  put64(s, static_cast<uint64_t>(a.producer_id));
  put64(s, static_cast<uint64_t>(a.first_offset));
  put64(s, static_cast<uint64_t>(a.last_offset));
  put64(s, static_cast<uint64_t>(a.last_stable_offset));
  return s;
}

std::vector<AbortedTxn> decode_txn_index(const std::string& bytes) {
  std::vector<AbortedTxn> out;
  for (size_t at = 0; at + kAbortedTxnEntrySize <= bytes.size(); at += kAbortedTxnEntrySize) {
    if (load_be16(u8(bytes, at)) != 0) break;
    AbortedTxn a;
    a.producer_id = static_cast<int64_t>(load_be64(u8(bytes, at + 2)));
    a.first_offset = static_cast<int64_t>(load_be64(u8(bytes, at + 10)));
    a.last_offset = static_cast<int64_t>(load_be64(u8(bytes, at + 18)));
    a.last_stable_offset = static_cast<int64_t>(load_be64(u8(bytes, at + 26)));
    out.push_back(a);
  }
  return out;
}

}  // namespace moldau::storage
