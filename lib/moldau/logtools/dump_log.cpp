#include "moldau/logtools/dump_log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "moldau/common/endian.h"
#include "moldau/ops/coordinator_records.h"
#include "moldau/ops/java_config.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/metadata_records.h"
#include "moldau/protocol/compression.h"
#include "moldau/storage/batch_format.h"

namespace moldau::logtools {

using namespace moldau::storage;
using Json = nlohmann::ordered_json;

namespace {
const char* kStringDecoder = "org.apache.kafka.tools.api.StringDecoder";
}  // namespace

const char* const kDumpLogUsage =
    "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly "
    "corrupt log segment.";

// Kafka 4.4's DumpLogSegments options, in its words (they are the tool's output).
const std::vector<ops::OptionDoc>& dump_log_options() {
  static const std::vector<ops::OptionDoc> kDocs = {
      {"print-data-log", "",
       "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is "
       "specified."},
      {"verify-index-only", "", "If set, just verify the index log without printing its content."},
      {"index-sanity-check", "",
       "If set, just checks the index sanity without printing its content. This is the same check that is executed "
       "on broker startup to determine if an index needs rebuilding or not."},
      {"files", "String: file1, file2, ...", "REQUIRED: The comma separated list of data and index log files to be dumped."},
      {"max-message-size", "Integer: size", "Size of largest message.", false, "5242880"},
      {"max-bytes", "Integer: size",
       "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).", false,
       "2147483647"},
      {"deep-iteration", "",
       "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."},
      {"value-decoder-class", "String",
       "If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder "
       "trait. Custom jar should be available in kafka/libs directory.",
       true, kStringDecoder},
      {"key-decoder-class", "String",
       "If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait. "
       "Custom jar should be available in kafka/libs directory.",
       true, kStringDecoder},
      {"offsets-decoder", "", "If set, log data will be parsed as offset data from the __consumer_offsets topic."},
      {"transaction-log-decoder", "",
       "If set, log data will be parsed as transaction metadata from the __transaction_state topic."},
      {"cluster-metadata-decoder", "", "If set, log data will be parsed as cluster metadata records."},
      {"remote-log-metadata-decoder", "",
       "If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records. Instead, the "
       "value-decoder-class option can be used if a custom RLMM implementation is configured."},
      {"share-group-state-decoder", "",
       "If set, log data will be parsed as share group state data from the __share_group_state topic."},
      {"skip-record-metadata", "", "Skip metadata when printing records. This flag also skips control records."},
      {"help", "", "Print usage information."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// What escapes DumpLogSegments.main (a joptsimple error, an IOException, a corrupt file): the
// JVM prints it and exits 1. Ours prints its message the way our other tools do.
[[noreturn]] void uncaught(const std::string& m) {
  std::fflush(stdout);
  std::fprintf(stderr, "Error: %s\n", m.c_str());
  std::exit(1);
}
// An exception without a message: the JVM's line names only its class.
namespace {



[[noreturn]] void uncaught_class(const std::string& cls) {
  std::fflush(stdout);
  std::fprintf(stderr, "Exception in thread \"main\" %s\n", cls.c_str());
  std::exit(1);
}

enum class Decoder { kString, kInteger, kLong, kOffsets, kTransactionLog };

struct Options {
  std::vector<std::string> files;
  bool print_data = false, deep = false, skip_metadata = false, verify_only = false, sanity_only = false;
  int32_t max_message_size = 5 * 1024 * 1024;
  int32_t max_bytes = INT32_MAX;
  bool offsets = false, transaction_log = false, cluster_metadata = false, remote_metadata = false,
       share_state = false;
  std::string key_decoder = kStringDecoder, value_decoder = kStringDecoder;
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
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      size = static_cast<size_t>(st.st_size);
      ok = true;
      if (size > 0) {
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
          ok = false;
        else
          data = static_cast<const uint8_t*>(p);
      }
    }
    ::close(fd);
  }
  ~Mapped() {
    if (data) ::munmap(const_cast<uint8_t*>(data), size);
  }
};

// Opens a file as Kafka's FileRecords.open / FileChannel.open would, or fails as it does.
void open_or_fail(const Mapped& m, const std::string& path) {
  if (m.ok) return;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) uncaught(path);  // NoSuchFileException
  uncaught(path + " (Is a directory)");
}

// java.io.File's toString: the path with repeated and trailing separators removed.
std::string java_file(const std::string& path) {
  std::string out;
  for (char c : path)
    if (!(c == '/' && !out.empty() && out.back() == '/')) out += c;
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string file_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// Long.parseLong of the name up to its first '.', or NumberFormatException's message.
int64_t base_offset_of(const std::string& path) {
  std::string n = file_name(path);
  std::string digits = n.substr(0, n.find('.'));
  size_t i = (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) ? 1 : 0;
  bool ok = i < digits.size() &&
            std::all_of(digits.begin() + i, digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  errno = 0;
  long long value = ok ? std::strtoll(digits.c_str(), nullptr, 10) : 0;
  if (!ok || errno != 0) uncaught("For input string: \"" + digits + "\"");
  return value;
}

int32_t increment_sequence(int32_t seq, int32_t inc) {
  if (seq > INT32_MAX - inc) return inc - (INT32_MAX - seq) - 1;
  return seq + inc;
}

// Java's new String(bytes, UTF_8): malformed input becomes U+FFFD, as the JDK's decoder
// replaces it: one U+FFFD for a lead byte and the continuation bytes that may follow it (a
// broken 3-byte sequence of two good bytes is one), and one for a sequence cut off at the end.
std::string java_utf8(std::span<const uint8_t> b) {
  static const char kRepl[] = "\xEF\xBF\xBD";
  auto cont = [](uint8_t c) { return (c & 0xC0) == 0x80; };
  std::string out;
  size_t i = 0, n = b.size();
  while (i < n) {
    uint8_t b1 = b[i];
    if (b1 < 0x80) {
      out += static_cast<char>(b1);
      i += 1;
    } else if (b1 >= 0xC2 && b1 <= 0xDF) {
      if (i + 1 >= n) {
        out += kRepl;
        break;
      }
      if (cont(b[i + 1])) {
        out.append(reinterpret_cast<const char*>(&b[i]), 2);
        i += 2;
      } else {
        out += kRepl;
        i += 1;
      }
    } else if (b1 >= 0xE0 && b1 <= 0xEF) {
      auto bad2 = [&](uint8_t b2) { return (b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !cont(b2); };
      if (i + 2 < n) {
        uint8_t b2 = b[i + 1], b3 = b[i + 2];
        if (bad2(b2) || !cont(b3)) {
          out += kRepl;
          i += bad2(b2) ? 1 : 2;
        } else {
          uint32_t cp = ((b1 & 0x0F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);
          if (cp >= 0xD800 && cp <= 0xDFFF)
            out += kRepl;
          else
            out.append(reinterpret_cast<const char*>(&b[i]), 3);
          i += 3;
        }
        continue;
      }
      out += kRepl;
      if (i + 1 < n && bad2(b[i + 1])) {
        i += 1;
        continue;
      }
      break;  // cut off at the end: one U+FFFD for the rest
    } else if (b1 >= 0xF0 && b1 <= 0xF7) {
      auto bad2 = [&](uint8_t b2) {
        return b1 > 0xF4 || (b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) || (b1 == 0xF4 && (b2 & 0xF0) != 0x80) ||
               !cont(b2);
      };
      if (i + 3 < n) {
        uint8_t b2 = b[i + 1], b3 = b[i + 2], b4 = b[i + 3];
        if (bad2(b2) || !cont(b3) || !cont(b4)) {
          out += kRepl;
          i += bad2(b2) ? 1 : !cont(b3) ? 2 : 3;
        } else {
          out.append(reinterpret_cast<const char*>(&b[i]), 4);
          i += 4;
        }
        continue;
      }
      out += kRepl;
      if (b1 > 0xF4 || (i + 1 < n && bad2(b[i + 1]))) {
        i += 1;
        continue;
      }
      if (i + 2 < n && !cont(b[i + 2])) {
        i += 2;
        continue;
      }
      break;
    } else {
      out += kRepl;  // a continuation byte, C0, C1 or F8..FF on its own
      i += 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kafka's CoordinatorRecordMessageParser (--offsets-decoder, --transaction-log-decoder): the
// key as {"type":"<type>","data":...}, the value as {"version":"<version>","data":...} or
// <DELETE>; a record of another type "Unknown record type ...", one that does not decode
// "Error at offset ...". A record without a key ends the dump (Kafka throws).

struct Parsed {
  std::optional<std::string> key, value;
};

Parsed parse_coordinator_record(ops::CoordinatorLog log, const RecordView& r) {
  if (!r.key)
    throw std::runtime_error("Failed to decode message at offset " + std::to_string(r.offset) +
                             " using the specified decoder (message had a missing key)");
  auto d = ops::decode_coordinator_record(log, *r.key, r.value, true);
  if (auto* e = std::get_if<ops::CoordinatorRecordError>(&d)) {
    if (e->unknown_type)
      return {"Unknown record type " + std::to_string(e->type) + " at offset " + std::to_string(r.offset) +
                  ", skipping.",
              std::nullopt};
    return {"Error at offset " + std::to_string(r.offset) + ", skipping. " + e->message, std::nullopt};
  }
  const auto& rec = std::get<ops::CoordinatorRecord>(d);
  Json key;
  key["type"] = std::to_string(rec.type);
  key["data"] = rec.key;
  Parsed out{ops::compact_json(key), "<DELETE>"};
  if (rec.value) {
    Json value;
    value["version"] = std::to_string(rec.version);
    value["data"] = *rec.value;
    out.value = ops::compact_json(value);
  }
  return out;
}

// The same parser over __share_group_state (--share-group-state-decoder).
Parsed parse_share_state_record(const RecordView& r) {
  if (!r.key)
    throw std::runtime_error("Failed to decode message at offset " + std::to_string(r.offset) +
                             " using the specified decoder (message had a missing key)");
  auto d = ops::share_state_record_json(*r.key, r.value);
  if (!d.ok()) return {"Error at offset " + std::to_string(r.offset) + ", skipping. " + d.status().message(), std::nullopt};
  if (!d->known)
    return {"Unknown record type " + std::to_string(d->type) + " at offset " + std::to_string(r.offset) + ", skipping.",
            std::nullopt};
  Parsed out{"{\"type\":\"" + std::to_string(d->type) + "\",\"data\":" + d->key + "}", "<DELETE>"};
  if (d->value) out.value = "{\"version\":\"" + std::to_string(d->version) + "\",\"data\":" + *d->value + "}";
  return out;
}

// Kafka's Decoder classes by name: StringDecoder, IntegerDecoder, LongDecoder.
std::optional<Decoder> decoder_for(const std::string& cls) {
  if (cls == kStringDecoder) return Decoder::kString;
  if (cls == "org.apache.kafka.tools.api.IntegerDecoder") return Decoder::kInteger;
  if (cls == "org.apache.kafka.tools.api.LongDecoder") return Decoder::kLong;
  return std::nullopt;
}

std::string decode(Decoder d, std::span<const uint8_t> b) {
  switch (d) {
    case Decoder::kInteger:
      if (b.size() < 4) uncaught_class("java.nio.BufferUnderflowException");
      return std::to_string(static_cast<int32_t>(load_be32(b.data())));
    case Decoder::kLong:
      if (b.size() < 8) uncaught_class("java.nio.BufferUnderflowException");
      return std::to_string(static_cast<int64_t>(load_be64(b.data())));
    default:
      return java_utf8(b);
  }
}

// ---------------------------------------------------------------------------------------------

// Errors DumpLogSegments reports at the end, on stderr, keyed by the file's absolute path.
struct Errors {
  std::map<std::string, std::map<int64_t, int64_t, std::greater<>>> index_mismatches;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> time_mismatches, out_of_order, not_found;
  std::map<std::string, std::map<int64_t, int64_t>> non_consecutive;
};

// The keys of a map in the order Kafka's HashMap<String, ...> iterates them.
template <class M>
std::vector<std::string> hash_order(const M& m) {
  std::vector<std::string> keys;
  std::vector<int32_t> hashes;
  for (const auto& [k, v] : m) {
    keys.push_back(k);
    hashes.push_back(ops::java_string_hash(k));
  }
  std::vector<std::string> out;
  for (size_t i : ops::java_hashmap_order(hashes)) out.push_back(keys[i]);
  return out;
}

struct Batch {
  BatchHeader h;
  const uint8_t* data;
  size_t size;
  size_t position;
};

// Kafka's FileLogInputStream over [0, limit): batches until fewer than 17 bytes are left or a
// batch runs past the end. A size below the minimum overhead is a CorruptRecordException.
std::vector<Batch> batches_of(const Mapped& m, size_t start, size_t limit, const std::string& path) {
  std::vector<Batch> out;
  size_t pos = start;
  limit = std::min(limit, m.size);
  while (limit >= pos && limit - pos >= 17) {
    int32_t length = static_cast<int32_t>(load_be32(m.data + pos + 8));
    if (length < 14)
      uncaught("Found record size " + std::to_string(length) +
               " smaller than minimum record overhead (14) in file " + path + ".");
    size_t size = 12 + static_cast<size_t>(length);
    if (pos + size > limit) break;
    Batch b{{}, m.data + pos, size, pos};
    if (size >= kMinBatchSize) b.h = decode_batch_header(b.data);
    b.h.magic = static_cast<int8_t>(m.data[pos + 16]);
    out.push_back(b);
    pos += size;
  }
  return out;
}

std::vector<RecordView> records_of(const Batch& b, std::vector<uint8_t>* scratch) {
  std::vector<RecordView> recs;
  if (b.size < kMinBatchSize) return recs;
  std::string err;
  std::span<const uint8_t> area(b.data + kMinBatchSize, b.size - kMinBatchSize);
  if (b.h.compression() != protocol::Compression::kNone) {
    Status s = protocol::decompress_into(b.h.compression(), area, 256u << 20, scratch);
    if (!s.ok()) uncaught(s.message());
    area = *scratch;
  }
  if (!decode_records_area(b.h, area, &recs, &err))
    uncaught(err);
  return recs;
}

void print_batch(const Batch& b, int64_t position) {
  const BatchHeader& h = b.h;
  std::string ts_type = h.log_append_time() ? "LogAppendTime" : "CreateTime";
  int32_t last_seq = h.base_sequence == -1 ? -1 : increment_sequence(h.base_sequence, h.last_offset_delta);
  std::string horizon = (h.attributes & protocol::kDeleteHorizonBit)
                            ? "OptionalLong[" + std::to_string(h.base_timestamp) + "]"
                            : "OptionalLong.empty";
  bool valid = b.size >= kMinBatchSize && batch_crc_ok(b.data, b.size);
  std::printf(
      "baseOffset: %lld lastOffset: %lld count: %d baseSequence: %d lastSequence: %d producerId: %lld producerEpoch: "
      "%d partitionLeaderEpoch: %d isTransactional: %s isControl: %s deleteHorizonMs: %s position: %lld %s: %lld size: "
      "%zu magic: %d compresscodec: %s crc: %u isvalid: %s\n",
      static_cast<long long>(h.base_offset), static_cast<long long>(h.last_offset()), h.records_count, h.base_sequence,
      last_seq, static_cast<long long>(h.producer_id), h.producer_epoch, h.partition_leader_epoch,
      h.is_transactional() ? "true" : "false", h.is_control() ? "true" : "false", horizon.c_str(),
      static_cast<long long>(position), ts_type.c_str(), static_cast<long long>(h.max_timestamp), b.size, h.magic,
      std::string(compression_name(h.attributes)).c_str(), h.crc, valid ? "true" : "false");
}

void print_control(const RecordView& r) {
  int16_t type = r.key && r.key->size() >= 4 ? static_cast<int16_t>(load_be16(r.key->data() + 2)) : -1;
  if ((type == 0 || type == 1) && r.value && r.value->size() >= 6) {
    std::printf(" endTxnMarker: %s coordinatorEpoch: %d", type == 0 ? "ABORT" : "COMMIT",
                static_cast<int32_t>(load_be32(r.value->data() + 2)));
    return;
  }
  // The raft control records of a metadata log or snapshot, as JSON after Kafka's label.
  static const char* kLabels[] = {nullptr, nullptr, "LeaderChange:", "SnapshotHeader", "SnapshotFooter",
                                  "KRaftVersion", "KRaftVoters"};
  if (type >= 2 && type <= 6 && r.value) {
    auto json = ops::control_record_json(type, *r.value);
    if (!json.ok()) uncaught(json.status().message());
    std::printf(" %s %s", kLabels[type], json->c_str());
    return;
  }
  static const char* kNames[] = {"ABORT", "COMMIT", "LEADER_CHANGE", "SNAPSHOT_HEADER", "SNAPSHOT_FOOTER",
                                 "KRAFT_VERSION", "KRAFT_VOTERS"};
  std::printf(" controlType: %s(%d)", type >= 0 && type < 7 ? kNames[type] : "UNKNOWN", type);
}

void dump_log(const std::string& path, const Options& o, Errors* errors) {
  std::string name = file_name(path);
  std::optional<Decoder> key_decoder, value_decoder;
  // Kafka makes its parser for each file it dumps: an unknown decoder class fails here.
  if (!o.offsets && !o.transaction_log && !o.cluster_metadata && !o.remote_metadata && !o.share_state) {
    value_decoder = decoder_for(o.value_decoder);
    key_decoder = decoder_for(o.key_decoder);
    if (!value_decoder || !key_decoder) uncaught("Failed to load decoder class");
  }
  if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".log") == 0) {
    std::printf("Log starting offset: %lld\n", static_cast<long long>(base_offset_of(path)));
  } else if (name == "bootstrap.checkpoint") {
    std::printf("KRaft bootstrap snapshot\n");
  } else {
    // <end offset, 20 digits>-<epoch, 10 digits>.checkpoint
    auto dash = name.find('-');
    std::printf("Snapshot end offset: %lld, epoch: %d\n", std::atoll(name.substr(0, dash).c_str()),
                dash == std::string::npos ? 0 : std::atoi(name.c_str() + dash + 1));
  }
  Mapped m(path);
  open_or_fail(m, path);
  size_t limit = std::min<size_t>(m.size, static_cast<size_t>(o.max_bytes));
  auto bs = batches_of(m, 0, limit, java_file(path));
  int64_t valid_bytes = 0, last_offset = -1;
  std::vector<uint8_t> scratch;
  for (const auto& b : bs) {
    print_batch(b, valid_bytes);
    if (o.deep) {
      for (const auto& r : records_of(b, &scratch)) {
        if (r.offset != last_offset + 1) errors->non_consecutive[absolute(path)][last_offset] = r.offset;
        last_offset = r.offset;
        if (!o.skip_metadata) {
          std::printf("| offset: %lld %s: %lld keySize: %lld valueSize: %lld", static_cast<long long>(r.offset),
                      b.h.log_append_time() ? "LogAppendTime" : "CreateTime", static_cast<long long>(r.timestamp),
                      r.key ? static_cast<long long>(r.key->size()) : -1LL,
                      r.value ? static_cast<long long>(r.value->size()) : -1LL);
          int32_t seq = b.h.base_sequence < 0 ? -1 : increment_sequence(b.h.base_sequence, r.offset_delta);
          std::string keys;
          for (size_t i = 0; i < r.header_keys.size(); ++i) keys += (i ? "," : "") + std::string(r.header_keys[i]);
          std::printf(" sequence: %d headerKeys: [%s]", seq, keys.c_str());
          if (b.h.is_control()) print_control(r);
        }
        if (o.print_data && !b.h.is_control()) {
          std::string prefix = o.skip_metadata ? "| " : " ";
          std::optional<std::string> key, value;
          if (o.cluster_metadata) {
            // Kafka's cluster metadata parser: no key; a value that does not decode is reported
            // in its place and the dump goes on.
            auto json = ops::metadata_record_json(r.value.value_or(std::span<const uint8_t>()));
            value = json.ok() ? *json
                              : "Error at " + std::to_string(r.offset) + ", skipping. " + json.status().message();
          } else if (o.remote_metadata) {
            // Kafka's remote log metadata parser: no key; the object the value makes, or why it
            // does not make one. An absent value fails on Kafka's first use of it (a JVM message).
            if (!r.value) {
              value = "Error at offset " + std::to_string(r.offset) +
                      ", skipping. Cannot invoke \"java.nio.ByteBuffer.remaining()\" because the return value of "
                      "\"org.apache.kafka.common.record.internal.Record.value()\" is null";
            } else {
              auto text = ops::remote_log_metadata_text(*r.value);
              value = text.ok() ? *text
                                : "Error at offset " + std::to_string(r.offset) + ", skipping. " + text.status().message();
            }
          } else if (o.share_state) {
            Parsed p;
            try {
              p = parse_share_state_record(r);
            } catch (const std::runtime_error& e) {
              uncaught(e.what());
            }
            key = p.key;
            value = p.value;
          } else if (o.offsets || o.transaction_log) {
            Parsed p;
            try {
              p = parse_coordinator_record(o.offsets ? ops::CoordinatorLog::kGroups : ops::CoordinatorLog::kTransactions, r);
            } catch (const std::runtime_error& e) {
              uncaught(e.what());
            }
            key = p.key;
            value = p.value;
          } else {
            if (r.key) key = decode(*key_decoder, *r.key);
            if (r.value) value = decode(*value_decoder, *r.value);
          }
          // Written whole: a decoded string may hold NUL characters.
          if (key) {
            std::printf("%skey: ", prefix.c_str());
            std::fwrite(key->data(), 1, key->size(), stdout);
            prefix = " ";
          }
          if (value) {
            std::printf("%spayload: ", prefix.c_str());
            std::fwrite(value->data(), 1, value->size(), stdout);
          }
        }
        std::printf("\n");
      }
    }
    valid_bytes += static_cast<int64_t>(b.size);
  }
  int64_t trailing = static_cast<int64_t>(limit) - valid_bytes;
  if (trailing > 0 && o.max_bytes == INT32_MAX)
    std::printf("Found %lld invalid bytes at the end of %s\n", static_cast<long long>(trailing), name.c_str());
}

// An offset or time index read as Kafka's AbstractIndex reads one: every whole entry of the
// file (a broker preallocates the active segment's indexes, so trailing entries may be zeros).
struct Index {
  Mapped m;
  int64_t base;
  size_t entry_size;
  explicit Index(const std::string& path, int64_t base_offset, size_t entry) : m(path), base(base_offset), entry_size(entry) {}
  size_t entries() const { return m.size / entry_size; }
  // Offset index entry: (offset, position); time index entry: (timestamp, offset).
  std::pair<int64_t, int64_t> entry(size_t i) const {
    const uint8_t* p = m.data + i * entry_size;
    if (entry_size == 8) return {base + static_cast<int32_t>(load_be32(p)), static_cast<int32_t>(load_be32(p + 4))};
    return {static_cast<int64_t>(load_be64(p)), base + static_cast<int32_t>(load_be32(p + 8))};
  }
  // OffsetIndex.lookup: the position of the largest indexed offset <= target (Kafka's search,
  // warm section first), or (base, 0).
  int64_t lookup_position(int64_t target) const {
    size_t n = entries();
    if (n == 0) return 0;
    auto search = [&](size_t lo, size_t hi) {
      while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        int64_t found = entry(mid).first;
        if (found > target)
          hi = mid - 1;
        else if (found < target)
          lo = mid;
        else
          return mid;
      }
      return lo;
    };
    size_t warm = 8192 / entry_size;
    size_t first_hot = n - 1 > warm ? n - 1 - warm : 0;
    if (entry(first_hot).first < target) return entry(search(first_hot, n - 1)).second;
    if (entry(0).first > target) return 0;
    return entry(search(0, first_hot)).second;
  }
};

std::string sibling(const std::string& path, const std::string& suffix) {
  std::string n = file_name(path);
  std::string dir = std::filesystem::path(absolute(path)).parent_path().string();
  return dir + "/" + n.substr(0, n.find('.')) + suffix;
}

void dump_index(const std::string& path, const Options& o, Errors* errors) {
  int64_t base = base_offset_of(path);
  std::string log_path = sibling(path, ".log");
  Mapped log(log_path);
  open_or_fail(log, log_path);
  Index idx(path, base, 8);
  open_or_fail(idx.m, path);
  if (idx.entries() == 0) {
    std::printf("%s is empty.\n", java_file(path).c_str());
    return;
  }
  if (o.sanity_only) {
    int64_t last = idx.entry(idx.entries() - 1).first;
    if (last < base)
      uncaught("Corrupt index found, index file (" +
               absolute(path) + ") has non-zero size but the last offset is " + std::to_string(last) +
               " which is less than the base offset " + std::to_string(base) + ".");
    if (idx.m.size % 8 != 0)
      uncaught("Index file " + absolute(path) +
               " is corrupt, found " + std::to_string(idx.m.size) +
               " bytes which is neither positive nor a multiple of 8.");
    std::printf("%s passed sanity check.\n", java_file(path).c_str());
    return;
  }
  for (size_t i = 0; i < idx.entries(); ++i) {
    auto [offset, position] = idx.entry(i);
    if (offset == base && i > 0) return;
    auto bs = batches_of(log, static_cast<size_t>(std::max<int64_t>(position, 0)),
                         static_cast<size_t>(position) + static_cast<size_t>(o.max_message_size), log_path);
    if (bs.empty()) uncaught_class("java.util.NoSuchElementException");
    int64_t first_last = bs.front().h.last_offset();
    if (first_last != offset) errors->index_mismatches[absolute(path)][offset] = first_last;
    if (!o.verify_only)
      std::printf("offset: %lld position: %lld\n", static_cast<long long>(offset), static_cast<long long>(position));
  }
}

void dump_time_index(const std::string& path, const Options& o, Errors* errors) {
  int64_t base = base_offset_of(path);
  std::string log_path = sibling(path, ".log");
  Mapped log(log_path);
  open_or_fail(log, log_path);
  Index offsets(sibling(path, ".index"), base, 8);
  Index idx(path, base, 12);
  open_or_fail(idx.m, path);
  if (o.sanity_only) {
    size_t n = idx.entries();
    if (n > 0) {
      int64_t last_ts = idx.entry(n - 1).first, first_ts = idx.entry(0).first;
      int64_t last_offset = idx.entry(n - 1).second;
      if (last_ts < first_ts)
        uncaught("Corrupt time index found, time index file (" +
                 absolute(path) + ") has non-zero size but the last timestamp is " + std::to_string(last_ts) +
                 " which is less than the first timestamp " + std::to_string(first_ts));
      if (last_offset < base)
        uncaught("Corrupt time index found, time index file (" +
                 absolute(path) + ") has non-zero size but the last offset is " + std::to_string(last_offset) +
                 " which is less than the first offset " + std::to_string(base));
    }
    if (idx.m.size % 12 != 0)
      uncaught("Time index file " + absolute(path) +
               " is corrupt, found " + std::to_string(idx.m.size) +
               " bytes which is neither positive nor a multiple of 12.");
    std::printf("%s passed sanity check.\n", java_file(path).c_str());
    return;
  }
  int64_t prev_ts = -1;
  std::vector<uint8_t> scratch;
  for (size_t i = 0; i < idx.entries(); ++i) {
    auto [ts, offset] = idx.entry(i);
    if (offset == base && i > 0) return;
    int64_t position = offsets.lookup_position(offset);
    auto bs = batches_of(log, static_cast<size_t>(std::max<int64_t>(position, 0)), INT32_MAX, log_path);
    const Batch* found = nullptr;
    for (const auto& b : bs)
      if (b.h.last_offset() >= offset) {
        found = &b;
        break;
      }
    std::string abs = absolute(path);
    if (!found) {
      errors->not_found[abs].push_back({offset, -1});
    } else if (found->h.last_offset() != offset) {
      errors->not_found[abs].push_back({offset, found->h.last_offset()});
    } else {
      int64_t max_ts = -1;
      for (const auto& r : records_of(*found, &scratch)) max_ts = std::max(max_ts, r.timestamp);
      if (max_ts != ts) errors->time_mismatches[abs].push_back({ts, max_ts});
      if (prev_ts >= ts) errors->out_of_order[abs].push_back({ts, prev_ts});
    }
    if (!o.verify_only) std::printf("timestamp: %lld offset: %lld\n", static_cast<long long>(ts), static_cast<long long>(offset));
    prev_ts = ts;
  }
}

// A producer state snapshot: version, crc32c, then per producer id its epoch, last batch and
// transaction (Kafka's ProducerStateManager.readSnapshot).
void dump_producer_snapshot(const std::string& path) {
  Mapped m(path);
  open_or_fail(m, path);
  auto corrupt = [](const std::string& why) { std::fprintf(stderr, "%s\n", why.c_str()); };
  if (m.size < 10) {
    corrupt("Snapshot is corrupt (the file is too short)");
    return;
  }
  int16_t version = static_cast<int16_t>(load_be16(m.data));
  if (version != 1) {
    corrupt("Snapshot contained an unknown file version " + std::to_string(version));
    return;
  }
  uint32_t count = load_be32(m.data + 6);
  constexpr size_t kEntry = 46;
  for (uint32_t i = 0; i < count && 10 + (i + 1) * kEntry <= m.size; i++) {
    const uint8_t* p = m.data + 10 + i * kEntry;
    int64_t pid = static_cast<int64_t>(load_be64(p));
    int16_t epoch = static_cast<int16_t>(load_be16(p + 8));
    int32_t last_seq = static_cast<int32_t>(load_be32(p + 10));
    int64_t last_offset = static_cast<int64_t>(load_be64(p + 14));
    int32_t delta = static_cast<int32_t>(load_be32(p + 22));
    int64_t ts = static_cast<int64_t>(load_be64(p + 26));
    int32_t coordinator_epoch = static_cast<int32_t>(load_be32(p + 34));
    int64_t txn_first = static_cast<int64_t>(load_be64(p + 38));
    std::string txn = txn_first >= 0 ? "OptionalLong[" + std::to_string(txn_first) + "]" : "OptionalLong.empty";
    std::printf("producerId: %lld producerEpoch: %d coordinatorEpoch: %d currentTxnFirstOffset: %s lastTimestamp: %lld",
                static_cast<long long>(pid), epoch, coordinator_epoch, txn.c_str(), static_cast<long long>(ts));
    if (last_offset >= 0) {
      int32_t first_seq = last_seq - delta < 0 ? INT32_MAX + (last_seq - delta) + 1 : last_seq - delta;
      std::printf(" firstSequence: %d lastSequence: %d lastOffset: %lld offsetDelta: %d timestamp: %lld", first_seq,
                  last_seq, static_cast<long long>(last_offset), delta, static_cast<long long>(ts));
    }
    std::printf("\n");
  }
}

void dump_txn_index(const std::string& path) {
  base_offset_of(path);
  Mapped m(path);
  open_or_fail(m, path);
  for (size_t at = 0; at + 34 <= m.size; at += 34) {
    const uint8_t* p = m.data + at;
    std::printf("version: 0 producerId: %lld firstOffset: %lld lastOffset: %lld lastStableOffset: %lld\n",
                static_cast<long long>(load_be64(p + 2)), static_cast<long long>(load_be64(p + 10)),
                static_cast<long long>(load_be64(p + 18)), static_cast<long long>(load_be64(p + 26)));
  }
}

void print_errors(const Errors& e) {
  std::fflush(stdout);
  for (const auto& file : hash_order(e.index_mismatches)) {
    std::fprintf(stderr, "Mismatches in :%s\n", file.c_str());
    for (const auto& [index_offset, log_offset] : e.index_mismatches.at(file))
      std::fprintf(stderr, "  Index offset: %lld, log offset: %lld\n", static_cast<long long>(index_offset),
                   static_cast<long long>(log_offset));
  }
  for (const auto& file : hash_order(e.time_mismatches)) {
    std::fprintf(stderr, "Found timestamp mismatch in :%s\n", file.c_str());
    for (const auto& [a, b] : e.time_mismatches.at(file))
      std::fprintf(stderr, "  Index timestamp: %lld, log timestamp: %lld\n", static_cast<long long>(a),
                   static_cast<long long>(b));
  }
  for (const auto& file : hash_order(e.out_of_order)) {
    std::fprintf(stderr, "Found out of order timestamp in :%s\n", file.c_str());
    for (const auto& [a, b] : e.out_of_order.at(file))
      std::fprintf(stderr, "  Index timestamp: %lld, Previously indexed timestamp: %lld\n", static_cast<long long>(a),
                   static_cast<long long>(b));
  }
  for (const auto& file : hash_order(e.not_found)) {
    std::fprintf(stderr, "The following indexed offsets are not found in :%s\n", file.c_str());
    for (const auto& [a, b] : e.not_found.at(file))
      std::fprintf(stderr, "Indexed offset: %lld, found log offset: %lld\n", static_cast<long long>(a),
                   static_cast<long long>(b));
  }
  for (const auto& file : hash_order(e.non_consecutive)) {
    std::fprintf(stderr, "Non-consecutive offsets in %s\n", file.c_str());
    for (const auto& [a, b] : e.non_consecutive.at(file))
      std::fprintf(stderr, "  %lld is followed by %lld\n", static_cast<long long>(a), static_cast<long long>(b));
  }
}

}  // namespace

int dump_log(const ops::ParsedArgs& a) {
  Options o;
  auto files = ops::single_value(a, "files");
  if (!files.ok()) uncaught(files.status().message());
  o.files = ops::java_split(files->value_or(""), ',');
  o.offsets = a.has("offsets-decoder");
  o.transaction_log = !o.offsets && a.has("transaction-log-decoder");
  o.cluster_metadata = !o.offsets && !o.transaction_log && a.has("cluster-metadata-decoder");
  // Kafka's order when several are given: offsets, transaction log, cluster metadata, remote log
  // metadata, share group state.
  o.remote_metadata = !o.offsets && !o.transaction_log && !o.cluster_metadata && a.has("remote-log-metadata-decoder");
  o.share_state = !o.offsets && !o.transaction_log && !o.cluster_metadata && !o.remote_metadata &&
                  a.has("share-group-state-decoder");
  for (auto [name, field] : {std::pair{"key-decoder-class", &o.key_decoder}, {"value-decoder-class", &o.value_decoder}}) {
    auto v = ops::single_value(a, name);
    if (!v.ok()) uncaught(v.status().message());
    if (*v) *field = **v;
  }
  o.print_data = a.has("print-data-log") || a.has("offsets-decoder") || a.has("transaction-log-decoder") ||
                 a.has("cluster-metadata-decoder") || a.has("remote-log-metadata-decoder") ||
                 a.has("value-decoder-class") || a.has("key-decoder-class") || a.has("share-group-state-decoder");
  o.deep = a.has("deep-iteration") || o.print_data;
  o.skip_metadata = a.has("skip-record-metadata");
  o.verify_only = a.has("verify-index-only");
  o.sanity_only = a.has("index-sanity-check");

  Errors errors;
  for (const auto& f : o.files) {
    std::printf("Dumping %s\n", java_file(f).c_str());
    std::string name = file_name(java_file(f));
    size_t dot = name.rfind('.');
    if (dot == std::string::npos) {
      std::fflush(stdout);
      std::fprintf(stderr, "Ignoring unknown file %s\n", java_file(f).c_str());
      continue;
    }
    std::string suffix = name.substr(dot);
    // Integer options are read when a file needs them, as Kafka reads them.
    auto integer = [&](const char* n, int32_t* out) {
      auto v = ops::int_value(a, n);
      if (!v.ok()) uncaught(v.status().message());
      if (*v) *out = **v;
    };
    if (suffix == ".log" || suffix == ".checkpoint") {
      integer("max-bytes", &o.max_bytes);
      dump_log(f, o, &errors);
    } else if (suffix == ".index") {
      integer("max-message-size", &o.max_message_size);
      dump_index(f, o, &errors);
    } else if (suffix == ".timeindex") {
      dump_time_index(f, o, &errors);
    } else if (suffix == ".snapshot") {
      dump_producer_snapshot(f);
    } else if (suffix == ".txnindex") {
      dump_txn_index(f);
    } else {
      std::fflush(stdout);
      std::fprintf(stderr, "Ignoring unknown file %s\n", java_file(f).c_str());
    }
  }
  print_errors(errors);
  return 0;
}

}  // namespace moldau::logtools
