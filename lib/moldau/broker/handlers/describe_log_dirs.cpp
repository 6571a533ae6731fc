// DescribeLogDirs: for each log dir, the partitions it holds (all of them, or those asked
// for) with their size in bytes; offset_lag 0 and is_future_key false for current replicas, as
// in Kafka. A move to a log dir on another filesystem (AlterReplicaLogDirs) copies the partition
// in the background into a future replica, listed in its target dir as Kafka lists one that
// catches up: is_future_key true, the bytes copied so far, and offset_lag = the log end offset
// minus the next offset of the last segment copied in full (segments are copied in offset
// order). kafka-reassign-partitions --verify reads that as a move still in progress. A move
// within one filesystem is a rename done before AlterReplicaLogDirs answers, so it never shows
// a future replica. v4 adds the dir's total and usable bytes (statvfs, as Java's
// File.getTotalSpace / getUsableSpace).
#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_log_dirs.h"

namespace moldau::broker::handlers {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

asio::awaitable<Status> describe_log_dirs(RequestContext& ctx) {
  auto req = ctx.decode<DescribeLogDirsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  storage::LogManager& logs = broker.logs();

  // Which partitions: null means every one.
  std::optional<std::set<std::pair<std::string, int32_t>>> wanted;
  if (req->topics) {
    wanted.emplace();
    for (const auto& t : *req->topics)
      for (int32_t p : t.partitions) wanted->insert({t.topic, p});
  }

  using Partition = DescribeLogDirsResponse::DescribeLogDirsResult::DescribeLogDirsTopic::DescribeLogDirsPartition;
  // dir -> topic -> partitions
  std::map<std::string, std::map<std::string, std::vector<Partition>>> by_dir;
  std::map<std::pair<std::string, int32_t>, storage::PartitionLog*> by_name;
  for (storage::PartitionLog* log : logs.all()) {
    if (wanted && !wanted->contains({log->topic(), log->partition()})) continue;
    by_name[{log->topic(), log->partition()}] = log;
    Partition p;
    p.partition_index = log->partition();
    p.partition_size = log->size_bytes();
    p.offset_lag = 0;
    p.is_future_key = false;
    by_dir[logs.dir_of(log->topic(), log->partition())][log->topic()].push_back(p);
  }
  for (const auto& f : logs.future_replicas()) {
    auto it = by_name.find({f.topic, f.partition});
    if (it == by_name.end()) continue;
    const int64_t copied_to = f.copied_next_offset >= 0 ? f.copied_next_offset : it->second->log_start_offset();
    Partition p;
    p.partition_index = f.partition;
    p.partition_size = f.bytes;
    p.offset_lag = std::max<int64_t>(it->second->log_end_offset() - copied_to, 0);
    p.is_future_key = true;
    by_dir[f.dir][f.topic].push_back(p);
  }

  DescribeLogDirsResponse resp;
  for (const auto& dir : logs.dirs()) {
    DescribeLogDirsResponse::DescribeLogDirsResult r;
    std::error_code ec;
    auto absolute = std::filesystem::absolute(dir, ec);
    r.log_dir = ec ? dir : absolute.string();
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) == 0) {
      r.total_bytes = static_cast<int64_t>(st.f_blocks) * static_cast<int64_t>(st.f_frsize);
      r.usable_bytes = static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
    } else {
      r.error_code = to_wire(ErrorCode::kKafkaStorageError);
    }
    if (auto it = by_dir.find(dir); it != by_dir.end()) {
      for (auto& [topic, parts] : it->second) {
        DescribeLogDirsResponse::DescribeLogDirsResult::DescribeLogDirsTopic t;
        t.name = topic;
        std::sort(parts.begin(), parts.end(), [](const Partition& a, const Partition& b) {
          return a.partition_index < b.partition_index;
        });
        t.partitions = parts;
        r.topics.push_back(std::move(t));
      }
    }
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
