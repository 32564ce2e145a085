"""Issue 16: a line's fines issued inside core's own transactions, with a test line.

* ``frontdesk_complaint_fines`` — the line replaces C-14's entries for a verified complaint
  (here: an attitude complaint fined under the line's own code, as KTV-6 does);
* ``frontdesk_roll_call_decided`` — the line fines a decided line of a meeting's roll in the
  roll call's transaction (as KTV-2 / KTV-10 do): a refusal rolls the whole roll call back.

The KTV line's use of both is in ``tests/ktv/test_ktv_api.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.models import Event, Penalty, RollCallEntry
from core.plugin_api import (
    ComplaintCharge,
    ComplaintFines,
    InvalidInput,
    LineErrorCode,
    PenaltyRuleSpec,
    PluginInfo,
    Reason,
    RollCallDecided,
    StaffRole,
    WorkforcePolicy,
    global_id,
    hookimpl,
    issue_penalty,
)
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from core.testing import FIXED_NOW, FrontdeskClient
from schema.build import build_schema

TZ = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


class Singalong:
    """A test line: its own attitude fine (SA-ATT, 80) in place of C-14's staff fine, and a
    fine of 20 for being late at the roll call (SA-LATE), refused for a staff member named
    "Refuse" (to show the roll call rolls back with it)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            code="singalong", name="Singalong", version="1", business_line="singalong"
        )

    @hookimpl
    def frontdesk_staff_roles(self) -> list[StaffRole]:
        return [StaffRole("singer", "Singer")]

    @hookimpl
    def frontdesk_penalty_table(self, business_line: str) -> list[PenaltyRuleSpec]:
        return [
            PenaltyRuleSpec("SA-ATT", "SA-1", "Attitude", "fine", Decimal(80), Decimal(80)),
            PenaltyRuleSpec(
                "SA-LATE", "SA-2", "Late at the roll", "fine", Decimal(20), Decimal(20)
            ),
        ]

    @hookimpl
    def frontdesk_error_codes(self) -> list[LineErrorCode]:
        return [LineErrorCode("REFUSED_BY_LINE", "The test line refuses.", ("Workforce",))]

    @hookimpl
    def frontdesk_workforce_policy(self, policy: WorkforcePolicy) -> WorkforcePolicy:
        return dataclasses.replace(policy, meeting_time=time(19, 30), roll_call_minutes=30)

    @hookimpl
    def frontdesk_complaint_fines(self, context: ComplaintFines) -> list[ComplaintCharge] | None:
        if context.category != "attitude":
            return None
        return [
            ComplaintCharge("SA-ATT", "staff", None, Reason("SA-1", "attitude: the line's fine"))
            if c.charged == "staff" and c.code == "C-14-staff"
            else c
            for c in context.charges
        ]

    @hookimpl
    async def frontdesk_roll_call_decided(self, context: RollCallDecided) -> list[Any] | None:
        if context.decision.status != "late":
            return None
        staff = await context.session.get(type(self).staff_model, context.staff_id)
        if staff is not None and staff.name == "Refuse":
            raise InvalidInput("the line refuses this roll call", code="REFUSED_BY_LINE")
        penalty = await issue_penalty(
            context.session,
            site_id=context.site.id,
            staff_id=context.staff_id,
            rule_code="SA-LATE",
            amount=None,
            reason=f"late {context.decision.minutes_late} min",
            issued_by_id=None,
            now=context.now,
        )
        return [penalty]

    from core.models import Staff as staff_model


@pytest.fixture
async def frontdesk_app(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    # The kit's database template imports each plugin's package models; a test line that is
    # an object has none, so the app is built here on conftest's migrated SQLite file.
    app = Frontdesk(
        Settings(database_url=sqlite_url),
        pm=create_plugin_manager(extra=[Singalong()]),
        schema_factory=build_schema,
    )
    async with app.write() as s:
        await set_plugin_enabled(s, app.host, "singalong", True, FIXED_NOW)
    await app.start(watch=False)
    yield app
    await app.stop()


@pytest.fixture
def frontdesk_lines() -> tuple[str, ...]:
    return ("singalong",)


SCHEDULE = """mutation($i: ScheduleShiftInput!) { scheduleShift(input: $i) { shift { id }
  userErrors { code } } }"""
CALL = """mutation($i: CallMeetingInput!) { callMeeting(input: $i) { meeting { id }
  userErrors { code } } }"""
SIGN = """mutation($i: SignRollInput!) { signRoll(input: $i) { entry { status }
  userErrors { code } } }"""
CLOSE = """mutation($m: ID!) { closeRoll(input: {meetingId: $m}) { meeting { closedAt
  roll { staffId status } } userErrors { code message } } }"""
FILE = """mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id }
  userErrors { code message } } }"""
VERIFY = """mutation($i: VerifyComplaintFaultInput!) { verifyComplaintFault(input: $i) {
  penalties { amount reason staff { name } penaltyRule { code rule } }
  decision { rule message } userErrors { code message } } }"""


async def _roll(client: FrontdeskClient, site: Any, people: list[Any]) -> str:
    for person in people:
        i = {
            "staffId": global_id("Staff", person.id),
            "businessDate": "2026-12-07",
            "start": "19:30",
            "end": "23:00",
        }
        assert not (await client.data(SCHEDULE, {"i": i}))["scheduleShift"]["userErrors"]
    i = {"siteId": global_id("Site", site.id), "businessDate": "2026-12-07"}
    return (await client.data(CALL, {"i": i}))["callMeeting"]["meeting"]["id"]


async def test_frontdesk_roll_call_decided_fines_in_the_roll_calls_transaction(
    frontdesk_app, frontdesk_client, make_site, make_staff
) -> None:
    site = await make_site("Sing Hall")
    on_time = await make_staff(site, "On time", role="singer")
    late = await make_staff(site, "Late", role="singer")
    client = dataclasses.replace(frontdesk_client, now=sh(7, 12))
    meeting = await _roll(client, site, [on_time, late])
    for person, at in ((on_time, "19:30"), (late, "19:41")):
        i = {
            "meetingId": meeting,
            "staffId": global_id("Staff", person.id),
            "at": f"2026-12-07T{at}:00+08:00",
        }
        await client.data(SIGN, {"i": i})
    closed = await dataclasses.replace(client, now=sh(7, 20)).data(CLOSE, {"m": meeting})
    assert not closed["closeRoll"]["userErrors"]
    async with frontdesk_app.db.session() as s:
        fines = (await s.execute(select(Penalty.staff_id, Penalty.amount))).all()
        events = (await s.scalars(select(Event).where(Event.type == "meeting.late"))).all()
    assert fines == [(late.id, Decimal("20.00"))]
    [event] = events
    assert event.payload["penalty_ids"] and event.payload["staff"] == late.id


async def test_frontdesk_roll_call_decided_refusal_rolls_the_roll_call_back(
    frontdesk_app, frontdesk_client, make_site, make_staff
) -> None:
    site = await make_site("Sing Hall")
    refuse = await make_staff(site, "Refuse", role="singer")
    client = dataclasses.replace(frontdesk_client, now=sh(7, 12))
    meeting = await _roll(client, site, [refuse])
    i = {"meetingId": meeting, "staffId": global_id("Staff", refuse.id), "at": sh(7, 19, 45)}
    await client.data(SIGN, {"i": {**i, "at": i["at"].isoformat()}})
    result = await dataclasses.replace(client, now=sh(7, 20)).execute(CLOSE, {"m": meeting})
    assert [e["code"] for e in result.data["closeRoll"]["userErrors"]] == ["REFUSED_BY_LINE"]
    async with frontdesk_app.db.session() as s:
        statuses = (await s.scalars(select(RollCallEntry.status))).all()
        fines = (await s.scalars(select(Penalty.id))).all()
    assert statuses == [None] and fines == []  # nothing half written


async def _complaint(client: FrontdeskClient, site: Any, taker: Any, category: str) -> str:
    i = {
        "siteId": global_id("Site", site.id),
        "channel": "IN_PERSON",
        "category": category,
        "description": "the waiter was rude",
        "customerName": "Mr Chan",
        "actingStaffId": global_id("Staff", taker.id),
    }
    data = await client.data(FILE, {"i": i})
    assert not data["fileComplaint"]["userErrors"], data
    return data["fileComplaint"]["complaint"]["id"]


async def test_frontdesk_complaint_fines_replaces_the_c14_staff_fine(
    frontdesk_client, make_site, make_staff
) -> None:
    site = await make_site("Sing Hall")
    rude = await make_staff(site, "Rude", role="singer")
    boss = await make_staff(site, "Boss", role="department_manager")
    client = dataclasses.replace(frontdesk_client, now=sh(7, 21))
    verify = {
        "staffId": global_id("Staff", rude.id),
        "fineAmount": "300",
        "managerId": global_id("Staff", boss.id),
        "managerFineAmount": "150",
        "reason": "rude to the guest",
        "actingStaffId": global_id("Staff", boss.id),
    }
    attitude = await _complaint(client, site, boss, "attitude")
    data = (await client.data(VERIFY, {"i": {**verify, "complaintId": attitude}}))[
        "verifyComplaintFault"
    ]
    assert [(p["penaltyRule"]["code"], p["amount"]) for p in data["penalties"]] == [
        ("SA-ATT", "80.00"),
        ("C-14-manager", "150.00"),
    ]
    assert data["penalties"][0]["reason"].startswith("SA-1: attitude")
    assert "Rude fined 80.00 CNY ([SA-1] attitude: the line's fine)" in data["decision"]["message"]
    # Another category keeps core's C-14 entries.
    service = await _complaint(client, site, boss, "service")
    data = (await client.data(VERIFY, {"i": {**verify, "complaintId": service}}))[
        "verifyComplaintFault"
    ]
    assert [(p["penaltyRule"]["code"], p["amount"]) for p in data["penalties"]] == [
        ("C-14-staff", "300.00"),
        ("C-14-manager", "150.00"),
    ]
