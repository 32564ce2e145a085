"""Frontdesk vs. a hand-written one-statement floor for one page of the visit register.

    .venv/bin/python bench/visits_page.py [--db sqlite|postgres] [--rounds N] [--duration S]
                                          [--concurrency C] [--patches a,b]

Seeds 1,000 customers, 20 salespersons and 10,000 visits (with their real-estate receptions) at
one real-estate site in a fresh database built by the real migrations, serves the floor,
Frontdesk and Frontdesk with the speed layer off (``FRONTDESK_ACCEL=0``: stock strawberry /
graphql-core) with one uvicorn worker each, checks they answer the same bytes, and loads them
in turn from a separate process; prints each Frontdesk target's ratio to the floor.
``--patches`` adds a target: Frontdesk with proposed core changes applied by monkeypatching
(see bench/patches.py), so their effect is measured here.
Only loopback addresses are used; the run stops by itself (about a minute by default).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402

from bench.common import (  # noqa: E402
    PG_SERVER_URL,
    fresh_database,
    headers,
    pg_reachable,
    request_body,
    seed,
)

HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    name: str
    factory: str
    env: dict[str, str] = field(default_factory=dict)
    root: Path = ROOT  # the checkout whose code the server runs
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    mismatched: int = 0
    server_cpu: float = 0.0
    client_cpu: list[float] = field(default_factory=list)
    round_rps: list[float] = field(default_factory=list)
    statements: dict[int, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(target: Target, db_url: str) -> None:
    target.port = free_port()
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": db_url,
        "PYTHONPATH": str(target.root),
        **target.env,
    }
    target.proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            target.factory,
            "--factory",
            "--host",
            HOST,
            "--port",
            str(target.port),
            "--log-level",
            "warning",
            "--no-access-log",
            # Connections idle while the other target is loaded: keep them (both servers alike).
            "--timeout-keep-alive",
            "120",
        ],
        cwd=target.root,
        env=env,
    )


def wait_ready(target: Target, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.proc is not None and target.proc.poll() is not None:
            raise SystemExit(f"{target.name} server exited with {target.proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{target.url}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"{target.name} server did not become ready in {timeout:.0f}s")


def stop(target: Target) -> None:
    proc = target.proc
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def peak_rss_mib(pid: int) -> float:
    try:
        import psutil  # type: ignore[import-not-found]

        info = psutil.Process(pid).memory_info()
        peak = getattr(info, "peak_wset", None)  # Windows only; Linux falls through to VmHWM
        if peak:
            return peak / 2**20
    except ImportError:
        pass
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TOKEN: str | None = None


def post(target: Target, first: int) -> bytes:
    r = httpx.post(
        f"{target.url}/graphql",
        content=orjson.dumps(request_body(first)),
        headers=headers(TOKEN),
        timeout=30.0,
    )
    r.raise_for_status()
    return r.content


def statements_for(target: Target, first: int) -> int:
    before = httpx.get(f"{target.url}/__bench/sql").json()["statements"]
    post(target, first)
    return httpx.get(f"{target.url}/__bench/sql").json()["statements"] - before


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    global TOKEN
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--db",
        choices=["sqlite", "postgres"],
        default=None,
        help=f"default: PostgreSQL at {PG_SERVER_URL} if reachable, else SQLite",
    )
    ap.add_argument(
        "--pg-url",
        default=PG_SERVER_URL,
        help="PostgreSQL server (a fresh database is created there and dropped at the end)",
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per target per round")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds per target, not counted")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    ap.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load client: a minimal keep-alive HTTP/1.1 client (default) or httpx",
    )
    ap.add_argument("--first", type=int, default=100, help="page size of the loaded query")
    ap.add_argument(
        "--patches",
        default="",
        help="comma-separated bench/patches.py names; adds a 'frontdesk+patches' target",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="another checkout (e.g. a `git worktree` of main): adds a 'baseline' target "
        "serving Frontdesk from its code, to compare before/after in one run",
    )
    args = ap.parse_args()

    if args.db is None:
        kind = "postgres" if pg_reachable(args.pg_url) else "sqlite"
        why = "reachable" if kind == "postgres" else "not reachable, using SQLite"
        print(f"database: {kind} (PostgreSQL at {args.pg_url} {why})")
    else:
        kind = args.db
        if kind == "postgres" and not pg_reachable(args.pg_url):
            print(f"PostgreSQL at {args.pg_url} is not reachable", file=sys.stderr)
            return 2
        print(f"database: {kind} (chosen with --db)")

    targets = [
        Target("floor", "bench.apps:floor_app"),
        Target("frontdesk", "bench.apps:frontdesk_app", env={"FRONTDESK_ACCEL": "1"}),
        # The same app with the speed layer off: stock strawberry / graphql-core execution.
        Target("frontdesk-stock", "bench.apps:frontdesk_app", env={"FRONTDESK_ACCEL": "0"}),
    ]
    if args.baseline is not None:
        targets.append(Target("baseline", "bench.apps:frontdesk_app", root=args.baseline.resolve()))
    if args.patches:
        targets.append(
            Target(
                "frontdesk+patches",
                "bench.apps:frontdesk_app",
                env={"BENCH_PATCHES": args.patches, "FRONTDESK_ACCEL": "1"},
            )
        )

    t_begin = time.monotonic()
    with fresh_database(kind, args.pg_url) as db_url:
        t0 = time.monotonic()
        seeded = seed(db_url)
        TOKEN = seeded.token
        print(
            f"seeded {seeded.visits} visits ({seeded.receptions} receptions), 1000 customers, "
            f"20 staff in {time.monotonic() - t0:.1f}s"
            + (" (+ a read-only API token)" if seeded.token else "")
        )
        loader = None
        parent_conn = None
        try:
            for t in targets:
                start(t, db_url)
            for t in targets:
                wait_ready(t)

            # 1. Same bytes?
            floor = targets[0]
            ok_all = True
            for first in (args.first, 10):
                reference = post(floor, first)
                for t in targets[1:]:
                    body = post(t, first)
                    same = body == reference
                    ok_all &= same
                    print(
                        f"byte-equal first={first:<3} {t.name} vs floor: "
                        f"{'yes' if same else 'NO'} ({len(body)} vs {len(reference)} bytes)"
                    )
                    if not same:
                        print("  frontdesk:", body[:300])
                        print("  floor:    ", reference[:300])
            expected = post(floor, args.first)

            # 2. SQL statements per request (counted in each server process).
            for t in targets:
                for first in (10, 100):
                    t.statements[first] = statements_for(t, first)

            # 3. Load, interleaved, from another process.
            ctx = mp.get_context("spawn")
            parent_conn, child_conn = ctx.Pipe()
            from bench.loadgen import serve

            loader = ctx.Process(
                target=serve, daemon=True, args=(child_conn, args.concurrency, args.client)
            )
            loader.start()
            body = orjson.dumps(request_body(args.first))

            def run(t: Target, duration: float) -> dict[str, Any]:
                assert parent_conn is not None
                url = f"{t.url}/graphql"
                parent_conn.send(("run", url, body, headers(TOKEN), expected, duration))
                return parent_conn.recv()

            for t in targets:
                run(t, args.warmup)
            for rnd in range(args.rounds):
                order = targets if rnd % 2 == 0 else list(reversed(targets))
                for t in order:
                    assert t.proc is not None
                    cpu0 = cpu_seconds(t.proc.pid)
                    res = run(t, args.duration)
                    t.server_cpu += cpu_seconds(t.proc.pid) - cpu0
                    t.latencies += res["latencies"]
                    t.requests += len(res["latencies"])
                    t.seconds += res["elapsed"]
                    t.errors += res["errors"]
                    t.mismatched += res["mismatched"]
                    t.client_cpu.append(res["client_cpu"])
                    t.round_rps.append(len(res["latencies"]) / res["elapsed"])
                    print(
                        f"round {rnd + 1}/{args.rounds} {t.name:<18} "
                        f"{t.round_rps[-1]:8.1f} req/s  (client cpu {res['client_cpu']:.0%})"
                    )
            parent_conn.send(("stop",))
            loader.join(timeout=10)

            peaks = {t.name: peak_rss_mib(t.proc.pid) for t in targets if t.proc is not None}
        finally:
            if loader is not None and loader.is_alive():
                loader.terminate()
            for t in targets:
                stop(t)

    # 4. Summary.
    print()
    print(
        f"visits page: first={args.first}, {args.concurrency} in flight ({args.client} "
        f"client), {args.rounds} rounds x {args.duration:g}s per target, db={kind}, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus"
    )
    head = (
        f"{'target':<18} {'req/s':>8} {'(min-max)':>15} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'srv cpu ms/req':>14} {'sql/req@10':>10} {'sql/req@100':>11} {'peak RSS MiB':>12} "
        f"{'errors':>6}"
    )
    print(head)
    print("-" * len(head))
    rps: dict[str, float] = {}
    for t in targets:
        rps[t.name] = t.requests / t.seconds if t.seconds else float("nan")
        spread = f"{min(t.round_rps):.0f}-{max(t.round_rps):.0f}" if t.round_rps else "-"
        print(
            f"{t.name:<18} {rps[t.name]:8.1f} {spread:>15} {pct(t.latencies, 0.5) * 1e3:7.2f} "
            f"{pct(t.latencies, 0.99) * 1e3:7.2f} "
            f"{t.server_cpu / max(t.requests, 1) * 1e3:14.3f} {t.statements[10]:>10} "
            f"{t.statements[100]:>11} {peaks.get(t.name, float('nan')):12.1f} "
            f"{t.errors + t.mismatched:>6}"
        )
    floor_rps = rps["floor"]
    bad = any(t.errors or t.mismatched for t in targets)
    for t in targets[1:]:
        ratio = rps[t.name] / floor_rps
        cpu_per = t.server_cpu / max(t.requests, 1)
        cpu_ratio = cpu_per / (floor.server_cpu / max(floor.requests, 1))
        verdict = "meets the 0.25 target" if ratio >= 0.25 else "BELOW the 0.25 target"
        if bad or not ok_all:
            verdict = "INVALID run: errors or different bytes"
        print(
            f"ratio {t.name}/floor (req/s): {ratio:.3f}  ({verdict}); "
            f"server CPU per request {cpu_ratio:.1f}x the floor's"
        )
    for t in targets:
        if t.statements[10] != t.statements[100]:
            print(
                f"WARNING {t.name}: statements per request depend on page size "
                f"({t.statements[10]} at 10, {t.statements[100]} at 100)"
            )
    busy = [t.name for t in targets if t.client_cpu and statistics.mean(t.client_cpu) > 0.9]
    if busy:
        print(
            f"note: the load generator was CPU-bound against {', '.join(busy)}; "
            f"their req/s is a lower bound (see 'srv cpu ms/req')"
        )
    print(
        f"byte-equal responses: {'yes' if ok_all else 'NO'}; total time "
        f"{time.monotonic() - t_begin:.0f}s"
    )
    return 0 if ok_all and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
