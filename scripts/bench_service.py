#!/usr/bin/env python3
"""Side-by-side load benchmark of payrange builds: submit-and-wait predictions (tests/src/bin/
loadgen.rs) against the embedded default and the production topology (deploy/local-cluster.sh
on the local PostgreSQL and RabbitMQ), alternating the variants round by round, with a fresh
database and queue per run. For each run it records what loadgen reports (requests/s, p50,
p90, p99, errors), PostgreSQL transactions per answered request (each statement outside a
transaction is one; the time spent registering users included), the CPU each process used per answered request (utime + stime from
/proc/<pid>/stat; PostgreSQL is every `postgres` process, RabbitMQ every `beam.smp`, both
including whatever else used the shared servers meanwhile) and each payrange process's peak
RSS (VmHWM); in production also PostgreSQL's write-ahead log bytes and RabbitMQ messages
published per answered request (the latter when the management plugin is enabled), and for
serve-0 how busy each of its threads was (1.0 = one core), and the database's size on disk
per stored prediction. The argon2 work of signing the load generator's users up and in is
reported apart from the cost of a prediction. Prints one JSON line per run, then medians per
variant, mode, concurrency and user count.

    scripts/bench_service.py --rounds 3 old=/tmp/old/payrange new=target/release/payrange \\
        'new-b1=target/release/payrange,PAYRANGE_WORKER_BATCH=1'

A variant is LABEL=BINARY[,VAR=VALUE...]; the variables are set for its payrange processes.
Production is --serves serve processes (2 by default) and --workers workers; load goes to
serve-0 only, unless --spread sends it to every serve process.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
TICK = os.sysconf("SC_CLK_TCK")


def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (FileNotFoundError, ProcessLookupError):
        return 0


def pids_named(name):
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def peak_rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return None


def wait_ready(port):
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} never became ready")


def psql(sql):
    subprocess.run(["psql", PG_ADMIN, "-qc", sql], check=True, capture_output=True)


class Deployment:
    """The processes of one run: {role: Popen}."""

    def __init__(self, mode, binary, env, workdir, port, workers, pg_params, serves=2):
        self.procs = {}
        self.base = port
        tag = f"bench{port}"
        common = {
            k: v for k, v in os.environ.items() if not k.startswith("PAYRANGE_")
        }
        common.update(
            PAYRANGE_TOKEN_KEY="5a" * 32,
            PAYRANGE_SUBMIT_QUOTA="0",
            PAYRANGE_SIGNUP_MAX_PER_ADDRESS="0",
            PAYRANGE_LOG="warn",
        )
        if mode == "embedded":
            common["PAYRANGE_DATABASE_URL"] = f"sqlite://{workdir}/p.db?mode=rwc"
        else:
            psql(f"DROP DATABASE IF EXISTS {tag} WITH (FORCE)")
            psql(f"CREATE DATABASE {tag}")
            for q in (tag, f"{tag}.dead"):
                subprocess.run(["rabbitmqctl", "-q", "delete_queue", q], capture_output=True)
            common.update(
                PAYRANGE_DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{tag}{pg_params}",
                PAYRANGE_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f",
                PAYRANGE_AMQP_QUEUE=tag,
            )
        common.update(env)
        self.tag, self.mode, self.common = tag, mode, common

        def start(role, args, extra):
            log = open(os.path.join(workdir, f"{role}.log"), "w")
            self.procs[role] = subprocess.Popen(
                [binary, *args], env={**common, **extra}, stdout=log, stderr=log
            )

        if mode == "embedded":
            start("serve-0", ["serve"], {"PAYRANGE_BIND": f"127.0.0.1:{port}"})
            wait_ready(port)
        else:
            subprocess.run([binary, "migrate"], env=common, check=True, capture_output=True)
            for i in range(serves):
                start(f"serve-{i}", ["serve"], {"PAYRANGE_BIND": f"127.0.0.1:{port + i}"})
            for i in range(workers):
                start(f"worker-{i}", ["worker"], {"PAYRANGE_WORKER_BIND": f"127.0.0.1:{port + 10 + i}"})
            for i in range(serves):
                wait_ready(port + i)

    def transactions(self):
        """Transactions committed or rolled back in the run's database so far (each statement
        outside a transaction is one), from PostgreSQL's statistics; None when embedded."""
        if self.mode == "embedded":
            return None
        out = subprocess.run(
            ["psql", PG_ADMIN, "-qtAc",
             "SELECT pg_stat_clear_snapshot(); SELECT xact_commit + xact_rollback "
             f"FROM pg_stat_database WHERE datname = '{self.tag}'"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        return int(out[-1])

    def wal_bytes(self):
        """PostgreSQL's write-ahead log position in bytes (the whole server's, so on a quiet
        machine the run's); None when embedded."""
        if self.mode == "embedded":
            return None
        out = subprocess.run(
            ["psql", PG_ADMIN, "-qtAc", "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        return int(float(out[-1]))

    def published(self):
        """Messages published to the run's queue so far, from RabbitMQ's management API when
        its plugin is enabled (`rabbitmq-plugins enable rabbitmq_management`); else None."""
        if self.mode == "embedded":
            return None
        req = urllib.request.Request(
            f"http://127.0.0.1:15672/api/queues/%2f/{self.tag}",
            headers={"Authorization": "Basic Z3Vlc3Q6Z3Vlc3Q="},  # guest:guest
        )
        try:
            with urllib.request.urlopen(req, timeout=2) as r:
                stats = json.load(r).get("message_stats", {})
        except OSError:
            return None
        return stats.get("publish", 0)

    def threads(self, role):
        """CPU ticks of each thread of one process, by thread name (summed per name)."""
        pid = self.procs[role].pid
        out = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    name = f.read().strip()
            except OSError:
                continue
            out[name] = out.get(name, 0) + ticks(f"{pid}/task/{tid}")
        return out

    def cpu(self):
        """Ticks by process group: each payrange role, postgres, rabbitmq."""
        out = {role: ticks(p.pid) for role, p in self.procs.items()}
        if self.mode != "embedded":
            out["postgres"] = sum(ticks(p) for p in pids_named("postgres"))
            out["rabbitmq"] = sum(ticks(p) for p in pids_named("beam.smp"))
        return out

    def disk_bytes(self):
        """Bytes the run's database takes on disk: PostgreSQL's database size, or the SQLite
        file with its write-ahead log."""
        if self.mode == "embedded":
            path = self.common["PAYRANGE_DATABASE_URL"].removeprefix("sqlite://").split("?")[0]
            return sum(os.path.getsize(f) for f in (path, path + "-wal") if os.path.exists(f))
        out = subprocess.run(
            ["psql", PG_ADMIN, "-qtAc", f"SELECT pg_database_size('{self.tag}')"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        return int(out[-1])

    def stop(self):
        peaks = {role: peak_rss_mib(p.pid) for role, p in self.procs.items()}
        for p in self.procs.values():
            p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.mode != "embedded":
            psql(f"DROP DATABASE IF EXISTS {self.tag} WITH (FORCE)")
            for q in (self.tag, f"{self.tag}.dead"):
                subprocess.run(["rabbitmqctl", "-q", "delete_queue", q], capture_output=True)
        return peaks


def load(loadgen, ports, concurrency, seconds, users):
    before = os.times()
    bases = [arg for port in ports for arg in ("--base", f"http://127.0.0.1:{port}")]
    out = subprocess.run(
        [loadgen, *bases, "--concurrency", str(concurrency),
         "--seconds", str(seconds), "--users", str(users)],
        check=True, capture_output=True, text=True,
    ).stdout
    after = os.times()
    result = json.loads(out.strip().splitlines()[-1])
    result["loadgen_ticks"] = round(
        (after.children_user + after.children_system
         - before.children_user - before.children_system) * TICK
    )
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--modes", nargs="+", default=["cluster", "embedded"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serves", type=int, default=2,
                    help="serve processes in the production topology (load to the first)")
    ap.add_argument("--users", type=int, nargs="+", default=[20],
                    help="signed-in users loadgen spreads its clients over; several values are "
                         "run one after the other on the same deployment")
    ap.add_argument("--port", type=int, default=18400)
    ap.add_argument("--spread", action="store_true",
                    help="production: send the load to every serve process in turn "
                         "(as a round-robin balancer would), not only to serve-0")
    ap.add_argument("--pg-params", default="?sslmode=disable",
                    help="appended to the database URL; the default turns off TLS, as "
                         "deploy/local-cluster.sh does on one machine ('' keeps sqlx's default, "
                         "which uses TLS when the server offers it, as the shared one does)")
    ap.add_argument("--loadgen", default=os.path.join(ROOT, "target/release/loadgen"))
    a = ap.parse_args()

    variants = []
    for v in a.variants:
        label, rest = v.split("=", 1)
        binary, *pairs = rest.split(",")
        variants.append((label, os.path.abspath(binary), dict(p.split("=", 1) for p in pairs)))

    runs = []
    for rnd in range(1, a.rounds + 1):
        for label, binary, env in variants:
            for mode in a.modes:
                with tempfile.TemporaryDirectory(prefix="payrange-bench-") as workdir:
                    d = Deployment(mode, binary, env, workdir, a.port, a.workers, a.pg_params,
                                   a.serves)
                    try:
                        for c, users in [(c, u) for c in a.concurrency for u in a.users]:
                            cpu0, tx0 = d.cpu(), d.transactions()
                            wal0, pub0, th0 = d.wal_bytes(), d.published(), d.threads("serve-0")
                            ports = ([a.port + i for i in range(a.serves)] if a.spread and mode == "cluster"
                                     else [a.port])
                            r = load(a.loadgen, ports, c, a.seconds, users)
                            cpu1, th1 = d.cpu(), d.threads("serve-0")
                            wal1 = d.wal_bytes()
                            # Backends report their statistics at most once a second.
                            time.sleep(0 if tx0 is None else 1.5)
                            tx1 = d.transactions()
                            if tx0 is not None:
                                r["transactions_per_request"] = round((tx1 - tx0) / max(r["ok"], 1), 2)
                                r["wal_bytes_per_request"] = round((wal1 - wal0) / max(r["ok"], 1))
                            # The management API refreshes its counters every 5 s.
                            pub1 = d.published() if pub0 is None else (time.sleep(5.5) or d.published())
                            if pub0 is not None and pub1 is not None:
                                r["messages_per_request"] = round((pub1 - pub0) / max(r["ok"], 1), 3)
                            # Busy share of the run per thread name of serve-0 (1.0 = one core).
                            secs = max(r.get("seconds", a.seconds), 1)
                            busy = {k: (th1.get(k, 0) - th0.get(k, 0)) / TICK / secs for k in th1}
                            r["serve0_threads_busy"] = {k: round(v, 2) for k, v in sorted(
                                busy.items(), key=lambda kv: -kv[1]) if v >= 0.02}
                            per = {k: (cpu1[k] - cpu0[k]) * 1000 / TICK / max(r["ok"], 1) for k in cpu0}
                            # loadgen signs its users up and in before it starts the clock: that
                            # argon2 work is reported apart, not as the cost of a prediction.
                            hashing = sum(th1[k] - th0.get(k, 0) for k in th1 if k.startswith("argon2"))
                            per["serve-0"] -= hashing * 1000 / TICK / max(r["ok"], 1)
                            per["sign-ups (argon2 in serve-0)"] = hashing * 1000 / TICK / max(r["ok"], 1)
                            per["loadgen"] = r.pop("loadgen_ticks") * 1000 / TICK / max(r["ok"], 1)
                            per["total"] = sum(v for k, v in per.items() if not k.startswith("sign-ups"))
                            run = {"round": rnd, "variant": label, "mode": mode, **r,
                                   "cpu_ms_per_request": {k: round(v, 3) for k, v in per.items()}}
                            runs.append(run)
                            print(json.dumps(run), flush=True)
                        answered = sum(r["ok"] for r in runs if r["round"] == rnd
                                       and r["variant"] == label and r["mode"] == mode)
                        disk = round(d.disk_bytes() / max(answered, 1))
                    finally:
                        peaks = d.stop()
                    print(json.dumps({"round": rnd, "variant": label, "mode": mode,
                                      "peak_rss_mib": {k: round(v, 1) for k, v in peaks.items() if v},
                                      "disk_bytes_per_prediction": disk}),
                          flush=True)

    print("\nmedians over rounds:", file=sys.stderr)
    for label, _, _ in variants:
        for mode in a.modes:
            for c, users in [(c, u) for c in a.concurrency for u in a.users]:
                rs = [r for r in runs if r["variant"] == label and r["mode"] == mode
                      and r["concurrency"] == c and r["users"] == users]
                if not rs:
                    continue
                med = lambda k: statistics.median(r[k] for r in rs)
                cpu = statistics.median(r["cpu_ms_per_request"]["total"] for r in rs)
                print(f"{label:>12} {mode:>8} c{c:<3} u{users:<3} {med('rps'):7.0f} req/s  p50 {med('p50_ms'):6.1f}  "
                      f"p90 {med('p90_ms'):6.1f}  p99 {med('p99_ms'):6.1f} ms  errors {med('errors'):.0f}  "
                      f"CPU {cpu:.2f} ms/req  (runs: {', '.join(str(round(r['rps'])) for r in rs)})",
                      file=sys.stderr)


if __name__ == "__main__":
    main()
