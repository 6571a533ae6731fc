#pragma once
// What the perf tools share: clocks, Java's number and date formatting, Kafka's metrics table.

#include <cstdint>
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
// Kafka's ToolsUtils.printMetrics: a blank line, "Metric Name   Value" and one
// "<group>:<name>:{tags} : <value>" line per metric, sorted, values with three decimals.
void print_metrics(std::vector<std::pair<std::string, double>> metrics);

}  // namespace moldau::ops
