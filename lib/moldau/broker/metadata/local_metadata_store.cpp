#include <nlohmann/json.hpp>

#include "moldau/broker/metadata/local_metadata_store.h"
#include "moldau/storage/file_util.h"

namespace moldau::broker {
namespace {

using json = nlohmann::json;

class LocalMetadataStore final : public MetadataStore {
 public:
  explicit LocalMetadataStore(std::string path) : path_(std::move(path)) {}

  Status load(const std::optional<std::string>& formatted_cluster_id) {
    if (!storage::file_exists(path_)) {
      cluster_id_ = formatted_cluster_id ? *formatted_cluster_id : Uuid::random().to_string();
      return save();
    }
    MOLDAU_ASSIGN_OR_RETURN(std::string text, storage::read_whole_file(path_));
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return Status(ErrorCode::kKafkaStorageError, "metadata file " + path_ + " is not valid JSON");
    try {
      cluster_id_ = doc.at("cluster_id").get<std::string>();
      next_producer_id_ = doc.value("next_producer_id", int64_t{0});
      for (const auto& t : doc.at("topics")) {
        TopicMetadata topic;
        topic.name = t.at("name").get<std::string>();
        auto id = Uuid::parse(t.at("id").get<std::string>());
        if (!id) return Status(ErrorCode::kKafkaStorageError, "bad topic id in " + path_);
        topic.id = *id;
        topic.replicas = t.at("replicas").get<std::vector<std::vector<int32_t>>>();
        topic.configs = t.value("configs", std::map<std::string, std::string>{});
        topic.internal = t.value("internal", false);
        topics_.emplace(topic.name, std::move(topic));
      }
    } catch (const json::exception& e) {
      return Status(ErrorCode::kKafkaStorageError,
                    "metadata file " + path_ + " is malformed: " + e.what());
    }
    // Log dirs formatted for another cluster than the one this metadata belongs to.
    if (formatted_cluster_id && *formatted_cluster_id != cluster_id_) {
      std::string dir = path_.substr(0, path_.rfind('/'));
      return Status(ErrorCode::kInconsistentClusterId, "Invalid cluster.id in: " + dir + "/meta.properties. Expected " +
                                                           cluster_id_ + ", but read " + *formatted_cluster_id);
    }
    return Status();
  }

  const std::string& cluster_id() const override { return cluster_id_; }

  std::vector<const TopicMetadata*> topics() const override {
    std::vector<const TopicMetadata*> out;
    for (const auto& [name, t] : topics_) out.push_back(&t);
    return out;
  }

  const TopicMetadata* find_topic(std::string_view name) const override {
    auto it = topics_.find(std::string(name));
    return it == topics_.end() ? nullptr : &it->second;
  }

  const TopicMetadata* find_topic(const Uuid& id) const override {
    for (const auto& [name, t] : topics_)
      if (t.id == id) return &t;
    return nullptr;
  }

  Status create_topic(TopicMetadata topic) override {
    if (topics_.count(topic.name))
      return Status(ErrorCode::kTopicAlreadyExists, "Topic '" + topic.name + "' already exists.");
    std::string name = topic.name;
    topics_.emplace(name, std::move(topic));
    Status s = save();
    if (!s.ok()) topics_.erase(name);
    return s;
  }

  Status delete_topic(std::string_view name) override {
    auto it = topics_.find(std::string(name));
    if (it == topics_.end())
      return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + std::string(name));
    TopicMetadata old = std::move(it->second);
    topics_.erase(it);
    Status s = save();
    if (!s.ok()) topics_.emplace(old.name, std::move(old));
    return s;
  }

  Status add_partitions(std::string_view name,
                        std::vector<std::vector<int32_t>> new_replicas) override {
    auto it = topics_.find(std::string(name));
    if (it == topics_.end())
      return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + std::string(name));
    size_t before = it->second.replicas.size();
    for (auto& r : new_replicas) it->second.replicas.push_back(std::move(r));
    Status s = save();
    if (!s.ok()) it->second.replicas.resize(before);
    return s;
  }

  Status set_topic_configs(std::string_view name,
                           std::map<std::string, std::string> configs) override {
    auto it = topics_.find(std::string(name));
    if (it == topics_.end())
      return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + std::string(name));
    std::swap(it->second.configs, configs);
    Status s = save();
    if (!s.ok()) std::swap(it->second.configs, configs);
    return s;
  }

  Result<int64_t> allocate_producer_ids(int32_t count) override {
    int64_t first = next_producer_id_;
    next_producer_id_ += count;
    Status s = save();
    if (!s.ok()) {
      next_producer_id_ = first;
      return s;
    }
    return first;
  }

 private:
  Status save() const {
    json doc;
    doc["version"] = 1;
    doc["cluster_id"] = cluster_id_;
    doc["next_producer_id"] = next_producer_id_;
    doc["topics"] = json::array();
    for (const auto& [name, t] : topics_) {
      doc["topics"].push_back({{"name", t.name},
                               {"id", t.id.to_string()},
                               {"replicas", t.replicas},
                               {"configs", t.configs},
                               {"internal", t.internal}});
    }
    return storage::write_file_atomically(path_, doc.dump(2) + "\n");
  }

  std::string path_;
  std::string cluster_id_;
  int64_t next_producer_id_ = 0;
  std::map<std::string, TopicMetadata> topics_;
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> open_local_metadata_store(const std::string& path,
                                                                 const std::optional<std::string>& cluster_id) {
  auto store = std::make_unique<LocalMetadataStore>(path);
  MOLDAU_RETURN_IF_ERROR(store->load(cluster_id));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

Result<std::unique_ptr<MetadataStore>> open_local_metadata_store(const std::string& path) {
  return open_local_metadata_store(path, std::nullopt);
}

}  // namespace moldau::broker
