#pragma once
// The `records` field of Produce and Fetch: a run of record batches. Decoded, it holds the
// bytes; on the broker's fetch path it holds file ranges that go out with sendfile(2).

#include <cstdint>
#include <optional>
#include <vector>

#include "moldau/common/file_slice.h"

namespace moldau::protocol {

using Bytes = std::vector<uint8_t>;

struct Records {
  std::optional<Bytes> data;      // null when the field is null or held as file slices
  std::vector<FileSlice> slices;  // written by reference; never filled by a Reader

  bool is_null() const { return !data && slices.empty(); }
  size_t size() const {
    size_t n = data ? data->size() : 0;
    for (const auto& s : slices) n += static_cast<size_t>(s.size);
    return n;
  }
  friend bool operator==(const Records& a, const Records& b) { return a.data == b.data; }
};

}  // namespace moldau::protocol
