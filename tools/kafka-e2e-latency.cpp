// kafka-e2e-latency: the end-to-end latency of one record through a broker (Kafka's EndToEndLatency).
#include "moldau/ops/e2e_latency.h"

int main(int argc, char** argv) { return moldau::ops::e2e_latency_main(argc, argv); }
