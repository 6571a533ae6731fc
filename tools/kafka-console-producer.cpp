// kafka-console-producer: lines from stdin to a topic (Kafka's ConsoleProducer).
#include "moldau/ops/console_producer.h"

int main(int argc, char** argv) { return moldau::ops::console_producer_main(argc, argv); }
