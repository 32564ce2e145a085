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
from plugins.fitnessclub.models import CardSale

# The KTV venue's bookings of registered guests, the latest (tonight's) first.
GUESTS = (
    select(Booking)
    .join(Site, Site.id == Booking.site_id)
    .where(Site.business_line == "ktv", Booking.customer_id.is_not(None))
    .order_by(Booking.id.desc())
)
NIGHT = """query($venue: ID!, $night: Date!) {
  ktvTonight(siteId: $venue, businessDate: $night) {
    bookings { id guestName
      customer { id name phone site { id name }
        group { id name ownerStaff { id name site { id } } }
        ownerStaff { id name site { id name } department { id name } } }
      receiver { id name site { id name } department { id } } } } }"""


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    await load_demo(sqlite_url, ["ktv", "fitnessclub"], lambda _message: None)
    app = await start_frontdesk(sqlite_url, accel=True)
    yield app
    await app.stop()


async def _night(fd: Frontdesk) -> dict[str, Any]:
    """The demo venue, its night with a registered guest's booking, and that guest's group."""
    async with fd.write() as s:
        booking = await s.scalar(GUESTS)
        assert booking is not None, "the demo venue has no booking of a registered guest"
        site = await s.get(Site, booking.site_id)
        customer = await s.get(Customer, booking.customer_id)
        assert site is not None and customer is not None
        # The guest belongs to a company whose owner is the booker (RE-11 facts on a core row).
        group = await _group(s, site.id, booking.booked_by_id)
        customer.group_id = group
        return {"venue": str(site.id), "night": booking.business_date.isoformat()}


async def _group(s: Any, site_id: int, owner: int, name: str = "Chan Trading") -> int:
    group = CustomerGroup(site_id=site_id, kind=GroupKind.COMPANY, name=name)
    group.owner_staff_id = owner
    s.add(group)
    await s.flush()
    return group.id


async def _answer(
    app: Frontdesk, variables: dict[str, Any], query: str = NIGHT
) -> tuple[bytes, int]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    client = Client(app, actor=ADMIN)
    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = await app.schema.execute(
            query,
            variable_values=variables,
            context_value=Context(app=app, fixed_now=client.now, actor=client.actor),
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    errors = [e.formatted for e in result.errors] if result.errors else None
    return orjson.dumps({"data": result.data, "errors": errors}), len(statements)


async def _more_guests(fd: Frontdesk, variables: dict[str, Any], count: int) -> None:
    """``count`` more registered guests booked that night, each in a group of their own."""
    async with fd.write() as s:
        booking = await s.scalar(GUESTS)
        assert booking is not None and booking.business_date.isoformat() == variables["night"]
        for n in range(count):
            group = await _group(s, booking.site_id, booking.booked_by_id, f"Company {n}")
            guest = Customer(
                site_id=booking.site_id,
                name=f"Guest {n}",
                phone=f"+861390013{n:04d}",
                group_id=group,
                owner_staff_id=booking.booked_by_id,
                created_at=booking.created_at,
            )
            s.add(guest)
            await s.flush()
            s.add(
                Booking(
                    site_id=booking.site_id,
                    booked_by_id=booking.booked_by_id,
                    customer_id=guest.id,
                    guest_name="",
                    resource_kind="table",
                    resource=f"T{n}",
                    business_date=booking.business_date,
                    status=booking.status,
                    created_at=booking.created_at,
                    updated_at=booking.updated_at,
                )
            )


async def test_a_core_object_reached_through_a_line_link_resolves_its_own_links(fd, stock_fd):
    """Issue 17: ``ktvTonight { bookings { customer { group ownerStaff } } }`` answered
    INTERNAL_ERROR (the linked customer's relations were never loaded)."""
    variables = await _night(fd)
    fast, few = await _answer(fd, variables)
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
    # No N+1: five more guests, each with a group of their own, cost no statement more.
    await _more_guests(fd, variables, 5)
    fast, many = await _answer(fd, variables)
    stock, _ = await _answer(stock_fd, variables)
    assert fast == stock
    answer = orjson.loads(fast)
    assert answer["errors"] is None, answer["errors"]
    guests = [b["customer"] for b in answer["data"]["ktvTonight"]["bookings"] if b["customer"]]
    assert len(guests) == 6 and all(g["group"]["ownerStaff"]["site"]["id"] for g in guests)
    assert many == few


async def test_a_line_link_to_a_customer_without_a_group_answers_null(fd, stock_fd):
    """The demo night as is: a registered guest without a group, links answered or null."""
    async with fd.write() as s:
        booking = await s.scalar(GUESTS)
        assert booking is not None
        variables = {"venue": str(booking.site_id), "night": booking.business_date.isoformat()}
    fast, _ = await _answer(fd, variables)
    assert fast == (await _answer(stock_fd, variables))[0]
    answer = orjson.loads(fast)
    assert answer["errors"] is None, answer["errors"]
    [guest] = [b["customer"] for b in answer["data"]["ktvTonight"]["bookings"] if b["customer"]]
    assert guest["group"] is None and guest["site"]["name"]


SALE = """query($sale: ID!) { fitnessSale(id: $sale) { id
  buyer { id name group { name ownerStaff { id name department { id } site { id } } }
          ownerStaff { id site { name } } }
  closer { id site { name } department { id } } } }"""


async def test_a_card_sales_buyer_answers_their_group(fd, stock_fd):
    """Issue 17: ``fitnessSale { buyer { group } }`` answered INTERNAL_ERROR."""
    async with fd.write() as s:
        sale = await s.scalar(select(CardSale).order_by(CardSale.id).limit(1))
        assert sale is not None, "the demo club has no sale"
        buyer = await s.get(Customer, sale.buyer_id)
        assert buyer is not None
        buyer.group_id = await _group(s, sale.site_id, sale.closer_id, "Liu Family Gym")
        variables = {"sale": str(sale.id)}
    fast, _ = await _answer(fd, variables, SALE)
    assert fast == (await _answer(stock_fd, variables, SALE))[0]
    answer = orjson.loads(fast)
    assert answer["errors"] is None, answer["errors"]
    sold = answer["data"]["fitnessSale"]
    assert sold["buyer"]["group"]["name"] == "Liu Family Gym"
    assert sold["buyer"]["group"]["ownerStaff"]["id"] == sold["closer"]["id"]
