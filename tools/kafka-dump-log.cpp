// kafka-dump-log: prints the contents of log segments and their indexes as Kafka 3.7's
// DumpLogSegments does. Reads the files directly (no broker).

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/common/varint.h"
#include "moldau/protocol/compression.h"
#include "moldau/storage/batch_format.h"

using namespace moldau;
using namespace moldau::storage;

namespace {

struct Options {
  std::vector<std::string> files;
  bool print_data = false;
  bool deep = false;
  bool offsets_decoder = false;
  bool txn_decoder = false;
  bool skip_metadata = false;
  bool verify_only = false;
  bool sanity_only = false;
  int64_t max_bytes = INT32_MAX;
};

// A whole file mapped read-only.
struct Mapped {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool ok = false;
  explicit Mapped(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (::fstat(fd, &st) == 0) {
      size = static_cast<size_t>(st.st_size);
      ok = true;
      if (size > 0) {
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) ok = false;
        else data = static_cast<const uint8_t*>(p);
      }
    }
    ::close(fd);
  }
  ~Mapped() {
    if (data) ::munmap(const_cast<uint8_t*>(data), size);
  }
};

// Big-endian reader for the internal record formats; fails softly.
struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool flexible = false;
  bool ok = true;
  bool need(size_t n) { return ok = ok && static_cast<size_t>(end - p) >= n; }
  int16_t i16() { if (!need(2)) return 0; int16_t v = static_cast<int16_t>(load_be16(p)); p += 2; return v; }
  int32_t i32() { if (!need(4)) return 0; int32_t v = static_cast<int32_t>(load_be32(p)); p += 4; return v; }
  int64_t i64() { if (!need(8)) return 0; int64_t v = static_cast<int64_t>(load_be64(p)); p += 8; return v; }
  int8_t i8() { if (!need(1)) return 0; return static_cast<int8_t>(*p++); }
  uint32_t uvarint() {
    uint32_t v = 0;
    size_t n = get_uvarint32(p, end, &v);
    if (n == 0) ok = false;
    p += n;
    return v;
  }
  std::string str() {
    int64_t len = flexible ? static_cast<int64_t>(uvarint()) - 1 : i16();
    if (len < 0 || !need(static_cast<size_t>(len))) return "";
    std::string s(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
    return s;
  }
  int32_t array_len() { return flexible ? static_cast<int32_t>(uvarint()) - 1 : i32(); }
  void skip_tags() {
    if (!flexible) return;
    uint32_t n = uvarint();
    for (uint32_t i = 0; i < n && ok; ++i) {
      uvarint();
      uint32_t size = uvarint();
      if (need(size)) p += size;
    }
  }
};

std::string as_string(std::span<const uint8_t> b) { return std::string(b.begin(), b.end()); }

// GroupMetadataManager.formatRecordKeyAndValue (offset commits; group metadata keys).
std::pair<std::optional<std::string>, std::optional<std::string>> offsets_format(const RecordView& r) {
  if (!r.key) return {std::nullopt, std::nullopt};
  Reader k{r.key->data(), r.key->data() + r.key->size()};
  int16_t version = k.i16();
  if (version == 0 || version == 1) {
    std::string group = k.str(), topic = k.str();
    int32_t partition = k.i32();
    std::string key = "offset_commit::group=" + group + ",partition=" + topic + "-" + std::to_string(partition);
    if (!r.value) return {key, "<DELETE>"};
    Reader v{r.value->data(), r.value->data() + r.value->size()};
    int16_t vv = v.i16();
    v.flexible = vv >= 4;
    int64_t offset = v.i64();
    if (vv >= 3) v.i32();
    std::string metadata = v.str();
    std::string value = "offset=" + std::to_string(offset);
    if (!metadata.empty()) value += ",metadata=" + metadata;
    return {key, value};
  }
  if (version == 2) {
    std::string group = k.str();
    std::string key = "group_metadata::group=" + group;
    if (!r.value) return {key, "<DELETE>"};
    // The member assignments are not decoded (see the man page): the value is shown as hex.
    std::string hex;
    static const char* d = "0123456789abcdef";
    for (uint8_t c : *r.value) {
      hex += d[c >> 4];
      hex += d[c & 15];
    }
    return {key, hex};
  }
  return {"unknown::version=" + std::to_string(version), std::nullopt};
}

// TransactionLog.formatRecordKeyAndValue.
std::pair<std::optional<std::string>, std::optional<std::string>> txn_format(const RecordView& r) {
  if (!r.key) return {std::nullopt, std::nullopt};
  Reader k{r.key->data(), r.key->data() + r.key->size()};
  int16_t version = k.i16();
  if (version != 0) return {"unknown::version=" + std::to_string(version), std::nullopt};
  std::string id = k.str();
  std::string key = "transaction_metadata::transactionalId=" + id;
  if (!r.value) return {key, "<DELETE>"};
  Reader v{r.value->data(), r.value->data() + r.value->size()};
  v.flexible = v.i16() >= 1;
  int64_t pid = v.i64();
  int16_t epoch = v.i16();
  int32_t timeout = v.i32();
  int8_t status = v.i8();
  std::string parts = "[";
  int32_t n = v.array_len();
  bool first = true;
  for (int32_t i = 0; i < n && v.ok; ++i) {
    std::string topic = v.str();
    int32_t m = v.array_len();
    for (int32_t j = 0; j < m && v.ok; ++j) {
      if (!first) parts += ",";
      parts += topic + "-" + std::to_string(v.i32());
      first = false;
    }
    v.skip_tags();
  }
  parts += "]";
  int64_t last_update = v.i64();
  static const char* kStates[] = {"Empty", "Ongoing", "PrepareCommit", "PrepareAbort",
                                  "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"};
  std::string state = status >= 0 && status < 8 ? kStates[status] : std::to_string(status);
  return {key, "producerId:" + std::to_string(pid) + ",producerEpoch:" + std::to_string(epoch) + ",state=" + state +
                   ",partitions=" + parts + ",txnLastUpdateTimestamp=" + std::to_string(last_update) +
                   ",txnTimeoutMs=" + std::to_string(timeout)};
}

int32_t increment_sequence(int32_t seq, int32_t inc) {
  if (seq > INT32_MAX - inc) return inc - (INT32_MAX - seq) - 1;
  return seq + inc;
}

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

int64_t base_offset_of(const std::string& path) {
  std::string n = file_name(path);
  return std::stoll(n.substr(0, n.find('.')));
}

void dump_log(const std::string& path, const Options& o,
              std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>* non_consecutive) {
  std::string name = file_name(path);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0)
    std::cout << "Log starting offset: " << base_offset_of(path) << "\n";
  Mapped m(path);
  if (!m.ok) {
    std::cerr << "Error: cannot read " << path << "\n";
    return;
  }
  size_t limit = std::min<size_t>(m.size, static_cast<size_t>(o.max_bytes));
  size_t pos = 0;
  int64_t last_offset = -1;
  std::vector<uint8_t> decompressed;
  while (limit - pos >= 17) {
    int32_t length = static_cast<int32_t>(load_be32(m.data + pos + 8));
    size_t size = 12 + static_cast<size_t>(std::max(length, 0));
    if (length + 12 < 14) {
      std::cerr << "Error: Record size " << (length + 12) << " is less than the minimum record overhead (14)\n";
      std::exit(1);
    }
    if (pos + size > limit) break;
    const uint8_t* b = m.data + pos;
    if (size < kMinBatchSize || b[16] != 2) {
      std::cerr << "Error: unsupported batch at position " << pos << "\n";
      break;
    }
    BatchHeader h = decode_batch_header(b);
    bool valid = batch_crc_ok(b, size);
    std::string ts_type = h.log_append_time() ? "LogAppendTime" : "CreateTime";
    int32_t last_seq = h.base_sequence == -1 ? -1 : increment_sequence(h.base_sequence, h.last_offset_delta);
    std::string horizon = (h.attributes & protocol::kDeleteHorizonBit)
                              ? "OptionalLong[" + std::to_string(h.base_timestamp) + "]"
                              : "OptionalLong.empty";
    std::cout << "baseOffset: " << h.base_offset << " lastOffset: " << h.last_offset() << " count: " << h.records_count
              << " baseSequence: " << h.base_sequence << " lastSequence: " << last_seq
              << " producerId: " << h.producer_id << " producerEpoch: " << h.producer_epoch
              << " partitionLeaderEpoch: " << h.partition_leader_epoch
              << " isTransactional: " << (h.is_transactional() ? "true" : "false")
              << " isControl: " << (h.is_control() ? "true" : "false") << " deleteHorizonMs: " << horizon
              << " position: " << pos << " " << ts_type << ": " << h.max_timestamp << " size: " << size
              << " magic: " << int(h.magic) << " compresscodec: " << compression_name(h.attributes)
              << " crc: " << h.crc << " isvalid: " << (valid ? "true" : "false") << "\n";
    if (o.deep) {
      std::vector<RecordView> recs;
      std::string err;
      std::span<const uint8_t> area(b + kMinBatchSize, size - kMinBatchSize);
      if (h.compression() != protocol::Compression::kNone) {
        Status s = protocol::decompress_into(h.compression(), area, 256u << 20, &decompressed);
        if (!s.ok()) {
          std::cerr << "Error: " << s.to_string() << "\n";
          std::exit(1);
        }
        area = decompressed;
      }
      if (!decode_records_area(h, area, &recs, &err)) std::cerr << "Error: batch at position " << pos << ": " << err << "\n";
      for (const auto& r : recs) {
        if (last_offset != -1 && r.offset != last_offset + 1) (*non_consecutive)[std::filesystem::absolute(path).string()].push_back({last_offset, r.offset});
        last_offset = r.offset;
        std::string prefix = "| ";
        if (!o.skip_metadata) {
          std::cout << prefix << "offset: " << r.offset << " " << ts_type << ": " << r.timestamp
                    << " keySize: " << (r.key ? static_cast<int64_t>(r.key->size()) : -1)
                    << " valueSize: " << (r.value ? static_cast<int64_t>(r.value->size()) : -1);
          prefix = " ";
          int32_t seq = h.base_sequence < 0 ? -1 : increment_sequence(h.base_sequence, r.offset_delta);
          std::cout << " sequence: " << seq << " headerKeys: [";
          for (size_t i = 0; i < r.header_keys.size(); ++i) std::cout << (i ? "," : "") << r.header_keys[i];
          std::cout << "]";
          if (h.is_control()) {
            int16_t type = r.key && r.key->size() >= 4 ? static_cast<int16_t>(load_be16(r.key->data() + 2)) : -1;
            if ((type == 0 || type == 1) && r.value && r.value->size() >= 6) {
              std::cout << " endTxnMarker: " << (type == 0 ? "ABORT" : "COMMIT")
                        << " coordinatorEpoch: " << static_cast<int32_t>(load_be32(r.value->data() + 2));
            } else {
              std::cout << " controlType: " << (type == 0 ? "ABORT" : type == 1 ? "COMMIT" : "UNKNOWN") << "(" << type << ")";
            }
          }
        }
        if (o.print_data && !h.is_control()) {
          std::optional<std::string> key, payload;
          if (o.offsets_decoder) {
            std::tie(key, payload) = offsets_format(r);
          } else if (o.txn_decoder) {
            std::tie(key, payload) = txn_format(r);
          } else {
            if (r.key) key = as_string(*r.key);
            if (r.value) payload = as_string(*r.value);
          }
          if (key) {
            std::cout << prefix << "key: " << *key;
            prefix = " ";
          }
          if (payload) std::cout << " payload: " << *payload;
        }
        std::cout << "\n";
      }
    }
    pos += size;
  }
  size_t trailing = limit - pos;
  if (trailing > 0 && o.max_bytes == INT32_MAX) std::cout << "Found " << trailing << " invalid bytes at the end of " << name << "\n";
}

void dump_index(const std::string& path, const Options& o,
                std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>* mismatches) {
  int64_t base = base_offset_of(path);
  Mapped idx(path);
  std::string log_path = (std::filesystem::path(path).parent_path() / (file_name(path).substr(0, file_name(path).find('.')) + ".log")).string();
  Mapped log(log_path);
  size_t entries = idx.size / 8;
  if (entries == 0) {
    std::cout << path << " is empty.\n";
    return;
  }
  if (o.sanity_only) {
    if (idx.size % 8 != 0) {
      std::cerr << "Error: Index file " << file_name(path) << " is corrupt, found " << idx.size
                << " bytes which is neither positive nor a multiple of 8.\n";
      std::exit(1);
    }
    std::cout << path << " passed sanity check.\n";
    return;
  }
  for (size_t i = 0; i < entries; ++i) {
    int64_t offset = base + static_cast<int32_t>(load_be32(idx.data + i * 8));
    int64_t position = static_cast<int32_t>(load_be32(idx.data + i * 8 + 4));
    if (offset == base && i > 0) return;
    if (log.ok && position >= 0 && static_cast<size_t>(position) + kMinBatchSize <= log.size) {
      BatchHeader h = decode_batch_header(log.data + position);
      if (h.last_offset() != offset) (*mismatches)[std::filesystem::absolute(path).string()].push_back({offset, h.last_offset()});
    }
    if (!o.verify_only) std::cout << "offset: " << offset << " position: " << position << "\n";
  }
}

void dump_time_index(const std::string& path, const Options& o) {
  int64_t base = base_offset_of(path);
  Mapped idx(path);
  if (o.sanity_only) {
    std::cout << path << " passed sanity check.\n";
    return;
  }
  size_t entries = idx.size / 12;
  for (size_t i = 0; i < entries; ++i) {
    int64_t ts = static_cast<int64_t>(load_be64(idx.data + i * 12));
    int64_t offset = base + static_cast<int32_t>(load_be32(idx.data + i * 12 + 8));
    if (offset == base && i > 0) return;
    if (!o.verify_only) std::cout << "timestamp: " << ts << " offset: " << offset << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "This tool helps to parse a log file and dump its contents to the console, useful for debugging a "
      "seemingly corrupt log segment."};
  Options o;
  std::string files;
  int32_t max_message_size = 5 * 1024 * 1024;
  std::string key_decoder, value_decoder;
  app.add_option("--files", files, "REQUIRED: The comma separated list of data and index log files to be dumped.")->required();
  app.add_flag("--print-data-log", o.print_data,
               "if set, printing the messages content when dumping data logs. Automatically set if any decoder "
               "option is specified.");
  app.add_flag("--deep-iteration", o.deep,
               "if set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.");
  app.add_flag("--offsets-decoder", o.offsets_decoder,
               "if set, log data will be parsed as offset data from the __consumer_offsets topic.");
  app.add_flag("--transaction-log-decoder", o.txn_decoder,
               "if set, log data will be parsed as transaction metadata from the __transaction_state topic.");
  app.add_flag("--skip-record-metadata", o.skip_metadata, "whether to skip printing metadata for each record.");
  app.add_flag("--verify-index-only", o.verify_only, "if set, just verify the index log without printing its content.");
  app.add_flag("--index-sanity-check", o.sanity_only,
               "if set, just checks the index sanity without printing its content.");
  app.add_option("--max-message-size", max_message_size, "Size of largest message.");
  app.add_option("--max-bytes", o.max_bytes,
                 "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).");
  app.add_option("--key-decoder-class", key_decoder, "accepted for compatibility; keys are printed as strings");
  app.add_option("--value-decoder-class", value_decoder, "accepted for compatibility; values are printed as strings");
  CLI11_PARSE(app, argc, argv);
  o.print_data = o.print_data || o.offsets_decoder || o.txn_decoder || !key_decoder.empty() || !value_decoder.empty();
  o.deep = o.deep || o.print_data;
  size_t start = 0;
  while (start <= files.size()) {
    size_t comma = files.find(',', start);
    std::string f = files.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!f.empty()) o.files.push_back(f);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> mismatches, non_consecutive;
  for (const auto& f : o.files) {
    std::cout << "Dumping " << f << "\n";
    std::string name = file_name(f);
    size_t dot = name.rfind('.');
    std::string suffix = dot == std::string::npos ? "" : name.substr(dot);
    if (suffix == ".log") dump_log(f, o, &non_consecutive);
    else if (suffix == ".index") dump_index(f, o, &mismatches);
    else if (suffix == ".timeindex") dump_time_index(f, o);
    else std::cerr << "Ignoring unknown file " << f << "\n";
  }
  std::cout.flush();
  for (const auto& [file, list] : mismatches) {
    std::cerr << "Mismatches in :" << file << "\n";
    for (auto it = list.rbegin(); it != list.rend(); ++it)
      std::cerr << "  Index offset: " << it->first << ", log offset: " << it->second << "\n";
  }
  for (const auto& [file, list] : non_consecutive) {
    std::cerr << "Non-consecutive offsets in " << file << "\n";
    for (auto it = list.rbegin(); it != list.rend(); ++it) std::cerr << "  " << it->first << " is followed by " << it->second << "\n";
  }
  return 0;
}
