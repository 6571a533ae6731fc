#pragma once
// kafka-e2e-latency: Kafka's EndToEndLatency on librdkafka. One record at a time: send it,
// wait for the acknowledgement, poll until it comes back, and time the round trip.
//
//   kafka-e2e-latency broker_list topic num_messages producer_acks message_size_bytes [properties_file]
//
// stdout is Kafka's: "i<TAB>ms" every 1000 records, "Avg latency: X ms" and
// "Percentiles: 50th = A, 99th = B, 99.9th = C" (whole milliseconds, as Kafka truncates them).
// stderr gets one extra line with the same percentiles in microseconds and the achieved rate,
// because whole milliseconds cannot show sub-millisecond latencies.

#include <string>
#include <vector>

namespace moldau::ops {

int run_e2e_latency(const std::vector<std::string>& args);

}  // namespace moldau::ops
