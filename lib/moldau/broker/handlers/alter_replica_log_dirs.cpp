// AlterReplicaLogDirs: moves a replica of this broker into another of its log dirs, as Kafka's
// ReplicaManager.alterReplicaLogDirs does from a client's point of view. A path that is not
// one of log.dirs gets LOG_DIR_NOT_FOUND and a partition this broker does not hold
// REPLICA_NOT_AVAILABLE (Kafka's answer when it has neither the replica nor the partition in
// metadata; we do not record a preferred dir for partitions created later). A partition
// already in that dir needs nothing: NONE.
//
// The move itself differs from Kafka's: instead of a "-future" replica filled by a copying
// thread and swapped in, LogManager::move_partition renames the partition directory into the
// target dir under the partition's lock, before the answer is sent (same filesystem: a
// rename(2), cheap whatever the log's size). So DescribeLogDirs never shows a future replica
// (is_future_key stays false) and the partition is in its new dir once NONE is answered.
// Log dirs on different filesystems are refused: KAFKA_STORAGE_ERROR and an error line in the
// broker's log; the partition stays where it was, unchanged.
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
