"""kafkajs against the broker: admin and a keyed gzip producer (js/basic.js); the records are
read back without a consumer group through librdkafka (kafkajs has no group-less consumer, and
consumer groups are delivered separately)."""
import json
import os
import shutil
import subprocess

import pytest

from broker_clients import consume_partition, kafka_partition

JS_DIR = os.path.join(os.path.dirname(__file__), "js")


@pytest.fixture
def node():
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(JS_DIR, "node_modules", "kafkajs")):
        pytest.fail("kafkajs is not installed: run scripts/setup (npm ci in tests/integration/js)")
    return node


def test_kafkajs_admin_and_produce(broker, node):
    p = subprocess.run([node, os.path.join(JS_DIR, "basic.js"), broker.bootstrap, "js-topic"],
                       capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["created"] is True
    assert out["createdAgain"] is False
    assert out["configs"] == [
        {"name": "cleanup.policy", "value": "delete", "isDefault": True, "source": 5,
         "readOnly": False},
        {"name": "retention.ms", "value": "7200000", "isDefault": False, "source": 1,
         "readOnly": False},
    ]
    assert out["shrinkError"] == "INVALID_PARTITIONS"
    assert out["partitions"] == [[0, 1], [1, 1], [2, 1], [3, 1]]

    keys = [f"key-{i}" for i in range(40)]
    per_partition = {p: [k for k in keys if kafka_partition(k.encode(), 4) == p] for p in range(4)}
    assert out["sent"] == [[p, "0"] for p in range(4) if per_partition[p]]
    assert out["offsets"] == [[p, "0", str(len(per_partition[p]))] for p in range(4)]
    assert out["topicsAfterDelete"] == ["js-topic"]

    for part, mine in per_partition.items():
        if not mine:
            continue
        got = consume_partition(broker.bootstrap, "js-topic", part, len(mine))
        assert [m.offset() for m in got] == list(range(len(mine)))
        assert [m.key().decode() for m in got] == mine
        assert [m.value().decode() for m in got] == [f"kafkajs {k[4:]}" for k in mine]
        assert [m.headers() for m in got] == [[("i", k[4:].encode())] for k in mine]


def broker_serves_groups(bootstrap):
    """True when the broker advertises JoinGroup (API key 11) in ApiVersions."""
    from broker_clients import Buf, Wire
    with Wire(bootstrap) as w:
        r = w.request(18, 0, Buf(), flexible=False)
        assert r.i16() == 0
        keys = []
        for _ in range(r.array()):
            keys.append(r.i16())
            r.i16()
            r.i16()
    return 11 in keys


def test_kafkajs_group_consumer(broker, node):
    """A kafkajs group consumer (FindCoordinator, JoinGroup, SyncGroup, OffsetCommit)."""
    assert broker_serves_groups(broker.bootstrap)
    p = subprocess.run([node, os.path.join(JS_DIR, "basic.js"), broker.bootstrap, "js-group"],
                       capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([node, os.path.join(JS_DIR, "consume_group.js"), broker.bootstrap,
                        "js-group", "js-readers", "40"],
                       capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert p.returncode == 0, p.stderr
    got = [json.loads(line) for line in p.stdout.splitlines()]
    expected = []
    for part in range(4):
        mine = [i for i in range(40) if kafka_partition(f"key-{i}".encode(), 4) == part]
        expected += [[part, n, f"key-{i}", f"kafkajs {i}"] for n, i in enumerate(mine)]
    assert got == expected
