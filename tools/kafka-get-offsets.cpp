// kafka-get-offsets: offsets of topic-partitions at a time (Kafka's GetOffsetShell).
#include "moldau/ops/get_offsets.h"

int main(int argc, char** argv) { return moldau::ops::get_offsets_main(argc, argv); }
