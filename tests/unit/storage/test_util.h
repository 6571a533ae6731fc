#pragma once
// Helpers for storage tests: temp dirs and batches built with protocol::BatchBuilder.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "moldau/protocol/batch_builder.h"

namespace moldau::storage::test {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/moldau-storage-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

struct Rec {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 1700000000000;
};

inline std::vector<uint8_t> make_batch(const std::vector<Rec>& recs,
                                       protocol::Compression c = protocol::Compression::kNone,
                                       int64_t producer_id = -1) {
  protocol::BatchBuilder::Options o;
  o.compression = c;
  o.producer_id = producer_id;
  if (producer_id >= 0) {
    o.producer_epoch = 0;
    o.base_sequence = 0;
  }
  protocol::BatchBuilder b(o);
  for (const auto& r : recs) {
    protocol::Record rec;
    rec.timestamp = r.timestamp;
    if (r.key) rec.key = std::string_view(*r.key);
    if (r.value) rec.value = std::string_view(*r.value);
    b.add(rec);
  }
  auto built = b.build();
  if (!built.ok()) std::abort();
  return std::move(built).value();
}

// One record "k<i>" -> "v<i>" of about `value_size` bytes.
inline std::vector<uint8_t> simple_batch(int i, int64_t ts = 1700000000000, size_t value_size = 10) {
  std::string v = "v" + std::to_string(i);
  v.resize(std::max(v.size(), value_size), 'x');
  return make_batch({{"k" + std::to_string(i), v, ts}});
}

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace moldau::storage::test
