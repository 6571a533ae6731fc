// AlterReplicaLogDirs: moves a replica of this broker into another of its log dirs, as Kafka's
// ReplicaManager.alterReplicaLogDirs does from a client's point of view. A path that is not
// one of log.dirs gets LOG_DIR_NOT_FOUND and a partition this broker does not hold
// REPLICA_NOT_AVAILABLE (Kafka's answer when it has neither the replica nor the partition in
// metadata; we do not record a preferred dir for partitions created later). A partition
// already in that dir needs nothing: NONE.
//
// The move (LogManager::move_partition, docs/storage.md):
// - Same filesystem: the partition directory is renamed into the target dir under the
//   partition's lock before the answer is sent (a rename(2), cheap whatever the log's size), so
//   the partition is in its new dir once NONE is answered and no future replica is ever shown.
// - Another filesystem: NONE at once, and the partition is copied in the background into a
//   `<topic>-<partition>.<32 hex>-future` dir in the target, as Kafka's future replica filled
//   by its ReplicaAlterLogDirsThread, then swapped in under the locks once caught up.
//   DescribeLogDirs lists the future replica (is_future_key true) until then. Asking again for
//   the same dir while the copy runs changes nothing; asking for another dir (or the current
//   one) cancels it. A copy that fails leaves an error line in the broker's log and the
//   partition where it was, still served (Kafka would take the log dir offline instead).
// The copy is held to replica.alter.log.dirs.io.max.bytes.per.second, as Kafka's. A topic whose
// future dir name would not fit in 255 bytes gets INVALID_TOPIC_EXCEPTION ("The topic name is
// too long.", KAFKA-4893) when a copy is needed.
#include <filesystem>

#include "moldau/broker/broker.h"
#include "moldau/common/log.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_replica_log_dirs.h"
#include "moldau/storage/file_util.h"

namespace moldau::broker::handlers {

using protocol::AlterReplicaLogDirsResponse;

asio::awaitable<Status> alter_replica_log_dirs(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AlterReplicaLogDirsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  AlterReplicaLogDirsResponse resp;
  for (const auto& dir : req->dirs) {
    const std::string wanted = storage::normal_dir_path(dir.path);
    bool known = false;
    for (const auto& d : broker.config().log_dirs) known = known || storage::normal_dir_path(d) == wanted;
    for (const auto& topic : dir.topics) {
      AlterReplicaLogDirsResponse::AlterReplicaLogDirTopicResult tr;
      tr.topic_name = topic.name;
      for (int32_t p : topic.partitions) {
        AlterReplicaLogDirsResponse::AlterReplicaLogDirTopicResult::AlterReplicaLogDirPartitionResult pr;
        pr.partition_index = p;
        storage::PartitionLog* log =
            broker.metadata().find_topic(topic.name) ? broker.logs().get(topic.name, p) : nullptr;
        if (!known) {
          pr.error_code = to_wire(ErrorCode::kLogDirNotFound);
        } else if (!log) {
          pr.error_code = to_wire(ErrorCode::kReplicaNotAvailable);
        } else {
          Status moved = broker.logs().move_partition(topic.name, p, dir.path);
          if (!moved.ok()) {
            logger("log-dirs").error("AlterReplicaLogDirs: moving {}-{} to {} failed: {}", topic.name, p, dir.path,
                               moved.message());
            pr.error_code = to_wire(moved.code() == ErrorCode::kLogDirNotFound ? ErrorCode::kLogDirNotFound
                                    : moved.code() == ErrorCode::kUnknownTopicOrPartition
                                        ? ErrorCode::kReplicaNotAvailable
                                    : moved.code() == ErrorCode::kInvalidTopicException
                                        ? ErrorCode::kInvalidTopicException
                                        : ErrorCode::kKafkaStorageError);
          }
        }
        tr.partitions.push_back(pr);
      }
      resp.results.push_back(std::move(tr));
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
