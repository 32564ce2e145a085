"""The load generator: runs in its own process, driven over a multiprocessing pipe.

One ``httpx.AsyncClient`` per target, kept alive across rounds (keep-alive connections), and
``concurrency`` requests in flight.  Each command runs for a fixed duration and sends back the
latencies, the error count and the client's own CPU use (to tell a client-bound run).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any


async def _run(client: Any, url: str, body: bytes, expected: bytes | None, duration: float,
               concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    mismatched = 0
    headers = {"content-type": "application/json"}
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors, mismatched
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                r = await client.post(url, content=body, headers=headers)
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors += 1
                continue
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors += 1
            elif expected is not None and r.content != expected:
                mismatched += 1

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {
        "latencies": latencies,
        "elapsed": elapsed,
        "errors": errors,
        "mismatched": mismatched,
        "client_cpu": (time.process_time() - cpu0) / elapsed,
    }


def serve(conn: Any, concurrency: int) -> None:
    """Process entry point: ``("run", url, body, expected, duration)`` -> result dict."""
    import httpx

    loop = asyncio.new_event_loop()
    clients: dict[str, httpx.AsyncClient] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    try:
        while True:
            cmd = conn.recv()
            if cmd[0] == "stop":
                break
            _, url, body, expected, duration = cmd
            base = url.split("/", 3)[2]
            client = clients.get(base)
            if client is None:
                client = clients[base] = httpx.AsyncClient(limits=limits, timeout=30.0)
            conn.send(loop.run_until_complete(
                _run(client, url, body, expected, duration, concurrency)
            ))
    finally:
        for client in clients.values():
            loop.run_until_complete(client.aclose())
        loop.close()
        conn.close()
