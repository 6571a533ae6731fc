"""The console producer and consumer against librdkafka's mock cluster: a broker we did not write."""
import pytest

from conftest import tool
from tools_helpers import MockCluster


@pytest.fixture
def mock():
    m = MockCluster("orders:1", "keyed:3")
    yield m
    m.stop()


def test_mock_produce_consume_lines(mock):
    p = tool("kafka-console-producer", "--bootstrap-server", mock.bootstrap, "--topic", "orders",
             input="first\nsecond\nthird\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""  # no '>' prompt when stdin is not a terminal
    c = tool("kafka-console-consumer", "--bootstrap-server", mock.bootstrap, "--topic", "orders",
             "--from-beginning", "--max-messages", "3")
    assert c.returncode == 0, c.stderr
    assert c.stdout == "first\nsecond\nthird\n"
    assert c.stderr.strip().endswith("Processed a total of 3 messages")


def test_mock_keys_headers_and_formatter_properties(mock):
    p = tool("kafka-console-producer", "--broker-list", mock.bootstrap, "--topic", "orders",
             "--reader-property", "parse.key=true", "--reader-property", "key.separator=:",
             "--reader-property", "parse.headers=true", "--reader-property", "null.marker=NULL",
             input="h1:v1,h2:v2\tk1:one\nh3:x\tNULL:two\n")
    assert p.returncode == 0, p.stderr
    c = tool("kafka-console-consumer", "--bootstrap-server", mock.bootstrap, "--topic", "orders",
             "--partition", "0", "--offset", "earliest", "--max-messages", "2",
             "--formatter-property", "print.key=true", "--formatter-property", "print.offset=true",
             "--formatter-property", "print.headers=true", "--formatter-property", "key.separator=|")
    assert c.returncode == 0, c.stderr
    assert c.stdout == "Offset:0|h1:v1,h2:v2|k1|one\nOffset:1|h3:x|null|two\n"


def test_mock_key_separator_missing_is_an_error(mock):
    p = tool("kafka-console-producer", "--bootstrap-server", mock.bootstrap, "--topic", "orders",
             "--reader-property", "parse.key=true", input="no-separator-here\n")
    assert p.returncode == 1
    assert "No key separator found on line number 1: 'no-separator-here'" in p.stderr


def test_mock_consume_with_timeout_exits(mock):
    c = tool("kafka-console-consumer", "--bootstrap-server", mock.bootstrap, "--topic", "orders",
             "--timeout-ms", "1500")
    assert c.returncode == 0
    assert c.stdout == ""
    assert "Processed a total of 0 messages" in c.stderr


def test_mock_group_consume_commits(mock):
    p = tool("kafka-console-producer", "--bootstrap-server", mock.bootstrap, "--topic", "keyed",
             "--reader-property", "parse.key=true", input="".join(f"k{i}\tv{i}\n" for i in range(10)))
    assert p.returncode == 0, p.stderr
    c = tool("kafka-console-consumer", "--bootstrap-server", mock.bootstrap, "--topic", "keyed",
             "--from-beginning", "--group", "g1", "--max-messages", "10")
    assert c.returncode == 0, c.stderr
    assert sorted(c.stdout.splitlines()) == sorted(f"v{i}" for i in range(10))
    # The same group continues after the committed offsets: nothing left.
    c2 = tool("kafka-console-consumer", "--bootstrap-server", mock.bootstrap, "--topic", "keyed",
              "--group", "g1", "--timeout-ms", "3000")
    assert c2.stdout == ""


def test_mock_usage_errors():
    r = tool("kafka-console-consumer", "--bootstrap-server", "127.0.0.1:1")
    assert r.returncode == 1
    assert r.stderr.startswith("Exactly one of the following arguments is required: [topic], [include]")
    r = tool("kafka-console-producer", "--bootstrap-server", "127.0.0.1:1")
    assert r.returncode == 1
    assert r.stderr.startswith('Missing required argument "[topic]"')
    r = tool("kafka-topics", "--zookeeper", "127.0.0.1:2181", "--list")
    assert r.returncode == 1 and "--bootstrap-server" in r.stderr and r.stdout == ""
    r = tool("kafka-topics", "--bootstrap-server", "127.0.0.1:1", "--create")
    assert r.returncode == 1
    assert r.stderr.startswith('Missing required argument "[topic]"')
    r = tool("kafka-topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--describe")
    assert r.stderr.startswith("Command must include exactly one action")
    r = tool("kafka-consumer-groups", "--bootstrap-server", "127.0.0.1:1", "--describe")
    assert r.stderr.startswith("Option [describe] takes one of these options: [group], [all-groups]")
    for t in ("kafka-topics", "kafka-console-producer", "kafka-console-consumer", "kafka-consumer-groups"):
        v = tool(t, "--version")
        assert v.returncode == 0 and v.stdout.startswith("4.4.0")
        h = tool(t, "--help")
        assert h.returncode == 1 and "Option" in h.stderr and "--bootstrap-server" in h.stderr
