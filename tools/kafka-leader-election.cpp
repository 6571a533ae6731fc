// kafka-leader-election: preferred or unclean leader elections (Kafka's LeaderElectionCommand).
#include "moldau/ops/leader_election.h"

int main(int argc, char** argv) { return moldau::ops::leader_election_main(argc, argv); }
