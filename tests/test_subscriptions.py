"""complaintUpdates over graphql-transport-ws: live, resumable with ``after``, in order, no
duplicates or gaps at the replay/live seam, even when the bus misbehaves (C-9 events).

A real uvicorn server runs in the test's event loop and a real ``websockets`` client talks the
protocol to it; complaint events are written with ``record_event`` inside ``fd.write()``, as
the complaint services do.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from conftest import FIXED_NOW, Client, start_frontdesk
from helpers import gid, legacy, make_site
from websockets.asyncio.client import ClientConnection, connect

from core import auth, models
from core.app import create_app
from core.events import record_event, take_pending_events
from core.graphql import subscriptions
from core.graphql.types import encode_cursor
from core.runtime import Frontdesk

FIELDS = "cursor id type siteId complaintId occurredAt payload"
UPDATES = f"""
subscription($site: ID, $after: String) {{
  complaintUpdates(siteId: $site, after: $after) {{ {FIELDS} }}
}}"""
# The same selection through a fragment: not the fast path, the ordinary GraphQL execution.
UPDATES_SLOW = f"""
subscription($site: ID, $after: String) {{
  complaintUpdates(siteId: $site, after: $after) {{ ...E }}
}}
fragment E on ComplaintEvent {{ {FIELDS} }}"""


# --- helpers (test_multiprocess.py uses them too) ------------------------------------------


class GqlWs:
    """A graphql-transport-ws client on a real WebSocket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str, token: str) -> AsyncIterator[GqlWs]:
        async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=5) as ws:  # type: ignore[list-item]
            client = cls(ws)
            await client.send({"type": "connection_init", "payload": {"authorization": token}})
            assert (await client.receive())["type"] == "connection_ack"
            yield client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        # The protocol speaks text frames; browsers' graphql-ws rejects binary ones.
        assert isinstance(raw, str), f"binary frame: {raw!r}"
        return json.loads(raw)

    async def subscribe(self, query: str, variables: dict[str, Any], op: str = "1") -> None:
        await self.send(
            {"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    async def events(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        out = []
        for _ in range(count):
            message = await self.receive(within)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            out.append(message["payload"]["data"]["complaintUpdates"])
        return out

    async def silent_for(self, seconds: float) -> None:
        with pytest.raises(TimeoutError):
            message = await self.receive(seconds)
            raise AssertionError(f"expected nothing, got {message}")


@asynccontextmanager
async def serve(fd: Frontdesk) -> AsyncIterator[str]:
    """The Frontdesk app on a free loopback port, in this event loop; yields the ws:// URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(fd), lifespan="off", log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), task
            await asyncio.sleep(0.01)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def make_token(fd: Frontdesk, role: str = "staff") -> str:
    async with fd.write() as s:
        _, raw = await auth.create_token(s, name=f"test {role}", role=role, now=FIXED_NOW)
    return f"Bearer {raw}"


async def complaint_event(
    fd: Frontdesk, site: int | str, kind: str = "complaint.filed", complaint: int = 1, **payload
) -> int:
    """A complaint event, recorded and published exactly as a complaint service does it."""
    async with fd.write() as s:
        event = await record_event(
            s,
            stream="complaints",
            type=kind,
            now=datetime.now(UTC),
            site_id=legacy(site) if isinstance(site, str) else site,
            subject_id=complaint,
            payload=payload,
        )
    return event.id


async def listening(fd: Frontdesk, count: int = 1, within: float = 5.0) -> None:
    """Wait until ``count`` subscriptions in this process listen to the complaints feed:
    the server's state, not a guess at how long subscribing takes."""
    feed = await subscriptions.stored_stream(fd, "complaints")
    for _ in range(int(within / 0.005)):
        if len(feed._listeners._subscribers) >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"fewer than {count} subscriptions listening after {within}s")


def ids(events: list[dict[str, Any]]) -> list[int]:
    return [int(e["id"]) for e in events]


@pytest.fixture
async def site(client: Client) -> str:
    return await make_site(client)


@pytest.fixture
async def url(fd: Frontdesk) -> AsyncIterator[str]:
    async with serve(fd) as ws_url:
        yield ws_url


@pytest.fixture
async def token(fd: Frontdesk) -> str:
    return await make_token(fd)


# --- live, fields, filters ---------------------------------------------------------------


async def test_C_9_live_complaint_events_arrive_in_order_with_every_field(fd, site, url, token):
    other = await make_site(Client(fd), "Harbour Club")
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {"site": site})
        await listening(fd)
        first = await complaint_event(fd, site, "complaint.filed", 7, number="2611-0001")
        await complaint_event(fd, other, "complaint.filed", 8)  # another site: filtered out
        second = await complaint_event(fd, site, "complaint.acknowledged", 7, by="Li")
        got = await ws.events(2)
        await ws.silent_for(0.3)
    assert ids(got) == [first, second]
    async with fd.db.session() as s:
        stored = (await s.get(models.Event, first)).occurred_at
    assert got[0] == {
        "cursor": encode_cursor("event", first),
        "id": str(first),
        "type": "complaint.filed",
        "siteId": site,
        "complaintId": gid("Complaint", 7),
        "occurredAt": stored.isoformat(),
        "payload": {"number": "2611-0001"},
    }
    assert datetime.fromisoformat(got[0]["occurredAt"]).tzinfo is not None
    assert got[1]["type"] == "complaint.acknowledged" and got[1]["payload"] == {"by": "Li"}


async def test_without_site_every_site_is_streamed_and_other_streams_are_not(fd, site, url, token):
    other = await make_site(Client(fd), "Harbour Club")
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {})
        await listening(fd)
        a = await complaint_event(fd, site)
        async with fd.write() as s:  # a visit event is not a complaint event
            await record_event(s, stream="visits", type="visit.checked_in", now=FIXED_NOW)
        b = await complaint_event(fd, other)
        assert ids(await ws.events(2)) == [a, b]
        await ws.silent_for(0.2)


async def test_the_fast_path_sends_exactly_what_graphql_execution_sends(fd, site, url, token):
    async with GqlWs.connect(url, token) as fast, GqlWs.connect(url, token) as slow:
        await fast.subscribe(UPDATES, {"site": site})
        await slow.subscribe(UPDATES_SLOW, {"site": site})
        aliased = "subscription { u: complaintUpdates { t: type __typename id } }"
        await fast.subscribe(aliased, {}, op="2")
        await listening(fd, 3)
        await complaint_event(fd, site, note="ünïcode ✓", nested={"a": [1, 2.5, None, True]})
        by_op = {m["id"]: m for m in [await fast.receive(), await fast.receive()]}
        assert [by_op["1"]["payload"]["data"]["complaintUpdates"]] == await slow.events(1)
        aliased_data = by_op["2"]["payload"]["data"]["u"]
        assert list(aliased_data) == ["t", "__typename", "id"]
        # Issue 17: typed events; the fast path names the concrete type as execution does.
        assert aliased_data["__typename"] == "ComplaintFiledEvent"


# --- after: replay, then live, without duplicates or gaps ------------------------------------


async def test_after_replays_what_was_missed_then_goes_live(fd, site, url, token):
    stored = [await complaint_event(fd, site, complaint=n) for n in range(1, 5)]
    after = encode_cursor("event", stored[0])
    for query in (UPDATES, UPDATES_SLOW):
        async with GqlWs.connect(url, token) as ws:
            await ws.subscribe(query, {"site": site, "after": after})
            assert ids(await ws.events(len(stored) - 1)) == stored[1:]
            live = await complaint_event(fd, site)
            assert ids(await ws.events(1)) == [live]
            await ws.silent_for(0.2)
        stored.append(live)


async def test_seam_under_concurrent_writes_has_no_duplicate_and_no_gap(fd, site, url, token):
    """Events keep committing while the subscriber replays its backlog."""
    first = await complaint_event(fd, site)
    written: list[int] = [first]

    async def writer() -> None:
        for _ in range(40):
            written.append(await complaint_event(fd, site))
            await asyncio.sleep(0.005)

    task = asyncio.create_task(writer())
    for _ in range(1000):  # the writer is under way before the subscriber connects
        if len(written) >= 3:
            break
        await asyncio.sleep(0.005)
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {"site": site, "after": encode_cursor("event", first)})
        await task
        got = ids(await ws.events(len(written) - 1))
        await ws.silent_for(0.3)
    assert got == written[1:]


async def test_a_bus_publishing_out_of_order_or_losing_events_changes_nothing(fd, site, url, token):
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {"site": site})
        await listening(fd)
        published = []
        for _ in range(3):  # three commits, not published yet
            async with fd.db.transaction() as s:
                await record_event(
                    s,
                    stream="complaints",
                    type="complaint.filed",
                    now=FIXED_NOW,
                    site_id=legacy(site),
                )
            published.append(take_pending_events(s)[0])
        # The bus hears the third before the first, and never hears the second.
        await fd.publish([published[2]])
        await fd.publish([published[0]])
        assert ids(await ws.events(3)) == [e.id for e in published]
        await ws.silent_for(0.2)


async def test_when_the_bus_says_it_lost_events_subscribers_read_the_store(fd, site, url, token):
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {"site": site})
        await listening(fd)
        async with fd.db.transaction() as s:  # committed while Redis was away: never published
            event = await record_event(
                s,
                stream="complaints",
                type="complaint.filed",
                now=FIXED_NOW,
                site_id=legacy(site),
            )
        await ws.silent_for(0.2)
        fd.bus._signal_loss()  # what RedisBus does when its listener reconnects
        assert ids(await ws.events(1)) == [event.id]


@pytest.mark.redis
async def test_a_process_hears_its_own_events_while_redis_is_unreachable(redis_url, caplog):
    """Redis is a doorbell: the bus starts with Redis down, publish never waits on it, this
    process hears its own events, and the outage is logged once (not per event)."""
    from core.bus import RedisBus
    from core.contracts import DomainEvent

    bus = RedisBus("redis://127.0.0.1:1/0", publish_timeout=0.2, start_wait=0.1)
    await bus.start()  # nothing listens there: starts all the same
    sub = bus.subscribe()
    try:
        for n in range(1, 4):
            event = DomainEvent(n, "complaints", "complaint.filed", None, None, {}, FIXED_NOW)
            await asyncio.wait_for(bus.publish([event]), 0.05)  # queued, not sent inline
            assert (await asyncio.wait_for(sub.queue.get(), 5)) == event  # fanned out here
        assert not bus.connected
        outages = [r for r in caplog.records if "redis unreachable" in r.getMessage()]
        assert len(outages) == 1
    finally:
        sub.close()
        await bus.close()

    healthy = RedisBus(redis_url)
    await healthy.start()
    sub = healthy.subscribe()
    try:
        assert healthy.connected
        event = DomainEvent(7, "complaints", "complaint.filed", None, None, {}, FIXED_NOW)
        await healthy.publish([event])
        assert (await asyncio.wait_for(sub.queue.get(), 5)) == event  # through Redis, once
        assert sub.queue.empty()
    finally:
        sub.close()
        await healthy.close()


async def test_a_slow_subscriber_whose_queue_overflows_reads_the_store(fd, site):
    feed = await subscriptions.stored_stream(fd, "complaints")
    feed._listeners._queue_size = 3  # this subscriber can hold 3 events
    stream = subscriptions.stream_events(fd, "complaints", site_id=legacy(site), after=None)
    first = asyncio.ensure_future(anext(stream))
    await listening(fd)
    (sub,) = feed._listeners._subscribers
    written = [await complaint_event(fd, site) for _ in range(12)]
    for _ in range(1000):  # until the feed has emitted all 12
        if feed.last_id >= written[-1]:
            break
        await asyncio.sleep(0.005)
    assert feed.last_id == written[-1]
    assert sub.overflowed, "the queue of 3 must have overflowed"
    got = [(await first).id] + [(await anext(stream)).id for _ in range(11)]
    await stream.aclose()
    assert got == written


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [UPDATES, UPDATES_SLOW])
async def test_bad_cursor_unknown_site_and_missing_permission_are_errors(fd, site, url, query):
    staff = await make_token(fd, "staff")
    board = await make_token(fd, "frontend")
    cases = [
        (staff, {"after": "nonsense"}, "INVALID_CURSOR"),
        (staff, {"site": "999"}, "SITE_NOT_FOUND"),
        (board, {"site": site}, "FORBIDDEN"),  # C-13: a read-only front end cannot subscribe
    ]
    for token, variables, code in cases:
        async with GqlWs.connect(url, token) as ws:
            await ws.subscribe(query, variables)
            message = await ws.receive()
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["code"] == code, message


# --- commit order on PostgreSQL ----------------------------------------------------------


@pytest.mark.postgres
async def test_events_committed_out_of_id_order_reach_a_resuming_subscriber_once_in_order(
    pg_url,
):
    """No global lock: a second writer commits while the first holds a lower event id.  A
    reader in another Frontdesk (another engine, as another process) waits at the hole, then
    delivers both once each, in id order; resuming from either cursor misses nothing."""
    writer_fd = await start_frontdesk(pg_url)
    reader_fd = await start_frontdesk(pg_url)
    hold = asyncio.Event()
    inserted = asyncio.Event()
    try:
        site = legacy(await make_site(Client(writer_fd)))
        before = await reader_fd.horizon.safe_id()

        async def slow_writer() -> int:
            async with writer_fd.write() as s:
                event = await record_event(
                    s, stream="complaints", type="slow", now=FIXED_NOW, site_id=site
                )
                inserted.set()
                await hold.wait()  # committed only when released
            return event.id

        async def fast_writer() -> int:
            await inserted.wait()
            async with writer_fd.write() as s:
                event = await record_event(
                    s, stream="complaints", type="fast", now=FIXED_NOW, site_id=site
                )
            return event.id

        slow = asyncio.create_task(slow_writer())
        # The later id commits first, without waiting for the earlier one.
        fast_id = await asyncio.wait_for(fast_writer(), timeout=30)
        assert not slow.done()

        got: list[tuple[int, str]] = []

        async def resume() -> None:
            async for e in subscriptions.stream_events(
                reader_fd, "complaints", site_id=site, after=before
            ):
                got.append((e.id, e.type))
                if len(got) == 2:
                    return

        reader = asyncio.create_task(resume())
        # The reader sees the committed higher id above a hole and waits there.
        async with asyncio.timeout(30):
            while not reader_fd.horizon.waiting_for:  # noqa: ASYNC110 - state, not time
                await asyncio.sleep(0.01)
        assert got == []
        hold.set()
        slow_id = await slow
        await asyncio.wait_for(reader, timeout=30)
        assert slow_id < fast_id
        assert got == [(slow_id, "slow"), (fast_id, "fast")]
        # Resuming from each cursor: exactly the events after it.
        after_slow = [
            e.id for e in await subscriptions.load_events(reader_fd, "complaints", slow_id, 10)
        ]
        assert after_slow == [fast_id]
    finally:
        hold.set()
        await writer_fd.stop()
        await reader_fd.stop()


@pytest.mark.postgres
async def test_concurrent_writers_on_postgresql_reach_a_subscriber_in_order(pg_url):
    fd = await start_frontdesk(pg_url)
    try:
        site = await make_site(Client(fd))
        token = await make_token(fd)
        async with serve(fd) as url, GqlWs.connect(url, token) as ws:
            await ws.subscribe(UPDATES, {"site": site})
            await listening(fd)

            async def writer(n: int) -> int:
                await asyncio.sleep(0.002 * (n % 7))
                return await complaint_event(fd, site, complaint=n)

            written = await asyncio.gather(*(writer(n) for n in range(30)))
            got = ids(await ws.events(30))
        assert got == sorted(written)
    finally:
        await fd.stop()
