// DescribeLogDirs: for each log dir, the partitions it holds (all of them, or those asked
// for) with their size in bytes; offset_lag is 0 and is_future_key false, as for Kafka's
// current replicas. There are no future replicas: AlterReplicaLogDirs moves a partition by
// renaming its directory before it answers (docs/storage.md), and LogManager::dir_of names the
// dir it is in now. v4 adds the dir's total and usable bytes (statvfs, as Java's
// File.getTotalSpace / getUsableSpace).
#include <sys/statvfs.h>

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

  // dir -> topic -> partitions
  std::map<std::string, std::map<std::string, std::vector<storage::PartitionLog*>>> by_dir;
  for (storage::PartitionLog* log : logs.all()) {
    if (wanted && !wanted->contains({log->topic(), log->partition()})) continue;
    by_dir[logs.dir_of(log->topic(), log->partition())][log->topic()].push_back(log);
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
        std::sort(parts.begin(), parts.end(), [](auto* a, auto* b) {
          return a->partition() < b->partition();
        });
        for (storage::PartitionLog* log : parts) {
          DescribeLogDirsResponse::DescribeLogDirsResult::DescribeLogDirsTopic::DescribeLogDirsPartition p;
          p.partition_index = log->partition();
          p.partition_size = log->size_bytes();
          p.offset_lag = 0;
          p.is_future_key = false;
          t.partitions.push_back(p);
        }
        r.topics.push_back(std::move(t));
      }
    }
    resp.results.push_back(std::move(r));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
