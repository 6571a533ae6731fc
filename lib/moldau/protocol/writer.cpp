#include "moldau/protocol/writer.h"

#include <cstring>

namespace moldau::protocol {

void Writer::f64(const char*, const double& v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  put_be64(bits);
}

void Writer::records(const char* name, const Records& v) {
  if (v.slices.empty()) return nullable_bytes(name, v.data);
  put_length(static_cast<int64_t>(v.size()), false);
  if (v.data) append(v.data->data(), v.data->size());
  for (const auto& s : v.slices) {
    splices_.push_back({buf_.size(), s});
    spliced_bytes_ += static_cast<size_t>(s.size);
  }
}

}  // namespace moldau::protocol
