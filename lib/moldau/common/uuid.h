#pragma once
// Kafka's 128-bit UUIDs (topic ids), rendered as Kafka renders them: URL-safe base64 without
// padding, 22 characters (e.g. "NPmZHyhbR9y00wMglMH2sg").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moldau {

struct Uuid {
  uint64_t hi = 0;  // most significant 64 bits, first on the wire
  uint64_t lo = 0;

  bool is_zero() const { return hi == 0 && lo == 0; }
  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;

  // A random version-4 UUID (thread-safe) that is neither zero nor Kafka's reserved
  // METADATA_TOPIC_ID (1), whose rendering does not start with '-' (Kafka's Uuid.randomUuid rules).
  static Uuid random();
  // Kafka's rendering: base64url of the 16 bytes, no padding.
  std::string to_string() const;
  // Parses Kafka's rendering; nullopt when it is not 22 valid characters (24 with "=="
  // padding is accepted too, as Kafka's Uuid.fromString does). Strict: the unused low bits of the
  // last character must be zero, so that parse and to_string are exact inverses.
  static std::optional<Uuid> parse(std::string_view text);
};

}  // namespace moldau
