"""The project's own Java programs (tests/java/src), compiled at test time with javac against the
jars that scripts/setup fetched (tests/java/pom.xml: kafka-clients, kafka-streams,
connect-runtime at the reference's Kafka version), and run as plain `java` processes.

The classes are compiled once per source version into the build directory (keyed by a hash of
the sources and the pom), so several test modules share one compilation.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.environ.get("MOLDAU_SOURCE", os.path.join(HERE, "..", "..")))
JAVA_DIR = os.path.join(SOURCE, "tests", "java")
POM = os.path.join(JAVA_DIR, "pom.xml")
BIN = os.environ.get("MOLDAU_BIN", os.path.join(SOURCE, "build", "bin"))
LOG4J2 = os.path.join(JAVA_DIR, "log4j2.properties")


def kafka_version():
    with open(POM) as f:
        return re.search(r"<kafka\.version>([^<]+)</kafka\.version>", f.read()).group(1)


KAFKA_VERSION = kafka_version()


def libs_dir():
    cache = os.environ.get("MOLDAU_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "moldau")
    return os.path.join(cache, f"kafka-{KAFKA_VERSION}", "java-libs")


def missing():
    """Why the Java programs cannot run here (None when they can)."""
    if not os.path.isfile(os.path.join(libs_dir(), ".complete")):
        return f"the Java jars are not in {libs_dir()} (scripts/setup fetches them)"
    for exe in ("java", "javac"):
        if shutil.which(exe) is None:
            return f"{exe} is not on PATH (scripts/setup installs it)"
    return None


def classpath_jars():
    """Every jar of the cache but the file connectors, which Connect loads as a plugin (as
    Kafka's kafka-run-class.sh leaves connect-file out of the class path)."""
    return [j for j in sorted(glob.glob(os.path.join(libs_dir(), "*.jar")))
            if not os.path.basename(j).startswith("connect-file-")]


def compiled_classes():
    """Compiles tests/java/src once per source version; returns the classes directory."""
    sources = sorted(glob.glob(os.path.join(JAVA_DIR, "src", "**", "*.java"), recursive=True))
    digest = hashlib.sha256()
    for path in sources + [POM]:
        digest.update(path.encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    root = os.path.join(os.path.dirname(os.path.abspath(BIN)), "java")
    classes = os.path.join(root, "classes-" + digest.hexdigest()[:16])
    if os.path.isdir(classes):
        return classes
    os.makedirs(root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="classes-", dir=root)
    try:
        p = subprocess.run(["javac", "-nowarn", "-encoding", "UTF-8", "-d", tmp, "-cp",
                            os.pathsep.join(classpath_jars()), *sources],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"javac failed:\n{p.stdout}{p.stderr}")
        try:
            os.rename(tmp, classes)  # atomic: a concurrent compile of the same sources may win
        except OSError:
            if not os.path.isdir(classes):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return classes


# The JVM flags of a short-lived client process: C1 only and the serial collector start fastest on
# two shared cores; none of them changes what the client sends.
LIGHT_JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Djava.awt.headless=true"]


def java_command(main_class, *args, heap="-Xmx512M", jvm_extra=()):
    """A class of ours by its simple name (ClientChecks), or any class of the jars by its full
    name (org.apache.kafka.streams.examples.wordcount.WordCountDemo)."""
    cp = os.pathsep.join([compiled_classes(), *classpath_jars()])
    main = main_class if "." in main_class else f"dev.moldau.javatests.{main_class}"
    return ["java", heap, *LIGHT_JVM, *jvm_extra, f"-Dlog4j2.configurationFile={LOG4J2}", "-cp", cp, main, *args]


def run(main_class, *args, timeout=600, **kwargs):
    return subprocess.run(java_command(main_class, *args), capture_output=True, text=True, timeout=timeout,
                          **kwargs)


def run_checks(main_class, *args, timeout=600):
    """Runs a program of Facts checks (one JSON line per check); returns {check: line}. A check
    that threw keeps its stack trace under "error", for the test of that check to show."""
    p = run(main_class, *args, timeout=timeout)
    found = {}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            found[d["check"]] = d
    assert found, f"{main_class} printed nothing (exit {p.returncode}):\n{p.stderr[-3000:]}"
    return found


def check_facts(found, name):
    """The facts of one check, failing the test if it did not run or threw."""
    d = found.get(name)
    assert d is not None, f"check {name} did not run"
    assert "error" not in d, f"check {name} failed in Java:\n{d['error']}"
    return d["facts"]


def popen(main_class, *args, **kwargs):
    return subprocess.Popen(java_command(main_class, *args), **kwargs)


def module_broker(prefix):
    """Yields one of our brokers for a whole test module of Java programs (fails first when the
    jars or Java are missing); at the end it must stop cleanly, exit code 0."""
    from conftest import Broker  # conftest is importable in every test module's process
    why = missing()
    assert why is None, why
    with tempfile.TemporaryDirectory(prefix=prefix) as root:
        log_dir = os.path.join(root, "data")
        os.makedirs(log_dir)
        b = Broker(log_dir).start()
        try:
            yield b
        finally:
            running = b.proc is not None and b.proc.poll() is None
            code = b.stop()
            assert not running or code == 0, f"broker exited with {code}: {b.log()[-1500:]}"
