"""Redis is only a doorbell: servers start and serve while it is down, never wait on it, and
catch up across processes when it returns (through a proxy we can switch off and on)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from conftest import Client, start_frontdesk
from helpers import legacy, make_site
from test_subscriptions import complaint_event

from core.graphql import subscriptions

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class Switch:
    """A TCP proxy in front of Redis: ``off`` refuses and cuts connections, ``on`` forwards."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.port = 0
        self.links: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def reserve(self) -> None:
        await self.on()
        await self.off()

    async def on(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def off(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.links):
            writer.close()
        self.links.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.links |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def _next(feed, within: float = 30.0):
    return await asyncio.wait_for(feed.__anext__(), within)


async def test_servers_start_and_serve_with_redis_down_and_catch_up_when_it_returns(
    pg_url, redis_url, caplog
):
    caplog.set_level(logging.WARNING, logger="frontdesk.bus")
    from sqlalchemy.engine import make_url

    switch = Switch(make_url(redis_url).port or 6379)
    await switch.reserve()  # a port where Redis will be, currently refusing
    one = await start_frontdesk(pg_url, redis_url=switch.url)
    two = await start_frontdesk(pg_url, enable=(), redis_url=switch.url)
    try:
        assert not one.bus.connected and not two.bus.connected
        site = await make_site(Client(one))  # a mutation, served with Redis down
        before = await one.horizon.safe_id()
        mine = subscriptions.stream_events(one, "complaints", site_id=legacy(site), after=before)
        theirs = subscriptions.stream_events(two, "complaints", site_id=legacy(site), after=before)
        first = await complaint_event(one, site, complaint=1)
        assert (await _next(mine)).id == first
        second = await complaint_event(one, site, complaint=2)
        assert (await _next(mine)).id == second  # live on this process, Redis still down
        await switch.on()
        # The other process catches up from the store, in order, once each.
        assert [(await _next(theirs)).id for _ in range(2)] == [first, second]
        async with asyncio.timeout(30):
            while not (one.bus.connected and two.bus.connected):  # noqa: ASYNC110 - state
                await asyncio.sleep(0.05)
        third = await complaint_event(one, site, complaint=3)
        assert (await _next(theirs)).id == third
        assert (await _next(mine)).id == third
        messages = [r.getMessage() for r in caplog.records]
        assert sum("redis unreachable (" in m for m in messages) == 2  # once per process
        assert sum("redis reachable again" in m for m in messages) >= 2
    finally:
        await one.stop()
        await two.stop()
        await switch.off()


UPDATES = """
subscription($site: ID, $after: String) {
  complaintUpdates(siteId: $site, after: $after) { cursor id type complaintId }
}"""
FILE = """
mutation($site: ID!, $staff: ID!, $text: String!) {
  fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                        description: $text, customerName: "Sun Hao", actingStaffId: $staff}) {
    complaint { id } userErrors { field message code } }
}"""


async def test_real_server_processes_started_with_redis_down_serve_and_catch_up(
    pg_url, redis_url, tmp_path
):
    """Two ``frontdesk serve`` processes started while Redis refuses connections: both
    become ready, serve a mutation and a WebSocket subscription (a subscriber on the filing
    process hears it live); when Redis comes back, the subscriber on the other process gets
    the missed event and every later one, once each, in order."""
    import httpx
    from helpers import add_staff
    from sqlalchemy.engine import make_url
    from test_process_kill_pg import ServeProcess
    from test_subscriptions import GqlWs, make_token

    from core.graphql.types import encode_cursor

    switch = Switch(make_url(redis_url).port or 6379)
    await switch.reserve()  # Redis is "down" at this address
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = await add_staff(client, site, "Li")
        token = await make_token(fd, "admin")
        after = encode_cursor(subscriptions.CURSOR_KIND, await fd.horizon.safe_id() or 0)
    finally:
        await fd.stop()
    servers = [
        ServeProcess.spawn(pg_url, str(tmp_path), FRONTDESK_REDIS_URL=switch.url) for _ in range(2)
    ]
    try:
        await asyncio.gather(*(s.ready() for s in servers))  # started with Redis down
        one, two = servers

        async def file(text: str) -> str:
            async with httpx.AsyncClient(timeout=30) as http:
                response = await http.post(
                    one.url,
                    json={"query": FILE, "variables": {"site": site, "staff": staff, "text": text}},
                    headers={"Authorization": token},
                )
            body = response.json()
            assert not body.get("errors"), body
            return body["data"]["fileComplaint"]["complaint"]["id"]

        ws_url = one.url.replace("http://", "ws://")
        async with (
            GqlWs.connect(ws_url, token) as mine,
            GqlWs.connect(two.url.replace("http://", "ws://"), token) as theirs,
        ):
            await mine.subscribe(UPDATES, {"site": site, "after": after})
            await theirs.subscribe(UPDATES, {"site": site, "after": after})
            first = await file("during the outage")  # a mutation, Redis down
            [heard] = await mine.events(1, within=30)  # live on the filing process
            assert heard["complaintId"] == first
            await switch.on()
            [caught_up] = await theirs.events(1, within=60)  # the other process catches up
            assert caught_up["complaintId"] == first
            second = await file("after the outage")
            assert [e["complaintId"] for e in await theirs.events(1, within=60)] == [second]
            assert [e["complaintId"] for e in await mine.events(1, within=60)] == [second]
            await theirs.silent_for(0.5)  # nothing twice
    finally:
        for server in servers:
            server.stop()
        await switch.off()
