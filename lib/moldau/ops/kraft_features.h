#pragma once
// The KRaft feature levels of Apache Kafka 4.4, as its kafka-storage tool knows them: the
// metadata versions (name and level), the other features' levels, which level each metadata
// version brings by default, and what a level depends on. A Moldau broker keeps no feature
// levels (it serves every protocol version it lists in ApiVersions), but `kafka-storage format
// --release-version/--feature` and `version-mapping`/`feature-dependencies` answer as Kafka's
// tool does, so that a user's scripts and mistakes meet the same answers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moldau::ops::kraft {

struct MetadataVersion {
  const char* name;  // "4.4-IV2"
  int16_t level;
};

// Every metadata version Kafka 4.4 knows, oldest first; the last one is not yet stable.
const std::vector<MetadataVersion>& metadata_versions();
const MetadataVersion& latest_stable();
// Kafka's MetadataVersion.fromVersionString: "4.4-IV2", or a release ("4.4", "4.4.1": its
// latest version). Unstable versions only when `unstable` (version-mapping takes them,
// format does not).
std::optional<MetadataVersion> from_version_string(const std::string& s, bool unstable);
std::optional<MetadataVersion> from_level(int16_t level);
// "Unknown metadata.version 'x'. Supported metadata.version are: 3.3-IV3, ..."
std::string unknown_version_message(const std::string& s, bool unstable);

struct Feature {
  const char* name;
  int16_t max_level;
  // (from metadata level, default level): the feature's default for a metadata version.
  std::vector<std::pair<int16_t, int16_t>> defaults;
  // (level, the metadata level it needs)
  std::vector<std::pair<int16_t, int16_t>> requires_metadata;
};

// The features besides metadata.version, in the order version-mapping prints them.
const std::vector<Feature>& features();
const Feature* find_feature(const std::string& name);
int16_t default_level(const Feature& f, int16_t metadata_level);
// The metadata level `level` of `f` needs, if any.
std::optional<int16_t> required_metadata_level(const Feature& f, int16_t level);
// "eligible.leader.replicas.version, group.version, ..." (sorted, as Kafka lists them).
std::string supported_feature_names();

// Java's Short.parseShort.
std::optional<int16_t> parse_short(const std::string& s);

}  // namespace moldau::ops::kraft
