"""Helpers for the tools' integration tests: librdkafka's mock cluster (moldau-mock-cluster)."""
import os
import subprocess

from conftest import BIN, SOURCE  # noqa: F401

GOLDEN = os.path.join(SOURCE, "tests", "golden", "tools")


class MockCluster:
    """librdkafka's mock cluster, started by our small program over rdkafka_mock.h."""

    def __init__(self, *topics, brokers=1):
        args = [os.path.join(BIN, "moldau-mock-cluster"), "--brokers", str(brokers), *topics]
        # stdin stays open: the program exits at EOF, so it cannot outlive the test.
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()  # blocks until the cluster is up
        if not line:
            raise AssertionError("mock cluster did not start: " + self.proc.stderr.read())
        self.bootstrap = line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def golden(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return f.read()
