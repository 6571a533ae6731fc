"""Dynamic broker configs in a cluster (two brokers and etcd): kafka-configs sets them through
any broker; they are kept in etcd, every broker sees them (a broker's own through a bootstrap on
the other one, the cluster-wide default on both), they apply live (retention of a topic without
an override) and outlive a restart of the broker."""
import base64
import json
import os
import subprocess

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from cluster import cluster_factory  # noqa: F401 (fixture)
from conftest import BIN, wait_until


def configs(bootstrap, *args):
    p = subprocess.run([os.path.join(BIN, "kafka-configs"), "--bootstrap-server", bootstrap, *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def earliest(bootstrap, topic):
    p = subprocess.run([os.path.join(BIN, "kafka-get-offsets"), "--bootstrap-server", bootstrap, "--topic", topic,
                        "--time", "earliest"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return int(p.stdout.strip().split(":")[-1])


def test_dynamic_broker_configs_in_etcd(cluster_factory):  # noqa: F811
    c = cluster_factory(size=2, overrides={"log.retention.check.interval.ms": "200"})
    b1, b2 = c.broker(1).bootstrap, c.broker(2).bootstrap

    assert configs(b1, "--alter", "--broker", "2", "--add-config", "log.cleaner.threads=3") == \
        "Completed updating config for broker 2.\n"
    own = ("Dynamic configs for broker 2 are:\n"
           "  log.cleaner.threads=3 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=3, "
           "DEFAULT_CONFIG:log.cleaner.threads=1}\n")
    assert configs(b1, "--describe", "--broker", "2") == own
    assert configs(b1, "--describe", "--broker", "1") == "Dynamic configs for broker 1 are:\n"

    assert configs(b2, "--alter", "--broker-defaults", "--add-config", "log.retention.ms=1") == \
        "Completed updating default config for brokers in the cluster.\n"
    default = ("Default configs for brokers in the cluster are:\n"
               "  log.retention.ms=1 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1}\n")
    # Each broker answers from its own image of etcd.
    wait_until(lambda: configs(b1, "--describe", "--broker-defaults") == default, timeout=30,
               message="the default seen by broker 1")
    kvs = c.etcd.range(0, c.prefix + "/configs/brokers/<default>")
    assert json.loads(base64.b64decode(kvs[0]["value"])) == {"log.retention.ms": "1"}

    # Applied live on whichever broker leads the partition.
    admin = AdminClient({"bootstrap.servers": c.bootstrap})
    for f in admin.create_topics([NewTopic("inherits", 2, 1, config={"segment.bytes": "1024"})],
                                 operation_timeout=30).values():
        f.result(30)
    p = Producer({"bootstrap.servers": c.bootstrap, "linger.ms": 0, "batch.num.messages": 1})
    for i in range(120):
        p.produce("inherits", value=b"x" * 100, partition=i % 2)
        p.poll(0)
    assert p.flush(30) == 0
    wait_until(lambda: earliest(c.bootstrap, "inherits") > 0, timeout=30, message="retention applied")

    c.broker(2).restart()
    c.wait_for_brokers([1, 2])
    assert configs(b2, "--describe", "--broker", "2") == own
    configs(b1, "--alter", "--broker", "2", "--delete-config", "log.cleaner.threads")
    configs(b1, "--alter", "--broker-defaults", "--delete-config", "log.retention.ms")
    assert configs(b1, "--describe", "--broker", "2") == "Dynamic configs for broker 2 are:\n"
    assert c.etcd.range(0, c.prefix + "/configs/brokers/<default>") == []
