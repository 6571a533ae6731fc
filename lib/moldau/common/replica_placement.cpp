#include "moldau/common/replica_placement.h"

namespace moldau {

std::vector<std::vector<int32_t>> place_replicas_rack_unaware(const std::vector<int32_t>& brokers,
                                                              int32_t first_partition, int32_t partitions,
                                                              int32_t replication_factor, int32_t start_index,
                                                              int32_t replica_shift) {
  std::vector<std::vector<int32_t>> out;
  const int32_t n = static_cast<int32_t>(brokers.size());
  if (n == 0) return out;
  int32_t shift = replica_shift;
  for (int32_t p = first_partition; p < first_partition + partitions; ++p) {
    if (p > 0 && p % n == 0) ++shift;
    const int32_t first = (p + start_index) % n;
    std::vector<int32_t> replicas{brokers[first]};
    for (int32_t j = 0; j < replication_factor - 1; ++j) {
      const int32_t step = 1 + (shift + j) % (n - 1);
      replicas.push_back(brokers[(first + step) % n]);
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

}  // namespace moldau
