#pragma once
// kafka-e2e-latency: Kafka 4.4's EndToEndLatency on librdkafka. One record at a time: send it,
// wait for the acknowledgement, poll until it comes back, and time the round trip.
//
//   kafka-e2e-latency --bootstrap-server B --topic T --num-records N --producer-acks 1|all
//                     --record-size S [--record-key-size K] [--num-headers H]
//                     [--record-header-key-size HK] [--record-header-size HV] [--command-config F]
//   kafka-e2e-latency B T N ACKS S [F]      (the deprecated positional form, with Kafka's warning)
//
// Arguments are parsed as Kafka's tool parses them (joptsimple), with its help and errors.
// stdout is Kafka's: "i<TAB>ms" every 1000 records, "Avg latency: X ms" and
// "Percentiles: 50th = A, 99th = B, 99.9th = C" (whole milliseconds, as Kafka truncates them).
// stderr gets one extra line with the same percentiles in microseconds and the achieved rate,
// because whole milliseconds cannot show sub-millisecond latencies (a difference kept on
// purpose; the parity test names it).

#include <string>
#include <vector>

#include "moldau/ops/cli.h"

namespace moldau::ops {

// Parses the command line as Kafka 4.4's EndToEndLatency does and runs it; the exit code.
int e2e_latency_main(int argc, char** argv);
// Kafka's option table for the tool (its --help).
const std::vector<OptionDoc>& e2e_latency_help_table();

}  // namespace moldau::ops
