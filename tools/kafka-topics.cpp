// kafka-topics: create, list, describe, alter and delete topics (Kafka's TopicCommand).
#include "moldau/ops/topics.h"

int main(int argc, char** argv) { return moldau::ops::topics_main(argc, argv); }
