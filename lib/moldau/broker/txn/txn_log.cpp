#include "moldau/broker/txn/txn_log.h"

#include <strings.h>

namespace moldau::broker::txn {

namespace {
constexpr const char* kNames[] = {"Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
                                  "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence"};
}  // namespace

const char* txn_state_name(TxnState s) {
  auto i = static_cast<size_t>(s);
  return i < std::size(kNames) ? kNames[i] : "Unknown";
}

std::optional<TxnState> parse_txn_state(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (name.size() == std::char_traits<char>::length(kNames[i]) &&
        ::strncasecmp(name.data(), kNames[i], name.size()) == 0)
      return static_cast<TxnState>(i);
  return std::nullopt;
}

protocol::Bytes encode_transaction_log_key(const std::string& transactional_id) {
  protocol::Writer w(false);
  int16_t version = kTransactionLogKeyVersion;
  w.i16("version", version);
  TransactionLogKey k{transactional_id};
  k.io(w, version);
  return w.take();
}

protocol::Bytes encode_transaction_log_value(TransactionLogValue value) {
  protocol::Writer w(false);
  int16_t version = kTransactionLogValueVersion;
  w.i16("version", version);
  value.io(w, version);
  return w.take();
}

Result<TransactionLogKey> decode_transaction_log_key(std::span<const uint8_t> bytes) {
  protocol::Reader r(bytes, false, "TransactionLogKey");
  int16_t version = 0;
  r.i16("version", version);
  if (!r.ok()) return r.status();
  if (version != 0)
    return Status(ErrorCode::kUnsupportedVersion, "TransactionLogKey: unknown version " + std::to_string(version));
  TransactionLogKey k;
  k.io(r, version);
  if (!r.ok()) return r.status();
  return k;
}

Result<TransactionLogValue> decode_transaction_log_value(std::span<const uint8_t> bytes) {
  protocol::Reader r(bytes, false, "TransactionLogValue");
  int16_t version = 0;
  r.i16("version", version);
  if (!r.ok()) return r.status();
  if (version < 0 || version > 1)
    return Status(ErrorCode::kUnsupportedVersion, "TransactionLogValue: unknown version " + std::to_string(version));
  r.set_flexible(version >= 1);
  TransactionLogValue v;
  v.io(r, version);
  if (!r.ok()) return r.status();
  return v;
}

}  // namespace moldau::broker::txn
