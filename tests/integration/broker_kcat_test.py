"""kcat against the broker: metadata (-L, -J), produce with keys and headers in all five
codecs, consume to the end (-e) with exact output."""
import json
import subprocess

import pytest
from confluent_kafka.admin import AdminClient, NewTopic


def kcat(*args, input=None, timeout=60):
    p = subprocess.run(["kcat", *args], input=input, capture_output=True, text=True,
                       timeout=timeout)
    assert p.returncode == 0, f"kcat {' '.join(args)} exited {p.returncode}: {p.stderr}"
    return p.stdout


def create_topics(bootstrap, *topics):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in topics])
    for f in futures.values():
        f.result(timeout=30)


def test_metadata_text_and_json(broker):
    create_topics(broker.bootstrap, ("alpha", 2), ("beta", 1))
    out = kcat("-b", broker.bootstrap, "-L")
    lines = out.splitlines()
    assert lines[0].startswith("Metadata for all topics (from broker ")
    assert lines[1] == " 1 brokers:"
    assert lines[2] == f"  broker 1 at 127.0.0.1:{broker.port} (controller)"
    assert lines[3] == " 2 topics:"
    assert sorted(lines[4:]) == sorted([
        '  topic "alpha" with 2 partitions:',
        "    partition 0, leader 1, replicas: 1, isrs: 1",
        "    partition 1, leader 1, replicas: 1, isrs: 1",
        '  topic "beta" with 1 partitions:',
        "    partition 0, leader 1, replicas: 1, isrs: 1",
    ])

    meta = json.loads(kcat("-b", broker.bootstrap, "-L", "-J", "-t", "alpha"))
    assert meta["controllerid"] == 1
    assert meta["brokers"] == [{"id": 1, "name": f"127.0.0.1:{broker.port}"}]
    assert meta["topics"] == [{
        "topic": "alpha",
        "partitions": [
            {"partition": 0, "leader": 1, "replicas": [{"id": 1}], "isrs": [{"id": 1}]},
            {"partition": 1, "leader": 1, "replicas": [{"id": 1}], "isrs": [{"id": 1}]},
        ],
    }]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_produce_keys_headers_and_consume_to_end(broker, codec):
    topic = f"kcat-{codec}"
    create_topics(broker.bootstrap, (topic, 2))
    records = [f"key{i}:value {i} " + "x" * (i * 37 % 200) for i in range(50)]
    kcat("-b", broker.bootstrap, "-P", "-t", topic, "-p", "1", "-K", ":",
         "-H", "h1=one", "-H", "h2=two", "-X", f"compression.codec={codec}",
         input="\n".join(records) + "\n")
    # A second, header-less batch after the first.
    kcat("-b", broker.bootstrap, "-P", "-t", topic, "-p", "1", "-K", ":",
         "-X", f"compression.codec={codec}", input="last:end\n")

    out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-p", "1", "-o", "beginning", "-e",
               "-f", "%p|%o|%k|%s|%h\n")
    expected = [f"1|{i}|key{i}|value {i} " + "x" * (i * 37 % 200) + "|h1=one,h2=two"
                for i in range(50)]
    expected.append("1|50|last|end|")
    assert out.splitlines() == expected

    # The other partition is empty: -e ends at once with nothing printed.
    assert kcat("-b", broker.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning",
                "-e", "-f", "%o\n") == ""

    # Consuming from an offset in the middle ends at the same place.
    out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-p", "1", "-o", "48", "-e",
               "-f", "%o:%k\n")
    assert out.splitlines() == ["48:key48", "49:key49", "50:last"]
