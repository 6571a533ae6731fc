#include "moldau/broker/metadata/metadata_store.h"

namespace moldau::broker {

bool PartitionState::in_isr(int32_t broker) const {
  for (int32_t b : isr)
    if (b == broker) return true;
  return false;
}

const BrokerEndpoint* BrokerRegistration::endpoint(const std::string& listener) const {
  for (const auto& e : endpoints)
    if (e.listener == listener) return &e;
  return endpoints.empty() ? nullptr : &endpoints.front();
}

}  // namespace moldau::broker
