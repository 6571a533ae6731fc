#pragma once
// Reader: decodes Kafka protocol fields from a byte span, bounded by the bytes left.
//
// A message describes itself once, as `template <class IO> void io(IO&, int16_t version)`,
// and both Reader and Writer drive that description (see writer.h), so encode and decode
// cannot drift apart. Every read checks the bytes left; a length or count larger than the
// bytes left fails before anything is allocated. After the first failure every further read
// is a no-op, so a description runs to its end without branching and the caller checks
// status() once. Errors name the context (e.g. "Fetch v11"), the field path and the offset:
//   "Fetch v11: topics[0].partitions: count 2147483647 exceeds 12 bytes left at offset 41"
// Not thread-safe; the span must outlive the Reader.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/common/uuid.h"
#include "moldau/protocol/records.h"

namespace moldau::protocol {

class Reader;

// Collects the handlers of the tagged fields a structure knows, for Reader::tagged_fields.
class TagReader {
 public:
  // `present` is for the Writer; a Reader calls `decode` when the tag appears on the wire.
  template <class F>
  void field(uint32_t tag, bool /*present*/, F&& decode) {
    handlers_.push_back({tag, std::function<void(Reader&)>(std::forward<F>(decode))});
  }

 private:
  friend class Reader;
  struct Handler {
    uint32_t tag;
    std::function<void(Reader&)> decode;
  };
  std::vector<Handler> handlers_;
};

class Reader {
 public:
  static constexpr bool kReading = true;

  explicit Reader(std::span<const uint8_t> data, bool flexible = false,
                  std::string_view context = {})
      : data_(data), flexible_(flexible), context_(context) {}

  // Flexible versions use compact strings, arrays and bytes and end structures with tagged
  // fields.
  bool flexible() const { return flexible_; }
  void set_flexible(bool flexible) { flexible_ = flexible; }
  void set_context(std::string_view context) { context_ = context; }

  bool ok() const { return error_.empty(); }
  Status status() const;
  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  void i8(const char* name, int8_t& v);
  void i16(const char* name, int16_t& v);
  void i32(const char* name, int32_t& v);
  void i64(const char* name, int64_t& v);
  void u16(const char* name, uint16_t& v);
  void u32(const char* name, uint32_t& v);
  void f64(const char* name, double& v);
  void boolean(const char* name, bool& v);
  void uuid(const char* name, Uuid& v);
  void varint(const char* name, int32_t& v);
  void varlong(const char* name, int64_t& v);
  void uvarint(const char* name, uint32_t& v);

  void string(const char* name, std::string& v);
  void nullable_string(const char* name, std::optional<std::string>& v);
  void bytes(const char* name, Bytes& v);
  void nullable_bytes(const char* name, std::optional<Bytes>& v);
  void records(const char* name, Records& v);
  // A field nullable only in other versions: read as non-null into the optional.
  void string(const char* name, std::optional<std::string>& v) {
    string(name, v.emplace());
  }
  void bytes(const char* name, std::optional<Bytes>& v) { bytes(name, v.emplace()); }

  // `element(Reader&, T&)` decodes one element.
  template <class T, class F>
  void array(const char* name, std::vector<T>& v, F&& element) {
    int64_t n = read_count(name, false);
    if (n < 0) {
      v.clear();
      return;
    }
    read_elements(name, v, n, element);
  }
  template <class T, class F>
  void array(const char* name, std::optional<std::vector<T>>& v, F&& element) {
    array(name, v.emplace(), element);
  }
  template <class T, class F>
  void nullable_array(const char* name, std::optional<std::vector<T>>& v, F&& element) {
    int64_t n = read_count(name, true);
    if (n < 0 || !ok()) {
      v.reset();
      return;
    }
    v.emplace();
    read_elements(name, *v, n, element);
  }

  // A nullable struct: int8 -1 for null, anything else for a struct that follows.
  template <class T, class F>
  void nullable_struct(const char* name, std::optional<T>& v, F&& element) {
    int8_t marker = 0;
    i8(name, marker);
    if (!ok() || marker < 0) {
      v.reset();
      return;
    }
    // emplace(T{}), not emplace(): clang judges a nested struct with member initializers not
    // default-constructible while its enclosing message is being defined.
    element(*this, v.emplace(T{}));
  }

  // Ends a structure in flexible versions: `declare(TagReader&)` names the known tags;
  // unknown tags are skipped. A no-op in non-flexible versions.
  void tagged_fields() {
    TagReader none;
    read_tags(none);
  }
  template <class F>
  void tagged_fields(F&& declare) {
    if (!flexible_ || !ok()) return;
    TagReader tags;
    declare(tags);
    read_tags(tags);
  }

  // Marks the reader failed at the current offset (first failure wins).
  void fail(const char* name, std::string_view what);

 private:
  bool need(const char* name, size_t n);
  // The element count of an array: -1 for null (an error unless nullable).
  int64_t read_count(const char* name, bool nullable);
  // The length of a string or bytes field: -1 for null.
  int64_t read_length(const char* name, bool is_string, bool nullable);
  void read_tags(TagReader& tags);

  template <class T, class F>
  void read_elements(const char* name, std::vector<T>& v, int64_t n, F& element) {
    v.clear();
    v.reserve(static_cast<size_t>(n));  // n <= remaining(): bounded by the input
    path_.push_back({name, 0});
    for (int64_t i = 0; i < n && ok(); ++i) {
      path_.back().index = static_cast<int32_t>(i);
      element(*this, v.emplace_back());
    }
    if (ok()) path_.pop_back();
    if (ok()) last_field_ = name;
  }

  struct PathEntry {
    const char* name;
    int32_t index;
  };

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool flexible_;
  std::string_view context_;
  std::vector<PathEntry> path_;
  const char* last_field_ = "";
  std::string error_;
};

}  // namespace moldau::protocol
