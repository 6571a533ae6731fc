// kafka-consumer-groups: list, describe, delete consumer groups and reset their offsets
// (Kafka's ConsumerGroupCommand).
#include "moldau/ops/consumer_groups.h"

int main(int argc, char** argv) { return moldau::ops::consumer_groups_main(argc, argv); }
