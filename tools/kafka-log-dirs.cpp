// kafka-log-dirs: the log directories of brokers and what they hold (Kafka's LogDirsCommand).
#include "moldau/ops/log_dirs.h"

int main(int argc, char** argv) { return moldau::ops::log_dirs_main(argc, argv); }
