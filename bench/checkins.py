"""Check-ins on PostgreSQL through real server processes (issue 8's figures).

    .venv/bin/python -m bench.checkins [--scenario all|spread|one-site|mixed]
                                       [--workers 2] [--checkins 500] [--concurrency 50]
                                       [--floor]

A fresh database (real migrations, the real-estate line enabled), 10 sites of 5 salespeople,
``frontdesk serve --workers N`` (this checkout's code) on a free port, then:

With ``--floor`` the server is ``bench/floor.py`` instead: the same check-in transaction
written by hand with raw asyncpg (the best two cores allow), for ``spread`` and ``one-site``.

1. ``spread``: ``checkInVisit`` spread over the 10 sites, ``--concurrency`` in flight;
2. ``one-site``: the same number at one site alone;
3. ``mixed``: at the 10 sites, 200 check-ins, 200 complaint filings and 200 transitions
   (acknowledging 200 complaints seeded in-process before the server starts) at once.

Prints throughput, p50/p99 latency (and the mixed run's p50 per kind), errors (any GraphQL
error or non-200) and double turns (RE-1: at a site, the salespeople's reception counts may
differ by at most one), and the CPU each request cost: the server processes, the PostgreSQL
backends and this load generator (``/proc``), which stays meaningful when the machine is
shared, and the throughput those costs allow on two dedicated cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import create_engine, select, text

from bench.common import PG_SERVER_URL, fresh_database
from bench.loadgen import RawClient
from core import migrate
from core.db import sync_url

ROOT = Path(__file__).resolve().parent.parent
CHECK_IN = (
    "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id } userErrors { code } } }"
)
FILE = (
    "mutation($s: ID!, $t: ID!) { fileComplaint(input: {siteId: $s, channel: IN_PERSON, "
    'category: "service", description: "slow", customerName: "Sun", actingStaffId: $t}) '
    "{ complaint { id } userErrors { code } } }"
)
ACK = (
    "mutation($c: ID!, $t: ID!) { transitionComplaint(input: {complaintId: $c, "
    "to: ACKNOWLEDGED, actingStaffId: $t}) { complaint { status } userErrors { code } } }"
)


async def _setup(
    url: str, sites: int, staff: int, complaints_per_site: int = 0
) -> tuple[str, list[tuple[int, list[int]]]]:
    from core.auth import create_token
    from core.runtime import Frontdesk
    from core.services import directory
    from core.services.plugin_state import set_plugin_enabled
    from core.settings import Settings

    fd = Frontdesk(Settings(database_url=url))
    now = datetime.now(UTC)
    layout: list[tuple[int, list[int]]] = []
    try:
        async with fd.write() as s:
            await set_plugin_enabled(s, fd.host, "realestate", True, now)
        await fd.refresh_plugins()
        async with fd.write() as s:
            _row, raw = await create_token(s, name="bench", role="admin", now=now)
            for i in range(sites):
                site = await directory.create_site(
                    s,
                    fd.host,
                    name=f"Site {i}",
                    business_line="realestate",
                    timezone="Asia/Shanghai",
                    calendar_region="CN",
                    now=now,
                )
                people = [
                    (
                        await directory.add_staff(
                            s,
                            site_id=site.id,
                            name=f"S{i}-{j}",
                            role="salesperson",
                            phone=None,
                            now=now,
                            host=fd.host,
                        )
                    ).id
                    for j in range(staff)
                ]
                layout.append((site.id, people))
        if complaints_per_site:
            from core.services.complaints import file_complaint
            from core.services.complaints.filing import ComplaintFiling

            async with fd.write() as s:
                for site_id, people in layout:
                    for _ in range(complaints_per_site):
                        filing = ComplaintFiling(
                            site_id=site_id,
                            channel="in_person",
                            category="service",
                            description="seeded",
                            received_at=now,
                            taken_by_id=people[0],
                            customer_name="Sun",
                        )
                        await file_complaint(s, fd.host, filing, now)
    finally:
        await fd.stop()
    return raw, layout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_ready(base: str, within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/healthz")).is_success:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("server did not start")


async def _fire(
    base: str,
    token: str,
    jobs: list[tuple[str, dict[str, Any]]],
    concurrency: int,
    client_kind: str = "raw",
) -> dict[str, Any]:
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    errors: list[Any] = []
    queue = list(reversed(jobs))
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    # The load generator shares the 2 cores with the servers and PostgreSQL: the raw client
    # (bench/loadgen.py, asyncio streams + orjson) costs about a third of httpx's CPU per request.
    if client_kind == "raw":
        client: Any = RawClient(concurrency)
        url = base + "/graphql"
    else:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        client = httpx.AsyncClient(base_url=base, limits=limits, timeout=60)
        url = "/graphql"
    try:

        async def worker() -> None:
            while queue:
                query, variables = queue.pop()
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        url,
                        content=orjson.dumps({"query": query, "variables": variables}),
                        headers=headers,
                    )
                    body = orjson.loads(r.content)
                    # Schema 1.0: a refusal is the payload's userErrors, counted as an error.
                    refused = [
                        e
                        for v in (body.get("data") or {}).values()
                        if isinstance(v, dict)
                        for e in v.get("userErrors") or ()
                    ]
                    if r.status_code != 200 or body.get("errors") or refused:
                        errors.append(body.get("errors") or refused or r.status_code)
                except Exception as exc:  # noqa: BLE001 - counted
                    errors.append(repr(exc))
                latencies.append(time.perf_counter() - t0)
                by_kind.setdefault(_kind(query), []).append(latencies[-1])

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    finally:
        await client.aclose()
    latencies.sort()
    return {
        "n": len(jobs),
        "per_s": len(jobs) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "p50_by_kind_ms": {k: statistics.median(v) * 1000 for k, v in sorted(by_kind.items())},
    }


def _kind(query: str) -> str:
    return query.split("{", 2)[1].split("(")[0].strip()


def _double_turns(url: str) -> int:
    from core.models import Visit

    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Visit.site_id, Visit.receiver_id)).all()
    finally:
        engine.dispose()
    per_site: dict[int, Counter[int]] = {}
    for site_id, receiver in rows:
        per_site.setdefault(site_id, Counter())[receiver] += 1
    # A turn handed out twice shows as a salesperson two or more ahead of another.
    return sum(
        max(0, max(c.values()) - min(c.values()) - 1) for c in per_site.values() if len(c) > 1
    )


SCENARIOS = ("spread", "one-site", "mixed")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("all", *SCENARIOS), default="all")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checkins", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--server", default=PG_SERVER_URL)
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the load generator's HTTP client: raw (bench/loadgen.py, the default) or httpx",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="serve bench/floor.py (the check-in's statements by hand) instead of Frontdesk; "
        "check-in scenarios only",
    )
    args = parser.parse_args()
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    if args.floor:
        scenarios = tuple(s for s in scenarios if s != "mixed")
        if not scenarios:
            raise SystemExit("--floor answers check-ins only: --scenario spread or one-site")
    results: list[tuple[str, dict[str, Any], int]] = []
    with fresh_database("postgres", args.server) as url:
        migrate.upgrade(url, _all_plugins())
        seed = 20 if "mixed" in scenarios else 0
        token, layout = await _setup(url, sites=10, staff=5, complaints_per_site=seed)
        port = _free_port()
        env = {**os.environ, "FRONTDESK_DATABASE_URL": url}
        env.pop("FRONTDESK_REDIS_URL", None)
        # This checkout's code (not whichever checkout installed the `frontdesk` script).
        env["PYTHONPATH"] = str(ROOT)
        if args.floor:
            # bench/floor.py: the same transaction by hand (raw asyncpg), same uvicorn.
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.floor:app",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ]
        else:
            command = [
                sys.executable,
                "-c",
                "from core.cli import main; main()",
                "serve",
                "--port",
                str(port),
                "--no-upgrade",
                "--workers",
                str(args.workers),
            ]
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
            command, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_ready(base)
            # Warm-up: every connection of the load generator and of each worker's pool is
            # opened (and its statements prepared) before anything is measured.
            warm = [(CHECK_IN, {"s": str(site)}) for site, _ in layout] * 10
            await _fire(base, token, warm, args.concurrency, args.client)
            for scenario in scenarios:
                if scenario == "spread":
                    jobs = [
                        (CHECK_IN, {"s": str(layout[i % len(layout)][0])})
                        for i in range(args.checkins)
                    ]
                elif scenario == "one-site":
                    jobs = [(CHECK_IN, {"s": str(layout[0][0])}) for _ in range(args.checkins)]
                else:
                    jobs = _mixed(url, layout)
                before = _cpu(server.pid, url)
                result = await _fire(base, token, jobs, args.concurrency, args.client)
                result["cpu"] = _cpu_delta(before, _cpu(server.pid, url), len(jobs))
                results.append((scenario, result, _double_turns(url)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    served = "bench/floor.py (raw asyncpg)" if args.floor else "Frontdesk"
    print(
        f"{served}: workers={args.workers} concurrency={args.concurrency} "
        f"cores={os.cpu_count()} client={args.client}"
    )
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for scenario, result, doubles in results:
        print(f"{scenario}: {_fmt(result)}; double turns {doubles}")
        if scenario == "mixed":
            kinds = ", ".join(f"{k} {v:.0f} ms" for k, v in result["p50_by_kind_ms"].items())
            print(f"  p50 by kind: {kinds}")
        cpu = result["cpu"]
        print(
            f"  cpu ms/request: server {cpu['server']:.1f}, postgres {cpu['postgres']:.1f}, "
            f"load generator {cpu['client']:.1f} -> at most "
            f"{2000 / max(cpu['total'], 0.001):.0f}/s on 2 dedicated cores"
        )


def _mixed(url: str, layout: list[tuple[int, list[int]]]) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        complaints = conn.execute(
            text(
                "SELECT id, site_id FROM complaints"
                " WHERE lower(status::text) = 'received' ORDER BY id"
            )
        ).all()
    engine.dispose()
    first_staff = {site: people[0] for site, people in layout}
    mixed: list[tuple[str, dict[str, Any]]] = []
    for i in range(200):
        site, people = layout[i % len(layout)]
        cid, csite = complaints[i % len(complaints)]
        mixed.append((CHECK_IN, {"s": str(site)}))
        mixed.append((FILE, {"s": str(site), "t": str(people[1])}))
        mixed.append((ACK, {"c": str(cid), "t": str(first_staff[csite])}))
    return mixed


# --- CPU accounting (Linux /proc) ------------------------------------------------------------


def _ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out + [g for c in out for g in _children(c)]


def _cpu(server_pid: int, url: str) -> dict[str, Any]:
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        backends = conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
        ).all()
    engine.dispose()
    servers = [server_pid, *_children(server_pid)]
    return {
        "server": {p: _ticks(p) for p in servers},
        "postgres": {p: _ticks(p) for p in backends},
        "client": sum(os.times()[:2]),
    }


def _cpu_delta(before: dict[str, Any], after: dict[str, Any], n: int) -> dict[str, float]:
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for part in ("server", "postgres"):
        spent = sum(t - before[part].get(p, 0) for p, t in after[part].items())
        out[part] = spent * tick_ms / n
    out["client"] = (after["client"] - before["client"]) * 1000 / n
    out["total"] = out["server"] + out["postgres"] + out["client"]
    return out


def _fmt(r: dict[str, Any]) -> str:
    out = (
        f"{r['n']} in {r['n'] / r['per_s']:.1f} s = {r['per_s']:.0f}/s, "
        f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, errors {r['errors']}"
    )
    if r["first_error"] is not None:
        out += f" (first: {str(r['first_error'])[:200]})"
    return out


def _all_plugins() -> Any:
    from core.plugins import PluginHost, create_plugin_manager

    host = PluginHost(create_plugin_manager())
    host.set_enabled(host.installed.keys())
    return host


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
