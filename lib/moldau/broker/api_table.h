#pragma once
// The dispatch table: every API the broker serves, with its version range, first flexible
// version and handler. It is the single source of truth for the ApiVersions response.

#include <cstdint>
#include <span>

#include "moldau/broker/request_context.h"

namespace moldau::broker {

struct ApiEntry {
  int16_t api_key;
  const char* name;
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;
  Handler handler;
  bool may_wait = false;  // may suspend for long (fetch long poll, group rebalance)
};

std::span<const ApiEntry> api_table();
// nullptr for a key the broker does not serve.
const ApiEntry* find_api(int16_t api_key);

}  // namespace moldau::broker
