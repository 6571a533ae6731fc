"""kafka-storage, ours and Apache Kafka's, side by side (parity.py): Kafka's KRaft quickstart
(random-uuid, format -t <id> -c <config>), formatting twice, info, and the usual mistakes.
Neither needs a broker; each run formats log dirs of its own."""
import os
import re
import subprocess

import pytest

import apache_kafka
from parity import BIN, NORMALIZE, Scenario, check

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


VOTER_DIR = "q7ibGTaiR06jzqo71Lvw6Q"


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
    Scenario("format help", T, ["format", "--help"], brokers=False),
    # The quorum flags are one mutually exclusive group (argparse4j's wrapped, justified error).
    Scenario("format standalone and no-initial-controllers", T,
             ["format", "-t", CLUSTER, "-c", "{config}", "--standalone", "--no-initial-controllers"],
             brokers=False, prepare=kraft_config()),
    Scenario("format standalone and initial-controllers", T,
             ["format", "-t", CLUSTER, "-c", "{config}", "-s", "-I", f"1@localhost:9093:{VOTER_DIR}"],
             brokers=False, prepare=kraft_config()),
    Scenario("format no-initial-controllers", T, ["format", "-t", CLUSTER, "-c", "{config}", "-N"],
             brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order")),
    # This node among the initial voters: its metadata dir takes the voter's directory id.
    Scenario("format initial-controllers", T,
             ["format", "-t", CLUSTER, "-c", "{config}", "--initial-controllers",
              f"1@localhost:9093:{VOTER_DIR},2@[::1]:9094:deBBh0vyVWcz3nZwWtwNtQ"],
             brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order")),
    Scenario("format initial-controllers without this node", T,
             ["format", "-t", CLUSTER, "-c", "{config}", "-I", f"2@localhost:9093:{VOTER_DIR}"],
             brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order")),
    *[Scenario(f"format initial-controllers {name}", T, ["format", "-t", CLUSTER, "-c", "{config}", "-I", voters],
               brokers=False, prepare=kraft_config())
      for name, voters in (("empty", ""), ("without @", "localhost:9093"), ("bad id", f"x@localhost:9093:{VOTER_DIR}"),
                           ("without port", "1@localhost"),
                           ("unclosed bracket", "1@[::1:9093"), ("bracket without port", f"1@[::1]{VOTER_DIR}"), ("without directory", "1@localhost:9093"),
                           ("bad port", f"1@localhost:abc:{VOTER_DIR}"), ("bad directory", "1@localhost:9093:nope"),
                           ("twice", f"1@a:9093:{VOTER_DIR},1@b:9094:deBBh0vyVWcz3nZwWtwNtQ"))],
    *[Scenario(f"format release-version {v}", T, ["format", "-s", "-t", CLUSTER, "-c", "{config}", "-r", v],
               brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order"))
      for v in ("3.3", "3.9", "4.0", "4.4-IV0", "4.4.1", "3.2", "4.5-IV0", "abc")],
    *[Scenario(f"format feature {v}", T, ["format", "-s", "-t", CLUSTER, "-c", "{config}", "--feature", v],
               brokers=False, prepare=kraft_config(), norms=("bootstrap_records", "format_order"))
      for v in ("kraft.version=1", "group.version=0", "share.version=2", "metadata.version=20", "bogus",
                "group.version=abc", "group.version=99999", "group.version=9", "nosuch.version=1",
                "metadata.version=6", "metadata.version=34")],
    Scenario("format release-version and metadata.version feature", T,
             ["format", "-s", "-t", CLUSTER, "-c", "{config}", "-r", "3.9", "-f", "metadata.version=25"],
             brokers=False, prepare=kraft_config()),
    Scenario("format feature needing a newer metadata.version", T,
             ["format", "-s", "-t", CLUSTER, "-c", "{config}", "-r", "3.3", "-f", "eligible.leader.replicas.version=1"],
             brokers=False, prepare=kraft_config()),
    *[Scenario(f"format add-scram {name}", T, ["format", "-s", "-t", CLUSTER, "-c", "{config}", "--add-scram", arg],
               brokers=False, prepare=kraft_config())
      for name, arg in (("without equals", "bogus"), ("unknown mechanism", "SCRAM-SHA-999=[name=a,password=b]"),
                        ("without brackets", "SCRAM-SHA-256=name=a,password=b"),
                        ("without name", "SCRAM-SHA-256=[password=b]"), ("without password", "SCRAM-SHA-256=[name=a]"),
                        ("few iterations", "SCRAM-SHA-256=[name=a,password=b,iterations=1]"),
                        ("unknown key", "SCRAM-SHA-256=[name=a,password=b,bogus=1]"))],
    Scenario("version-mapping", T, ["version-mapping"], brokers=False),
    Scenario("version-mapping help", T, ["version-mapping", "--help"], brokers=False),
    *[Scenario(f"version-mapping {v}", T, ["version-mapping", "--release-version", v], brokers=False)
      for v in ("3.3-IV3", "3.9", "4.0", "4.1-IV0", "4.2", "4.4.1", "4.5-IV0", "4.5", "3.2")],
    Scenario("version-mapping extra argument", T, ["version-mapping", "extra"], brokers=False),
    Scenario("feature-dependencies help", T, ["feature-dependencies", "--help"], brokers=False),
    Scenario("feature-dependencies without feature", T, ["feature-dependencies"], brokers=False),
    Scenario("feature-dependencies", T, ["feature-dependencies", "-f", "eligible.leader.replicas.version=1",
                                         "-f", "metadata.version=23", "--feature", "transaction.version=2"],
             brokers=False),
    *[Scenario(f"feature-dependencies {v}", T, ["feature-dependencies", "-f", "group.version=1", "-f", v], brokers=False)
      for v in ("metadata.version=34", "metadata.version=6", "nodots", "group.version=x", "bogus=1", "share.version=3")],
    Scenario("info", T, ["info", "-c", "{config}"], brokers=False, prepare=kraft_config(formatted=True),
             norms=("directory_id",)),
    Scenario("info unformatted", T, ["info", "-c", "{config}"], brokers=False, prepare=kraft_config()),
]

@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn):
    check(scn, [])


def _format(tool_runner, d, *flags):
    paths = kraft_config()(d)
    return tool_runner(["format", "-t", CLUSTER, "-c", paths["{config}"], *flags])


def _ours(args):
    return subprocess.run([os.path.join(BIN, T), *args], capture_output=True, text=True, timeout=60)


def _kafkas(args):
    return apache_kafka.run_tool(T, *args, timeout=90)


def _directory_id(d, sub):
    with open(os.path.join(d, sub, "meta.properties")) as f:
        return re.search(r"(?m)^directory\.id=(\S+)$", f.read()).group(1)


def test_initial_controllers_name_the_metadata_dirs_id(tmp_path):
    """A node among --initial-controllers formats its metadata dir (the first log dir) with the
    directory id its voter entry names, as Kafka's tool does; the data dir gets a new one."""
    voters = f"1@localhost:9093:{VOTER_DIR},2@localhost:9094:deBBh0vyVWcz3nZwWtwNtQ"
    for name, runner in (("kafka", _kafkas), ("ours", _ours)):
        d = str(tmp_path / name)
        os.makedirs(d)
        r = _format(runner, d, "-I", voters)
        assert r.returncode == 0, (name, r.stdout, r.stderr)
        assert _directory_id(d, "logs-a") == VOTER_DIR, name
        assert _directory_id(d, "logs-b") not in (VOTER_DIR, "deBBh0vyVWcz3nZwWtwNtQ"), name


def test_add_scram_is_refused_since_the_broker_has_no_sasl(tmp_path):
    """Kafka writes --add-scram's credentials into the cluster's first metadata. A Moldau broker
    has no SASL, so nobody could log in with them: ours refuses (exit 1, nothing formatted)
    rather than format and drop them. Kafka's tool, on the same command, formats."""
    scram = "SCRAM-SHA-256=[name=alice,password=alice-secret]"
    d = str(tmp_path / "ours")
    os.makedirs(d)
    r = _format(_ours, d, "-s", "-S", scram)
    assert r.returncode == 1 and r.stdout == "", (r.stdout, r.stderr)
    assert r.stderr == ("Moldau brokers have no SASL, so SCRAM credentials cannot be used; format without "
                        "--add-scram.\n"), r.stderr
    assert not os.path.exists(os.path.join(d, "logs-a", "meta.properties"))
    k = str(tmp_path / "kafka")
    os.makedirs(k)
    r = _format(_kafkas, k, "-s", "-S", scram)
    assert r.returncode == 0 and "UserScramCredentialRecord(name='alice'" in r.stdout, (r.stdout, r.stderr)
