"""kafka-storage with our broker: Kafka's KRaft quickstart steps (random-uuid, format -t -c) give
the broker its cluster id; log dirs of another cluster stop it, as in Kafka."""
import os
import re
import subprocess

from confluent_kafka.admin import AdminClient

from conftest import BIN, SOURCE, Broker, java_string_hash, tool


def write_config(path, dirs):
    with open(path, "w") as f:
        f.write(f"node.id=1\nlog.dirs={','.join(dirs)}\n")


def read_meta(d):
    with open(os.path.join(d, "meta.properties")) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line and not line.startswith("#"))


def cluster_id_of(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=30).cluster_id


def first_in_java_hashmap(paths):
    """The path a java.util.HashMap keyed by these strings (16 buckets) iterates first: the dir
    Kafka's format names when several are formatted already."""
    def bucket(s):
        h = java_string_hash(s)
        return (h ^ (h >> 16)) & 15
    return min(paths, key=bucket)


def test_random_uuid_then_format_gives_the_broker_its_cluster_id(tmp_path):
    r = tool("kafka-storage", "random-uuid")
    assert r.returncode == 0 and re.fullmatch(r"[A-Za-z0-9_-]{22}\n", r.stdout), r
    cluster = r.stdout.strip()
    dirs = [str(tmp_path / "a"), str(tmp_path / "b")]
    cfg = str(tmp_path / "server.properties")
    write_config(cfg, dirs)
    r = tool("kafka-storage", "format", "-t", cluster, "-c", cfg)
    assert r.returncode == 0, r
    assert r.stdout == (f"Formatting metadata directory {dirs[0]} with metadata.version 4.4-IV2.\n"
                        f"Formatting data directory {dirs[1]} with metadata.version 4.4-IV2.\n")
    metas = [read_meta(d) for d in dirs]
    assert [m["cluster.id"] for m in metas] == [cluster, cluster]
    assert [m["node.id"] for m in metas] == ["1", "1"]
    assert metas[0]["directory.id"] != metas[1]["directory.id"]
    # Formatting again is refused; --ignore-formatted skips.
    r = tool("kafka-storage", "format", "-t", cluster, "-c", cfg)
    assert (r.returncode, r.stderr) == (1, f"Log directory {first_in_java_hashmap(dirs)} is already formatted. Use --ignore-formatted "
                                           "to ignore this directory and format the others.\n")
    r = tool("kafka-storage", "format", "-t", cluster, "-c", cfg, "--ignore-formatted")
    assert (r.returncode, r.stdout) == (0, "All of the log directories are already formatted.\n")

    broker = Broker(dirs[0], overrides={"log.dirs": ",".join(dirs)})
    broker.start()
    try:
        assert cluster_id_of(broker.bootstrap) == cluster
    finally:
        assert broker.stop() == 0


def test_broker_refuses_log_dirs_of_another_cluster(tmp_path):
    d = str(tmp_path / "data")
    os.makedirs(d)
    broker = Broker(d)
    broker.start()
    first = cluster_id_of(broker.bootstrap)
    assert broker.stop() == 0
    # The broker formatted the dir itself on first start.
    assert read_meta(d)["cluster.id"] == first
    # Formatted again for another cluster (by hand, as after copying dirs between clusters).
    os.remove(os.path.join(d, "meta.properties"))
    cfg = str(tmp_path / "server.properties")
    write_config(cfg, [d])
    assert tool("kafka-storage", "format", "-t", "AAAAAAAAAAAAAAAAAAAAAQ", "-c", cfg).returncode == 0
    proc = subprocess.run([os.path.join(BIN, "kafka-server-start"), os.path.join(SOURCE, "config", "server.properties"),
                           "--override", f"log.dirs={d}", "--override", "listeners=PLAINTEXT://127.0.0.1:0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert f"Invalid cluster.id in: {d}/meta.properties. Expected {first}, but read AAAAAAAAAAAAAAAAAAAAAQ" in \
        proc.stdout + proc.stderr


def test_zookeeper_server_start_says_what_to_do_instead():
    r = tool("zookeeper-server-start", "config/zookeeper.properties")
    assert r.returncode == 1 and r.stdout == ""
    assert "kafka-server-start config/server.properties" in r.stderr
    assert "ZooKeeper is not needed" in r.stderr
