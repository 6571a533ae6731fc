"""A kafkajs group consumer (tests/integration/js/consume_group.js, kafkajs pinned in the
lockfile) consumes a topic completely, and its group's commits cover every record."""
import json
import os
import shutil
import subprocess

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

JS_DIR = os.path.join(os.path.dirname(__file__), "js")


def test_kafkajs_group_consumes_everything_and_commits(broker):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(JS_DIR, "node_modules", "kafkajs")):
        pytest.fail("kafkajs is not installed: run scripts/setup (npm ci in tests/integration/js)")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic("js-topic", 3, 1)]).values():
        f.result(30)
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(30):
        p.produce("js-topic", key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 3)
    assert p.flush(30) == 0

    run = subprocess.run([node, os.path.join(JS_DIR, "consume_group.js"), broker.bootstrap, "js-topic",
                          "js-group", "30"], capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert run.returncode == 0, run.stderr
    got = [json.loads(line) for line in run.stdout.splitlines()]
    assert got == [[i % 3, i // 3, f"k{i}", f"v{i}"] for i in sorted(range(30), key=lambda i: (i % 3, i))]

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "js-group"})
    try:
        committed = c.committed([TopicPartition("js-topic", q) for q in range(3)], timeout=30)
        assert {tp.partition: tp.offset for tp in committed} == {0: 10, 1: 10, 2: 10}
    finally:
        c.close()
