// kafka-console-consumer: records of a topic to stdout (Kafka's ConsoleConsumer).
#include "moldau/ops/console_consumer.h"

int main(int argc, char** argv) { return moldau::ops::console_consumer_main(argc, argv); }
