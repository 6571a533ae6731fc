#pragma once
// Writing one transaction marker (COMMIT or ABORT control batch) on a partition this broker
// leads: the transaction coordinator's own markers and WriteTxnMarkers from other brokers' use
// this. The marker is appended as a coordinator write and answered once it is replicated to
// the in-sync replicas, as Kafka appends markers with acks=all; the group coordinator learns of
// a marker in __consumer_offsets (its transactional offsets commit or vanish). Event loop only.

#include <asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "moldau/common/result.h"

namespace moldau::broker {
class Broker;
}

namespace moldau::broker::txn {

asio::awaitable<ErrorCode> write_marker_here(Broker& broker, std::pair<std::string, int32_t> tp, int64_t producer_id,
                                             int16_t producer_epoch, bool commit, int32_t coordinator_epoch,
                                             std::chrono::steady_clock::time_point deadline);

}  // namespace moldau::broker::txn
