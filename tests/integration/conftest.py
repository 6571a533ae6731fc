"""Shared fixtures for integration tests: real broker processes on free ports, temp log dirs.

Every test talks to a real `kafka-server-start` from the build (MOLDAU_BIN), never to a fake.
Waits are on conditions with generous deadlines, never fixed sleeps.
"""
import os
import resource
import signal
import socket
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("MOLDAU_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
SOURCE = os.environ.get("MOLDAU_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=30.0, interval=0.05, message="condition"):
    """Polls `predicate` until it returns a truthy value; fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - keep polling until the deadline
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}" +
                         (f" (last error: {last_error!r})" if last_error else ""))


def java_string_hash(s):
    """Java's String.hashCode as an unsigned 32-bit value (BMP characters: one UTF-16 unit each)."""
    h = 0
    for ch in s:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h


def java_partition(key, partitions):
    """Kafka's Utils.abs(key.hashCode()) % partitions: where a group or transaction lives."""
    h = java_string_hash(key)
    h = h - (1 << 32) if h >= 1 << 31 else h
    return (0 if h == -(1 << 31) else abs(h)) % partitions


class Broker:
    """One broker process. start() waits until it accepts connections."""

    def __init__(self, log_dir, port=None, overrides=None, nofile=None):
        self.log_dir = log_dir
        self.nofile = nofile  # RLIMIT_NOFILE (soft and hard) for the broker process
        self.port = port or free_port()
        self.overrides = dict(overrides or {})
        self.proc = None
        self.log_path = os.path.join(log_dir, "..", os.path.basename(log_dir) + ".broker.log")
        self.log_file = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=30.0):
        props = {
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": self.log_dir,
            "group.initial.rebalance.delay.ms": "0",
            "offsets.topic.num.partitions": "5",
        }
        props.update(self.overrides)
        args = [os.path.join(BIN, "kafka-server-start"), os.path.join(SOURCE, "config", "server.properties")]
        for k, v in props.items():
            args += ["--override", f"{k}={v}"]
        self.log_file = open(self.log_path, "ab")
        limit = self.nofile

        def set_limits():
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        self.proc = subprocess.Popen(args, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     preexec_fn=set_limits if limit is not None else None)

        def accepting():
            if self.proc.poll() is not None:
                raise AssertionError(f"broker exited with {self.proc.returncode}: {self.log()}")
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True

        wait_until(accepting, timeout, message=f"broker on port {self.port}")
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30.0):
        """Stops the broker with `sig` (SIGTERM: clean; SIGKILL: crash); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            if sig != signal.SIGKILL:
                self.proc.send_signal(signal.SIGCONT)  # a paused broker must see the signal
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        return code

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        return self.start()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""


@pytest.fixture
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="moldau-test-") as d:
        yield d


@pytest.fixture
def broker_factory(tmp_root):
    """Makes brokers with their own log dirs; stops them all at the end of the test."""
    made = []

    def make(overrides=None, name=None, start=True, nofile=None):
        log_dir = os.path.join(tmp_root, name or f"broker{len(made)}")
        os.makedirs(log_dir, exist_ok=True)
        b = Broker(log_dir, overrides=overrides, nofile=nofile)
        made.append(b)
        return b.start() if start else b

    yield make
    # A broker still up at the end must shut down cleanly on SIGTERM: exit code 0 (in the
    # sanitizer run, anything ASan finds while tearing down makes it non-zero).
    unclean = []
    for b in made:
        running = b.proc is not None and b.proc.poll() is None
        code = b.stop()
        if running and code != 0:
            unclean.append(f"broker on port {b.port} exited with {code}: {b.log()[-1500:]}")
    assert not unclean, "\n".join(unclean)


@pytest.fixture
def broker(broker_factory):
    """A fresh single broker."""
    return broker_factory()


def tool(name, *args, input=None, timeout=60, check=False):
    """Runs one of our tools from the build; returns CompletedProcess with text output."""
    return subprocess.run([os.path.join(BIN, name), *args], input=input, capture_output=True,
                          text=True, timeout=timeout, check=check)


@pytest.fixture(scope="module")
def parity_sides():
    """One Apache Kafka broker and one Moldau broker for a parity test module (parity.py)."""
    import parity
    sides, stop = parity.make_sides()
    try:
        yield sides
    finally:
        stop()


def pytest_terminal_summary(terminalreporter):
    """Per tool: how many parity scenario runs matched Kafka's own tool."""
    import sys
    parity = sys.modules.get("parity")
    if parity is None or not parity.COUNTS:
        return
    terminalreporter.section("parity with Apache Kafka " + __import__("apache_kafka").KAFKA_VERSION)
    for tool, (ok, total) in sorted(parity.COUNTS.items()):
        terminalreporter.write_line(f"{tool}: {ok}/{total} scenario runs match")
    for gap in parity.GAPS:
        terminalreporter.write_line(f"not compared (a gap of the broker, not of the tool): {gap}")
    terminalreporter.write_line("time in tools: " + ", ".join(f"{k} {v:.1f}s" for k, v in parity.TIMINGS.items()))
