"""kafka-storage, ours and Apache Kafka's, side by side (parity.py): Kafka's KRaft quickstart
(random-uuid, format -t <id> -c <config>), formatting twice, info, and the usual mistakes.
Neither needs a broker; each run formats log dirs of its own."""
import os
import re

import pytest

from parity import NORMALIZE, Scenario, check

T = "kafka-storage"
CLUSTER = "4L6g3nShT-eMCtK--X86sw"

# Random per call: the id random-uuid prints, and the directory.id format gives each dir.
NORMALIZE["random_uuid"] = lambda t: re.sub(r"(?m)^[A-Za-z0-9_-]{22}$", "<uuid>", t)
NORMALIZE["directory_id"] = lambda t: re.sub(r"directory\.id=[A-Za-z0-9_-]{22}", "directory.id=<id>", t)
# Kafka formats the log dirs in hash order; the "Formatting ..." lines are compared sorted.
# Kafka prints the KRaft bootstrap records it writes into the metadata log; Moldau keeps its
# metadata elsewhere and writes none.
NORMALIZE["format_order"] = lambda t: re.sub(r"(?m)((?:^Formatting .*\n)+)", lambda m: "".join(sorted(m.group(1).splitlines(keepends=True))), t)
NORMALIZE["bootstrap_records"] = lambda t: re.sub(r"(?m)^Bootstrap metadata: .*\n", "", t)
# Which formatted dir Kafka names is the first of a HashMap keyed by the dirs' full paths, and
# each side runs in its own temporary dir: ours computes Kafka's order for its own paths.
NORMALIZE["formatted_dir"] = lambda t: re.sub(r"(Log directory \{dir\}/)logs-[ab]( is already formatted)", r"\1logs-?\2", t)


def kraft_config(formatted=False, voters=False):
    """A KRaft quickstart config (config/server.properties of Kafka 4) with two log dirs."""
    def prepare(d):
        cfg = os.path.join(d, "server.properties")
        with open(cfg, "w") as f:
            f.write("process.roles=broker,controller\nnode.id=1\n"
                    "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n"
                    + ("controller.quorum.voters=1@localhost:9093\n" if voters else
                       "controller.quorum.bootstrap.servers=localhost:9093\n")
                    + f"log.dirs={d}/logs-a,{d}/logs-b\n")
        if formatted:
            for sub, dir_id in (("logs-a", "q7ibGTaiR06jzqo71Lvw6Q"), ("logs-b", "deBBh0vyVWcz3nZwWtwNtQ")):
                os.makedirs(os.path.join(d, sub))
                with open(os.path.join(d, sub, "meta.properties"), "w") as f:
                    f.write(f"#\n#Mon Nov 30 19:50:49 UTC 2026\nnode.id=1\ndirectory.id={dir_id}\n"
                            f"version=1\ncluster.id={CLUSTER}\n")
        return {"{config}": cfg, "{dir}": d}
    return prepare


SCENARIOS = [
    Scenario("random-uuid", T, ["random-uuid"], brokers=False, norms=("random_uuid",)),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("unknown command", T, ["formatt"], brokers=False),
    Scenario("format quickstart standalone", T, ["format", "--standalone", "-t", CLUSTER, "-c", "{config}"],
             brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order")),
    Scenario("format with voters", T, ["format", "-t", CLUSTER, "-c", "{config}"],
             brokers=False, prepare=kraft_config(voters=True), norms=("bootstrap_records", "format_order")),
    Scenario("format long flags", T, ["format", "--cluster-id", CLUSTER, "--config", "{config}", "--standalone"],
             brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order")),
    Scenario("format without quorum flag", T, ["format", "-t", CLUSTER, "-c", "{config}"],
             brokers=False, prepare=kraft_config()),
    Scenario("format formatted", T, ["format", "--standalone", "-t", CLUSTER, "-c", "{config}"],
             brokers=False, prepare=kraft_config(formatted=True), norms=("formatted_dir",)),
    Scenario("format ignore-formatted", T, ["format", "--standalone", "-t", CLUSTER, "-c", "{config}",
                                            "--ignore-formatted"],
             brokers=False, prepare=kraft_config(formatted=True)),
    Scenario("format without cluster id", T, ["format", "-c", "{config}"], brokers=False, prepare=kraft_config()),
    Scenario("format without config", T, ["format", "-t", CLUSTER], brokers=False),
    Scenario("format bad cluster id", T, ["format", "--standalone", "-t", "not-a-uuid", "-c", "{config}"],
             brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order")),
    Scenario("format missing config file", T, ["format", "-t", CLUSTER, "-c", "/nonexistent/server.properties"],
             brokers=False, norms=("java_uncaught",)),
    Scenario("info", T, ["info", "-c", "{config}"], brokers=False, prepare=kraft_config(formatted=True),
             norms=("directory_id",)),
    Scenario("info unformatted", T, ["info", "-c", "{config}"], brokers=False, prepare=kraft_config()),
]

@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn):
    check(scn, [])
