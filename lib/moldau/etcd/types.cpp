#include "moldau/etcd/types.h"

namespace moldau::etcd {

std::string prefix_range_end(const std::string& prefix) {
  // Increment the last byte that is not 0xff and cut after it; a prefix of only 0xff bytes
  // (or none) has no upper bound: "\0" means "to the end of the keyspace".
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

RangeRequest RangeRequest::with_prefix(std::string prefix) {
  RangeRequest r;
  r.range_end = prefix_range_end(prefix);
  // etcd rejects an empty key; "\0" up to "\0" is the whole keyspace.
  r.key = prefix.empty() ? std::string(1, '\0') : std::move(prefix);
  return r;
}

DeleteRangeRequest DeleteRangeRequest::with_prefix(std::string prefix) {
  DeleteRangeRequest r;
  r.range_end = prefix_range_end(prefix);
  // etcd rejects an empty key; "\0" up to "\0" is the whole keyspace.
  r.key = prefix.empty() ? std::string(1, '\0') : std::move(prefix);
  return r;
}

Compare Compare::version(std::string key, CompareResult r, int64_t v) {
  return Compare{std::move(key), CompareTarget::kVersion, r, v, {}};
}

Compare Compare::create(std::string key, CompareResult r, int64_t revision) {
  return Compare{std::move(key), CompareTarget::kCreate, r, revision, {}};
}

Compare Compare::mod(std::string key, CompareResult r, int64_t revision) {
  return Compare{std::move(key), CompareTarget::kMod, r, revision, {}};
}

Compare Compare::lease(std::string key, CompareResult r, int64_t lease) {
  return Compare{std::move(key), CompareTarget::kLease, r, lease, {}};
}

Compare Compare::value_of(std::string key, CompareResult r, std::string value) {
  return Compare{std::move(key), CompareTarget::kValue, r, 0, std::move(value)};
}

}  // namespace moldau::etcd
