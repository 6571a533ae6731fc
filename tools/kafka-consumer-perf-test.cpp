// kafka-consumer-perf-test: consume N records and report throughput (Kafka's ConsumerPerformance).
#include "moldau/ops/consumer_perf.h"

int main(int argc, char** argv) { return moldau::ops::consumer_perf_main(argc, argv); }
