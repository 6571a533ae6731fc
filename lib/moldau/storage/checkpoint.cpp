#include "moldau/storage/checkpoint.h"

#include <sstream>

#include "moldau/storage/file_util.h"

namespace moldau::storage {

namespace {

Status malformed(const std::string& path, const std::string& why) {
  return Status(ErrorCode::kKafkaStorageError, "malformed checkpoint " + path + ": " + why);
}

// Splits into lines; tolerates a missing final newline.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

// Reads "0\n<count>\n" then `count` lines, each handed to `parse`.
template <class F>
Status read_versioned_lines(const std::string& path, F parse) {
  if (!file_exists(path)) return Status();
  MOLDAU_ASSIGN_OR_RETURN(std::string text, read_whole_file(path));
  auto lines = split_lines(text);
  if (lines.size() < 2) return malformed(path, "missing version or count line");
  if (lines[0] != "0") return malformed(path, "unsupported version '" + lines[0] + "'");
  size_t count = 0;
  try {
    count = std::stoul(lines[1]);
  } catch (...) {
    return malformed(path, "bad count line '" + lines[1] + "'");
  }
  if (lines.size() - 2 != count)
    return malformed(path, "expected " + std::to_string(count) + " entries, found " +
                               std::to_string(lines.size() - 2));
  for (size_t i = 2; i < lines.size(); ++i) {
    if (!parse(lines[i])) return malformed(path, "bad line " + std::to_string(i + 1) + " '" + lines[i] + "'");
  }
  return Status();
}

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

Status write_offset_checkpoint(const std::string& path, const std::map<TopicPartition, int64_t>& offsets) {
  std::string out = "0\n" + std::to_string(offsets.size()) + "\n";
  for (const auto& [tp, off] : offsets)
    out += tp.first + " " + std::to_string(tp.second) + " " + std::to_string(off) + "\n";
  return write_file_atomically(path, out);
}

Result<std::map<TopicPartition, int64_t>> read_offset_checkpoint(const std::string& path) {
  std::map<TopicPartition, int64_t> out;
  Status s = read_versioned_lines(path, [&](const std::string& line) {
    std::istringstream in(line);
    std::string topic;
    int32_t partition;
    int64_t offset;
    if (!(in >> topic >> partition >> offset)) return false;
    std::string rest;
    if (in >> rest) return false;
    out[{topic, partition}] = offset;
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

Status write_leader_epoch_checkpoint(const std::string& path, const std::vector<EpochEntry>& entries) {
  std::string out = "0\n" + std::to_string(entries.size()) + "\n";
  for (const auto& e : entries) out += std::to_string(e.epoch) + " " + std::to_string(e.start_offset) + "\n";
  return write_file_atomically(path, out);
}

Result<std::vector<EpochEntry>> read_leader_epoch_checkpoint(const std::string& path) {
  std::vector<EpochEntry> out;
  Status s = read_versioned_lines(path, [&](const std::string& line) {
    std::istringstream in(line);
    EpochEntry e;
    if (!(in >> e.epoch >> e.start_offset)) return false;
    out.push_back(e);
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

std::string topic_id_to_string(const Uuid& id) {
  uint8_t b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(id.hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(id.lo >> (56 - 8 * i));
  }
  std::string out;
  int i = 0;
  for (; i + 3 <= 16; i += 3) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  uint32_t v = b[15] << 16;  // one byte left: two characters, no padding
  out += kB64[(v >> 18) & 63];
  out += kB64[(v >> 12) & 63];
  return out;
}

bool topic_id_from_string(const std::string& text, Uuid* out) {
  if (text.size() != 22) return false;
  uint8_t b[18] = {};
  uint32_t acc = 0;
  int bits = 0, n = 0;
  for (char c : text) {
    const char* p = std::char_traits<char>::find(kB64, 64, c);
    if (!p) return false;
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      b[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (n != 16) return false;
  Uuid id;
  for (int i = 0; i < 8; ++i) {
    id.hi = (id.hi << 8) | b[i];
    id.lo = (id.lo << 8) | b[8 + i];
  }
  *out = id;
  return true;
}

Status write_partition_metadata(const std::string& path, const Uuid& topic_id) {
  return write_file_atomically(path, "version: 0\ntopic_id: " + topic_id_to_string(topic_id) + "\n");
}

Result<Uuid> read_partition_metadata(const std::string& path) {
  MOLDAU_ASSIGN_OR_RETURN(std::string text, read_whole_file(path));
  auto lines = split_lines(text);
  if (lines.size() < 2 || lines[0] != "version: 0" || lines[1].rfind("topic_id: ", 0) != 0)
    return malformed(path, "expected 'version: 0' and 'topic_id: <id>'");
  Uuid id;
  if (!topic_id_from_string(lines[1].substr(10), &id)) return malformed(path, "bad topic id '" + lines[1] + "'");
  return id;
}

}  // namespace moldau::storage
