"""kafka-server-stop: only our brokers get a signal (a stale pid file never stops an unrelated
process), and Kafka's --node-id=N / --process-role=R filters."""
import os
import signal
import subprocess
import time

from conftest import BIN, SOURCE, free_port, wait_until


def run_stop(run_dir, *args):
    return subprocess.run([os.path.join(BIN, "kafka-server-stop"), *args], capture_output=True, text=True,
                          timeout=30, env={**os.environ, "MOLDAU_RUN_DIR": run_dir})


def start_broker(tmp_path, run_dir, node_id=1):
    port = free_port()
    log_dir = tmp_path / f"data-{node_id}"
    args = [os.path.join(BIN, "kafka-server-start"), os.path.join(SOURCE, "config", "server.properties"),
            "--override", f"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", f"log.dirs={log_dir}",
            "--override", f"node.id={node_id}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "MOLDAU_RUN_DIR": run_dir})
    wait_until(lambda: any(f.startswith(f"kafka-server-{node_id}-") for f in os.listdir(run_dir))
               if os.path.isdir(run_dir) else False, 30, message="pid file")
    return proc


def stop_proc(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_stale_pid_file_never_signals_an_unrelated_process(tmp_path):
    run_dir = str(tmp_path / "run")
    os.makedirs(run_dir)
    bystander = subprocess.Popen(["sleep", "120"])
    try:
        # A broker that crashed left its pid file; the system gave the number to `sleep`.
        stale = os.path.join(run_dir, f"kafka-server-1-{bystander.pid}.pid")
        with open(stale, "w") as f:
            f.write(f"{bystander.pid}\n")
        r = run_stop(run_dir)
        assert (r.returncode, r.stdout, r.stderr) == (1, "No kafka server to stop\n", "")
        time.sleep(0.2)  # a signal, had one been sent, is delivered by now
        assert bystander.poll() is None, "kafka-server-stop signalled a process that is not a broker"
        assert not os.path.exists(stale), "the stale pid file must be removed"
    finally:
        bystander.kill()
        bystander.wait()


def test_node_id_and_process_role_filters(tmp_path):
    run_dir = str(tmp_path / "run")
    os.makedirs(run_dir)
    proc = start_broker(tmp_path, run_dir, node_id=1)
    try:
        r = run_stop(run_dir, "--node-id=2")
        assert (r.returncode, r.stdout) == (0, "")
        r = run_stop(run_dir, "--process-role=controller")
        assert (r.returncode, r.stdout) == (0, "")
        time.sleep(0.5)
        assert proc.poll() is None, "a filter that matches no broker stopped one"
        r = run_stop(run_dir, "--node-id=1", "--process-role=controller")
        assert r.returncode == 0
        assert r.stdout == "When both node-id and process-role are provided, the value for node-id will take precedence\n"
        assert proc.wait(30) == 0
        assert os.listdir(run_dir) == [], "a broker removes its pid file when it stops"
        r = run_stop(run_dir)
        assert (r.returncode, r.stdout) == (1, "No kafka server to stop\n")
    finally:
        stop_proc(proc)


def test_process_role_broker_stops_every_broker(tmp_path):
    run_dir = str(tmp_path / "run")
    os.makedirs(run_dir)
    procs = [start_broker(tmp_path, run_dir, node_id=n) for n in (1, 2)]
    try:
        r = run_stop(run_dir, "--process-role=broker")
        assert r.returncode == 0
        assert [p.wait(30) for p in procs] == [0, 0]
    finally:
        for p in procs:
            stop_proc(p)
