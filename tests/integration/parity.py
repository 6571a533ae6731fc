"""Parity: our tool and Apache Kafka's tool, run on the same scenario against the same broker,
must print the same stdout and stderr and exit with the same code.

Each scenario runs against an Apache Kafka broker first and then against a Moldau broker (one of
each per test module, see `brokers`). Against each, Kafka's tool runs and then ours, and the two
results are compared after the normalizations the scenario names: only what must differ between
two runs or two implementations (ids, times, the version string, the JVM's stack traces) is
rewritten, each by a named rule below. Results are counted per tool; conftest.py prints the
counts at the end of the session.
"""
import concurrent.futures
import dataclasses
import difflib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import Callable, Optional

import pytest

import apache_kafka
from conftest import BIN, Broker

# Per tool: [matching scenario runs, scenario runs]; printed by conftest's terminal summary.
COUNTS = {}
TIMINGS = {"kafka tools": 0.0, "our tools": 0.0}
_timings_lock = threading.Lock()


def _strip_java_stack_frames(text):
    """A JVM's stack trace after its exception line (`\\tat ...`, `Caused by:`, `... N more`,
    `Suppressed:`): the exception line itself (class and message) stays and is compared."""
    out = []
    for line in text.splitlines(keepends=True):
        s = line.rstrip("\n")
        if re.match(r"^\s+at \S", s) or re.match(r"^\s+\.\.\. \d+ more$", s) or s.startswith("Caused by: "):
            continue
        # An exception's suppressed ones (Throwable.addSuppressed), part of its trace.
        if re.match(r"^\s+Suppressed: ", s):
            continue
        out.append(line)
    return "".join(out)


# The named normalizations. Each rewrites both outputs the same way.
NORMALIZE = {
    # The JVM's exception class in a tool's ERROR log line (ours names Kafka's when it knows it).
    "java_exception_class": lambda t: re.sub(r"(?m)^(\[TIME\] ERROR )([\w$]+\.)+[\w$]+(: )", r"\1<exception>\3", t),
    # The time kafka-replica-verification starts each line of its report with.
    "report_time": lambda t: re.sub(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: ", "<time>: ", t),
    # Log lines carry the time they were written.
    "log_time": lambda t: re.sub(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] ", "[TIME] ", t, flags=re.M),
    # JVM stack frames after an exception line.
    "java_stack_frames": _strip_java_stack_frames,
    # A JVM that dies of an exception says "Exception in thread "main" <class>: <message>"; our
    # tools say "Error: <message>".
    "java_uncaught": lambda t: re.sub(r'(?m)^Exception in thread "main" ([\w$]+\.)+[\w$]+: ', "Error: ", t),
    # Kafka names a set of options in its HashSet's order, which changes from run to run.
    "option_set_order": lambda t: re.sub(r'"\[(\[[^"]*\])\]"', lambda m: '"[' + ", ".join(sorted(m.group(1).split(", "))) + ']"', t),
    # Topic ids are random per topic.
    "topic_id": lambda t: re.sub(r"TopicId: [A-Za-z0-9_-]{22}", "TopicId: <id>", t),
    # JVM warnings about the JVM itself (never a tool's output).
    "jvm_warning": lambda t: re.sub(r"^OpenJDK 64-Bit Server VM warning:.*\n", "", t, flags=re.M),
    # The version a tool reports: Kafka's, and ours with Moldau's own after it.
    "version": lambda t: re.sub(r"^\d+\.\d+\.\d+( \(Moldau [^)]*\))?$", "<version>", t, flags=re.M),
    # The Java client shuffles its bootstrap nodes (Cluster.bootstrap), so a list of them comes
    # in a random order.
    "bootstrap_node_order": lambda t: re.sub(r"failed on brokers \[([^\]]*)\]", lambda m: "failed on brokers [" + ", ".join(
        sorted(re.findall(r"[^ ,][^,]*? \(id: -?\d+ rack: [^)]*\)", m.group(1)))) + "]", t),
    # When the admin client gives up on a call it says when, after how many tries.
    # Which of its two messages the Java admin client gives depends on timing: "Timed out waiting
    # for a node assignment" when no broker was chosen for the call before its deadline (a slow
    # machine), else the call's own timeout; both name the call.
    "admin_call_timeout": lambda t: re.sub(
        r"Call\(callName=([^,]+), deadlineMs=\d+, tries=\d+, nextAllowedTryMs=-?\d+\) timed out at \d+ after \d+ "
        r"attempt\(s\)|Timed out waiting for a node assignment\. Call: (\S+)",
        lambda m: f"<timed out: {m.group(1) or m.group(2)}>", t),
    # Per-partition results that the admin client keeps in an immutable map (Map.of), whose
    # order is random per JVM: kafka-delete-records' "partition: ..." lines, sorted.
    "partition_line_order": lambda t: re.sub(r"(?m)(^partition: .*\n)+", lambda m: "".join(
        sorted(m.group(0).splitlines(keepends=True))), t),
    # Client ids the Java client numbers per process (adminclient-1, producer-1, ...).
    "client_id": lambda t: re.sub(r"clientId=[\w.-]+", "clientId=<client>", t),
    # Consumer member ids: a client id and a random UUID.
    "member_id": lambda t: re.sub(r"\S+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<member>", t),
    # How many times a client logged that it could not connect depends on timing only.
    "repeated_warnings": lambda t: re.sub(r"((?:\[TIME\] )?WARN [^\n]*\n)(?:(?:\[TIME\] )?WARN [^\n]*\n)*", r"\1", t),
    # Log lines of the clients (WARN and above, as Kafka's tools-log4j2 lets through, or
    # librdkafka's): their wording is each client library's own, not the tool's.
    "client_log": lambda t: re.sub(r"^%\d\|\d+\.\d+\|\w+\|[^|]*\| .*\n", "", re.sub(
        r"^(\[TIME\] )?(WARN|ERROR|INFO) .*\((org\.apache\.kafka\.clients|rdkafka)[^)]*\)\n", "", t, flags=re.M),
        flags=re.M),
}


def drop_help_rows(*names):
    """A kept difference: our help has rows for options Kafka's lacks (Moldau's own, or ones
    Kafka 4 dropped that the notes still type). Removes those rows from our output."""
    def kept(out, err):
        for n in names:
            err = re.sub(r"(?m)^--" + re.escape(n) + r"\b.*\n(^  .*\n|^ {10,}.*\n)*", "", err)
        return out, err
    return kept


@dataclasses.dataclass
class Scenario:
    """One command line of one tool, run the same way by Kafka's tool and ours.

    args may hold {bootstrap} (the broker under test) and {topic} (a topic that `setup`
    prepares). A `fresh` scenario changes what it touches, so each tool run gets its own topic
    (named per run, rewritten to {topic} before comparing); otherwise both tools run on one
    setup. `brokers` is False for scenarios that talk to no broker (--help, a bad flag).
    `kept` names a difference we keep on purpose: a function (ours_stdout, ours_stderr) ->
    (stdout, stderr) applied to our output only, after which the rest must still match.
    """
    name: str
    tool: str
    args: list
    stdin: Optional[str] = None
    setup: Optional[Callable] = None
    fresh: bool = False
    brokers: bool = True
    norms: tuple = ()
    kept: Optional[Callable] = None
    timeout: float = 90
    env: Optional[dict] = None
    # prepare(dir) -> {placeholder: value}: files a run needs (a config, log dirs), made anew in
    # a dir of each run's own; the values are put back as placeholders before comparing.
    prepare: Optional[Callable] = None
    # Kafka's tool gets these arguments instead, where ours keeps accepting what Kafka 4 dropped
    # (the notes' --broker-list): the two must then do the same.
    kafka_args: Optional[list] = None
    # after(side, topic) -> text appended to stdout before comparing (the records a producer
    # wrote, a group's offsets): what the tool did, besides what it printed.
    after: Optional[Callable] = None
    # {side kind: reason}: a broker's known gap (not the tool's) that makes Kafka's tool fail
    # there; that run is counted, not compared, and GAPS lists it in the summary.
    broker_gap: Optional[dict] = None
    # A tool that runs until it is stopped (kafka-replica-verification): once its stdout holds
    # this text, it gets `stop_signal` as from a user's Ctrl-C or kill (and at `timeout`, if
    # the text never comes).
    stop_on: Optional[str] = None
    stop_signal: int = signal.SIGINT

    @property
    def id(self):
        return f"{self.tool}:{self.name}"


def files(**contents):
    """A Scenario's prepare: each named file written in the run's own dir; {name} is its path
    (name_ext for name.ext), {dir} the dir."""
    def prepare(d):
        paths = {}
        for name, text in contents.items():
            path = os.path.join(d, name.replace("_", "."))
            with open(path, "w") as f:
                f.write(text)
            paths["{" + name + "}"] = path
        paths["{dir}"] = d
        return paths
    return prepare


# A config file that does not exist, for the tools' missing-file scenarios.
MISSING = "/nonexistent-moldau-parity/missing.properties"


DEFAULT_NORMS = ("log_time", "java_stack_frames", "java_exception_class", "jvm_warning")


class Run:
    def __init__(self, code, out, err, seconds):
        self.code, self.out, self.err, self.seconds = code, out, err, seconds


def run_until(cmd, stop_on, sig, stdin=None, timeout=90, env=None, cwd=None):
    """Runs `cmd` until its stdout holds `stop_on`, then sends it `sig` (at `timeout` too) and
    waits for it to end; returns a CompletedProcess with text output."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    out, err = [], []
    seen = threading.Event()

    def pump(stream, sink, watch):
        text = ""
        for chunk in iter(lambda: stream.read1(65536), b""):
            sink.append(chunk)
            if watch and not seen.is_set():
                text += chunk.decode(errors="replace")
                if stop_on in text:
                    seen.set()

    readers = [threading.Thread(target=pump, args=(p.stdout, out, True), daemon=True),
               threading.Thread(target=pump, args=(p.stderr, err, False), daemon=True)]
    for r in readers:
        r.start()
    if stdin is not None:
        p.stdin.write(stdin.encode())
        p.stdin.close()
    deadline = time.monotonic() + timeout
    while p.poll() is None and not seen.is_set() and time.monotonic() < deadline:
        seen.wait(0.05)
    if p.poll() is None:
        p.send_signal(sig)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    for r in readers:
        r.join(10)
    return subprocess.CompletedProcess(cmd, p.returncode, b"".join(out).decode(errors="replace"),
                                       b"".join(err).decode(errors="replace"))


def run_ours(tool, args, stdin=None, timeout=90, env=None, cwd=None, stop_on=None, stop_signal=signal.SIGINT):
    t = time.monotonic()
    if stop_on is not None:
        p = run_until([os.path.join(BIN, tool), *args], stop_on, stop_signal, stdin, timeout, env, cwd)
    else:
        p = subprocess.run([os.path.join(BIN, tool), *args], input=stdin, capture_output=True, text=True,
                           timeout=timeout, env=env, cwd=cwd)
    dt = time.monotonic() - t
    with _timings_lock:
        TIMINGS["our tools"] += dt
    return Run(p.returncode, p.stdout, p.stderr, dt)


def run_kafka(tool, args, stdin=None, timeout=90, env=None, cwd=None, stop_on=None, stop_signal=signal.SIGINT):
    t = time.monotonic()
    if stop_on is not None:
        p = run_until(apache_kafka.tool_command(tool, *args), stop_on, stop_signal, stdin, timeout, env, cwd)
    else:
        p = apache_kafka.run_tool(tool, *args, input=stdin, timeout=timeout, env=env, cwd=cwd)
    dt = time.monotonic() - t
    with _timings_lock:
        TIMINGS["kafka tools"] += dt
    return Run(p.returncode, p.stdout, p.stderr, dt)


class Side:
    """A broker under test: `kind` is "kafka" or "moldau"."""

    def __init__(self, kind, bootstrap, log_dir=None):
        self.kind = kind
        self.bootstrap = bootstrap
        self.log_dir = log_dir  # the broker's log dir ({logdir} in a scenario's arguments)
        self.serial = 0

    def admin(self):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap})

    def create_topic(self, name, partitions=1, config=None):
        from confluent_kafka.admin import NewTopic
        admin = self.admin()  # kept alive until the futures are done
        fs = admin.create_topics([NewTopic(name, partitions, 1, config=config or {})], operation_timeout=30)
        for f in fs.values():
            f.result(60)
        # Wait until the topic's leaders are known (metadata propagates).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            md = admin.list_topics(name, timeout=10)
            t = md.topics.get(name)
            if t and t.error is None and len(t.partitions) == partitions and all(p.leader >= 0 for p in t.partitions.values()):
                return
            time.sleep(0.1)
        raise AssertionError(f"topic {name} not ready on {self.kind}")

    def produce(self, topic, values, keys=None, partition=None):
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0})
        for i, v in enumerate(values):
            kw = {}
            if keys is not None:
                kw["key"] = keys[i]
            if partition is not None:
                kw["partition"] = partition
            p.produce(topic, v, **kw)
        assert p.flush(60) == 0


def topic_with_records(partitions=3, per_partition=(2, 0, 5)):
    """A Scenario's setup: a topic of `partitions` partitions with that many records in each."""
    def setup(side, name):
        side.create_topic(name, partitions)
        for p, n in enumerate(per_partition[:partitions]):
            if n:
                side.produce(name, [f"v{i}".encode() for i in range(n)], partition=p)
    return setup


def read_records(side, topic, timeout=30):
    """Every record of `topic`, one line each, by partition and offset."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": "parity-reader", "enable.auto.commit": False,
                  "enable.partition.eof": True, "isolation.level": "read_uncommitted"})
    try:
        md = c.list_topics(topic, timeout=10).topics.get(topic)
        if md is None or md.error is not None:
            return "(no topic)\n"
        tps = []
        for p in sorted(md.partitions):
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if hi > lo:
                tps.append((p, lo, hi))
        if not tps:
            return ""
        c.assign([TopicPartition(topic, p, lo) for p, lo, _ in tps])
        want = {p: hi for p, _, hi in tps}
        got = {p: [] for p in want}
        deadline = time.monotonic() + timeout
        while any(not got[p] or got[p][-1][0] + 1 < want[p] for p in want) and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            got[m.partition()].append((m.offset(), m.key(), m.value(), m.headers()))
        lines = []
        for p in sorted(got):
            for off, k, v, h in got[p]:
                lines.append(f"p{p} o{off} key={k!r} value={v!r} headers={h!r}")
        return "".join(line + "\n" for line in lines)
    finally:
        c.close()


def substitute(args, side, topic):
    return [a.replace("{bootstrap}", side.bootstrap if side else "127.0.0.1:9").replace("{topic}", topic or "")
            .replace("{logdir}", (side.log_dir or "") if side else "") for a in args]


def normalize(text, norms, topic=None, subst=None):
    for placeholder, value in sorted((subst or {}).items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, placeholder)
    if topic:
        text = text.replace(topic, "{topic}")
    for n in norms:
        text = NORMALIZE[n](text)
    return text


def compare(scn, side, theirs, ours, topic_k, topic_m, subst_k=None, subst_m=None):
    norms = DEFAULT_NORMS + tuple(scn.norms)
    t_out, t_err = normalize(theirs.out, norms, topic_k, subst_k), normalize(theirs.err, norms, topic_k, subst_k)
    o_out, o_err = normalize(ours.out, norms, topic_m, subst_m), normalize(ours.err, norms, topic_m, subst_m)
    if scn.kept:
        o_out, o_err = scn.kept(o_out, o_err)
    problems = []
    if theirs.code != ours.code:
        problems.append(f"exit code: kafka {theirs.code}, ours {ours.code}")
    for what, a, b in (("stdout", t_out, o_out), ("stderr", t_err, o_err)):
        if a != b:
            diff = "".join(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                                "kafka", "ours", n=2))
            problems.append(f"{what} differs:\n{diff}")
    where = side.kind if side else "no broker"
    return [f"[{where}] {p}" for p in problems]


def check(scn, sides, tmpdir=None):
    """Runs the scenario against each side; records counts; fails with every difference.

    The sides run at the same time, and on each side Kafka's tool and ours run at the same time
    (a `fresh` scenario gives each its own topic; the others only read what the setup made):
    the JVM's start-up, not our tool, is what a scenario waits for."""
    problems = []
    cleanup = []
    try:
        targets = sides if scn.brokers else [None]
        with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
            for p in pool.map(lambda side: _check_side(scn, side, tmpdir, cleanup), targets):
                problems += p
    finally:
        for d in cleanup:
            shutil.rmtree(d, ignore_errors=True)
    if problems:
        pytest.fail(f"{scn.id}\n" + "\n".join(problems), pytrace=False)


_counts_lock = threading.Lock()


GAPS = []


def _check_side(scn, side, tmpdir, cleanup):
    if side is not None and scn.broker_gap and side.kind in scn.broker_gap:
        with _counts_lock:
            COUNTS.setdefault(scn.tool, [0, 0])[1] += 1
            GAPS.append(f"{scn.id} on {side.kind}: {scn.broker_gap[side.kind]}")
        return []
    topics = [None, None]
    if side is not None:
        with _counts_lock:
            side.serial += 1
            serial = side.serial
        base = re.sub(r"[^a-z0-9]+", "-", scn.name.lower()).strip("-")[:40] or "t"
        shared = f"{base}-{serial}"
        topics = [f"{shared}-k", f"{shared}-o"] if scn.fresh else [shared, shared]
        if scn.setup:
            for t in sorted(set(topics)):
                scn.setup(side, t)
    substs = [{}, {}]
    if scn.prepare:
        for i in range(2):
            d = tempfile.mkdtemp(prefix=f"parity-{'ko'[i]}-")
            cleanup.append(d)
            substs[i] = scn.prepare(d)

    def args_for(i, base=None):
        args = substitute(base if base is not None else scn.args, side, topics[i])
        for k, v in substs[i].items():
            args = [a.replace(k, v) for a in args]
        return args

    def theirs_run():
        r = run_kafka(scn.tool, args_for(0, scn.kafka_args), scn.stdin, scn.timeout, scn.env, tmpdir, scn.stop_on,
                      scn.stop_signal)
        if scn.after and side is not None:
            r.out += "--- after\n" + scn.after(side, topics[0])
        return r

    def ours_run():
        r = run_ours(scn.tool, args_for(1), scn.stdin, scn.timeout, scn.env, tmpdir, scn.stop_on, scn.stop_signal)
        if scn.after and side is not None:
            r.out += "--- after\n" + scn.after(side, topics[1])
        return r

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        f_theirs, f_ours = pool.submit(theirs_run), pool.submit(ours_run)
        theirs, ours = f_theirs.result(), f_ours.result()
    p = compare(scn, side, theirs, ours, topics[0], topics[1], substs[0], substs[1])
    with _counts_lock:
        counts = COUNTS.setdefault(scn.tool, [0, 0])
        counts[1] += 1
        if not p:
            counts[0] += 1
    return p


def make_sides():
    """Starts one Apache Kafka and one Moldau broker; returns (sides, stop)."""
    if not apache_kafka.available():
        raise AssertionError("Apache Kafka's jars are missing: run scripts/setup (it fetches them with Maven)")
    kafka = apache_kafka.KafkaBroker()
    tmp = tempfile.TemporaryDirectory(prefix="moldau-parity-")
    moldau = Broker(os.path.join(tmp.name, "data"), overrides={"offsets.topic.num.partitions": "5"})
    os.makedirs(moldau.log_dir)
    try:
        kafka.start()
        # Once per cache: the classes Kafka's tools load, shared by every JVM after (half the start-up).
        apache_kafka.prepare_class_sharing(kafka.bootstrap)
        moldau.start()
    except BaseException:
        kafka.stop()
        moldau.stop()
        tmp.cleanup()
        raise

    def stop():
        kafka.stop()
        moldau.stop()
        tmp.cleanup()

    return [Side("kafka", kafka.bootstrap, kafka.log_dir), Side("moldau", moldau.bootstrap, moldau.log_dir)], stop
