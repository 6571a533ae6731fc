#pragma once
// The orders in which Kafka's Java tools print what they keep in a java.util.HashMap or
// HashSet: by bucket (the key's hashCode, spread as HashMap spreads it, masked by the table
// size), and in a bucket by insertion. A tool that prints such a map prints in this order, so
// ours computes it to print the same bytes.

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>
#include <algorithm>

namespace moldau::ops {

// Java's String.hashCode for an ASCII/Latin-1 string (Kafka's names are ASCII).
inline int32_t java_string_hash(const std::string& s) {
  uint32_t h = 0;
  for (unsigned char c : s) h = 31 * h + c;
  return static_cast<int32_t>(h);
}

// org.apache.kafka.common.TopicPartition.hashCode.
inline int32_t java_topic_partition_hash(const std::string& topic, int32_t partition) {
  uint32_t result = 31u + static_cast<uint32_t>(partition);
  return static_cast<int32_t>(31u * result + static_cast<uint32_t>(java_string_hash(topic)));
}

// java.util.List.hashCode of a list of strings.
inline int32_t java_list_hash(const std::vector<std::string>& items) {
  uint32_t h = 1;
  for (const auto& s : items) h = 31 * h + static_cast<uint32_t>(java_string_hash(s));
  return static_cast<int32_t>(h);
}

// The indices of keys with these hashes (given in insertion order, distinct keys) in the
// order a HashMap built by inserting them one by one (default capacity 16, load factor 0.75)
// iterates them.
inline std::vector<size_t> java_hashmap_order(const std::vector<int32_t>& hashes) {
  size_t capacity = 16;
  while (hashes.size() > capacity * 3 / 4) capacity *= 2;
  auto bucket = [&](int32_t h) {
    uint32_t u = static_cast<uint32_t>(h);
    return (u ^ (u >> 16)) & (capacity - 1);
  };
  std::vector<size_t> order(hashes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bucket(hashes[a]) < bucket(hashes[b]); });
  return order;
}

}  // namespace moldau::ops
