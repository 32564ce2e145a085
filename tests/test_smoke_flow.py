"""End to end through GraphQL on SQLite: a sales office receives its first customers."""

from __future__ import annotations

from helpers import add_staff, check_in, make_site, register


async def test_RE_1_walk_ins_are_received_in_rotation_order(client):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    wang = await add_staff(client, site, "Wang")
    first = await check_in(client, site)
    second = await check_in(client, site)
    third = await check_in(client, site)
    assert [
        first["visit"]["receiver"]["id"],
        second["visit"]["receiver"]["id"],
        third["visit"]["receiver"]["id"],
    ] == [li, wang, li]
    assert first["decision"]["rule"] == "RE-1"
    assert first["visit"]["counted"] is True
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    assert customer["phone"] == "+8613800138001"
