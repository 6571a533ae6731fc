// kafka-broker-api-versions: the API versions every broker serves (Kafka's BrokerApiVersionsCommand).
#include "moldau/ops/broker_api_versions.h"

int main(int argc, char** argv) { return moldau::ops::broker_api_versions_main(argc, argv); }
