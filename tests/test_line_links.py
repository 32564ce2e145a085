"""Object links of a line's types to core types resolve the core type's own links (issue 17).

A line's ``line_link`` (``KtvBooking.customer``, ``FitnessSale.buyer`` …) loads a core row;
that row's own object links (``Customer.group``, ``Customer.ownerStaff``, ``Staff.department``
…) and the fields lines add to it must answer as on a core page — not INTERNAL_ERROR — in one
statement per selected relation set, never one per object, with the speed layer on or off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from conftest import ADMIN, Client, start_frontdesk
from sqlalchemy import event, select

from core.demo import load_demo
from core.graphql.context import Context
from core.models import Booking, Customer, CustomerGroup, GroupKind, Site
from core.runtime import Frontdesk

NIGHT = """query($venue: ID!, $night: Date!) {
  ktvTonight(siteId: $venue, businessDate: $night) {
    bookings { id guestName
      customer { id name phone site { id name }
        group { id name ownerStaff { id name site { id } } }
        ownerStaff { id name site { id name } department { id name } } }
      receiver { id name site { id name } department { id } } } } }"""


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    await load_demo(sqlite_url, ["ktv"], lambda _message: None)
    app = await start_frontdesk(sqlite_url, accel=True)
    yield app
    await app.stop()


async def _night(fd: Frontdesk) -> dict[str, Any]:
    """The demo venue, its night with a registered guest's booking, and that guest's group."""
    async with fd.write() as s:
        booking = await s.scalar(
            select(Booking).where(Booking.customer_id.is_not(None)).order_by(Booking.id.desc())
        )
        assert booking is not None, "the demo venue has no booking of a registered guest"
        site = await s.get(Site, booking.site_id)
        customer = await s.get(Customer, booking.customer_id)
        assert site is not None and customer is not None
        # The guest belongs to a company whose owner is the booker (RE-11 facts on a core row).
        group = await _group(s, site.id, booking.booked_by_id)
        customer.group_id = group
        return {"venue": str(site.id), "night": booking.business_date.isoformat()}


async def _group(s: Any, site_id: int, owner: int) -> int:
    group = CustomerGroup(site_id=site_id, kind=GroupKind.COMPANY, name="Chan Trading")
    group.owner_staff_id = owner
    s.add(group)
    await s.flush()
    return group.id


async def _answer(app: Frontdesk, variables: dict[str, Any]) -> tuple[bytes, int]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    client = Client(app, actor=ADMIN)
    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = await app.schema.execute(
            NIGHT,
            variable_values=variables,
            context_value=Context(app=app, fixed_now=client.now, actor=client.actor),
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    errors = [e.formatted for e in result.errors] if result.errors else None
    return orjson.dumps({"data": result.data, "errors": errors}), len(statements)


async def test_a_core_object_reached_through_a_line_link_resolves_its_own_links(fd, stock_fd):
    variables = await _night(fd)
    fast, fast_statements = await _answer(fd, variables)
    stock, _ = await _answer(stock_fd, variables)
    assert fast == stock
    answer = orjson.loads(fast)
    assert answer["errors"] is None, answer["errors"]
    bookings = answer["data"]["ktvTonight"]["bookings"]
    [guest] = [b["customer"] for b in bookings if b["customer"] is not None]
    assert guest["group"]["name"] == "Chan Trading"
    receivers = {b["receiver"]["id"] for b in bookings if b["customer"] is not None}
    assert guest["group"]["ownerStaff"]["id"] in receivers
    assert guest["site"]["id"] == guest["group"]["ownerStaff"]["site"]["id"]
    assert all(b["receiver"]["site"]["name"] for b in bookings)
    # No N+1: the statements do not grow with the bookings (one per linked model and
    # selection, whatever the night holds).
    assert fast_statements <= 12, fast_statements
