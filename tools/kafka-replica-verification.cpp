// kafka-replica-verification: compares the replicas of partitions batch by batch and reports
// the max lag (Kafka's ReplicaVerificationTool).
#include "moldau/ops/replica_verification.h"

int main(int argc, char** argv) { return moldau::ops::replica_verification_main(argc, argv); }
