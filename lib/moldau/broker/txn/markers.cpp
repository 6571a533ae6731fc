#include "moldau/broker/txn/markers.h"

#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/common/clock.h"
#include "moldau/common/log.h"
#include "moldau/protocol/batch_builder.h"

namespace moldau::broker::txn {

asio::awaitable<ErrorCode> write_marker_here(Broker& broker, std::pair<std::string, int32_t> tp, int64_t producer_id,
                                             int16_t producer_epoch, bool commit, int32_t coordinator_epoch,
                                             std::chrono::steady_clock::time_point deadline) {
  auto [partition, error] = broker.replicas().leader(tp.first, tp.second);
  if (!partition) co_return error;
  auto batch = protocol::build_control_batch(producer_id, producer_epoch,
                                             commit ? protocol::ControlType::kCommit : protocol::ControlType::kAbort,
                                             coordinator_epoch, wall_clock_ms());
  if (!batch.ok()) co_return ErrorCode::kUnknownServerError;
  storage::AppendOptions ao;
  ao.origin = storage::AppendOrigin::kCoordinator;
  const int32_t min_insync = broker.replicas().min_insync_replicas(tp.first);
  auto info = partition->append_as_leader(*batch, -1, min_insync, ao);
  if (!info.ok()) {
    logger("transaction").error("writing {} marker for producer {} to {}-{} failed: {}", commit ? "COMMIT" : "ABORT",
                                producer_id, tp.first, tp.second, info.status().to_string());
    co_return info.status().code();
  }
  if (tp.first == kConsumerOffsetsTopic) broker.groups().complete_txn(producer_id, commit);
  broker.purgatory().notify(tp.first, tp.second);
  co_return co_await broker.replicas().wait_replicated(partition, info->last_offset + 1, min_insync, deadline);
}

}  // namespace moldau::broker::txn
