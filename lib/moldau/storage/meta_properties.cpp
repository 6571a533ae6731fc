#include "moldau/storage/meta_properties.h"

#include <ctime>
#include <sstream>

#include "moldau/common/properties.h"
#include "moldau/storage/file_util.h"

namespace moldau::storage {

namespace {
std::string path_of(const std::string& dir) { return dir + "/" + kMetaPropertiesFile; }

// java.util.Date.toString(), the comment Properties.store writes: "Mon Nov 30 19:50:49 UTC 2026".
std::string java_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tm);
  return buf;
}
}  // namespace

Result<std::optional<MetaProperties>> read_meta_properties(const std::string& dir) {
  const std::string path = path_of(dir);
  if (!file_exists(path)) return std::optional<MetaProperties>{};
  auto props = Properties::load_file(path);
  if (!props.ok()) return props.status();
  MetaProperties m;
  m.cluster_id = props->get("cluster.id").value_or("");
  m.directory_id = props->get("directory.id").value_or("");
  try {
    m.version = std::stoi(props->get("version").value_or("1"));
    if (auto n = props->get("node.id")) m.node_id = std::stoi(*n);
  } catch (const std::exception&) {
    return Status(ErrorCode::kKafkaStorageError, "malformed " + path);
  }
  if (m.cluster_id.empty()) return Status(ErrorCode::kKafkaStorageError, "no cluster.id in " + path);
  return std::optional<MetaProperties>{m};
}

Status write_meta_properties(const std::string& dir, const MetaProperties& m) {
  std::ostringstream out;
  out << "#\n#" << java_date_now() << "\n";
  if (m.node_id) out << "node.id=" << *m.node_id << "\n";
  if (!m.directory_id.empty()) out << "directory.id=" << m.directory_id << "\n";
  out << "version=" << m.version << "\n";
  out << "cluster.id=" << m.cluster_id << "\n";
  return write_file_atomically(path_of(dir), out.str());
}

Result<std::optional<std::string>> check_meta_properties(const std::vector<std::string>& dirs, int32_t node_id) {
  std::optional<std::string> cluster;
  for (const auto& dir : dirs) {
    MOLDAU_ASSIGN_OR_RETURN(auto meta, read_meta_properties(dir));
    if (!meta) continue;
    if (cluster && *cluster != meta->cluster_id)
      return Status(ErrorCode::kInconsistentClusterId, "Invalid cluster.id in: " + path_of(dir) + ". Expected " +
                                                           *cluster + ", but read " + meta->cluster_id);
    cluster = meta->cluster_id;
    if (meta->node_id && *meta->node_id != node_id)
      return Status(ErrorCode::kKafkaStorageError,
                    "Stored node id " + std::to_string(*meta->node_id) + " doesn't match previous node id " +
                        std::to_string(node_id) +
                        ". If you moved your data, make sure your configured node id matches. If you intend to "
                        "create a new node, you should remove all data in your data directories.");
  }
  return cluster;
}

}  // namespace moldau::storage
