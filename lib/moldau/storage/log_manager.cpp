#include "moldau/storage/log_manager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "moldau/common/log.h"
#include "moldau/storage/file_util.h"

namespace moldau::storage {

bool parse_partition_dir_name(const std::string& name, std::string* topic, int32_t* partition) {
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= name.size()) return false;
  int64_t p = 0;
  for (size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    p = p * 10 + (name[i] - '0');
    if (p > INT32_MAX) return false;
  }
  *topic = name.substr(0, dash);
  *partition = static_cast<int32_t>(p);
  return true;
}

LogManager::LogManager(std::vector<std::string> dirs, LogConfig default_config)
    : dirs_(std::move(dirs)), default_config_(default_config) {}

LogManager::~LogManager() = default;

Result<std::unique_ptr<LogManager>> LogManager::open(const std::vector<std::string>& dirs,
                                                     const LogConfig& default_config, ConfigFor config_for,
                                                     bool replicated) {
  if (dirs.empty()) return Status(ErrorCode::kKafkaStorageError, "no log dirs configured");
  auto mgr = std::unique_ptr<LogManager>(new LogManager(dirs, default_config));
  mgr->use_high_watermark_checkpoint_ = replicated;
  for (size_t i = 0; i < dirs.size(); ++i) MOLDAU_RETURN_IF_ERROR(mgr->load_dir(i, config_for));
  return mgr;
}

Status LogManager::load_dir(size_t index, const ConfigFor& config_for) {
  const std::string& dir = dirs_[index];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(ErrorCode::kKafkaStorageError, "create log dir " + dir + ": " + ec.message());
  std::string marker = dir + "/" + kCleanShutdownFile;
  bool clean = file_exists(marker);
  MOLDAU_ASSIGN_OR_RETURN(auto recovery, read_offset_checkpoint(dir + "/" + kRecoveryPointCheckpoint));
  MOLDAU_ASSIGN_OR_RETURN(auto starts, read_offset_checkpoint(dir + "/" + kLogStartCheckpoint));
  MOLDAU_ASSIGN_OR_RETURN(auto cleaner, read_offset_checkpoint(dir + "/" + kCleanerCheckpoint));
  MOLDAU_ASSIGN_OR_RETURN(auto replication, read_offset_checkpoint(dir + "/" + kReplicationCheckpoint));
  MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir));
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (name.size() > 7 && name.compare(name.size() - 7, 7, "-delete") == 0) {
      MOLDAU_RETURN_IF_ERROR(remove_recursive(path));
      continue;
    }
    std::string topic;
    int32_t partition = 0;
    if (!parse_partition_dir_name(name, &topic, &partition)) continue;
    TopicPartition tp{topic, partition};
    PartitionLog::OpenOptions opts;
    opts.clean_shutdown = clean;
    if (auto it = recovery.find(tp); it != recovery.end()) opts.recovery_point = it->second;
    if (auto it = starts.find(tp); it != starts.end()) opts.log_start_offset = it->second;
    if (auto it = cleaner.find(tp); it != cleaner.end()) opts.cleaner_offset = it->second;
    if (use_high_watermark_checkpoint_)
      if (auto it = replication.find(tp); it != replication.end()) opts.high_watermark = it->second;
    if (auto it = logs_.find(tp); it != logs_.end())
      return Status(ErrorCode::kKafkaStorageError,
                    "Duplicate log directories for " + name + " are found in both " + it->second.log->dir() +
                        " and " + path + ". Keep the complete one: delete the other directory by hand and start again.");
    LogConfig cfg = config_for ? config_for(topic) : default_config_;
    MOLDAU_ASSIGN_OR_RETURN(auto log, PartitionLog::open(path, topic, partition, cfg, opts));
    logs_[tp] = Entry{std::move(log), index};
  }
  if (clean) {
    if (::unlink(marker.c_str()) != 0 && errno != ENOENT) return io_error("delete", marker, errno);
    MOLDAU_RETURN_IF_ERROR(fsync_dir(dir));
  }
  return Status();
}

Result<PartitionLog*> LogManager::create_partition(const std::string& topic, int32_t partition,
                                                   const Uuid& topic_id, const LogConfig& config) {
  std::lock_guard lock(mu_);
  TopicPartition tp{topic, partition};
  if (auto it = logs_.find(tp); it != logs_.end()) return it->second.log.get();
  std::vector<size_t> counts(dirs_.size(), 0);
  for (const auto& [k, e] : logs_) counts[e.dir_index]++;
  size_t best = 0;
  for (size_t i = 1; i < dirs_.size(); ++i)
    if (counts[i] < counts[best]) best = i;
  std::string path = dirs_[best] + "/" + topic + "-" + std::to_string(partition);
  PartitionLog::OpenOptions opts;
  opts.clean_shutdown = true;
  MOLDAU_ASSIGN_OR_RETURN(auto log, PartitionLog::open(path, topic, partition, config, opts));
  if (!topic_id.is_zero()) MOLDAU_RETURN_IF_ERROR(log->set_topic_id(topic_id));
  MOLDAU_RETURN_IF_ERROR(fsync_dir(dirs_[best]));
  PartitionLog* raw = log.get();
  logs_[tp] = Entry{std::move(log), best};
  return raw;
}

PartitionLog* LogManager::get(const std::string& topic, int32_t partition) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find({topic, partition});
  return it == logs_.end() ? nullptr : it->second.log.get();
}

std::vector<PartitionLog*> LogManager::all() const {
  std::lock_guard lock(mu_);
  std::vector<PartitionLog*> out;
  for (const auto& [k, e] : logs_) out.push_back(e.log.get());
  return out;
}

std::string LogManager::dir_of(const std::string& topic, int32_t partition) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find({topic, partition});
  return it == logs_.end() ? "" : dirs_[it->second.dir_index];
}

Status LogManager::delete_partition(const std::string& topic, int32_t partition) {
  std::unique_ptr<PartitionLog> log;
  size_t dir_index = 0;
  {
    std::lock_guard lock(mu_);
    auto it = logs_.find({topic, partition});
    if (it == logs_.end())
      return Status(ErrorCode::kUnknownTopicOrPartition, "no log for " + topic + "-" + std::to_string(partition));
    log = std::move(it->second.log);
    dir_index = it->second.dir_index;
    logs_.erase(it);
  }
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  std::string from = log->dir();
  std::string to = dirs_[dir_index] + "/" + topic + "-" + std::to_string(partition) + "." + hex + "-delete";
  log->mark_deleted();
  log.reset();
  MOLDAU_RETURN_IF_ERROR(rename_file(from, to));
  MOLDAU_RETURN_IF_ERROR(fsync_dir(dirs_[dir_index]));
  return remove_recursive(to);
}

Result<int32_t> LogManager::run_retention(int64_t now_ms) {
  int32_t total = 0;
  for (PartitionLog* log : all()) {
    MOLDAU_ASSIGN_OR_RETURN(int32_t n, log->apply_retention(now_ms));
    total += n;
    MOLDAU_RETURN_IF_ERROR(log->remove_expired_files(now_ms));
  }
  return total;
}

Result<CompactionStats> LogManager::run_compaction(int64_t now_ms, int32_t threads) {
  const std::vector<PartitionLog*> logs = all();
  // The cleaner threads take the logs in turn; each log compacts under its own lock. The logs
  // outlive the pass: only the caller's thread deletes them, and it waits here.
  std::atomic<size_t> next{0};
  std::mutex mu;
  CompactionStats total;
  Status failed;
  auto clean = [&] {
    for (size_t i = next++; i < logs.size(); i = next++) {
      auto s = logs[i]->compact(now_ms);
      std::lock_guard lock(mu);
      if (!s.ok()) {
        if (failed.ok()) failed = s.status();
        continue;
      }
      total.segments_cleaned += s->segments_cleaned;
      total.bytes_before += s->bytes_before;
      total.bytes_after += s->bytes_after;
      total.records_removed += s->records_removed;
      total.undecodable_batches_kept += s->undecodable_batches_kept;
    }
  };
  const size_t count = std::min(static_cast<size_t>(std::max(threads, 1)), std::max<size_t>(logs.size(), 1));
  std::vector<std::thread> cleaners;
  for (size_t i = 1; i < count; ++i) cleaners.emplace_back(clean);
  clean();
  for (auto& t : cleaners) t.join();
  if (!failed.ok()) return failed;
  total.threads = static_cast<int32_t>(count);
  return total;
}

Status LogManager::run_flush(int64_t now_ms) {
  for (PartitionLog* log : all()) MOLDAU_RETURN_IF_ERROR(log->maybe_flush(now_ms));
  return Status();
}

Status LogManager::flush_all() {
  for (PartitionLog* log : all()) MOLDAU_RETURN_IF_ERROR(log->flush());
  return Status();
}

Status LogManager::checkpoint_all() {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < dirs_.size(); ++i) MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(i));
  return Status();
}

Status LogManager::checkpoint_dir_locked(size_t i, const TopicPartition* also) {
  std::map<TopicPartition, int64_t> recovery, starts, hws, cleaner;
  for (const auto& [tp, e] : logs_) {
    if (e.dir_index != i && !(also && tp == *also)) continue;
    recovery[tp] = e.log->recovery_point();
    starts[tp] = e.log->log_start_offset();
    hws[tp] = e.log->high_watermark();
    if (e.log->config().cleanup_compact) cleaner[tp] = e.log->cleaner_offset();
  }
  MOLDAU_RETURN_IF_ERROR(write_offset_checkpoint(dirs_[i] + "/" + kRecoveryPointCheckpoint, recovery));
  MOLDAU_RETURN_IF_ERROR(write_offset_checkpoint(dirs_[i] + "/" + kLogStartCheckpoint, starts));
  MOLDAU_RETURN_IF_ERROR(write_offset_checkpoint(dirs_[i] + "/" + kReplicationCheckpoint, hws));
  return write_offset_checkpoint(dirs_[i] + "/" + kCleanerCheckpoint, cleaner);
}

Status LogManager::move_partition(const std::string& topic, int32_t partition, const std::string& target_dir) {
  std::lock_guard lock(mu_);
  const std::string name = topic + "-" + std::to_string(partition);
  size_t target = dirs_.size();
  const std::string wanted = normal_dir_path(target_dir);
  for (size_t i = 0; i < dirs_.size() && target == dirs_.size(); ++i)
    if (dirs_[i] == target_dir || normal_dir_path(dirs_[i]) == wanted) target = i;
  if (target == dirs_.size()) return Status(ErrorCode::kLogDirNotFound, target_dir + " is not one of log.dirs");
  TopicPartition tp{topic, partition};
  auto it = logs_.find(tp);
  if (it == logs_.end()) return Status(ErrorCode::kUnknownTopicOrPartition, "no log for " + name);
  const size_t source = it->second.dir_index;
  if (source == target) return Status();
  PartitionLog* log = it->second.log.get();
  // Flushed first, so that the recovery point written with the entries is the log end.
  MOLDAU_RETURN_IF_ERROR(log->flush());
  MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(target, &tp));
  const std::string from = log->dir();
  Status moved = log->relocate(dirs_[target] + "/" + name);
  if (log->dir() == from) {
    logger("log").error("Moving {} from {} to {} failed, it stays where it was: {}", name, dirs_[source], dirs_[target],
                        moved.message());
    // Drop the entries written ahead for it: a later partition of that name created in the
    // target dir must not start from them.
    Status undone = checkpoint_dir_locked(target);
    if (!undone.ok()) logger("log").warn("Rewriting the checkpoints of {}: {}", dirs_[target], undone.message());
    return moved;
  }
  it->second.dir_index = target;
  logger("log").info("Moved {} from log dir {} to {} (offsets {} to {})", name, dirs_[source], dirs_[target],
                     log->log_start_offset(), log->log_end_offset());
  MOLDAU_RETURN_IF_ERROR(moved);
  MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(source));
  return checkpoint_dir_locked(target);
}

Status LogManager::close(bool clean) {
  if (closed_) return Status();
  closed_ = true;
  MOLDAU_RETURN_IF_ERROR(flush_all());
  for (PartitionLog* log : all()) MOLDAU_RETURN_IF_ERROR(log->close());
  MOLDAU_RETURN_IF_ERROR(checkpoint_all());
  if (clean) {
    for (const auto& dir : dirs_) MOLDAU_RETURN_IF_ERROR(write_file_atomically(dir + "/" + kCleanShutdownFile, ""));
  }
  return Status();
}

}  // namespace moldau::storage
