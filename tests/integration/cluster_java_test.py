"""The Java client (kafka-clients at the reference's Kafka version) against three brokers and one
etcd, through one bootstrap broker only: the admin client sees all three and creates a
replication factor 3 topic led by each; an idempotent acks=all producer, a consumer group that
commits, and transactions read back with read_committed (tests/java/.../ClusterChecks.java)."""
import java_programs
from cluster import cluster_factory  # noqa: F401 (fixture)


def test_java_client_through_one_broker(cluster_factory):
    why = java_programs.missing()
    assert why is None, why
    c = cluster_factory(3)
    found = java_programs.run_checks("ClusterChecks", c.broker(2).bootstrap, "java-cluster", timeout=600)
    facts = {name: java_programs.check_facts(found, name) for name in ("admin", "produce", "group", "transactions")}

    # Connected to broker 2 alone, the client knows all three, and each leads a partition.
    assert facts["admin"] == {"nodes": [1, 2, 3], "leaders": [1, 2, 3], "replica_counts": [3] * 6}
    assert facts["produce"] == {"acknowledged": 600, "partitions_written": 6, "offsets_dense": True}
    g = facts["group"]
    assert g["distinct_values"] == 600 and g["committed_partitions"] == 6
    assert g["committed_sum"] == 600 == g["log_end_sum"]
    assert facts["transactions"] == {"committed": 50, "aborted": 0, "last": 1, "plain": 600}
