"""Where a Frontdesk visits page spends its time, in process (no HTTP client in the way).

    .venv/bin/python bench/profile_visits.py [--db sqlite|postgres] [--mode schema|asgi]
                                             [--n 300] [--first 100] [--patches a,b]
                                             [--profile cprofile|none] [--top 30]

``--mode schema`` loops ``schema.execute`` (what tests/conftest.py's Client does); ``asgi``
sends the POST through ``create_app`` with httpx's ASGI transport, so the HTTP view, JSON
decoding and ``encode_json`` are included.  Prints the mean time per request, a split by phase
(measured with wrappers around the phases, without the profiler) and the cProfile top list.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.common import (  # noqa: E402
    PG_SERVER_URL,
    QUERY,
    fresh_database,
    headers,
    pg_reachable,
    request_body,
    seed,
    variables,
)

PHASES: dict[str, float] = defaultdict(float)


def _timed(name: str, fn: Any, *, is_async: bool) -> Any:
    if is_async:

        async def wrapper(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await fn(*a, **kw)
            finally:
                PHASES[name] += time.perf_counter() - t0
    else:

        def wrapper(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                PHASES[name] += time.perf_counter() - t0

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def _gc_timer() -> None:
    import gc

    started: list[float] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            PHASES[f"4 gc (generation {info['generation']})"] += time.perf_counter() - started.pop()

    gc.callbacks.append(callback)


def instrument() -> None:
    """Time the phases: parse+validate, execution, the root resolver and its SQL, JSON."""
    _gc_timer()
    import sqlalchemy.ext.asyncio.session as sa_session

    from core import app as core_app
    from core.graphql import loading, queries
    from schema.build import FrontdeskSchema

    FrontdeskSchema._prepare_operation_async = _timed(  # type: ignore[method-assign]
        "1 parse + validate (+ extensions)", FrontdeskSchema._prepare_operation_async, is_async=True
    )
    FrontdeskSchema._execute_operation = _timed(  # type: ignore[method-assign]
        "2 execute (graphql-core + resolvers)", FrontdeskSchema._execute_operation, is_async=True
    )
    # The root statement (execute + ORM hydration) happens in AsyncSession.scalars.
    sa_session.AsyncSession.scalars = _timed(  # type: ignore[method-assign]
        "2b   SQL + ORM hydration (AsyncSession.scalars)",
        sa_session.AsyncSession.scalars,
        is_async=True,
    )
    queries.paginate = _timed(
        "2a   root resolver (paginate: SQL, hydrate, prefetch)", loading.paginate, is_async=True
    )
    core_app.FrontdeskGraphQL.encode_json = _timed(  # type: ignore[method-assign]
        "3 encode_json (orjson)", core_app.FrontdeskGraphQL.encode_json, is_async=False
    )


async def _setup(url: str, patches: list[str]) -> Any:
    if patches:
        from bench.patches import apply

        apply(patches)
    from core.runtime import Frontdesk
    from core.settings import Settings

    fd = Frontdesk(Settings(database_url=url, plugin_state_poll_seconds=3600.0))
    if getattr(fd, "schema_factory", False) is None:  # this core's app composes the schema
        from schema.build import build_schema

        fd.schema_factory = build_schema
    await fd.start(watch=False)
    try:  # what the app's lifespan does in a serving process, when this core has it
        from core.graphql.subscriptions import tune_gc_for_long_lived_connections
    except ImportError:
        pass
    else:
        tune_gc_for_long_lived_connections()
    return fd


async def _loop(
    fd: Any, mode: str, n: int, first: int, prof: cProfile.Profile | None, token: str | None
) -> float:
    from core.graphql.context import Context

    if mode == "schema":
        schema = fd.schema
        vars_ = variables(first)
        extra: dict[str, Any] = {}
        try:
            from core.auth import Actor, Role

            extra["actor"] = Actor(role=Role.FRONTEND, name="bench")
        except ImportError:
            pass

        async def one() -> None:
            result = await schema.execute(
                QUERY, variable_values=vars_, context_value=Context(app=fd, **extra)
            )
            assert not result.errors, result.errors
            orjson.dumps({"data": result.data})
    else:
        from core.app import create_app

        app = create_app(fd)
        body = orjson.dumps(request_body(first))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 1),
            "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
            + [(k.encode(), v.encode()) for k, v in headers(token).items()],
        }

        async def one() -> None:
            # The ASGI call itself, without an HTTP client's cost in the measurement.
            sent = False
            chunks: list[bytes] = []
            status = 0

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await app(dict(scope), receive, send)
            out = b"".join(chunks)
            assert status == 200 and b'"errors"' not in out, out[:300]

    for _ in range(20):  # warm caches (parser, validation, statement cache)
        await one()
    PHASES.clear()
    if prof:
        prof.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        await one()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    if prof:
        prof.disable()
    return elapsed, cpu


async def _ab(url: str, token: str | None, args: Any, kind: str) -> None:
    """Alternate passes between patch sets in one process (paired, less noisy comparisons)."""
    import statistics

    from bench.patches import apply, undo_all

    sets = [[p for p in spec.split(",") if p and p != "none"] for spec in args.ab.split(";")]
    labels = [",".join(s) or "baseline" for s in sets]
    fd = await _setup(url, [])
    walls: dict[str, list[float]] = {label: [] for label in labels}
    cpus: dict[str, list[float]] = {label: [] for label in labels}
    try:
        for _ in range(args.rounds):
            for patch_set, label in zip(sets, labels, strict=True):
                apply(patch_set)
                fd._schemas.clear()  # the next request builds the schema with the patches
                try:
                    elapsed, cpu = await _loop(fd, args.mode, args.n, args.first, None, token)
                finally:
                    undo_all()
                    fd._schemas.clear()
                walls[label].append(elapsed / args.n * 1e3)
                cpus[label].append(cpu / args.n * 1e3)
    finally:
        await fd.stop()
    base = statistics.median(cpus[labels[0]])
    print(
        f"db={kind} mode={args.mode} first={args.first}: {args.rounds} alternating rounds x "
        f"{args.n} requests per patch set (one at a time, in process)"
    )
    print(f"  {'patch set':<44} {'wall ms':>8} {'CPU ms':>8} {'CPU min':>8} {'vs first':>9}")
    for label in labels:
        med = statistics.median(cpus[label])
        print(
            f"  {label:<44} {statistics.median(walls[label]):8.3f} {med:8.3f} "
            f"{min(cpus[label]):8.3f} {med / base:8.2f}x"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default=None)
    ap.add_argument("--pg-url", default=PG_SERVER_URL)
    ap.add_argument("--mode", choices=["schema", "asgi"], default="asgi")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="timing passes (best is shown)")
    ap.add_argument("--first", type=int, default=100)
    ap.add_argument("--patches", default="")
    ap.add_argument("--profile", choices=["cprofile", "none"], default="cprofile")
    ap.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument(
        "--ab",
        default="",
        help="compare patch sets in one process, e.g. "
        "'none;auth-cache' (each set comma-separated); passes alternate "
        "between the sets, --rounds times",
    )
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    kind = args.db or ("postgres" if pg_reachable(args.pg_url) else "sqlite")
    patches = [p for p in args.patches.split(",") if p]

    with fresh_database(kind, args.pg_url) as url:
        token = seed(url).token

        if args.ab:
            asyncio.run(_ab(url, token, args, kind))
            return 0

        async def go() -> None:
            fd = await _setup(url, patches)
            try:
                # Timing passes (no profiler), phases instrumented; the fastest pass is shown.
                instrument()
                best: tuple[float, float, dict[str, float]] | None = None
                for _ in range(args.repeat):
                    elapsed, cpu = await _loop(fd, args.mode, args.n, args.first, None, token)
                    if best is None or elapsed < best[0]:
                        best = (elapsed, cpu, dict(PHASES))
                assert best is not None
                elapsed, cpu, phases = best
                print(
                    f"db={kind} mode={args.mode} first={args.first} patches={patches or '-'}: "
                    f"{elapsed / args.n * 1e3:.3f} ms/request wall, "
                    f"{cpu / args.n * 1e3:.3f} ms CPU (process, all threads), "
                    f"best of {args.repeat}"
                )
                for name, total in sorted(phases.items()):
                    print(f"  {name:<52} {total / args.n * 1e3:7.3f} ms/request")
                if args.profile == "cprofile":
                    prof = cProfile.Profile()
                    await _loop(fd, args.mode, args.n, args.first, prof, token)
                    out = io.StringIO()
                    stats = pstats.Stats(prof, stream=out)
                    stats.sort_stats(args.sort).print_stats(args.top)
                    print(out.getvalue())
            finally:
                await fd.stop()

        asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
