#include <nlohmann/json.hpp>

#include "moldau/broker/metadata/local_metadata_store.h"
#include "moldau/storage/file_util.h"

namespace moldau::broker {
namespace {

using json = nlohmann::json;

class LocalMetadataStore final : public MetadataStore {
 public:
  LocalMetadataStore(std::string path, BrokerRegistration self) : path_(std::move(path)), self_(std::move(self)) {
    self_.epoch = 1;
  }

  Status load(const std::optional<std::string>& formatted_cluster_id,
              const std::map<std::string, std::string>& initial_defaults) {
    if (!storage::file_exists(path_)) {
      cluster_id_ = formatted_cluster_id ? *formatted_cluster_id : Uuid::random().to_string();
      if (!initial_defaults.empty()) broker_configs_[""] = initial_defaults;
      return save();
    }
    MOLDAU_ASSIGN_OR_RETURN(std::string text, storage::read_whole_file(path_));
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return Status(ErrorCode::kKafkaStorageError, "metadata file " + path_ + " is not valid JSON");
    try {
      cluster_id_ = doc.at("cluster_id").get<std::string>();
      next_producer_id_ = doc.value("next_producer_id", int64_t{0});
      broker_configs_ = doc.value("broker_configs", std::map<std::string, std::map<std::string, std::string>>{});
      group_configs_ = doc.value("group_configs", std::map<std::string, std::map<std::string, std::string>>{});
      for (const auto& t : doc.at("topics")) {
        TopicMetadata topic;
        topic.name = t.at("name").get<std::string>();
        auto id = Uuid::parse(t.at("id").get<std::string>());
        if (!id) return Status(ErrorCode::kKafkaStorageError, "bad topic id in " + path_);
        topic.id = *id;
        topic.replicas = t.at("replicas").get<std::vector<std::vector<int32_t>>>();
        topic.configs = t.value("configs", std::map<std::string, std::string>{});
        topic.internal = t.value("internal", false);
        topic.partitions.assign(topic.replicas.size(), own_state());
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

  std::vector<const BrokerRegistration*> brokers() const override { return {&self_}; }
  const BrokerRegistration* find_broker(int32_t id) const override { return id == self_.id ? &self_ : nullptr; }
  int32_t controller_id() const override { return self_.id; }
  bool clustered() const override { return false; }

  asio::awaitable<Status> create_topic(TopicMetadata topic) override {
    if (topics_.count(topic.name))
      co_return Status(ErrorCode::kTopicAlreadyExists, "Topic '" + topic.name + "' already exists.");
    std::string name = topic.name;
    topic.partitions.assign(topic.replicas.size(), own_state());
    topics_.emplace(name, std::move(topic));
    Status s = save();
    if (!s.ok()) {
      topics_.erase(name);
      co_return s;
    }
    notify_topic(name);
    co_return Status();
  }

  asio::awaitable<Status> delete_topic(std::string name) override {
    auto it = topics_.find(name);
    if (it == topics_.end())
      co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + name);
    TopicMetadata old = std::move(it->second);
    topics_.erase(it);
    Status s = save();
    if (!s.ok()) {
      topics_.emplace(old.name, std::move(old));
      co_return s;
    }
    notify_topic(name);
    co_return Status();
  }

  asio::awaitable<Status> add_partitions(std::string name, std::vector<std::vector<int32_t>> new_replicas,
                                         std::vector<PartitionState>) override {
    auto it = topics_.find(name);
    if (it == topics_.end())
      co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + name);
    size_t before = it->second.replicas.size();
    for (auto& r : new_replicas) it->second.replicas.push_back(std::move(r));
    Status s = save();
    if (!s.ok()) {
      it->second.replicas.resize(before);
      co_return s;
    }
    it->second.partitions.assign(it->second.replicas.size(), own_state());
    notify_topic(name);
    co_return Status();
  }

  asio::awaitable<Status> set_topic_configs(std::string name, std::map<std::string, std::string> configs) override {
    auto it = topics_.find(name);
    if (it == topics_.end())
      co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + name);
    std::swap(it->second.configs, configs);
    Status s = save();
    if (!s.ok()) {
      std::swap(it->second.configs, configs);
      co_return s;
    }
    notify_topic(name);
    co_return Status();
  }

  std::map<std::string, std::string> broker_configs(const std::string& entity) const override {
    auto it = broker_configs_.find(entity);
    return it == broker_configs_.end() ? std::map<std::string, std::string>{} : it->second;
  }

  asio::awaitable<Status> set_broker_configs(std::string entity, std::map<std::string, std::string> configs) override {
    auto before = broker_configs_;
    if (configs.empty())
      broker_configs_.erase(entity);
    else
      broker_configs_[entity] = std::move(configs);
    Status s = save();
    if (!s.ok()) {
      broker_configs_ = std::move(before);
      co_return s;
    }
    MetadataDelta d;
    d.broker_configs = true;
    notify(d);
    co_return Status();
  }

  std::map<std::string, std::string> group_configs(const std::string& group) const override {
    auto it = group_configs_.find(group);
    return it == group_configs_.end() ? std::map<std::string, std::string>{} : it->second;
  }

  std::vector<std::string> configured_groups() const override {
    std::vector<std::string> out;
    for (const auto& [g, c] : group_configs_) out.push_back(g);
    return out;
  }

  asio::awaitable<Status> set_group_configs(std::string group, std::map<std::string, std::string> configs) override {
    auto before = group_configs_;
    if (configs.empty())
      group_configs_.erase(group);
    else
      group_configs_[group] = std::move(configs);
    Status s = save();
    if (!s.ok()) group_configs_ = std::move(before);
    co_return s;
  }

  asio::awaitable<Status> update_partition(std::string topic, int32_t, PartitionState, PartitionState,
                                           Writer) override {
    // A single node is every partition's only replica: nothing ever changes a state.
    co_return Status(ErrorCode::kInvalidRequest, "partition states of " + topic + " are fixed on a single node");
  }

  asio::awaitable<Result<int64_t>> allocate_producer_ids(int32_t count) override {
    int64_t first = next_producer_id_;
    next_producer_id_ += count;
    Status s = save();
    if (!s.ok()) {
      next_producer_id_ = first;
      co_return s;
    }
    co_return first;
  }

 private:
  Status save() const {
    json doc;
    doc["version"] = 1;
    doc["cluster_id"] = cluster_id_;
    doc["next_producer_id"] = next_producer_id_;
    doc["broker_configs"] = broker_configs_;
    doc["group_configs"] = group_configs_;
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

  PartitionState own_state() const {
    PartitionState st;
    st.leader = self_.id;
    st.isr = {self_.id};
    return st;
  }
  void notify_topic(const std::string& name) {
    MetadataDelta d;
    d.topics.insert(name);
    notify(d);
  }

  std::string path_;
  BrokerRegistration self_;
  std::string cluster_id_;
  int64_t next_producer_id_ = 0;
  std::map<std::string, TopicMetadata> topics_;
  // Dynamic broker configs by entity ("" the cluster-wide default, else a broker id).
  std::map<std::string, std::map<std::string, std::string>> broker_configs_;
  std::map<std::string, std::map<std::string, std::string>> group_configs_;  // by group id
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> open_local_metadata_store(
    const std::string& path, BrokerRegistration self, const std::optional<std::string>& cluster_id,
    const std::map<std::string, std::string>& initial_defaults) {
  auto store = std::make_unique<LocalMetadataStore>(path, std::move(self));
  MOLDAU_RETURN_IF_ERROR(store->load(cluster_id, initial_defaults));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace moldau::broker
