"""C-3 visit appointments at check-in (one minute short of the lead time refused, exactly
the lead time received; not approved; ordinary parties under 5; approvers) with the default
kinds and with a test line's kinds through ``frontdesk_workforce_policy``; generic bookings
(held, honoured, cancelled, no-show; one per resource and business day)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from conftest import Client
from helpers import add_staff, make_site
from sqlalchemy import select

from core.models import Event
from core.plugin_api import PluginInfo, WorkforcePolicy, hookimpl
from core.plugin_api.rules import DEFAULT_APPOINTMENT_KINDS
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from schema.build import build_schema

SHANGHAI = ZoneInfo("Asia/Shanghai")
MADE = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


class Gallery:
    """A test line receiving ordinary parties of 3 or more (its own C-3 policy data)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(code="gallery", name="Gallery", version="1", business_line="gallery")

    @hookimpl
    def frontdesk_workforce_policy(self, policy: WorkforcePolicy) -> WorkforcePolicy:
        kinds = dict(policy.appointment_kinds)
        kinds["ordinary"] = dataclasses.replace(kinds["ordinary"], min_group_size=3)
        return dataclasses.replace(policy, appointment_kinds=MappingProxyType(kinds))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Every API test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[Frontdesk]:
    fd = Frontdesk(
        Settings(database_url=db_url),
        pm=create_plugin_manager(extra=[Gallery()]),
        schema_factory=build_schema,
    )
    async with fd.write() as s:
        for name in ("realestate", "gallery"):
            await set_plugin_enabled(s, fd.host, name, True, MADE)
    await fd.start(watch=False)
    yield fd
    await fd.stop()


MAKE = """mutation($i: MakeAppointmentInput!) { makeAppointment(input: $i) { appointment { id status
  photographyAllowed madeAt } userErrors { field message code rule } } }"""
APPROVE = """mutation($i: ApproveAppointmentInput!) { approveAppointment(input: $i) { appointment {
  status approvedById routeApprovedById } userErrors { field message code rule } } }"""
CHECK_IN = """mutation($a: ID!, $t: DateTime!) { checkInAppointment(input: {appointmentId: $a,
  arrivedAt: $t}) { appointment { status arrivedAt } userErrors { field message code rule } } }"""
BOOK = """mutation($i: BookInput!) { book(input: $i) { booking { id status } userErrors { field
  message code } } }"""
SET_BOOKING = """mutation($b: ID!, $s: BookingStatus!) { setBookingStatus(input: {bookingId: $b,
  status: $s}) { booking { status } userErrors { field message code rule } } }"""


async def _appointment(
    client: Client, site: str, kind: str, visit_at: datetime, head_count: int = 6
) -> str:
    i = {
        "siteId": site,
        "kind": kind,
        "organisation": "Harbour Bureau",
        "headCount": head_count,
        "contact": "Ms Lin",
        "visitAt": visit_at.isoformat(),
        "areas": "show flat, sand table",
    }
    answer = (await client.data(MAKE, {"i": i}))["makeAppointment"]["appointment"]
    assert answer["status"] == "REQUESTED" and answer["photographyAllowed"] is False
    return answer["id"]


async def test_C_3_refused_one_minute_short_of_the_lead_time_received_at_exactly_it(
    app: Frontdesk,
) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client)
    csm = await add_staff(client, site, "Chen", "customer_service_manager")
    # A key visit needs 3 days: made at 10:00 on the 1st, a visit at 09:59 on the 4th is one
    # minute short; one at 10:00 on the 4th is exactly in time.
    short = await _appointment(client, site, "key", MADE + timedelta(days=3, minutes=-1))
    exact = await _appointment(client, site, "key", MADE + timedelta(days=3))
    for appointment in (short, exact):
        await client.data(APPROVE, {"i": {"appointmentId": appointment, "actingStaffId": csm}})
    refused = await client.error(
        CHECK_IN, {"a": short, "t": (MADE + timedelta(days=3)).isoformat()}
    )
    assert refused.extensions["code"] == "APPOINTMENT_REFUSED"
    assert refused.extensions["rule"] == "C-3"
    assert "2 d 23 h 59 min before the visit; it needs 3 d" in refused.message
    received = (
        await client.data(CHECK_IN, {"a": exact, "t": (MADE + timedelta(days=3)).isoformat()})
    )["checkInAppointment"]["appointment"]
    assert received["status"] == "ARRIVED"
    async with app.db.session() as s:
        types = (await s.scalars(select(Event.type).where(Event.type.like("appointment%")))).all()
    assert list(types) == ["appointment.arrived"]  # the refusal wrote nothing


async def test_C_3_not_approved_wrong_approver_and_small_ordinary_parties(app: Frontdesk) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client)
    desk = await add_staff(client, site, "Desk", "front_desk")
    cm = await add_staff(client, site, "Mo", "customer_manager")
    gm = await add_staff(client, site, "Gao", "general_manager")
    visit = MADE + timedelta(days=2)
    unapproved = await _appointment(client, site, "ordinary", visit)
    refused = await client.error(CHECK_IN, {"a": unapproved, "t": visit.isoformat()})
    assert refused.extensions["code"] == "APPOINTMENT_REFUSED"
    assert "not approved" in refused.message and refused.extensions["rule"] == "C-3"
    wrong = await client.error(APPROVE, {"i": {"appointmentId": unapproved, "actingStaffId": desk}})
    assert wrong.extensions["code"] == "NOT_AN_APPOINTMENT_APPROVER"
    # Only the general manager approves content and route.
    route = await client.error(
        APPROVE, {"i": {"appointmentId": unapproved, "actingStaffId": cm, "route": True}}
    )
    assert route.extensions["code"] == "NOT_AN_APPOINTMENT_APPROVER"
    ok = (
        await client.data(
            APPROVE, {"i": {"appointmentId": unapproved, "actingStaffId": gm, "route": True}}
        )
    )["approveAppointment"]["appointment"]
    assert ok["status"] == "APPROVED" and ok["routeApprovedById"] == gm
    # Ordinary clients in a party under 5 are not received (C-3) …
    four = await _appointment(client, site, "ordinary", visit, head_count=4)
    await client.data(APPROVE, {"i": {"appointmentId": four, "actingStaffId": cm}})
    small = await client.error(CHECK_IN, {"a": four, "t": visit.isoformat()})
    assert small.extensions["rule"] == "C-3" and "at least 5" in small.message
    # … while a line whose policy receives parties of 3 receives them.
    gallery = await make_site(client, "City Gallery", "gallery")
    gcm = await add_staff(client, gallery, "Ge", "customer_manager")
    three = await _appointment(client, gallery, "ordinary", visit, head_count=3)
    await client.data(APPROVE, {"i": {"appointmentId": three, "actingStaffId": gcm}})
    assert (await client.data(CHECK_IN, {"a": three, "t": visit.isoformat()}))[
        "checkInAppointment"
    ]["appointment"]["status"] == "ARRIVED"
    unknown = await client.error(
        MAKE,
        {
            "i": {
                "siteId": site,
                "kind": "vip",
                "organisation": "X",
                "headCount": 1,
                "contact": "Y",
                "visitAt": visit.isoformat(),
            }
        },
    )
    assert unknown.extensions["code"] == "UNKNOWN_APPOINTMENT_KIND"
    assert set(DEFAULT_APPOINTMENT_KINDS) <= set(unknown.message.replace(",", " ").split())


async def test_bookings_held_then_honoured_cancelled_or_no_show(app: Frontdesk) -> None:
    client = Client(app, now=MADE)
    site = await make_site(client)
    host = await add_staff(client, site, "Xu", "host")
    room = {
        "siteId": site,
        "actingStaffId": host,
        "resourceKind": "room",
        "resource": "V8",
        "businessDate": "2026-12-05",
        "guestName": "Mr Qian",
    }
    first = (await client.data(BOOK, {"i": room}))["book"]["booking"]
    assert first["status"] == "HELD"
    taken = await client.error(BOOK, {"i": room})
    assert taken.extensions["code"] == "RESOURCE_TAKEN"
    assert (await client.data(SET_BOOKING, {"b": first["id"], "s": "CANCELLED"}))[
        "setBookingStatus"
    ]["booking"]["status"] == "CANCELLED"
    again = await client.error(SET_BOOKING, {"b": first["id"], "s": "HONOURED"})
    assert again.extensions["code"] == "BOOKING_WRONG_STATUS"
    # The room is free again once cancelled; a no-show and an honoured booking are final.
    second = (await client.data(BOOK, {"i": room}))["book"]["booking"]
    await client.data(SET_BOOKING, {"b": second["id"], "s": "HONOURED"})
    table = {**room, "resourceKind": "table", "resource": "T3"}
    third = (await client.data(BOOK, {"i": table}))["book"]["booking"]
    await client.data(SET_BOOKING, {"b": third["id"], "s": "NO_SHOW"})
    nobody = await client.error(BOOK, {"i": {**room, "resource": "V9", "guestName": ""}})
    assert nobody.extensions["code"] == "GUEST_REQUIRED"
    async with app.db.session() as s:
        types = (
            await s.scalars(select(Event.type).where(Event.stream == "bookings").order_by(Event.id))
        ).all()
    assert list(types) == [
        "booking.held",
        "booking.cancelled",
        "booking.held",
        "booking.honoured",
        "booking.held",
        "booking.no_show",
    ]
