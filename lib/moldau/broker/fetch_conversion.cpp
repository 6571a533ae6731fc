#include "moldau/broker/fetch_conversion.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "moldau/protocol/legacy_records.h"

namespace moldau::broker {

int8_t fetch_message_format(int16_t fetch_version) {
  if (fetch_version <= 1) return protocol::kMagicV0;
  if (fetch_version <= 3) return protocol::kMagicV1;
  return -1;
}

Result<std::vector<uint8_t>> down_convert_slices(const std::vector<FileSlice>& slices, int8_t magic,
                                                 int64_t fetch_offset, size_t max_bytes) {
  size_t total = 0;
  for (const auto& s : slices) total += static_cast<size_t>(s.size);
  std::vector<uint8_t> raw(total);
  size_t at = 0;
  for (const auto& s : slices) {
    size_t done = 0;
    while (done < static_cast<size_t>(s.size)) {
      ssize_t n = ::pread(s.file->fd(), raw.data() + at + done, static_cast<size_t>(s.size) - done,
                          static_cast<off_t>(s.position + static_cast<int64_t>(done)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status(ErrorCode::kKafkaStorageError,
                      std::string("reading for down-conversion: ") + (n < 0 ? std::strerror(errno) : "file shorter than expected"));
      }
      done += static_cast<size_t>(n);
    }
    at += done;
  }
  protocol::DownConvertOptions o;
  o.magic = magic;
  o.first_offset = fetch_offset;
  o.max_bytes = max_bytes;
  MOLDAU_ASSIGN_OR_RETURN(protocol::DownConverted converted, protocol::down_convert(raw, o));
  return std::move(converted.bytes);
}

}  // namespace moldau::broker
