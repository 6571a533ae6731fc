// AlterReplicaLogDirs, as far as is cheap: a path that is not one of log.dirs gets
// LOG_DIR_NOT_FOUND and a partition this broker does not hold REPLICA_NOT_AVAILABLE, as in
// Kafka's ReplicaManager.alterReplicaLogDirs; a partition already in that dir needs nothing.
// Moving a replica to another log dir is not supported yet: INVALID_REQUEST.
#include <filesystem>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/alter_replica_log_dirs.h"

namespace moldau::broker::handlers {

using protocol::AlterReplicaLogDirsResponse;

namespace {

std::string normal(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::path(path), ec);
  std::string s = (ec ? std::filesystem::path(path).lexically_normal() : p).string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

asio::awaitable<Status> alter_replica_log_dirs(RequestContext& ctx) {
  auto req = ctx.decode<protocol::AlterReplicaLogDirsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  AlterReplicaLogDirsResponse resp;
  for (const auto& dir : req->dirs) {
    const std::string wanted = normal(dir.path);
    bool known = false;
    for (const auto& d : broker.config().log_dirs) known = known || normal(d) == wanted;
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
        } else if (normal(std::filesystem::path(log->dir()).parent_path().string()) != wanted) {
          pr.error_code = to_wire(ErrorCode::kInvalidRequest);
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
