#pragma once
// Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c) and the
// default partitioner's choice of partition for a keyed record, so that a key lands on the
// same partition as with the Java client and librdkafka's "murmur2" partitioner.

#include <cstdint>
#include <span>
#include <string_view>

namespace moldau {

// Kafka's murmur2 of the bytes, as the signed int Java returns.
int32_t murmur2(std::span<const uint8_t> data);
inline int32_t murmur2(std::string_view data) {
  return murmur2(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

// Kafka's Utils.toPositive: clears the sign bit (not abs(), which fails for INT32_MIN).
inline int32_t to_positive(int32_t h) { return h & 0x7fffffff; }

// The partition Kafka's default partitioner picks for a non-null key: toPositive(murmur2(key))
// % num_partitions. `num_partitions` must be > 0.
int32_t default_partition(std::span<const uint8_t> key, int32_t num_partitions);
inline int32_t default_partition(std::string_view key, int32_t num_partitions) {
  return default_partition(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
      num_partitions);
}

}  // namespace moldau
