// kafka-e2e-latency: the end-to-end latency of one record through a broker (Kafka's EndToEndLatency).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "moldau/ops/e2e_latency.h"

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf(
        "Usage: kafka-e2e-latency broker_list topic num_messages producer_acks message_size_bytes [properties_file]\n"
        "\n"
        "Sends num_messages records of message_size_bytes one at a time (linger 0, acks 1 or all), polls each\n"
        "back with a consumer reading from the end, and prints the average latency and its 50th, 99th and\n"
        "99.9th percentiles in milliseconds (Kafka's EndToEndLatency).\n");
    return 0;
  }
  return moldau::ops::run_e2e_latency(std::vector<std::string>(argv + 1, argv + argc));
}
