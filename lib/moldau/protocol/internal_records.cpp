#include "moldau/protocol/internal_records.h"

namespace moldau::protocol {
namespace {

template <class T>
Result<T> decode_value(std::span<const uint8_t> bytes, const char* context, int16_t max_version,
                       int16_t first_flexible) {
  Reader r(bytes, false, context);
  int16_t version = 0;
  r.i16("version", version);
  if (!r.ok()) return r.status();
  if (version < 0 || version > max_version)
    return Status(ErrorCode::kUnsupportedVersion,
                  std::string(context) + ": unknown version " + std::to_string(version));
  r.set_flexible(version >= first_flexible);
  T t;
  t.io(r, version);
  if (!r.ok()) return r.status();
  return t;
}

}  // namespace

Result<CoordinatorKey> decode_coordinator_key(std::span<const uint8_t> bytes) {
  Reader r(bytes, false, "__consumer_offsets key");
  int16_t version = 0;
  r.i16("version", version);
  if (!r.ok()) return r.status();
  if (version == 0 || version == 1) {
    OffsetCommitKey k;
    k.io(r, version);
    if (!r.ok()) return r.status();
    return CoordinatorKey(std::move(k));
  }
  if (version == 2) {
    GroupMetadataKey k;
    k.io(r, version);
    if (!r.ok()) return r.status();
    return CoordinatorKey(std::move(k));
  }
  return Status(ErrorCode::kUnsupportedVersion,
                "__consumer_offsets key: unknown version " + std::to_string(version));
}

Result<OffsetCommitValue> decode_offset_commit_value(std::span<const uint8_t> bytes) {
  return decode_value<OffsetCommitValue>(bytes, "OffsetCommitValue", 4, 4);
}

Result<GroupMetadataValue> decode_group_metadata_value(std::span<const uint8_t> bytes) {
  return decode_value<GroupMetadataValue>(bytes, "GroupMetadataValue", 4, 4);
}

}  // namespace moldau::protocol
