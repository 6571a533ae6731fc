#pragma once
// The single-node metadata store (see metadata_store.h), opened for log dirs that may have been
// formatted for a cluster (kafka-storage format).

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "moldau/broker/metadata/metadata_store.h"

namespace moldau::broker {

// Single node: everything in one JSON file (`<first log dir>/__cluster_metadata.json`),
// replaced atomically on every change. This broker (`self`) is the only broker, the controller
// and every partition's leader (epoch 0, ISR itself).
// `cluster_id` is the id the log dirs were formatted with (meta.properties): a new file takes
// it; an existing file of another cluster is refused with Kafka's "Invalid cluster.id in: ...".
// A new file starts with `initial_defaults` as the cluster-wide dynamic broker configs (Kafka 4
// formats a cluster with min.insync.replicas set there).
Result<std::unique_ptr<MetadataStore>> open_local_metadata_store(
    const std::string& path, BrokerRegistration self, const std::optional<std::string>& cluster_id,
    const std::map<std::string, std::string>& initial_defaults = {});

}  // namespace moldau::broker
