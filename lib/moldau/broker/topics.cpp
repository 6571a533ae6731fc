#include "moldau/broker/topics.h"

#include <unistd.h>

#include <algorithm>

#include "moldau/common/log.h"

namespace moldau::broker {

Status validate_topic_name(const std::string& name) {
  auto invalid = [&](std::string msg) { return Status(ErrorCode::kInvalidTopicException, msg); };
  if (name.empty()) return invalid("Topic name is illegal, it can't be empty");
  if (name == "." || name == "..") return invalid("Topic name cannot be \".\" or \"..\"");
  if (name.size() > 249)
    return invalid("Topic name is illegal, it can't be longer than 249 characters, topic name: " +
                   name);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return invalid("Topic name \"" + name +
                     "\" is illegal, it contains a character other than ASCII alphanumerics, "
                     "'.', '_' and '-'");
  }
  return Status();
}

bool is_internal_topic(std::string_view name) {
  return name == kConsumerOffsetsTopic || name == kTransactionStateTopic;
}

storage::LogConfig Topics::log_config(const TopicMetadata& topic) const {
  auto built = storage::LogConfig::build(config_.log_defaults(), topic.configs);
  if (built.ok()) return *built;
  logger("topics").warn("invalid config of topic {}: {}; using defaults", topic.name,
                        built.status().to_string());
  auto defaults = storage::LogConfig::build(config_.log_defaults(), {});
  return defaults.ok() ? *defaults : storage::LogConfig{};
}

storage::LogConfig Topics::log_config(const std::string& topic) const {
  if (const TopicMetadata* t = metadata_.find_topic(topic)) return log_config(*t);
  auto defaults = storage::LogConfig::build(config_.log_defaults(), {});
  return defaults.ok() ? *defaults : storage::LogConfig{};
}

Result<const TopicMetadata*> Topics::create(const NewTopic& spec, bool validate_only) {
  MOLDAU_RETURN_IF_ERROR(validate_topic_name(spec.name));
  if (metadata_.find_topic(spec.name))
    return Status(ErrorCode::kTopicAlreadyExists, "Topic '" + spec.name + "' already exists.");
  // Kafka refuses names that collide with an existing one once '.' and '_' are equated.
  auto normalize = [](std::string s) {
    for (char& c : s)
      if (c == '.') c = '_';
    return s;
  };
  for (const TopicMetadata* t : metadata_.topics())
    if (normalize(t->name) == normalize(spec.name))
      return Status(ErrorCode::kInvalidTopicException,
                    "Topic '" + spec.name + "' collides with existing topic: " + t->name);

  TopicMetadata topic;
  topic.name = spec.name;
  topic.internal = is_internal_topic(spec.name);
  auto live = live_brokers();
  if (!spec.assignments.empty()) {
    if (spec.partitions != -1 || spec.replication_factor != -1)
      return Status(ErrorCode::kInvalidRequest,
                    "Both numPartitions or replicationFactor and replicasAssignments were set. "
                    "Both cannot be used at the same time.");
    for (size_t p = 0; p < spec.assignments.size(); ++p) {
      const auto& replicas = spec.assignments[p];
      if (replicas.empty())
        return Status(ErrorCode::kInvalidReplicaAssignment,
                      "Replica assignment of partition " + std::to_string(p) + " is empty.");
      for (int32_t b : replicas)
        if (std::find(live.begin(), live.end(), b) == live.end())
          return Status(ErrorCode::kInvalidReplicaAssignment,
                        "Unknown broker id " + std::to_string(b) + " in replica assignment.");
      if (replicas.size() != spec.assignments[0].size())
        return Status(ErrorCode::kInvalidReplicaAssignment,
                      "All partitions should have the same number of replicas");
    }
    topic.replicas = spec.assignments;
  } else {
    int32_t partitions = spec.partitions == -1 ? config_.num_partitions : spec.partitions;
    int32_t rf = spec.replication_factor == -1 ? config_.default_replication_factor
                                               : spec.replication_factor;
    if (partitions <= 0)
      return Status(ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.");
    if (rf <= 0)
      return Status(ErrorCode::kInvalidReplicationFactor,
                    "Replication factor must be larger than 0.");
    if (rf > static_cast<int32_t>(live.size()))
      return Status(ErrorCode::kInvalidReplicationFactor,
                    "Replication factor: " + std::to_string(rf) +
                        " larger than available brokers: " + std::to_string(live.size()) + ".");
    for (int32_t p = 0; p < partitions; ++p) {
      std::vector<int32_t> replicas;
      for (int32_t r = 0; r < rf; ++r) replicas.push_back(live[(p + r) % live.size()]);
      topic.replicas.push_back(std::move(replicas));
    }
  }
  for (const auto& [k, v] : spec.configs) MOLDAU_RETURN_IF_ERROR(validate_topic_config(k, v));
  topic.configs = spec.configs;
  if (validate_only) return static_cast<const TopicMetadata*>(nullptr);

  do {
    topic.id = Uuid::random();
  } while (metadata_.find_topic(topic.id));
  std::string name = topic.name;
  MOLDAU_RETURN_IF_ERROR(metadata_.create_topic(std::move(topic)));
  const TopicMetadata* created = metadata_.find_topic(name);
  storage::LogConfig lc = log_config(*created);
  for (int32_t p = 0; p < created->partition_count(); ++p) {
    auto log = logs_.create_partition(name, p, created->id, lc);
    if (!log.ok()) return log.status();
  }
  logger("topics").info("Created topic {} with {} partitions, topic id {}", name,
                        created->partition_count(), created->id.to_string());
  return created;
}

Status Topics::remove(const std::string& name) {
  const TopicMetadata* t = metadata_.find_topic(name);
  if (!t)
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  "This server does not host this topic-partition.");
  if (!config_.delete_topic_enable)
    return Status(ErrorCode::kTopicDeletionDisabled, "Topic deletion is disabled.");
  int32_t partitions = t->partition_count();
  MOLDAU_RETURN_IF_ERROR(metadata_.delete_topic(name));
  for (int32_t p = 0; p < partitions; ++p) {
    Status s = logs_.delete_partition(name, p);
    if (!s.ok()) logger("topics").warn("deleting log {}-{}: {}", name, p, s.to_string());
  }
  logger("topics").info("Deleted topic {}", name);
  return Status();
}

Status Topics::add_partitions(const std::string& name, int32_t new_total, bool validate_only,
                              std::vector<std::vector<int32_t>> assignments) {
  const TopicMetadata* t = metadata_.find_topic(name);
  if (!t)
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  "This server does not host this topic-partition.");
  int32_t current = t->partition_count();
  if (new_total < current)
    return Status(ErrorCode::kInvalidPartitions,
                  "Topic currently has " + std::to_string(current) +
                      " partitions, which is higher than the requested " +
                      std::to_string(new_total) + ".");
  if (new_total == current)
    return Status(ErrorCode::kInvalidPartitions,
                  "Topic already has " + std::to_string(current) + " partitions.");
  if (validate_only) return Status();
  auto live = live_brokers();
  int16_t rf = t->replication_factor();
  std::vector<std::vector<int32_t>> added = std::move(assignments);
  for (int32_t p = current + static_cast<int32_t>(added.size()); p < new_total; ++p) {
    std::vector<int32_t> replicas;
    for (int32_t r = 0; r < rf; ++r) replicas.push_back(live[(p + r) % live.size()]);
    added.push_back(std::move(replicas));
  }
  Uuid id = t->id;
  MOLDAU_RETURN_IF_ERROR(metadata_.add_partitions(name, std::move(added)));
  storage::LogConfig lc = log_config(name);
  for (int32_t p = current; p < new_total; ++p) {
    auto log = logs_.create_partition(name, p, id, lc);
    if (!log.ok()) return log.status();
  }
  return Status();
}

Status Topics::set_configs(const std::string& name, std::map<std::string, std::string> configs,
                           bool validate_only) {
  if (!metadata_.find_topic(name))
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  "This server does not host this topic-partition.");
  for (const auto& [k, v] : configs) MOLDAU_RETURN_IF_ERROR(validate_topic_config(k, v));
  if (validate_only) return Status();
  MOLDAU_RETURN_IF_ERROR(metadata_.set_topic_configs(name, std::move(configs)));
  const TopicMetadata* t = metadata_.find_topic(name);
  storage::LogConfig lc = log_config(*t);
  for (int32_t p = 0; p < t->partition_count(); ++p)
    if (auto* log = logs_.get(name, p)) log->set_config(lc);
  return Status();
}

Status Topics::ensure_internal_topic(const std::string& name, int32_t partitions,
                                     std::map<std::string, std::string> configs) {
  if (metadata_.find_topic(name)) return Status();
  NewTopic spec;
  spec.name = name;
  spec.partitions = partitions;
  spec.replication_factor = 1;
  spec.configs = std::move(configs);
  spec.configs["cleanup.policy"] = "compact";
  spec.configs.emplace("segment.bytes", "104857600");
  auto created = create(spec, false);
  if (!created.ok()) {
    logger("topics").error("cannot create {}: {}", name, created.status().to_string());
    return created.status();
  }
  return Status();
}

Status Topics::replay_internal_topic(const std::string& name, const BatchVisitor& visit) const {
  const TopicMetadata* topic = metadata_.find_topic(name);
  if (!topic) return Status();
  for (int32_t p = 0; p < topic->partition_count(); ++p) {
    storage::PartitionLog* log = logs_.get(name, p);
    if (!log) continue;
    int64_t offset = log->log_start_offset();
    const int64_t end = log->log_end_offset();
    while (offset < end) {
      auto rr = log->read(offset, 1 << 20, -1, true);
      if (!rr.ok()) return rr.status();
      std::vector<uint8_t> buf;
      for (const auto& s : rr->slices) {
        size_t at = buf.size();
        buf.resize(at + static_cast<size_t>(s.size));
        ssize_t n = ::pread(s.file->fd(), buf.data() + at, static_cast<size_t>(s.size), s.position);
        if (n != s.size) return Status(ErrorCode::kKafkaStorageError, "short read of " + name);
      }
      protocol::BatchIterator it(buf);
      protocol::BatchView view;
      const int64_t before = offset;
      while (it.next(&view)) {
        MOLDAU_RETURN_IF_ERROR(visit(view, offset));
        offset = std::max(offset, view.header.next_offset());
      }
      if (offset == before) break;  // nothing readable here (a torn tail)
    }
  }
  return Status();
}

Status Topics::ensure_logs() {
  for (const TopicMetadata* t : metadata_.topics()) {
    storage::LogConfig lc = log_config(*t);
    for (int32_t p = 0; p < t->partition_count(); ++p) {
      if (logs_.get(t->name, p)) continue;
      auto log = logs_.create_partition(t->name, p, t->id, lc);
      if (!log.ok()) return log.status();
    }
  }
  return Status();
}

}  // namespace moldau::broker
