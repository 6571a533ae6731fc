#pragma once
// Kafka's rack-unaware replica placement (AdminUtils / StripedReplicaPlacer's round robin):
// partition p's first replica is brokers[(p + start_index) % n], its followers follow it at a
// shift that grows by one every n partitions. Shared by the broker (CreateTopics,
// CreatePartitions) and kafka-reassign-partitions --generate, which must propose what Kafka would.

#include <cstdint>
#include <vector>

namespace moldau {

// The replica lists of partitions first_partition .. first_partition + partitions - 1 over
// `brokers` (in the order given); empty when there is no broker.
std::vector<std::vector<int32_t>> place_replicas_rack_unaware(const std::vector<int32_t>& brokers,
                                                              int32_t first_partition, int32_t partitions,
                                                              int32_t replication_factor, int32_t start_index,
                                                              int32_t replica_shift);

}  // namespace moldau
