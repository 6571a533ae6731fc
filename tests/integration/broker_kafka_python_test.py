"""kafka-python against the broker: KafkaAdminClient (create, describe configs, delete),
a gzip producer, and a consumer without a group."""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError

from conftest import wait_until


def test_admin_produce_gzip_consume(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=30000)
    try:
        admin.create_topics([NewTopic("kp", num_partitions=2, replication_factor=1,
                                      topic_configs={"retention.bytes": "1048576"})])
        assert set(admin.list_topics()) == {"kp"}
        try:
            admin.create_topics([NewTopic("kp", num_partitions=1, replication_factor=1)])
            raise AssertionError("second create succeeded")
        except TopicAlreadyExistsError:
            pass

        [resp] = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp")],
                                        include_synonyms=True)
        [(error_code, _msg, resource_type, name, entries)] = resp.resources
        assert (error_code, resource_type, name) == (0, 2, "kp")
        by_name = {e[0]: e for e in entries}
        # (name, value, read_only, config_source, is_sensitive, synonyms)
        assert by_name["retention.bytes"][1:5] == ("1048576", False, 1, False)
        assert by_name["retention.bytes"][5] == [("retention.bytes", "1048576", 1),
                                                 ("log.retention.bytes", "-1", 5)]
        assert by_name["cleanup.policy"][1:5] == ("delete", False, 5, False)
        assert by_name["cleanup.policy"][5] == [("log.cleanup.policy", "delete", 5)]

        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type="gzip",
                                 acks="all", linger_ms=20)
        futures = [producer.send("kp", key=b"key-%d" % i, value=b"gzip value %d" % i,
                                 partition=i % 2, headers=[("i", b"%d" % i)])
                   for i in range(30)]
        producer.flush(30)
        metas = [f.get(timeout=30) for f in futures]
        assert [(m.partition, m.offset) for m in metas] == [(i % 2, i // 2) for i in range(30)]
        producer.close(10)

        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                                 enable_auto_commit=False, auto_offset_reset="earliest",
                                 consumer_timeout_ms=1000)
        consumer.assign([TopicPartition("kp", 0), TopicPartition("kp", 1)])
        got = []
        deadline = time.monotonic() + 30
        while len(got) < 30 and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend(records)
        consumer.close()
        got.sort(key=lambda r: (r.partition, r.offset))
        expected = sorted(((i % 2, i // 2, b"key-%d" % i, b"gzip value %d" % i,
                            [("i", b"%d" % i)]) for i in range(30)))
        assert [(r.partition, r.offset, r.key, r.value, r.headers) for r in got] == expected

        admin.delete_topics(["kp"])
        wait_until(lambda: "kp" not in admin.list_topics(), message="kp deleted")
        try:
            admin.delete_topics(["kp"])
            raise AssertionError("deleting a missing topic succeeded")
        except UnknownTopicOrPartitionError:
            pass
    finally:
        admin.close()
