#pragma once
// What the perf tools share: clocks, Java's number and date formatting, Kafka's metrics table.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moldau::ops {

// Wall-clock milliseconds (System.currentTimeMillis) and monotonic nanoseconds (System.nanoTime).
int64_t now_ms();
int64_t now_ns();
// Java's String.format("%.<prec>f", v): "NaN", "Infinity" and "-Infinity" as Java spells them.
std::string java_fixed(double v, int prec);
// Java's Double.toString(v): the shortest digits that read back as v ("0.4123", "1.0", "1.0E-4").
std::string java_double(double v);
// A random UUID in its canonical 8-4-4-4-12 form (java.util.UUID.randomUUID().toString()).
std::string random_uuid();
// java.text.SimpleDateFormat for the letters the tools use (y M d H h m s S a Z z X E and
// quoted literals), in local time.
std::string java_date_format(const std::string& pattern, int64_t epoch_ms);
// What `new SimpleDateFormat(pattern)` throws for a pattern it refuses (an unquoted letter that
// is no field, an unterminated quote): its message; nothing for a good pattern.
std::optional<std::string> java_date_pattern_error(const std::string& pattern);
// Kafka's ToolsUtils.printMetrics: a blank line, "Metric Name   Value" and one
// "<group>:<name>:{tags} : <value>" line per metric, sorted by name, the names padded to the
// longest. The values come formatted (a Double with three decimals, a Long as it is).
void print_metrics(std::vector<std::pair<std::string, std::string>> metrics);

}  // namespace moldau::ops

#include "moldau/common/properties.h"
#include "moldau/common/result.h"
#include "moldau/ops/java_config.h"  // java_long, java_int

namespace moldau::ops {

// What Kafka's perf tools do with an exception they catch (or the JVM with one nobody catches
// in EndToEndLatency and ConsumerPerformance): its message on stderr, then its stack trace,
// which ends in an empty line. Ours prints the message, the trace's first line
// ("`exception_class`: `message`"; the frames are Java's own), `cause` (a "Caused by: ..."
// line, as the JVM names the cause) when given, and the empty line; exits 1.
[[noreturn]] void perf_failure_exit(const std::string& message, const std::string& exception_class,
                                    const std::string& cause = "");
// perf_failure_exit for one of parse_args' or single_value's messages: joptsimple's exception.
[[noreturn]] void perf_option_exit(const std::string& message);

// java.util.Random: the same sequence for the same seed.
class JavaRandom {
 public:
  explicit JavaRandom(int64_t seed) : seed_((static_cast<uint64_t>(seed) ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1)) {}
  int32_t next_int(int32_t bound);

 private:
  int32_t next(int bits);
  uint64_t seed_;
};

// java.util.SplittableRandom (ProducerPerformance's generator): the same sequence for the same
// seed, so a seeded run writes the records Kafka's tool writes.
class SplittableRandom {
 public:
  explicit SplittableRandom(int64_t seed) : seed_(static_cast<uint64_t>(seed)) {}
  int32_t next_int();
  // In [0, bound), bound > 0, as RandomSupport.boundedNextInt draws it.
  int32_t next_int(int32_t bound);

 private:
  uint64_t seed_;
};

}  // namespace moldau::ops
