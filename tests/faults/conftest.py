"""Fixtures for fault tests: a private network (netns.Net) torn down after every test, however
it ends, and a temp dir. SIGTERM (a CI timeout, a Ctrl-C'd parent) becomes an exception so the
teardown still runs; a SIGKILLed run is cleaned up by the next one (netns.cleanup_leftovers)."""
import os
import shutil
import signal
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import netns  # noqa: E402


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _terminate)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed


@pytest.fixture
def tmp_root(request):
    """A temp dir; its processes' logs are kept under $MOLDAU_FAULT_ARTIFACTS/<test> afterwards,
    and after a failure the whole dir too (the brokers' logs and data, to read the batches)."""
    with tempfile.TemporaryDirectory(prefix="moldau-faults-") as d:
        try:
            yield d
        finally:
            keep = os.environ.get("MOLDAU_FAULT_ARTIFACTS")
            if keep:
                dest = os.path.join(keep, request.node.name)
                for root, _, files in os.walk(d):
                    for f in files:
                        if f.endswith(".log") and not f[:20].isdigit():  # not segments
                            os.makedirs(dest, exist_ok=True)
                            rel = os.path.relpath(os.path.join(root, f), d).replace(os.sep, "_")
                            shutil.copyfile(os.path.join(root, f), os.path.join(dest, rel))
                if getattr(request.node, "failed_call", False):
                    shutil.copytree(d, os.path.join(dest, "data"), dirs_exist_ok=True,
                                    ignore_dangling_symlinks=True)


@pytest.fixture
def net():
    try:
        netns.require_root()
    except (PermissionError, FileNotFoundError) as e:
        pytest.fail(str(e))
    n = netns.Net()
    try:
        yield n
    finally:
        n.close()
