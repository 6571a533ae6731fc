#pragma once
// meta.properties, the file Kafka's `kafka-storage format` writes into every log directory:
// which cluster (cluster.id) and node (node.id) the directory belongs to, and the directory's
// own id. A broker refuses log directories of another cluster or node, as Kafka does.
// Layout (Java properties, Kafka's key order):
//   #
//   #<date>
//   node.id=1
//   directory.id=<base64 uuid>
//   version=1
//   cluster.id=<base64 uuid>

#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"

namespace moldau::storage {

inline constexpr const char* kMetaPropertiesFile = "meta.properties";

struct MetaProperties {
  int version = 1;
  std::string cluster_id;
  std::optional<int32_t> node_id;
  std::string directory_id;
};

// The directory's meta.properties; nullopt when the directory has none (not formatted).
Result<std::optional<MetaProperties>> read_meta_properties(const std::string& dir);
// Writes meta.properties atomically (temp file, fsync, rename, fsync of the directory).
Status write_meta_properties(const std::string& dir, const MetaProperties& meta);

// The cluster id all `dirs` agree on (nullopt when none is formatted), or Kafka's error for a
// directory of another cluster or node: "Invalid cluster.id in: <dir>/meta.properties.
// Expected X, but read Y" / "Stored node id N doesn't match previous node id M...".
Result<std::optional<std::string>> check_meta_properties(const std::vector<std::string>& dirs, int32_t node_id);

}  // namespace moldau::storage
