"""RE-1 / RE-15 under load on PostgreSQL: concurrent check-ins never share or skip a turn."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, check_in, legacy, make_site

pytestmark = pytest.mark.postgres


async def test_RE_1_fifty_simultaneous_check_ins_take_turns_in_order(pg_url):
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = [await add_staff(client, site, f"Sales {i}") for i in range(5)]
        results = await asyncio.gather(*(check_in(client, site) for _ in range(50)))
        by_visit = sorted((legacy(r["visit"]["id"]), r["visit"]["receiver"]["id"]) for r in results)
        receivers = [receiver for _, receiver in by_visit]
        # Strict rotation: never the same turn twice, nobody skipped.
        assert receivers == staff * 10
        assert all(r["decision"]["rule"] == "RE-1" for r in results)
        rotation = await client.data(
            "query($s: ID!) { rotation(siteId: $s) {"
            " members { staffId receptions } nextStaffId } }",
            {"s": site},
        )
        assert {m["receptions"] for m in rotation["rotation"]["members"]} == {10}
        assert rotation["rotation"]["nextStaffId"] == staff[0]
    finally:
        await fd.stop()
