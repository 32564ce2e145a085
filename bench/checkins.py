"""Check-ins on PostgreSQL through real server processes (issue 8's figures).

    .venv/bin/python -m bench.checkins [--workers 2] [--checkins 500] [--concurrency 50]

A fresh database (real migrations, the real-estate line enabled), 10 sites of 5 salespeople,
``frontdesk serve --workers N`` on a free port, then:

1. ``checkInVisit`` spread over the 10 sites, ``--concurrency`` in flight;
2. the same number at one site alone;
3. a mixed run at the 10 sites: check-ins, complaint filings and transitions at once.

Prints throughput, p50/p99 latency, errors (any GraphQL error or non-200) and double turns
(RE-1: at a site, the salespeople's reception counts may differ by at most one).
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
from sqlalchemy import create_engine, select, text

from bench.common import PG_SERVER_URL, fresh_database
from core import migrate
from core.db import sync_url

CHECK_IN = (
    "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id } "
    "userErrors { field message code } } }"
)
FILE = (
    "mutation($s: ID!, $t: ID!) { fileComplaint(input: {siteId: $s, channel: IN_PERSON, "
    'category: "service", description: "slow", customerName: "Sun", actingStaffId: $t}) '
    "{ complaint { id } } }"
)
ACK = (
    "mutation($c: ID!, $t: ID!) { transitionComplaint(input: {complaintId: $c, "
    "to: ACKNOWLEDGED, actingStaffId: $t}) { complaint { status } userErrors { field message code "
    "} } }"
)


async def _setup(url: str, sites: int, staff: int) -> tuple[str, list[tuple[int, list[int]]]]:
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
    base: str, token: str, jobs: list[tuple[str, dict[str, Any]]], concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[Any] = []
    queue = list(reversed(jobs))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while queue:
                query, variables = queue.pop()
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=headers
                    )
                    body = r.json()
                    if r.status_code != 200 or body.get("errors"):
                        errors.append(body.get("errors") or r.status_code)
                except Exception as exc:  # noqa: BLE001 - counted
                    errors.append(repr(exc))
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "n": len(jobs),
        "per_s": len(jobs) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checkins", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--server", default=PG_SERVER_URL)
    args = parser.parse_args()
    with fresh_database("postgres", args.server) as url:
        migrate.upgrade(url, _all_plugins())
        token, layout = await _setup(url, sites=10, staff=5)
        port = _free_port()
        env = {**os.environ, "FRONTDESK_DATABASE_URL": url}
        env.pop("FRONTDESK_REDIS_URL", None)
        frontdesk = str(Path(sys.executable).parent / "frontdesk")
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
            [frontdesk, "serve", "--port", str(port), "--no-upgrade",
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_ready(base)
            spread = [
                (CHECK_IN, {"s": str(layout[i % len(layout)][0])}) for i in range(args.checkins)
            ]
            r1 = await _fire(base, token, spread, args.concurrency)
            one_site = [(CHECK_IN, {"s": str(layout[0][0])}) for _ in range(args.checkins)]
            r2 = await _fire(base, token, one_site, args.concurrency)
            doubles = _double_turns(url)
            filings = [
                (FILE, {"s": str(site), "t": str(people[0])}) for site, people in layout * 20
            ]
            seeds = await _fire(base, token, filings, args.concurrency)
            engine = create_engine(sync_url(url))
            with engine.connect() as conn:
                complaints = conn.execute(
                    text("SELECT id, site_id FROM complaints ORDER BY id")
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
            r3 = await _fire(base, token, mixed, args.concurrency)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"workers={args.workers} concurrency={args.concurrency}")
    print(f"check-ins, 10 sites: {_fmt(r1)}")
    print(f"check-ins, 1 site:   {_fmt(r2)}")
    print(f"double turns: {doubles}")
    print(f"seed filings:        {_fmt(seeds)}")
    print(f"mixed (200 check-ins + 200 filings + 200 transitions): {_fmt(r3)}")


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
    asyncio.run(main())
