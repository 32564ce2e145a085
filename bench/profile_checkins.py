"""Where one ``checkInVisit`` spends its time, in process (issue 8's notes).

    .venv/bin/python -m bench.profile_checkins [--n 200] [--top 25] [--kind checkin|file]

A fresh PostgreSQL database laid out as ``bench/checkins.py`` does (10 sites of 5
salespeople), then ``--n`` mutations sent one after another through ``create_app`` with
httpx's ASGI transport (HTTP view, JSON and the whole write path included, no network).
Prints the wall time and CPU time per request, the SQL statements per request, and the
cProfile top list (cumulative).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from typing import Any

import httpx
from sqlalchemy import event

from bench.checkins import CHECK_IN, FILE, _all_plugins, _setup
from bench.common import PG_SERVER_URL, fresh_database
from core import migrate


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--kind", choices=("checkin", "file"), default="checkin")
    parser.add_argument("--sort", default="cumulative", help="cumulative, tottime …")
    parser.add_argument("--sql-width", type=int, default=110, help="characters of SQL shown")
    parser.add_argument("--dump", help="write the cProfile stats to this file")
    parser.add_argument("--show-sql", action="store_true", help="print one request's SQL")
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="time without the profiler (CPU per request of client and server in one process)",
    )
    args = parser.parse_args()
    from core.app import create_app
    from core.runtime import Frontdesk
    from core.settings import Settings

    with fresh_database("postgres", PG_SERVER_URL) as url:
        migrate.upgrade(url, _all_plugins())
        token, layout = await _setup(url, sites=10, staff=5)
        fd = Frontdesk(Settings(database_url=url))
        app = create_app(fd)
        statements = 0
        shown: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
            nonlocal statements
            statements += 1
            if args.show_sql and len(shown) < statements_in_one:
                shown.append(" ".join(statement.split())[: args.sql_width])

        statements_in_one = 0

        await fd.start(watch=False)
        event.listen(fd.db.engine.sync_engine, "before_cursor_execute", count)
        try:
            transport = httpx.ASGITransport(app=app)
            headers = {"authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:

                async def one(i: int) -> None:
                    site, people = layout[i % len(layout)]
                    if args.kind == "checkin":
                        body = {"query": CHECK_IN, "variables": {"s": str(site)}}
                    else:
                        body = {"query": FILE, "variables": {"s": str(site), "t": str(people[0])}}
                    r = await http.post("/graphql", json=body, headers=headers)
                    assert not r.json().get("errors"), r.text

                for i in range(20):  # warm-up
                    await one(i)
                statements = 0
                await one(0)
                statements_in_one, statements = statements, 0
                await one(1)  # recorded by --show-sql
                statements = 0
                profiler = cProfile.Profile()
                wall, cpu = time.perf_counter(), time.process_time()
                if not args.no_profile:
                    profiler.enable()
                for i in range(args.n):
                    await one(i)
                if not args.no_profile:
                    profiler.disable()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            await fd.stop()
    print(
        f"{args.kind}: {wall / args.n * 1000:.1f} ms wall, {cpu / args.n * 1000:.1f} ms CPU "
        f"({'without' if args.no_profile else 'with'} the profiler), "
        f"{statements / args.n:.1f} SQL statements per request"
    )
    for line in shown:
        print("  SQL:", line)
    if args.no_profile:
        return
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    print(by_package(stats, args.n))
    if args.dump:
        stats.dump_stats(args.dump)


def by_package(stats: pstats.Stats, n: int) -> str:
    """Own time (tottime) per package, per request, without the waits (epoll, socket send:
    time the process spent blocked or descheduled, not computing)."""
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name in (
            "<method 'poll' of 'select.epoll' objects>",
            "<method 'send' of '_socket.socket' objects>",
        ):
            continue
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/work/" in filename:
            parts = filename.split("/")
            package = "/".join(parts[4:6]) if len(parts) > 5 else filename
        elif filename == "~":
            package = "builtins"
        else:
            package = "stdlib:" + filename.rsplit("/", 1)[-1]
        totals[package] = totals.get(package, 0.0) + tottime
    total = sum(totals.values())
    calls = stats.total_calls / n  # type: ignore[attr-defined]
    lines = [
        f"Python function calls per request: {calls:,.0f} (deterministic; a steadier gauge "
        "of the CPU work than the times on a shared machine)",
        f"own time per request by package (profiled; total {total / n * 1000:.2f} ms):",
    ]
    for package, spent in sorted(totals.items(), key=lambda kv: -kv[1])[:25]:
        lines.append(f"  {spent / n * 1000:6.2f} ms  {package}")
    return "\n".join(lines)


if __name__ == "__main__":
    asyncio.run(main())
