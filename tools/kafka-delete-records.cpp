// kafka-delete-records: deletes records below given offsets (Kafka's DeleteRecordsCommand).
#include "moldau/ops/delete_records.h"

int main(int argc, char** argv) { return moldau::ops::delete_records_main(argc, argv); }
