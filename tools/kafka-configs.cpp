// kafka-configs: describes and alters topic, broker, broker-logger and group configs (Kafka's ConfigCommand).
#include "moldau/ops/configs.h"

int main(int argc, char** argv) { return moldau::ops::configs_main(argc, argv); }
