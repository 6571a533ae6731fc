#include "moldau/storage/log_manager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "moldau/common/log.h"
#include "moldau/storage/file_util.h"
#include "moldau/storage/log_dir_mover.h"

namespace moldau::storage {

// A copy to another filesystem under way (move_partition). Its fields other than the atomics
// are set before the thread starts and not changed afterwards.
struct LogManager::Move {
  TopicPartition tp;
  size_t target = 0;
  std::string future_dir;
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};
  CopyProgress progress;
  std::thread thread;
};

namespace {

std::string random_hex32() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return hex;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool same_filesystem(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  // When either cannot be looked at, the rename says what is wrong.
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return true;
  return sa.st_dev == sb.st_dev;
}

}  // namespace

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

LogManager::~LogManager() { stop_moves(); }

Result<std::unique_ptr<LogManager>> LogManager::open(const std::vector<std::string>& dirs,
                                                     const LogConfig& default_config, ConfigFor config_for,
                                                     bool replicated) {
  if (dirs.empty()) return Status(ErrorCode::kKafkaStorageError, "no log dirs configured");
  MOLDAU_RETURN_IF_ERROR(settle_moves(dirs));
  auto mgr = std::unique_ptr<LogManager>(new LogManager(dirs, default_config));
  mgr->use_high_watermark_checkpoint_ = replicated;
  for (size_t i = 0; i < dirs.size(); ++i) MOLDAU_RETURN_IF_ERROR(mgr->load_dir(i, config_for));
  return mgr;
}

Status LogManager::settle_moves(const std::vector<std::string>& dirs) {
  std::map<std::string, std::vector<std::string>> found;  // partition dir name -> paths
  for (const auto& dir : dirs) {
    if (!file_exists(dir)) continue;
    MOLDAU_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir));
    for (const auto& name : names) {
      std::string path = dir + "/" + name;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      if (ends_with(name, kFutureDirSuffix)) {
        // A copy to another filesystem that did not finish: the partition is whole where it was.
        logger("log").info("Removing {}, the incomplete copy of a partition being moved between log dirs", path);
        MOLDAU_RETURN_IF_ERROR(remove_recursive(path));
        MOLDAU_RETURN_IF_ERROR(fsync_dir(dir));
        continue;
      }
      std::string topic;
      int32_t partition = 0;
      if (parse_partition_dir_name(name, &topic, &partition)) found[name].push_back(path);
    }
  }
  for (const auto& [name, paths] : found) {
    std::vector<std::string> marked;
    for (const auto& p : paths)
      if (file_exists(p + "/" + kMovedMarkerFile)) marked.push_back(p);
    if (marked.size() != 1) continue;  // two unmarked copies: load_dir refuses to choose
    const std::string& keep = marked[0];
    for (const auto& p : paths) {
      if (p == keep) continue;
      // The copy was complete and renamed into place; the crash came before the old directory
      // was renamed away.
      const std::string parent = std::filesystem::path(p).parent_path().string();
      const std::string deleted = parent + "/" + name + "." + random_hex32() + "-delete";
      logger("log").warn("{} is in two log dirs; keeping {}, the complete copy of a move between log dirs, and "
                         "removing {}",
                         name, keep, p);
      MOLDAU_RETURN_IF_ERROR(rename_file(p, deleted));
      MOLDAU_RETURN_IF_ERROR(fsync_dir(parent));
      MOLDAU_RETURN_IF_ERROR(remove_recursive(deleted));
    }
    const std::string marker = keep + "/" + kMovedMarkerFile;
    if (::unlink(marker.c_str()) != 0 && errno != ENOENT) return io_error("delete", marker, errno);
    MOLDAU_RETURN_IF_ERROR(fsync_dir(keep));
  }
  return Status();
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
    std::unique_lock lock(mu_);
    abort_cleaning_locked(lock, {topic, partition});
    auto it = logs_.find({topic, partition});
    if (it == logs_.end())
      return Status(ErrorCode::kUnknownTopicOrPartition, "no log for " + topic + "-" + std::to_string(partition));
    log = std::move(it->second.log);
    dir_index = it->second.dir_index;
    logs_.erase(it);
    // A copy to another log dir notices and removes its future dir.
    cancel_move_locked({topic, partition});
  }
  std::string from = log->dir();
  std::string to = dirs_[dir_index] + "/" + topic + "-" + std::to_string(partition) + "." + random_hex32() + "-delete";
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
  std::vector<TopicPartition> partitions;
  {
    std::lock_guard lock(mu_);
    for (const auto& [tp, e] : logs_) partitions.push_back(tp);
  }
  // The cleaner threads take the logs in turn. A log is registered in cleaning_ while one
  // compacts it: delete_partition and close cancel that and wait, so the log outlives its round.
  std::atomic<size_t> next{0};
  std::mutex mu;
  CompactionStats total;
  Status failed;
  auto clean = [&] {
    for (size_t i = next++; i < partitions.size(); i = next++) {
      const TopicPartition& tp = partitions[i];
      auto cancel = std::make_shared<std::atomic<bool>>(false);
      PartitionLog* log = nullptr;
      {
        std::lock_guard lock(mu_);
        auto it = logs_.find(tp);
        if (closed_ || it == logs_.end() || cleaning_.count(tp)) continue;
        cleaning_.emplace(tp, cancel);
        log = it->second.log.get();
      }
      CompactOptions options;
      options.cancel = cancel.get();
      if (after_key_pass_) options.after_key_pass = [&] { after_key_pass_(*cancel); };
      auto s = log->compact(now_ms, options);
      {
        std::lock_guard lock(mu_);
        cleaning_.erase(tp);
      }
      cleaning_done_.notify_all();
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
      total.aborted = total.aborted || s->aborted;
    }
  };
  const size_t count = std::min(static_cast<size_t>(std::max(threads, 1)), std::max<size_t>(partitions.size(), 1));
  std::vector<std::thread> cleaners;
  for (size_t i = 1; i < count; ++i) cleaners.emplace_back(clean);
  clean();
  for (auto& t : cleaners) t.join();
  if (!failed.ok()) return failed;
  total.threads = static_cast<int32_t>(count);
  return total;
}

bool LogManager::cleaning(const std::string& topic, int32_t partition) const {
  std::lock_guard lock(mu_);
  return cleaning_.count({topic, partition}) > 0;
}

void LogManager::abort_cleaning_locked(std::unique_lock<std::mutex>& lock, const TopicPartition& tp) {
  for (auto it = cleaning_.find(tp); it != cleaning_.end(); it = cleaning_.find(tp)) {
    it->second->store(true);
    cleaning_done_.wait(lock);
  }
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
  std::vector<std::shared_ptr<Move>> finished;
  Status result = [&]() -> Status {
    std::lock_guard lock(mu_);
    for (auto it = threads_.begin(); it != threads_.end();) {
      if ((*it)->done.load()) {
        finished.push_back(std::move(*it));
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    if (closed_) return Status(ErrorCode::kKafkaStorageError, "the log manager is closed");
    const std::string name = topic + "-" + std::to_string(partition);
    size_t target = dirs_.size();
    const std::string wanted = normal_dir_path(target_dir);
    for (size_t i = 0; i < dirs_.size() && target == dirs_.size(); ++i)
      if (dirs_[i] == target_dir || normal_dir_path(dirs_[i]) == wanted) target = i;
    if (target == dirs_.size()) return Status(ErrorCode::kLogDirNotFound, target_dir + " is not one of log.dirs");
    TopicPartition tp{topic, partition};
    auto it = logs_.find(tp);
    if (it == logs_.end()) return Status(ErrorCode::kUnknownTopicOrPartition, "no log for " + name);
    if (auto running = moves_.find(tp); running != moves_.end()) {
      if (running->second->target == target) return Status();  // under way already
      logger("log").info("Cancelling the copy of {} to log dir {}: now asked to move it to {}", name,
                         dirs_[running->second->target], dirs_[target]);
      cancel_move_locked(tp);
    }
    const size_t source = it->second.dir_index;
    if (source == target) return Status();
    if (!same_filesystem(dirs_[source], dirs_[target])) return start_copy_locked(tp, target);
    PartitionLog* log = it->second.log.get();
    // Flushed first, so that the recovery point written with the entries is the log end.
    MOLDAU_RETURN_IF_ERROR(log->flush());
    MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(target, &tp));
    const std::string from = log->dir();
    bool cross_device = false;
    Status moved = log->relocate(dirs_[target] + "/" + name, &cross_device);
    if (log->dir() == from) {
      // Drop the entries written ahead for it: a later partition of that name created in the
      // target dir must not start from them.
      Status undone = checkpoint_dir_locked(target);
      if (!undone.ok()) logger("log").warn("Rewriting the checkpoints of {}: {}", dirs_[target], undone.message());
      // One filesystem by st_dev but two mounts (a bind mount): copy as across filesystems.
      if (cross_device) return start_copy_locked(tp, target);
      logger("log").error("Moving {} from {} to {} failed, it stays where it was: {}", name, dirs_[source],
                          dirs_[target], moved.message());
      return moved;
    }
    it->second.dir_index = target;
    logger("log").info("Moved {} from log dir {} to {} (offsets {} to {})", name, dirs_[source], dirs_[target],
                       log->log_start_offset(), log->log_end_offset());
    MOLDAU_RETURN_IF_ERROR(moved);
    MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(source));
    return checkpoint_dir_locked(target);
  }();
  for (auto& m : finished) m->thread.join();
  return result;
}

Status LogManager::start_copy_locked(const TopicPartition& tp, size_t target) {
  const std::string name = tp.first + "-" + std::to_string(tp.second);
  // Kafka's limit (KAFKA-4893): the future dir's name must fit in a file name.
  if (name.size() + 1 + 32 + std::strlen(kFutureDirSuffix) > 255)
    return Status(ErrorCode::kInvalidTopicException, "The topic name is too long.");
  // Refused at once, as the rename is; the swap checks again.
  struct stat st {};
  if (::lstat((dirs_[target] + "/" + name).c_str(), &st) == 0)
    return Status(ErrorCode::kKafkaStorageError,
                  "cannot move " + name + " to " + dirs_[target] + "/" + name + ": the target already exists");
  auto m = std::make_shared<Move>();
  m->tp = tp;
  m->target = target;
  m->future_dir = dirs_[target] + "/" + name + "." + random_hex32() + kFutureDirSuffix;
  moves_[tp] = m;
  threads_.push_back(m);
  logger("log").info("Copying {} from log dir {} to {} (another filesystem) into {}", name,
                     dirs_[logs_.at(tp).dir_index], dirs_[target], m->future_dir);
  m->thread = std::thread([this, m] { run_move(m); });
  return Status();
}

void LogManager::cancel_move_locked(const TopicPartition& tp) {
  auto it = moves_.find(tp);
  if (it == moves_.end()) return;
  it->second->cancel.store(true);
  moves_.erase(it);
}

void LogManager::stop_moves() {
  std::vector<std::shared_ptr<Move>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [tp, m] : moves_) m->cancel.store(true);
    moves_.clear();
    all.swap(threads_);
  }
  for (auto& m : all)
    if (m->thread.joinable()) m->thread.join();
}

std::vector<LogManager::FutureReplica> LogManager::future_replicas() const {
  std::lock_guard lock(mu_);
  std::vector<FutureReplica> out;
  for (const auto& [tp, m] : moves_)
    out.push_back({tp.first, tp.second, dirs_[m->target], m->progress.bytes.load(), m->progress.next_offset.load()});
  return out;
}

// The thread of one copy to another filesystem: catch-up rounds without locks until a round
// copies little, then the last round and the swap under mu_ and the log's lock (the existing
// lock order). See log_dir_mover.h and docs/storage.md.
void LogManager::run_move(const std::shared_ptr<Move>& m) {
  const std::string name = m->tp.first + "-" + std::to_string(m->tp.second);
  FutureDirCopy copy(m->future_dir, &m->cancel, &m->progress, &move_rate_);
  constexpr int kMaxCatchUpRounds = 10;
  constexpr int64_t kSmallRoundBytes = 4 << 20;
  bool gone = false;      // cancelled, or the partition was deleted
  std::string old_dir;    // the old directory once renamed away (`-delete`), to remove
  std::string from_dir, to_dir;
  int64_t start_offset = 0, end_offset = 0;
  Status s = [&]() -> Status {
    for (int round = 0;; ++round) {
      PartitionLog::DirState state;
      std::map<std::string, SourceFile> files;
      {
        std::lock_guard lock(mu_);
        auto it = logs_.find(m->tp);
        if (m->cancel.load() || it == logs_.end()) {
          gone = true;
          return Status();
        }
        MOLDAU_RETURN_IF_ERROR(it->second.log->with_flushed_dir([&](const PartitionLog::DirState& st, std::string*) {
          state = st;
          auto listed = list_partition_files(st.dir);
          if (!listed.ok()) return listed.status();
          files = std::move(listed).value();
          return Status();
        }));
      }
      auto copied = copy.catch_up(state.dir, files, state.rewrites, state.segments);
      if (!copied.ok()) {
        if (m->cancel.load()) {
          gone = true;
          return Status();
        }
        return copied.status();
      }
      if (*copied < kSmallRoundBytes || round + 1 >= kMaxCatchUpRounds) break;
    }
    std::lock_guard lock(mu_);
    auto it = logs_.find(m->tp);
    if (m->cancel.load() || it == logs_.end()) {
      gone = true;
      return Status();
    }
    Entry& e = it->second;
    PartitionLog* log = e.log.get();
    const size_t source = e.dir_index;
    const std::string dest = dirs_[m->target] + "/" + name;
    struct stat st {};
    if (::lstat(dest.c_str(), &st) == 0)
      return Status(ErrorCode::kKafkaStorageError, "cannot move " + name + " to " + dest + ": the target already exists");
    // The target dir's checkpoints know the partition before its directory appears there.
    MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(m->target, &m->tp));
    Status done = log->with_flushed_dir([&](const PartitionLog::DirState& state, std::string* new_dir) -> Status {
      MOLDAU_ASSIGN_OR_RETURN(auto files, list_partition_files(state.dir));
      MOLDAU_RETURN_IF_ERROR(copy.finish(state.dir, files, state.rewrites, state.segments).status());
      // From the marker on, start-up prefers the copy when it finds the partition twice.
      const std::string marker = m->future_dir + "/" + kMovedMarkerFile;
      MOLDAU_RETURN_IF_ERROR(write_file_atomically(marker, ""));
      MOLDAU_RETURN_IF_ERROR(rename_file(m->future_dir, dest));
      const std::string deleted = dirs_[source] + "/" + name + "." + random_hex32() + "-delete";
      Status renamed = fsync_dir(dirs_[m->target]);
      if (renamed.ok()) renamed = rename_file(state.dir, deleted);
      if (!renamed.ok()) {
        // The old directory stays and takes the appends: the copy must not win at start-up.
        if (!rename_file(dest, m->future_dir).ok()) ::unlink((dest + "/" + kMovedMarkerFile).c_str());
        return renamed;
      }
      *new_dir = dest;
      old_dir = deleted;
      from_dir = state.dir;
      to_dir = dest;
      start_offset = state.segments.empty() ? 0 : state.segments.front().first;
      end_offset = state.log_end_offset;
      MOLDAU_RETURN_IF_ERROR(fsync_dir(dirs_[source]));
      // Only one copy is left: the marker has done its job.
      if (::unlink((dest + "/" + kMovedMarkerFile).c_str()) != 0) return io_error("delete", dest + "/" + kMovedMarkerFile, errno);
      return fsync_dir(dest);
    });
    if (!old_dir.empty()) {
      e.dir_index = m->target;
      // Together with the switch, so that DescribeLogDirs never sees both replicas in the target.
      if (auto mv = moves_.find(m->tp); mv != moves_.end() && mv->second == m) moves_.erase(mv);
      MOLDAU_RETURN_IF_ERROR(done);
      MOLDAU_RETURN_IF_ERROR(checkpoint_dir_locked(source));
      return checkpoint_dir_locked(m->target);
    }
    Status undone = checkpoint_dir_locked(m->target);
    if (!undone.ok()) logger("log").warn("Rewriting the checkpoints of {}: {}", dirs_[m->target], undone.message());
    return done;
  }();
  {
    std::lock_guard lock(mu_);
    if (auto it = moves_.find(m->tp); it != moves_.end() && it->second == m) moves_.erase(it);
  }
  if (!old_dir.empty()) {
    if (s.ok()) {
      logger("log").info("Moved {} from {} to {} by copying it to the other filesystem (offsets {} to {})", name,
                         from_dir, to_dir, start_offset, end_offset);
    } else {
      logger("log").error("Moved {} to {}, but: {}", name, to_dir, s.message());
    }
    Status removed = remove_recursive(old_dir);
    if (!removed.ok()) logger("log").warn("Removing {}: {}", old_dir, removed.message());
  } else {
    if (gone) {
      logger("log").info("Stopped copying {} to {}: the move was cancelled or the partition deleted", name,
                         dirs_[m->target]);
    } else if (!s.ok()) {
      // Kafka would take the log dir offline; the partition keeps serving from where it is.
      logger("log").error("Moving {} to log dir {} failed, it stays where it was: {}", name, dirs_[m->target],
                          s.message());
    }
    Status removed = remove_recursive(m->future_dir);
    if (!removed.ok()) logger("log").warn("Removing {}: {}", m->future_dir, removed.message());
  }
  m->done.store(true);
}

Status LogManager::close(bool clean) {
  {
    std::unique_lock lock(mu_);
    if (closed_) return Status();
    closed_ = true;  // no copy and no compaction starts from now on
    for (auto& [tp, cancel] : cleaning_) cancel->store(true);
    cleaning_done_.wait(lock, [&] { return cleaning_.empty(); });
  }
  stop_moves();
  MOLDAU_RETURN_IF_ERROR(flush_all());
  for (PartitionLog* log : all()) MOLDAU_RETURN_IF_ERROR(log->close());
  MOLDAU_RETURN_IF_ERROR(checkpoint_all());
  if (clean) {
    for (const auto& dir : dirs_) MOLDAU_RETURN_IF_ERROR(write_file_atomically(dir + "/" + kCleanShutdownFile, ""));
  }
  return Status();
}

}  // namespace moldau::storage
