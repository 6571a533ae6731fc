// Crash test for the storage engine. The driver starts this same binary as a writer, which
// appends batches (fsync per append: flush.messages=1) and prints each acknowledged last
// offset; the driver kills it with SIGKILL after a random number of acknowledgements, reopens
// the log (recovery) and checks that it is a valid prefix holding every acknowledged batch.
//
//   storage_crash_test [iterations]        driver (default 20)
//   storage_crash_test --writer <log dir>  writer

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "moldau/protocol/batch_builder.h"
#include "moldau/storage/batch_format.h"
#include "moldau/storage/log_manager.h"

using namespace moldau;
using namespace moldau::storage;

namespace {

constexpr char kTopic[] = "crash";

LogConfig test_config() {
  LogConfig c;
  c.segment_bytes = 64 * 1024;  // many rolls
  c.index_interval_bytes = 512;
  c.flush_interval_messages = 1;
  return c;
}

// Batch whose records say which offset they were written at: key "k<offset>".
std::vector<uint8_t> make_batch(int64_t first_offset, int records, size_t value_size) {
  protocol::BatchBuilder b({});
  std::string value(value_size, 'v');
  for (int i = 0; i < records; ++i) {
    std::string key = "k" + std::to_string(first_offset + i);
    protocol::Record r;
    r.timestamp = 1700000000000 + first_offset + i;
    r.key = std::string_view(key);
    r.value = std::string_view(value);
    b.add(r);
  }
  auto built = b.build();
  if (!built.ok()) std::abort();
  return std::move(built).value();
}

int run_writer(const std::string& dir) {
  auto m = LogManager::open({dir}, test_config());
  if (!m.ok()) {
    std::fprintf(stderr, "writer: open: %s\n", m.status().to_string().c_str());
    return 2;
  }
  auto log = (*m)->create_partition(kTopic, 0, Uuid{}, test_config());
  if (!log.ok()) return 2;
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  for (int n = 0;; ++n) {
    int64_t leo = (*log)->log_end_offset();
    auto batch = make_batch(leo, 1 + static_cast<int>(rng() % 20), rng() % 2000);
    auto r = (*log)->append(batch, 0, {});
    if (!r.ok()) {
      std::fprintf(stderr, "writer: append: %s\n", r.status().to_string().c_str());
      return 3;
    }
    std::printf("%lld\n", static_cast<long long>(r->last_offset));
    std::fflush(stdout);
    if (n % 50 == 49 && !(*m)->checkpoint_all().ok()) return 4;
  }
}

// Reopens the log and checks it: valid batches, contiguous offsets, content matching the
// offsets, log end > last acknowledged offset. Returns the log end offset, or -1.
int64_t verify(const std::string& dir, int64_t last_acked) {
  auto m = LogManager::open({dir}, test_config());
  if (!m.ok()) {
    std::fprintf(stderr, "verify: open: %s\n", m.status().to_string().c_str());
    return -1;
  }
  PartitionLog* log = (*m)->get(kTopic, 0);
  if (!log) return last_acked < 0 ? 0 : -1;
  int64_t leo = log->log_end_offset();
  if (leo <= last_acked) {
    std::fprintf(stderr, "verify: log end %lld but offset %lld was acknowledged\n", (long long)leo,
                 (long long)last_acked);
    return -1;
  }
  // Read it all back as a consumer does: each read returns a few segments, the next starts
  // where it ended.
  int64_t expect = 0;
  while (expect < leo) {
    auto r = log->read(expect, INT32_MAX, -1, true);
    if (!r.ok() || r->slices.empty()) break;
    const int64_t before = expect;
    for (const auto& s : r->slices) {
      std::vector<uint8_t> buf(static_cast<size_t>(s.size));
      if (::pread(s.file->fd(), buf.data(), buf.size(), s.position) != s.size) return -1;
      size_t p = 0;
      while (p < buf.size()) {
        if (buf.size() - p < kMinBatchSize) return -1;
        BatchHeader h = decode_batch_header(buf.data() + p);
        if (p + h.size_in_bytes() > buf.size() || !batch_crc_ok(buf.data() + p, h.size_in_bytes())) {
          std::fprintf(stderr, "verify: bad batch at offset %lld\n", (long long)expect);
          return -1;
        }
        std::vector<RecordView> recs;
        std::string err;
        if (h.base_offset != expect || !decode_records({buf.data() + p, h.size_in_bytes()}, &recs, &err)) return -1;
        for (const auto& rec : recs) {
          std::string key(rec.key->begin(), rec.key->end());
          if (key != "k" + std::to_string(rec.offset)) {
            std::fprintf(stderr, "verify: offset %lld holds key %s\n", (long long)rec.offset, key.c_str());
            return -1;
          }
        }
        expect = h.next_offset();
        p += h.size_in_bytes();
      }
    }
    if (expect == before) break;
  }
  if (expect != leo) {
    std::fprintf(stderr, "verify: read up to %lld, log end %lld\n", (long long)expect, (long long)leo);
    return -1;
  }
  (void)(*m)->close(false);
  return leo;
}

int run_driver(int iterations) {
  char tmpl[] = "/tmp/moldau-crash-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::mt19937 rng(std::random_device{}());
  int64_t last_acked = -1;
  int status = 0;
  for (int it = 0; it < iterations && status == 0; ++it) {
    int out[2];
    if (::pipe(out) != 0) return 2;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      ::execl("/proc/self/exe", "storage_crash_test", "--writer", dir.c_str(), nullptr);
      std::_Exit(127);
    }
    ::close(out[1]);
    FILE* in = ::fdopen(out[0], "r");
    int kill_after = 1 + static_cast<int>(rng() % 100);
    char line[64];
    int acks = 0;
    while (acks < kill_after && std::fgets(line, sizeof line, in)) {
      last_acked = std::atoll(line);
      ++acks;
    }
    ::kill(pid, SIGKILL);
    // Acknowledgements already written to the pipe count as acknowledged too.
    while (std::fgets(line, sizeof line, in)) last_acked = std::atoll(line);
    std::fclose(in);
    int ws = 0;
    ::waitpid(pid, &ws, 0);
    if (acks < kill_after && !(WIFSIGNALED(ws))) {
      std::fprintf(stderr, "iteration %d: writer exited early (status %d)\n", it, ws);
      status = 1;
      break;
    }
    int64_t leo = verify(dir, last_acked);
    std::printf("iteration %d: killed after %d acks, last acknowledged %lld, recovered log end %lld\n", it, acks,
                (long long)last_acked, (long long)leo);
    if (leo < 0) status = 1;
  }
  if (status == 0) std::filesystem::remove_all(dir);
  else std::fprintf(stderr, "log kept in %s\n", dir.c_str());
  std::printf(status == 0 ? "PASS\n" : "FAIL\n");
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--writer") return run_writer(argv[2]);
  int iterations = argc > 1 ? std::atoi(argv[1]) : 20;
  return run_driver(iterations);
}
