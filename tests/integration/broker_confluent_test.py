"""confluent-kafka (librdkafka) against the broker: admin (create/delete topics, create
partitions, describe/alter configs), produce with acks 0, 1 and all, consume without a group,
and keyed records landing where Kafka's murmur2 partitioner puts them."""
import pytest
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

from broker_clients import consume_partition, kafka_partition
from conftest import wait_until


def admin_for(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def result(future):
    return future.result(timeout=30)


def error_of(future):
    with pytest.raises(KafkaException) as e:
        future.result(timeout=30)
    return e.value.args[0]


def partition_counts(admin):
    """Partition count per topic, internal topics (__consumer_offsets) left out."""
    md = admin.list_topics(timeout=30)
    return {name: len(t.partitions) for name, t in md.topics.items() if not name.startswith("__")}


def test_create_delete_topics_and_partitions(broker):
    admin = admin_for(broker)
    fs = admin.create_topics([NewTopic("orders", 3, 1), NewTopic("users", 1, 1)])
    for f in fs.values():
        assert result(f) is None
    assert partition_counts(admin) == {"orders": 3, "users": 1}

    err = error_of(admin.create_topics([NewTopic("orders", 1, 1)])["orders"])
    assert err.name() == "TOPIC_ALREADY_EXISTS"
    assert err.str() == "Topic 'orders' already exists."
    err = error_of(admin.create_topics([NewTopic("bad name", 1, 1)])["bad name"])
    assert err.name() == "TOPIC_EXCEPTION"  # librdkafka's name for INVALID_TOPIC_EXCEPTION

    # validate_only changes nothing.
    assert result(admin.create_partitions([NewPartitions("orders", 8)],
                                          validate_only=True)["orders"]) is None
    assert partition_counts(admin)["orders"] == 3
    assert result(admin.create_partitions([NewPartitions("orders", 5)])["orders"]) is None
    wait_until(lambda: partition_counts(admin)["orders"] == 5, message="5 partitions")
    err = error_of(admin.create_partitions([NewPartitions("orders", 4)])["orders"])
    assert err.name() == "INVALID_PARTITIONS"
    assert err.str() == "The topic orders currently has 5 partition(s); 4 would not be an increase."
    err = error_of(admin.create_partitions([NewPartitions("orders", 5)])["orders"])
    assert err.str() == "Topic already has 5 partition(s)."
    err = error_of(admin.create_partitions([NewPartitions("nope", 2)])["nope"])
    assert err.name() == "UNKNOWN_TOPIC_OR_PART"
    # Explicit assignments for the new partitions.
    assert result(admin.create_partitions(
        [NewPartitions("users", 3, replica_assignment=[[1], [1]])])["users"]) is None
    err = error_of(admin.create_partitions(
        [NewPartitions("users", 4, replica_assignment=[[7]])])["users"])
    assert err.name() == "INVALID_REPLICA_ASSIGNMENT"
    assert err.str() == ("The manual partition assignment includes broker 7, but no such "
                         "broker is registered.")
    wait_until(lambda: partition_counts(admin) == {"orders": 5, "users": 3}, message="counts")

    # The new partitions take writes.
    p = Producer({"bootstrap.servers": broker.bootstrap})
    p.produce("orders", value=b"to-4", partition=4)
    assert p.flush(30) == 0
    assert [m.value() for m in consume_partition(broker.bootstrap, "orders", 4, 1)] == [b"to-4"]

    # (users: no client has it in its metadata, so nothing re-creates it by auto-creation.)
    assert result(admin.delete_topics(["users"])["users"]) is None
    wait_until(lambda: partition_counts(admin) == {"orders": 5}, message="users deleted")
    err = error_of(admin.delete_topics(["users"])["users"])
    assert err.name() == "UNKNOWN_TOPIC_OR_PART"
    # The name can be used again.
    assert result(admin.create_topics([NewTopic("users", 1, 1)])["users"]) is None
    assert partition_counts(admin) == {"orders": 5, "users": 1}


def describe(admin, resource):
    return result(admin.describe_configs([resource])[resource])


def test_describe_and_alter_configs(broker):
    admin = admin_for(broker)
    result(admin.create_topics([NewTopic("conf", 1, 1,
                                         config={"retention.ms": "3600000",
                                                 "cleanup.policy": "compact"})])["conf"])
    topic = ConfigResource("TOPIC", "conf")
    configs = describe(admin, topic)
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == 1  # DYNAMIC_TOPIC_CONFIG
    assert configs["cleanup.policy"].value == "compact"
    assert configs["cleanup.policy"].source == 1
    # log.segment.bytes is set in config/server.properties: STATIC_BROKER_CONFIG.
    assert configs["segment.bytes"].value == "1073741824"
    assert configs["segment.bytes"].source == 4
    assert configs["max.message.bytes"].value == "1048588"
    assert configs["max.message.bytes"].source == 5  # DEFAULT_CONFIG
    assert configs["compression.type"].value == "producer"
    assert not any(c.is_read_only for c in configs.values())
    assert not any(c.is_sensitive for c in configs.values())

    brk = ConfigResource("BROKER", "1")
    bconf = describe(admin, brk)
    assert bconf["num.partitions"].value == "1"
    assert bconf["num.partitions"].is_read_only
    assert bconf["num.partitions"].source == 4
    assert bconf["message.max.bytes"].value == "1048588"
    assert bconf["message.max.bytes"].source == 5
    assert not bconf["message.max.bytes"].is_read_only
    err = error_of(admin.describe_configs([ConfigResource("TOPIC", "missing")])[
        ConfigResource("TOPIC", "missing")])
    assert err.name() == "UNKNOWN_TOPIC_OR_PART"

    # Legacy AlterConfigs replaces the whole set of overrides.
    alter = ConfigResource("TOPIC", "conf", set_config={"segment.ms": "60000"})
    assert result(admin.alter_configs([alter])[alter]) is None
    configs = describe(admin, topic)
    assert configs["segment.ms"].value == "60000" and configs["segment.ms"].source == 1
    assert configs["retention.ms"].value == "604800000" and configs["retention.ms"].source == 5
    assert configs["cleanup.policy"].value == "delete" and configs["cleanup.policy"].source == 5

    bad = ConfigResource("TOPIC", "conf", set_config={"segment.ms": "soon"})
    err = error_of(admin.alter_configs([bad])[bad])
    assert err.name() == "INVALID_CONFIG"
    assert describe(admin, topic)["segment.ms"].value == "60000"
    unknown = ConfigResource("TOPIC", "conf", set_config={"no.such.config": "1"})
    err = error_of(admin.alter_configs([unknown])[unknown])
    assert err.name() == "INVALID_CONFIG"
    assert err.str() == "Unknown topic config name: no.such.config"
    only = ConfigResource("TOPIC", "conf", set_config={"retention.ms": "1"})
    assert result(admin.alter_configs([only], validate_only=True)[only]) is None
    assert describe(admin, topic)["retention.ms"].value == "604800000"

    # Broker configs are not alterable at run time.
    b = ConfigResource("BROKER", "1", set_config={"num.partitions": "3"})
    err = error_of(admin.alter_configs([b])[b])
    assert err.name() == "INVALID_REQUEST"
    assert err.str() == "Cannot update these configs dynamically: [num.partitions]"


def produce_keyed(bootstrap, topic, acks, n, partition=0):
    p = Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": 5})
    reports = []
    for i in range(n):
        p.produce(topic, key=f"k{i}".encode(), value=f"acks={acks} #{i}".encode(),
                  partition=partition, headers=[("n", str(i).encode())],
                  on_delivery=lambda err, msg: reports.append((err, msg)))
    assert p.flush(30) == 0
    assert len(reports) == n and all(err is None for err, _ in reports)
    return [m.offset() for _, m in reports]


def test_produce_acks_and_consume(broker):
    admin = admin_for(broker)
    result(admin.create_topics([NewTopic("acks", 1, 1)])["acks"])
    offsets_all = produce_keyed(broker.bootstrap, "acks", "all", 20)
    assert offsets_all == list(range(20))
    offsets_one = produce_keyed(broker.bootstrap, "acks", "1", 20)
    assert offsets_one == list(range(20, 40))
    # acks=0: the broker sends no response; the client reports no offsets.
    produce_keyed(broker.bootstrap, "acks", "0", 20)

    records = consume_partition(broker.bootstrap, "acks", 0, 60)
    assert [m.offset() for m in records] == list(range(60))
    expected = ([(f"k{i}", f"acks=all #{i}") for i in range(20)] +
                [(f"k{i}", f"acks=1 #{i}") for i in range(20)] +
                [(f"k{i}", f"acks=0 #{i}") for i in range(20)])
    assert [(m.key().decode(), m.value().decode()) for m in records] == expected
    assert [m.headers() for m in records] == [[("n", str(i % 20).encode())] for i in range(60)]


def test_keys_land_in_murmur2_partitions(broker):
    admin = admin_for(broker)
    result(admin.create_topics([NewTopic("keyed", 6, 1)])["keyed"])
    keys = [f"user-{i}".encode() for i in range(40)]
    placed = {}
    for run in range(2):
        p = Producer({"bootstrap.servers": broker.bootstrap, "partitioner": "murmur2_random",
                      "acks": "all"})
        reports = []
        for k in keys:
            p.produce("keyed", key=k, value=b"run%d" % run,
                      on_delivery=lambda err, msg: reports.append((err, msg)))
        assert p.flush(30) == 0
        assert all(err is None for err, _ in reports)
        for _, m in reports:
            assert m.partition() == kafka_partition(m.key(), 6), m.key()
            assert placed.setdefault(m.key(), m.partition()) == m.partition()
    # Every partition holds exactly the records of its keys, twice.
    for part in range(6):
        mine = [k for k in keys if kafka_partition(k, 6) == part]
        got = consume_partition(broker.bootstrap, "keyed", part, 2 * len(mine))
        assert [m.key() for m in got] == mine + mine
        assert [m.value() for m in got] == [b"run0"] * len(mine) + [b"run1"] * len(mine)
