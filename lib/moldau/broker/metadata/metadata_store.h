#pragma once
// Cluster metadata: topics (ids, partition counts, replica assignments, config overrides), the
// cluster id and producer id blocks. An interface so that the single-node local file store can
// be replaced by a distributed one (etcd) for clusters. Called on the broker's event loop only.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/common/uuid.h"

namespace moldau::broker {

struct TopicMetadata {
  std::string name;
  Uuid id;
  // replicas[p] lists the broker ids holding partition p; the first is the preferred leader.
  std::vector<std::vector<int32_t>> replicas;
  std::map<std::string, std::string> configs;  // topic-level overrides
  bool internal = false;

  int32_t partition_count() const { return static_cast<int32_t>(replicas.size()); }
  int16_t replication_factor() const {
    return replicas.empty() ? 0 : static_cast<int16_t>(replicas[0].size());
  }
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual const std::string& cluster_id() const = 0;
  virtual std::vector<const TopicMetadata*> topics() const = 0;
  virtual const TopicMetadata* find_topic(std::string_view name) const = 0;
  virtual const TopicMetadata* find_topic(const Uuid& id) const = 0;

  // TOPIC_ALREADY_EXISTS when the name is taken.
  virtual Status create_topic(TopicMetadata topic) = 0;
  virtual Status delete_topic(std::string_view name) = 0;
  // Appends partitions with the given replica lists.
  virtual Status add_partitions(std::string_view name,
                                std::vector<std::vector<int32_t>> new_replicas) = 0;
  virtual Status set_topic_configs(std::string_view name,
                                   std::map<std::string, std::string> configs) = 0;
  // Reserves `count` producer ids that no earlier call returned, even across restarts;
  // returns the first.
  virtual Result<int64_t> allocate_producer_ids(int32_t count) = 0;
};

// Single node: everything in one JSON file (`<first log dir>/__cluster_metadata.json`),
// replaced atomically on every change.
Result<std::unique_ptr<MetadataStore>> open_local_metadata_store(const std::string& path);

}  // namespace moldau::broker
