// Moves between log dirs on different filesystems: FutureDirCopy's rules (tails of grown files,
// whole copies of rewritten ones), LogManager's background copy and swap (/dev/shm against
// /tmp), cancellation, and start-up settling what a crash leaves.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "moldau/storage/file_util.h"
#include "moldau/storage/log_dir_mover.h"
#include "moldau/storage/log_manager.h"
#include "test_util.h"

using namespace moldau;
using namespace moldau::storage;
using namespace moldau::storage::test;

namespace {

std::string text(const std::string& path) { return read_text(path); }

void put(const std::string& path, const std::string& content) {
  write_file(path, std::vector<uint8_t>(content.begin(), content.end()));
}

void append_text(const std::string& path, const std::string& content) {
  auto bytes = read_file(path);
  bytes.insert(bytes.end(), content.begin(), content.end());
  write_file(path, bytes);
}

std::map<std::string, SourceFile> listed(const std::string& dir) {
  auto l = list_partition_files(dir);
  REQUIRE(l.ok());
  return *l;
}

// A directory on another filesystem than /tmp: /dev/shm (tmpfs) on Linux hosts and in
// containers. The tests that need one fail when there is none, rather than pass unseen.
struct OtherFsDir {
  std::string path;
  OtherFsDir() {
    struct stat a {}, b {};
    REQUIRE_MESSAGE((::stat("/dev/shm", &a) == 0 && ::stat("/tmp", &b) == 0 && a.st_dev != b.st_dev &&
                     ::access("/dev/shm", W_OK) == 0),
                    "these tests need /dev/shm writable on another filesystem than /tmp");
    char tmpl[] = "/dev/shm/moldau-mover-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~OtherFsDir() { std::filesystem::remove_all(path); }
};

std::vector<uint8_t> batch_at(PartitionLog* log, int64_t offset) {
  auto r = log->read(offset, 1, -1, true);
  REQUIRE(r.ok());
  REQUIRE(r->slices.size() == 1);
  std::vector<uint8_t> buf(static_cast<size_t>(r->slices[0].size));
  REQUIRE(::pread(r->slices[0].file->fd(), buf.data(), buf.size(), r->slices[0].position) ==
          static_cast<ssize_t>(buf.size()));
  return buf;
}

std::vector<uint8_t> append(PartitionLog* log, int i) {
  auto b = simple_batch(i, 1700000000000, 200);
  auto info = log->append(b, 1, {});
  REQUIRE(info.ok());
  return b;
}

template <class F>
void wait_for(F done, const char* what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, what);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool has_suffixed(const std::string& dir, const std::string& suffix) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("FutureDirCopy: grown files get their tail, rewritten or replaced ones are copied whole") {
  TempDir d;
  std::filesystem::create_directories(d / "src");
  const std::string src = d / "src", fut = d / "fut";
  put(src + "/00000000000000000000.log", "aaaa");
  put(src + "/00000000000000000000.index", "ii");
  put(src + "/00000000000000000004.log", "bbbbbb");
  put(src + "/leader-epoch-checkpoint", "0\n1\n0 0\n");
  put(src + "/00000000000000000000.log.deleted", "gone");
  std::atomic<bool> cancel{false};
  CopyProgress progress;
  FutureDirCopy copy(fut, &cancel, &progress);
  std::vector<std::pair<int64_t, int64_t>> segs{{0, 4}, {4, 10}};

  // Catch-up: only the growing files, up to the listed sizes; nothing of the small files.
  auto files = listed(src);
  CHECK_FALSE(files.contains("00000000000000000000.log.deleted"));
  auto n = copy.catch_up(src, files, 0, segs);
  REQUIRE(n.ok());
  CHECK(*n == 4 + 2 + 6);
  CHECK(text(fut + "/00000000000000000000.log") == "aaaa");
  CHECK(text(fut + "/00000000000000000004.log") == "bbbbbb");
  CHECK_FALSE(std::filesystem::exists(fut + "/leader-epoch-checkpoint"));
  CHECK(progress.bytes.load() == 12);
  CHECK(progress.next_offset.load() == 10);

  // Appends: the tail only. A byte changed below the copied size of a file without a rewrite
  // is not seen (the contract: only growth), which tells that just the tail was read.
  append_text(src + "/00000000000000000004.log", "cc");
  {
    auto bytes = read_file(src + "/00000000000000000004.log");
    bytes[0] = 'X';
    // Written in place (same inode).
    int fd = ::open((src + "/00000000000000000004.log").c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, bytes.data(), 1, 0) == 1);
    ::close(fd);
  }
  files = listed(src);
  n = copy.catch_up(src, files, 0, segs);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(text(fut + "/00000000000000000004.log") == "bbbbbbcc");

  // A rewrite (truncation): copied whole, the copy cut to the new size.
  put(src + "/00000000000000000004.log", "Yb");
  // The index replaced by a new file (another inode) of the same size.
  put(src + "/tmp-index", "jj");
  REQUIRE(::rename((src + "/tmp-index").c_str(), (src + "/00000000000000000000.index").c_str()) == 0);
  ::unlink((src + "/00000000000000000000.log").c_str());  // a deleted segment
  // The last round copies the small files too and removes what the source no longer has.
  files = listed(src);
  n = copy.finish(src, files, 1, {{4, 5}});
  REQUIRE(n.ok());
  CHECK(text(fut + "/00000000000000000004.log") == "Yb");
  CHECK(text(fut + "/00000000000000000000.index") == "jj");
  CHECK_FALSE(std::filesystem::exists(fut + "/00000000000000000000.log"));
  CHECK(text(fut + "/leader-epoch-checkpoint") == "0\n1\n0 0\n");
  CHECK_FALSE(std::filesystem::exists(fut + "/00000000000000000000.log.deleted"));
  CHECK(progress.bytes.load() == 2 + 2 + 8);
  // The .log keeps its modification time (retention and ListOffsets v0 read it).
  struct stat a {}, b {};
  REQUIRE(::stat((src + "/00000000000000000004.log").c_str(), &a) == 0);
  REQUIRE(::stat((fut + "/00000000000000000004.log").c_str(), &b) == 0);
  CHECK(a.st_mtim.tv_sec == b.st_mtim.tv_sec);
  CHECK(a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);

  // A file listed and gone before it is read (retention renamed it, no lock held): skipped by
  // a catch-up round.
  auto with_gone = listed(src);
  with_gone["00000000000000000009.log"] = SourceFile{12345, 10, 0};
  n = copy.catch_up(src, with_gone, 1, {});
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK_FALSE(std::filesystem::exists(fut + "/00000000000000000009.log"));

  // Cancelled: stops before the next file.
  cancel.store(true);
  append_text(src + "/00000000000000000004.log", "zz");
  auto c = copy.catch_up(src, listed(src), 1, {});
  CHECK_FALSE(c.ok());
  CHECK(c.status().message().find("cancelled") != std::string::npos);
}

TEST_CASE("move_partition to another filesystem: copied in the background, swapped in, same log object") {
  TempDir d;
  OtherFsDir other;
  LogConfig cfg;
  cfg.segment_bytes = 1000;  // several segments
  cfg.index_interval_bytes = 0;
  std::vector<std::vector<uint8_t>> stored;
  auto m = LogManager::open({d / "a", other.path}, cfg);
  REQUIRE(m.ok());
  LogManager& mgr = **m;
  auto created = mgr.create_partition("t", 0, Uuid{1, 2}, cfg);
  REQUIRE(created.ok());
  PartitionLog* log = *created;
  REQUIRE(mgr.dir_of("t", 0) == d / "a");
  for (int i = 0; i < 40; ++i) stored.push_back(append(log, i));
  REQUIRE(log->segment_count() > 5);
  auto inflight = log->read(0, 100000, -1, true);
  REQUIRE(inflight.ok());

  mgr.set_move_throttle(20000);  // about 1 s: appends and a truncation happen during the copy
  REQUIRE(mgr.move_partition("t", 0, other.path).ok());
  CHECK(mgr.dir_of("t", 0) == d / "a");  // not yet
  wait_for([&] { return !mgr.future_replicas().empty() && mgr.future_replicas()[0].bytes > 0; }, "copy under way");
  auto f = mgr.future_replicas();
  REQUIRE(f.size() == 1);
  CHECK(f[0].dir == other.path);
  CHECK(has_suffixed(other.path, "-future"));
  // The same target again: nothing new.
  REQUIRE(mgr.move_partition("t", 0, other.path).ok());
  CHECK(mgr.future_replicas().size() == 1);
  // A truncation and different data while copying: the last round copies those files whole.
  REQUIRE(log->truncate_to(35).ok());
  stored.resize(35);
  for (int i = 35; i < 50; ++i) stored.push_back(append(log, 1000 + i));
  mgr.set_move_throttle(INT64_MAX);
  // The old directory (renamed `-delete`) is removed after the locks are released.
  wait_for([&] { return mgr.future_replicas().empty() && !has_suffixed(d / "a", "-delete"); }, "the swap");

  CHECK(mgr.get("t", 0) == log);
  CHECK(mgr.dir_of("t", 0) == other.path);
  CHECK(log->dir() == other.path + "/t-0");
  CHECK_FALSE(std::filesystem::exists(d / "a/t-0"));
  CHECK_FALSE(has_suffixed(other.path, "-future"));
  CHECK_FALSE(has_suffixed(d / "a", "-delete"));
  CHECK_FALSE(std::filesystem::exists(other.path + "/t-0/" + kMovedMarkerFile));
  CHECK(std::filesystem::exists(other.path + "/t-0/partition.metadata"));
  for (int i = 0; i < 50; ++i) CHECK(batch_at(log, i) == stored[i]);
  // The fetch taken before the move still reads the old file through its handle.
  std::vector<uint8_t> buf(static_cast<size_t>(inflight->slices[0].size));
  CHECK(::pread(inflight->slices[0].file->fd(), buf.data(), buf.size(), inflight->slices[0].position) ==
        static_cast<ssize_t>(buf.size()));
  // Appends go to the copy (the segments reopened their .log there).
  const auto size_before = std::filesystem::file_size(log->segments().back().base_offset == 0
                                                          ? other.path + "/t-0/00000000000000000000.log"
                                                          : other.path + "/t-0/" +
                                                                offset_file_stem(log->segments().back().base_offset) +
                                                                ".log");
  stored.push_back(append(log, 50));
  const auto last = other.path + "/t-0/" + offset_file_stem(log->segments().back().base_offset) + ".log";
  CHECK(std::filesystem::file_size(last) > 0);
  CHECK(std::filesystem::file_size(last) != size_before);
  CHECK(text(other.path + "/log-start-offset-checkpoint").find("t 0 0") != std::string::npos);
  CHECK(text(d / "a/log-start-offset-checkpoint").find("t 0") == std::string::npos);
  REQUIRE(mgr.close(true).ok());
  m->reset();

  auto again = LogManager::open({d / "a", other.path}, cfg);
  REQUIRE(again.ok());
  CHECK((*again)->dir_of("t", 0) == other.path);
  PartitionLog* reopened = (*again)->get("t", 0);
  REQUIRE(reopened != nullptr);
  CHECK(reopened->log_end_offset() == 51);
  for (int i = 0; i < 51; ++i) CHECK(batch_at(reopened, i) == stored[i]);
}

TEST_CASE("a copy to another filesystem stops when cancelled or when the partition is deleted") {
  TempDir d;
  OtherFsDir other;
  LogConfig cfg;
  cfg.segment_bytes = 1000;
  auto m = LogManager::open({d / "a", other.path, d / "c"}, cfg);
  REQUIRE(m.ok());
  LogManager& mgr = **m;
  PartitionLog* log = *mgr.create_partition("t", 0, Uuid{}, cfg);
  REQUIRE(mgr.dir_of("t", 0) == d / "a");
  for (int i = 0; i < 40; ++i) append(log, i);
  mgr.set_move_throttle(1000);  // slow: it cannot finish by itself during the test

  // Asked for a third dir (on the first filesystem) while copying: the copy stops, the rename
  // is done at once.
  REQUIRE(mgr.move_partition("t", 0, other.path).ok());
  wait_for([&] { return has_suffixed(other.path, "-future"); }, "the future dir");
  REQUIRE(mgr.move_partition("t", 0, d / "c").ok());
  CHECK(mgr.dir_of("t", 0) == d / "c");
  CHECK(mgr.future_replicas().empty());
  wait_for([&] { return !has_suffixed(other.path, "-future"); }, "the future dir removed");
  REQUIRE(mgr.move_partition("t", 0, d / "a").ok());

  // Asked to move to where it is: the copy stops and its future dir goes.
  REQUIRE(mgr.move_partition("t", 0, other.path).ok());
  wait_for([&] { return has_suffixed(other.path, "-future"); }, "the future dir");
  REQUIRE(mgr.move_partition("t", 0, d / "a").ok());
  CHECK(mgr.future_replicas().empty());
  wait_for([&] { return !has_suffixed(other.path, "-future"); }, "the future dir removed");
  CHECK(mgr.dir_of("t", 0) == d / "a");

  // Deleted while copying.
  REQUIRE(mgr.move_partition("t", 0, other.path).ok());
  wait_for([&] { return has_suffixed(other.path, "-future"); }, "the future dir");
  REQUIRE(mgr.delete_partition("t", 0).ok());
  CHECK(mgr.future_replicas().empty());
  wait_for([&] { return !has_suffixed(other.path, "-future"); }, "the future dir removed");

  // A copy under way at close: cancelled, joined, removed.
  PartitionLog* log2 = *mgr.create_partition("u", 0, Uuid{}, cfg);
  for (int i = 0; i < 40; ++i) append(log2, i);
  const std::string target = mgr.dir_of("u", 0) == d / "a" ? other.path : d / "a";
  REQUIRE(mgr.move_partition("u", 0, target).ok());
  REQUIRE(mgr.close(true).ok());
  CHECK_FALSE(has_suffixed(target, "-future"));
}

TEST_CASE("a copy that fails leaves the partition where it was, serving") {
  TempDir d;
  OtherFsDir other;
  LogConfig cfg;
  auto m = LogManager::open({d / "a", other.path}, cfg);
  REQUIRE(m.ok());
  LogManager& mgr = **m;
  PartitionLog* log = *mgr.create_partition("t", 0, Uuid{}, cfg);
  REQUIRE(mgr.dir_of("t", 0) == d / "a");
  std::vector<std::vector<uint8_t>> stored;
  for (int i = 0; i < 10; ++i) stored.push_back(append(log, i));
  // Something in the way: refused at once.
  std::filesystem::create_directories(other.path + "/t-0");
  Status refused = mgr.move_partition("t", 0, other.path);
  CHECK(refused.code() == ErrorCode::kKafkaStorageError);
  CHECK(refused.message().find("already exists") != std::string::npos);
  CHECK(mgr.future_replicas().empty());
  // In the way only once the copy runs: the move fails at its end, after the copy.
  std::filesystem::remove(other.path + "/t-0");
  mgr.set_move_throttle(100);
  REQUIRE(mgr.move_partition("t", 0, other.path).ok());
  std::filesystem::create_directories(other.path + "/t-0");
  mgr.set_move_throttle(INT64_MAX);
  wait_for([&] { return mgr.future_replicas().empty() && !has_suffixed(other.path, "-future"); }, "the copy to end");
  CHECK(mgr.dir_of("t", 0) == d / "a");
  CHECK(log->dir() == d / "a/t-0");
  CHECK(std::filesystem::is_empty(other.path + "/t-0"));
  CHECK(text(other.path + "/log-start-offset-checkpoint").find("t 0") == std::string::npos);
  stored.push_back(append(log, 10));
  for (int i = 0; i < 11; ++i) CHECK(batch_at(log, i) == stored[i]);
  REQUIRE(mgr.close(true).ok());
}

TEST_CASE("start-up: a -future dir is removed; of two copies the marked one is kept") {
  TempDir d;
  LogConfig cfg;
  {
    auto m = LogManager::open({d / "a", d / "b"}, cfg);
    REQUIRE(m.ok());
    PartitionLog* log = *(*m)->create_partition("t", 0, Uuid{}, cfg);
    for (int i = 0; i < 5; ++i) append(log, i);
    REQUIRE((*m)->close(false).ok());
  }
  // An incomplete copy.
  std::filesystem::create_directories(d / "b/t-0.0123456789abcdef0123456789abcdef-future");
  put(d / "b/t-0.0123456789abcdef0123456789abcdef-future/00000000000000000000.log", "partial");
  {
    auto m = LogManager::open({d / "a", d / "b"}, cfg);
    REQUIRE(m.ok());
    CHECK_FALSE(std::filesystem::exists(d / "b/t-0.0123456789abcdef0123456789abcdef-future"));
    CHECK((*m)->dir_of("t", 0) == d / "a");
    CHECK((*m)->get("t", 0)->log_end_offset() == 5);
    REQUIRE((*m)->close(false).ok());
  }
  // A complete, marked copy in b, and the old directory still in a (with a stray file, to see
  // which one is kept).
  std::filesystem::copy(d / "a/t-0", d / "b/t-0");
  put(d / "b/t-0/" + std::string(kMovedMarkerFile), "");
  put(d / "a/t-0/stray", "x");
  {
    auto m = LogManager::open({d / "a", d / "b"}, cfg);
    REQUIRE(m.ok());
    CHECK((*m)->dir_of("t", 0) == d / "b");
    CHECK_FALSE(std::filesystem::exists(d / "a/t-0"));
    CHECK_FALSE(std::filesystem::exists(d / "b/t-0/stray"));
    CHECK_FALSE(std::filesystem::exists(d / "b/t-0/" + std::string(kMovedMarkerFile)));
    CHECK_FALSE(has_suffixed(d / "a", "-delete"));
    CHECK((*m)->get("t", 0)->log_end_offset() == 5);
    REQUIRE((*m)->close(false).ok());
  }
  // Two copies, both marked: no way to tell, start-up refuses as for unmarked ones.
  std::filesystem::copy(d / "b/t-0", d / "a/t-0");
  put(d / "a/t-0/" + std::string(kMovedMarkerFile), "");
  put(d / "b/t-0/" + std::string(kMovedMarkerFile), "");
  auto refused = LogManager::open({d / "a", d / "b"}, cfg);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("Duplicate log directories for t-0") != std::string::npos);
}

TEST_CASE("a copy whose future dir name would not fit in a file name is refused, as Kafka does") {
  TempDir d;
  OtherFsDir other;
  LogConfig cfg;
  auto m = LogManager::open({d / "a", other.path}, cfg);
  REQUIRE(m.ok());
  const std::string topic(240, 'n');  // <topic>-0 fits; <topic>-0.<32 hex>-future does not
  REQUIRE((*m)->create_partition(topic, 0, Uuid{}, cfg).ok());
  REQUIRE((*m)->dir_of(topic, 0) == d / "a");
  Status s = (*m)->move_partition(topic, 0, other.path);
  CHECK(s.code() == ErrorCode::kInvalidTopicException);
  CHECK(s.message() == "The topic name is too long.");
  CHECK((*m)->future_replicas().empty());
  CHECK((*m)->dir_of(topic, 0) == d / "a");
}
