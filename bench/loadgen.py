"""The load generator: runs in its own process, driven over a multiprocessing pipe.

``concurrency`` requests in flight over keep-alive connections, kept across rounds.  Two
clients: ``raw`` (default) - a minimal HTTP/1.1 client on asyncio streams (uvloop when
installed), cheap enough that one core drives the floor without becoming the bottleneck; and
``httpx`` (``httpx.AsyncClient``), which costs about 1 ms of client CPU per request here and so
caps what it can measure near 1,000 req/s.  Each command runs for a fixed duration and sends
back the latencies, the error count and the client's own CPU use (to tell a client-bound run).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any


async def _run(
    client: Any,
    url: str,
    body: bytes,
    headers: dict[str, str],
    expected: bytes | None,
    duration: float,
    concurrency: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    mismatched = 0
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


class Reply:
    __slots__ = ("content", "status_code")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code, self.content = status_code, content


class RawClient:
    """HTTP/1.1 POSTs over a pool of keep-alive connections (Content-Length bodies only)."""

    def __init__(self, concurrency: int) -> None:
        self.free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.opened = 0
        self.concurrency = concurrency
        self.all: list[asyncio.StreamWriter] = []

    async def _conn(self, host: str, port: int) -> tuple[Any, Any]:
        if self.free.empty() and self.opened < self.concurrency:
            self.opened += 1
            reader, writer = await asyncio.open_connection(host, port)
            self.all.append(writer)
            return reader, writer
        return await self.free.get()

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Reply:
        _scheme, _, hostport, path = url.split("/", 3)  # http://host:port/path
        path = "/" + path
        host, port = hostport.rsplit(":", 1)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {hostport}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + f"Content-Length: {len(content)}\r\n\r\n"
        ).encode()
        for attempt in (1, 2):
            reader, writer = await self._conn(host, int(port))
            try:
                writer.write(head + content)
                status_line = await reader.readuntil(b"\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                # A kept-alive connection the server closed while idle: reconnect once.
                writer.close()
                self.opened -= 1
                if attempt == 2:
                    raise
                continue
            try:
                status = int(status_line.split(b" ", 2)[1])
                length = None
                while True:
                    line = await reader.readuntil(b"\r\n")
                    if line == b"\r\n":
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    raise RuntimeError("response without Content-Length (chunked unsupported)")
                body = await reader.readexactly(length)
            except BaseException:
                writer.close()
                self.opened -= 1
                raise
            self.free.put_nowait((reader, writer))
            return Reply(status, body)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        for writer in self.all:
            writer.close()


def serve(conn: Any, concurrency: int, kind: str = "raw") -> None:
    """Process entry point: ``("run", url, body, headers, expected, duration)`` -> results."""
    import httpx

    try:
        import uvloop  # type: ignore[import-not-found]

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    clients: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    try:
        while True:
            cmd = conn.recv()
            if cmd[0] == "stop":
                break
            _, url, body, headers, expected, duration = cmd
            base = url.split("/", 3)[2]
            client = clients.get(base)
            if client is None:
                client = clients[base] = (
                    RawClient(concurrency)
                    if kind == "raw"
                    else httpx.AsyncClient(limits=limits, timeout=30.0)
                )
            conn.send(
                loop.run_until_complete(
                    _run(client, url, body, headers, expected, duration, concurrency)
                )
            )
    finally:
        for client in clients.values():
            loop.run_until_complete(client.aclose())
        loop.close()
        conn.close()
