// kafka-reassign-partitions: moves partitions between brokers (Kafka's ReassignPartitionsCommand).
#include "moldau/ops/reassign_partitions.h"

int main(int argc, char** argv) { return moldau::ops::reassign_partitions_main(argc, argv); }
