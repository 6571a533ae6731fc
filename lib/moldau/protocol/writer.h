#pragma once
// Writer: encodes Kafka protocol fields, driven by the same `io(IO&, int16_t version)`
// description as Reader (see reader.h). Methods take the same arguments as Reader's so that
// one description serves both; a Writer only reads them.
//
// Records held as file slices are not copied: the Writer leaves a splice at that point of the
// buffer, and whoever sends the frame interleaves buffer bytes with sendfile(2) of the slices.
// Not thread-safe.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/endian.h"
#include "moldau/common/uuid.h"
#include "moldau/common/varint.h"
#include "moldau/protocol/records.h"

namespace moldau::protocol {

class Writer;

// Collects the tagged fields a structure has to write, for Writer::tagged_fields.
class TagWriter {
 public:
  template <class F>
  void field(uint32_t tag, bool present, F&& encode) {
    if (present) fields_.push_back({tag, std::function<void(Writer&)>(std::forward<F>(encode))});
  }

 private:
  friend class Writer;
  struct Field {
    uint32_t tag;
    std::function<void(Writer&)> encode;
  };
  std::vector<Field> fields_;
};

class Writer {
 public:
  static constexpr bool kReading = false;

  // A point in the buffer where a file slice's bytes go.
  struct Splice {
    size_t buffer_offset;
    FileSlice slice;
  };

  explicit Writer(bool flexible = false) : flexible_(flexible) {}

  bool flexible() const { return flexible_; }
  void set_flexible(bool flexible) { flexible_ = flexible; }
  bool ok() const { return true; }

  void i8(const char*, const int8_t& v) { buf_.push_back(static_cast<uint8_t>(v)); }
  void i16(const char*, const int16_t& v) { put_be16(static_cast<uint16_t>(v)); }
  void u16(const char*, const uint16_t& v) { put_be16(v); }
  void i32(const char*, const int32_t& v) { put_be32(static_cast<uint32_t>(v)); }
  void u32(const char*, const uint32_t& v) { put_be32(v); }
  void i64(const char*, const int64_t& v) { put_be64(static_cast<uint64_t>(v)); }
  void f64(const char*, const double& v);
  void boolean(const char*, const bool& v) { buf_.push_back(v ? 1 : 0); }
  void uuid(const char*, const Uuid& v) {
    put_be64(v.hi);
    put_be64(v.lo);
  }
  void varint(const char*, const int32_t& v) { put_uvarint(zigzag_encode32(v)); }
  void varlong(const char*, const int64_t& v) { put_uvarint(zigzag_encode64(v)); }
  void uvarint(const char*, const uint32_t& v) { put_uvarint(v); }

  void string(const char*, const std::string& v) {
    put_length(static_cast<int64_t>(v.size()), true);
    append(v.data(), v.size());
  }
  void nullable_string(const char* name, const std::optional<std::string>& v) {
    if (!v) return put_length(-1, true);
    string(name, *v);
  }
  void bytes(const char*, const Bytes& v) {
    put_length(static_cast<int64_t>(v.size()), false);
    append(v.data(), v.size());
  }
  void nullable_bytes(const char* name, const std::optional<Bytes>& v) {
    if (!v) return put_length(-1, false);
    bytes(name, *v);
  }
  void records(const char* name, const Records& v);
  // A field nullable only in other versions: null goes out as empty.
  void string(const char* name, const std::optional<std::string>& v) {
    string(name, v ? *v : std::string());
  }
  void bytes(const char* name, const std::optional<Bytes>& v) { bytes(name, v ? *v : Bytes()); }

  template <class T, class F>
  void array(const char*, std::vector<T>& v, F&& element) {
    put_count(static_cast<int64_t>(v.size()));
    for (auto& e : v) element(*this, e);
  }
  template <class T, class F>
  void array(const char* name, std::optional<std::vector<T>>& v, F&& element) {
    if (!v) return put_count(0);
    array(name, *v, element);
  }
  template <class T, class F>
  void nullable_array(const char* name, std::optional<std::vector<T>>& v, F&& element) {
    if (!v) return put_count(-1);
    array(name, *v, element);
  }

  // A nullable struct: int8 -1 for null, 1 and the struct otherwise.
  template <class T, class F>
  void nullable_struct(const char*, std::optional<T>& v, F&& element) {
    buf_.push_back(v ? 1 : 0xFF);
    if (v) element(*this, *v);
  }

  void tagged_fields() {
    if (flexible_) buf_.push_back(0);
  }
  template <class F>
  void tagged_fields(F&& declare) {
    if (!flexible_) return;
    TagWriter tags;
    declare(tags);
    std::sort(tags.fields_.begin(), tags.fields_.end(),
              [](const auto& a, const auto& b) { return a.tag < b.tag; });
    put_uvarint(static_cast<uint32_t>(tags.fields_.size()));
    for (auto& f : tags.fields_) {
      Writer field(true);
      f.encode(field);
      put_uvarint(f.tag);
      put_uvarint(static_cast<uint32_t>(field.buf_.size()));
      append(field.buf_.data(), field.buf_.size());
    }
  }

  // The encoded bytes, without the spliced slices.
  const Bytes& buffer() const { return buf_; }
  Bytes& buffer() { return buf_; }
  Bytes take() { return std::move(buf_); }
  const std::vector<Splice>& splices() const { return splices_; }
  // Total encoded size, spliced slices included.
  size_t size() const { return buf_.size() + spliced_bytes_; }

  void append(const void* data, size_t n) {
    auto p = static_cast<const uint8_t*>(data);
    buf_.insert(buf_.end(), p, p + n);
  }
  // Overwrites 4 bytes at `pos` of the buffer (frame sizes written after the body).
  void patch_i32(size_t pos, int32_t v) { store_be32(buf_.data() + pos, static_cast<uint32_t>(v)); }

 private:
  void put_be16(uint16_t v) {
    uint8_t b[2];
    store_be16(b, v);
    append(b, 2);
  }
  void put_be32(uint32_t v) {
    uint8_t b[4];
    store_be32(b, v);
    append(b, 4);
  }
  void put_be64(uint64_t v) {
    uint8_t b[8];
    store_be64(b, v);
    append(b, 8);
  }
  void put_uvarint(uint64_t v) {
    uint8_t b[kMaxVarint64Bytes];
    append(b, put_uvarint64(b, v));
  }
  // Length of a string (int16) or bytes (int32); compact uvarint length+1 when flexible.
  void put_length(int64_t n, bool is_string) {
    if (flexible_) return put_uvarint(static_cast<uint64_t>(n + 1));
    if (is_string) return put_be16(static_cast<uint16_t>(n));
    put_be32(static_cast<uint32_t>(n));
  }
  void put_count(int64_t n) {
    if (flexible_) return put_uvarint(static_cast<uint64_t>(n + 1));
    put_be32(static_cast<uint32_t>(n));
  }

  Bytes buf_;
  std::vector<Splice> splices_;
  size_t spliced_bytes_ = 0;
  bool flexible_;
};

}  // namespace moldau::protocol
