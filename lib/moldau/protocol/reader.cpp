#include "moldau/protocol/reader.h"

#include <cstring>

#include "moldau/common/endian.h"
#include "moldau/common/varint.h"

namespace moldau::protocol {

Status Reader::status() const {
  if (ok()) return Status();
  return Status(ErrorCode::kInvalidRequest, error_);
}

void Reader::fail(const char* name, std::string_view what) {
  if (!ok()) return;
  std::string path;
  for (const auto& e : path_) {
    if (!path.empty()) path += '.';
    path += e.name;
    path += '[';
    path += std::to_string(e.index);
    path += ']';
  }
  if (name && *name) {
    if (!path.empty()) path += '.';
    path += name;
  }
  if (!context_.empty()) {
    error_.append(context_);
    error_ += ": ";
  }
  if (!path.empty()) {
    error_ += path;
    error_ += ": ";
  }
  error_.append(what);
  error_ += " at offset ";
  error_ += std::to_string(pos_);
}

bool Reader::need(const char* name, size_t n) {
  if (!ok()) return false;
  if (remaining() < n) {
    fail(name, "needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
    return false;
  }
  return true;
}

void Reader::i8(const char* name, int8_t& v) {
  v = 0;
  if (!need(name, 1)) return;
  v = static_cast<int8_t>(data_[pos_]);
  pos_ += 1;
}

void Reader::i16(const char* name, int16_t& v) {
  v = 0;
  if (!need(name, 2)) return;
  v = static_cast<int16_t>(load_be16(data_.data() + pos_));
  pos_ += 2;
}

void Reader::u16(const char* name, uint16_t& v) {
  v = 0;
  if (!need(name, 2)) return;
  v = load_be16(data_.data() + pos_);
  pos_ += 2;
}

void Reader::i32(const char* name, int32_t& v) {
  v = 0;
  if (!need(name, 4)) return;
  v = static_cast<int32_t>(load_be32(data_.data() + pos_));
  pos_ += 4;
}

void Reader::u32(const char* name, uint32_t& v) {
  v = 0;
  if (!need(name, 4)) return;
  v = load_be32(data_.data() + pos_);
  pos_ += 4;
}

void Reader::i64(const char* name, int64_t& v) {
  v = 0;
  if (!need(name, 8)) return;
  v = static_cast<int64_t>(load_be64(data_.data() + pos_));
  pos_ += 8;
}

void Reader::f64(const char* name, double& v) {
  v = 0;
  if (!need(name, 8)) return;
  uint64_t bits = load_be64(data_.data() + pos_);
  std::memcpy(&v, &bits, 8);
  pos_ += 8;
}

void Reader::boolean(const char* name, bool& v) {
  int8_t b = 0;
  i8(name, b);
  v = b != 0;
}

void Reader::uuid(const char* name, Uuid& v) {
  v = Uuid{};
  if (!need(name, 16)) return;
  v.hi = load_be64(data_.data() + pos_);
  v.lo = load_be64(data_.data() + pos_ + 8);
  pos_ += 16;
}

void Reader::uvarint(const char* name, uint32_t& v) {
  v = 0;
  if (!ok()) return;
  const uint8_t* p = data_.data() + pos_;
  size_t n = get_uvarint32(p, data_.data() + data_.size(), &v);
  if (n == 0) {
    fail(name, remaining() < kMaxVarint32Bytes ? "truncated or malformed unsigned varint"
                                               : "unsigned varint longer than 32 bits");
    return;
  }
  pos_ += n;
}

void Reader::varint(const char* name, int32_t& v) {
  v = 0;
  if (!ok()) return;
  size_t n = get_varint32(data_.data() + pos_, data_.data() + data_.size(), &v);
  if (n == 0) {
    fail(name, "truncated or malformed varint");
    return;
  }
  pos_ += n;
}

void Reader::varlong(const char* name, int64_t& v) {
  v = 0;
  if (!ok()) return;
  size_t n = get_varint64(data_.data() + pos_, data_.data() + data_.size(), &v);
  if (n == 0) {
    fail(name, "truncated or malformed varlong");
    return;
  }
  pos_ += n;
}

int64_t Reader::read_length(const char* name, bool is_string, bool nullable) {
  if (!ok()) return -1;
  int64_t len;
  if (flexible_) {
    uint32_t n = 0;
    uvarint(name, n);
    if (!ok()) return -1;
    len = static_cast<int64_t>(n) - 1;
  } else if (is_string) {
    int16_t n = 0;
    i16(name, n);
    if (!ok()) return -1;
    len = n;
  } else {
    int32_t n = 0;
    i32(name, n);
    if (!ok()) return -1;
    len = n;
  }
  if (len < 0) {
    if (len != -1) {
      fail(name, "negative length " + std::to_string(len));
    } else if (!nullable) {
      fail(name, "null where the field is not nullable");
    }
    return -1;
  }
  if (static_cast<uint64_t>(len) > remaining()) {
    fail(name, "length " + std::to_string(len) + " exceeds " + std::to_string(remaining()) +
                   " bytes left");
    return -1;
  }
  return len;
}

void Reader::string(const char* name, std::string& v) {
  v.clear();
  int64_t len = read_length(name, true, false);
  if (len < 0) return;
  v.assign(reinterpret_cast<const char*>(data_.data() + pos_), static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
}

void Reader::nullable_string(const char* name, std::optional<std::string>& v) {
  v.reset();
  int64_t len = read_length(name, true, true);
  if (len < 0) return;
  v.emplace(reinterpret_cast<const char*>(data_.data() + pos_), static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
}

void Reader::bytes(const char* name, Bytes& v) {
  v.clear();
  int64_t len = read_length(name, false, false);
  if (len < 0) return;
  v.assign(data_.data() + pos_, data_.data() + pos_ + len);
  pos_ += static_cast<size_t>(len);
}

void Reader::nullable_bytes(const char* name, std::optional<Bytes>& v) {
  v.reset();
  int64_t len = read_length(name, false, true);
  if (len < 0) return;
  v.emplace(data_.data() + pos_, data_.data() + pos_ + len);
  pos_ += static_cast<size_t>(len);
}

void Reader::records(const char* name, Records& v) {
  v.slices.clear();
  nullable_bytes(name, v.data);
}

int64_t Reader::read_count(const char* name, bool nullable) {
  if (!ok()) return -1;
  int64_t n;
  if (flexible_) {
    uint32_t c = 0;
    uvarint(name, c);
    if (!ok()) return -1;
    n = static_cast<int64_t>(c) - 1;
  } else {
    int32_t c = 0;
    i32(name, c);
    if (!ok()) return -1;
    n = c;
  }
  if (n < 0) {
    if (n != -1) {
      fail(name, "negative count " + std::to_string(n));
    } else if (!nullable) {
      // Kafka's generated readers accept a null non-nullable array only as an error too.
      fail(name, "null where the array is not nullable");
    }
    return -1;
  }
  // Every element takes at least one byte, so a count beyond the bytes left is malformed.
  if (static_cast<uint64_t>(n) > remaining()) {
    fail(name, "count " + std::to_string(n) + " exceeds " + std::to_string(remaining()) +
                   " bytes left");
    return -1;
  }
  return n;
}

void Reader::read_tags(TagReader& tags) {
  if (!flexible_ || !ok()) return;
  uint32_t count = 0;
  uvarint("tagged_fields", count);
  if (!ok()) return;
  if (count > remaining()) {
    fail("tagged_fields", "count " + std::to_string(count) + " exceeds " +
                              std::to_string(remaining()) + " bytes left");
    return;
  }
  int64_t previous = -1;
  for (uint32_t i = 0; i < count && ok(); ++i) {
    uint32_t tag = 0, size = 0;
    uvarint("tag", tag);
    uvarint("tag_size", size);
    if (!ok()) return;
    if (static_cast<int64_t>(tag) <= previous) {
      fail("tagged_fields", "tag " + std::to_string(tag) + " out of order");
      return;
    }
    previous = tag;
    if (size > remaining()) {
      fail("tagged_fields", "tag " + std::to_string(tag) + " size " + std::to_string(size) +
                                " exceeds " + std::to_string(remaining()) + " bytes left");
      return;
    }
    size_t end = pos_ + size;
    for (auto& h : tags.handlers_) {
      if (h.tag != tag) continue;
      // Bound the handler to the field's bytes, then continue after them.
      auto whole = data_;
      data_ = data_.first(end);
      h.decode(*this);
      data_ = whole;
      break;
    }
    if (ok()) pos_ = end;
  }
}

}  // namespace moldau::protocol
