"""Config changes made with kafka-configs take effect without a restart, and dynamic broker
configs outlive one: a topic's retention.ms deletes its old segments, the cluster-wide default
log.retention.ms does the same for a topic without an override, message.max.bytes refuses a
larger batch at once, log.cleaner.threads set on broker 1 is reported with source
DYNAMIC_BROKER_CONFIG before and after the broker restarts, and the next cleaner pass runs on
that many threads; a new log.cleaner.backoff.ms replaces the pause under way."""
import os
import subprocess
import time

import pytest
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import BIN, Broker, wait_until


def configs(broker, *args):
    p = subprocess.run([os.path.join(BIN, "kafka-configs"), "--bootstrap-server", broker.bootstrap, *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def create(broker, name, config):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic(name, 1, 1, config=config)], operation_timeout=30).values():
        f.result(30)


def produce(broker, topic, count, size=100):
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "batch.num.messages": 1})
    for i in range(count):
        p.produce(topic, value=b"x" * size, key=str(i).encode())
        p.poll(0)
    assert p.flush(30) == 0


def segments(broker, topic):
    d = os.path.join(broker.log_dir, f"{topic}-0")
    return sorted(f for f in os.listdir(d) if f.endswith(".log"))


def earliest(broker, topic):
    p = subprocess.run([os.path.join(BIN, "kafka-get-offsets"), "--bootstrap-server", broker.bootstrap,
                        "--topic", topic, "--time", "earliest"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return int(p.stdout.strip().split(":")[-1])


@pytest.fixture
def broker(tmp_path):
    b = Broker(str(tmp_path / "data"), overrides={"log.retention.check.interval.ms": "200",
                                                         "log.cleaner.backoff.ms": "200"})
    os.makedirs(b.log_dir)
    b.start()
    try:
        yield b
    finally:
        b.stop()


def test_topic_retention_applies_live(broker):
    create(broker, "live-retention", {"segment.bytes": "1024"})
    produce(broker, "live-retention", 60)
    assert len(segments(broker, "live-retention")) > 3
    assert earliest(broker, "live-retention") == 0
    out = configs(broker, "--alter", "--topic", "live-retention", "--add-config", "retention.ms=1")
    assert out == "Completed updating config for topic live-retention.\n"
    wait_until(lambda: earliest(broker, "live-retention") > 0, timeout=30, message="old segments deleted")
    assert len(segments(broker, "live-retention")) == 1


def test_broker_default_retention_applies_to_topics_without_override(broker):
    create(broker, "inherits", {"segment.bytes": "1024"})
    create(broker, "overrides", {"segment.bytes": "1024", "retention.ms": "-1"})
    produce(broker, "inherits", 60)
    produce(broker, "overrides", 60)
    out = configs(broker, "--alter", "--entity-type", "brokers", "--entity-default", "--add-config", "log.retention.ms=1")
    assert out == "Completed updating default config for brokers in the cluster.\n"
    wait_until(lambda: earliest(broker, "inherits") > 0, timeout=30, message="inherited retention applied")
    assert earliest(broker, "overrides") == 0
    assert "retention" not in configs(broker, "--describe", "--topic", "inherits")  # no override of its own
    described = configs(broker, "--describe", "--broker-defaults")
    assert "  log.retention.ms=1 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1}\n" in described


def test_message_max_bytes_applies_live(broker):
    create(broker, "sized", {})
    produce(broker, "sized", 1, size=5000)
    configs(broker, "--alter", "--broker", "1", "--add-config", "message.max.bytes=2000")
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "message.max.bytes": 100000})
    errors = []
    p.produce("sized", value=b"y" * 5000, on_delivery=lambda err, msg: errors.append(err))
    p.flush(30)
    assert errors and errors[0] is not None and errors[0].name() == "MSG_SIZE_TOO_LARGE"
    configs(broker, "--alter", "--broker", "1", "--delete-config", "message.max.bytes")
    produce(broker, "sized", 1, size=5000)


def test_cleaner_threads_is_dynamic_and_survives_restart(broker):
    out = configs(broker, "--alter", "--broker", "1", "--add-config", "log.cleaner.threads=2")
    assert out == "Completed updating config for broker 1.\n"
    expected = ("Dynamic configs for broker 1 are:\n"
                "  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=2, "
                "DEFAULT_CONFIG:log.cleaner.threads=1}\n")
    assert configs(broker, "--describe", "--broker", "1") == expected
    broker.restart()
    assert configs(broker, "--describe", "--broker", "1") == expected
    configs(broker, "--alter", "--broker", "1", "--delete-config", "log.cleaner.threads")
    assert configs(broker, "--describe", "--broker", "1") == "Dynamic configs for broker 1 are:\n"


def test_cleaner_threads_apply_to_the_next_pass(broker):
    def produce_keyed(topic, count):
        p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "batch.num.messages": 1})
        for i in range(count):
            p.produce(topic, value=b"v" * 100, key=f"k{i % 3}".encode())
            p.poll(0)
        assert p.flush(30) == 0

    compacted = {"cleanup.policy": "compact", "segment.bytes": "1024", "min.cleanable.dirty.ratio": "0.01"}
    for t in ("cleaned-a", "cleaned-b", "cleaned-c"):
        create(broker, t, compacted)
        produce_keyed(t, 60)
    wait_until(lambda: "cleaner threads" in broker.log(), timeout=60, message="a cleaner pass")
    assert "on 1 cleaner threads" in broker.log()
    # log.cleaner.backoff.ms is dynamic too: an hour's pause holds the next pass back until a
    # shorter one replaces it.
    configs(broker, "--alter", "--broker", "1", "--add-config", "log.cleaner.backoff.ms=3600000")
    configs(broker, "--alter", "--broker", "1", "--add-config", "log.cleaner.threads=3")
    for t in ("cleaned-a", "cleaned-b", "cleaned-c"):
        produce_keyed(t, 60)
    time.sleep(1)  # several backoffs of the fixture's 200 ms: no pass may run meanwhile
    assert "on 3 cleaner threads" not in broker.log()
    configs(broker, "--alter", "--broker", "1", "--add-config", "log.cleaner.backoff.ms=100")
    wait_until(lambda: "on 3 cleaner threads" in broker.log(), timeout=60, message="a pass on three cleaner threads")
