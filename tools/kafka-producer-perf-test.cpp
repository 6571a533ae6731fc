// kafka-producer-perf-test: produce N records as fast as asked and report throughput and
// latency (Kafka's ProducerPerformance).
#include "moldau/ops/producer_perf.h"

int main(int argc, char** argv) { return moldau::ops::producer_perf_main(argc, argv); }
