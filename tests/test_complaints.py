"""Complaints end to end on SQLite: filing and numbering (C-5, C-6, C-7), severity from the
line's policy (PM-4, PM-5), lifecycle with history and events (C-9), deadlines in working days
(C-8, C-11), overdue sweep, escalation (C-10), C-14 fines and statistics (C-12).

Service-level tests pass fixed ``now``s; GraphQL tests use clients with fixed clocks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import FIXED_NOW, SHANGHAI, Client, all_plugins_host
from helpers import add_staff, gid, legacy, make_site
from sqlalchemy import event, func, select, text

from core import migrate
from core.auth import Actor, Role
from core.complaint_rules import (
    TRANSITIONS,
    ComplaintStatus,
    EscalationError,
    IllegalTransition,
    InvalidChannelDetails,
    ReasonRequired,
)
from core.contracts import ComplaintPolicy, PluginInfo
from core.db import sync_url
from core.decisions import Reason
from core.errors import Conflict, FrontdeskError, InvalidInput
from core.hookspecs import hookimpl
from core.models import (
    Complaint,
    ComplaintHistoryEntry,
    ComplaintPause,
    ComplaintSerial,
    Event,
    Penalty,
)
from core.plugins import create_plugin_manager
from core.runtime import Frontdesk
from core.services import complaints as svc
from core.services import directory
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings

S = ComplaintStatus


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


# --------------------------------------------------------------------------------------------
# set-up helpers


async def _site(
    fd: Frontdesk,
    name: str = "Sunrise",
    tz: str = "Asia/Shanghai",
    region: str = "CN",
    line: str = "realestate",
) -> int:
    async with fd.write() as s:
        site = await directory.create_site(
            s,
            fd.host,
            name=name,
            business_line=line,
            timezone=tz,
            calendar_region=region,
            now=FIXED_NOW,
        )
        return site.id


async def _staff(fd: Frontdesk, site_id: int, name: str, role: str = "salesperson") -> int:
    async with fd.write() as s:
        staff = await directory.add_staff(
            s, site_id=site_id, name=name, role=role, phone=None, now=FIXED_NOW
        )
        return staff.id


async def _file(
    fd: Frontdesk,
    site_id: int,
    taken_by: int,
    received_at: datetime = FIXED_NOW,
    now: datetime | None = None,
    **kw: Any,
) -> Complaint:
    kw.setdefault("channel", "phone")
    if kw["channel"] == "phone":
        kw.setdefault("caller_company", "Acme Ltd")
        kw.setdefault("caller_name", "Zhang San")
    else:
        kw.setdefault("customer_name", "Zhang San")
    filing = svc.ComplaintFiling(
        site_id=site_id,
        category=kw.pop("category", "service"),
        description=kw.pop("description", "waited an hour at the desk"),
        received_at=received_at,
        taken_by_id=taken_by,
        **kw,
    )
    async with fd.write() as s:
        filed = await svc.file_complaint(s, fd.host, filing, now or received_at)
        return filed.complaint


async def _move(
    fd: Frontdesk, complaint_id: int, target: S | str, actor: int, now: datetime, reason: str = ""
) -> Complaint:
    async with fd.write() as s:
        change = await svc.transition_complaint(s, complaint_id, target, actor, reason, now)
        return change.complaint


async def _get(fd: Frontdesk, complaint_id: int) -> Complaint:
    async with fd.db.session() as s:
        return await s.get_one(Complaint, complaint_id)


async def _count(fd: Frontdesk, model: Any, *where: Any) -> int:
    async with fd.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)))


async def _snapshot(fd: Frontdesk, complaint_id: int) -> tuple:
    """Everything a refused change must leave alone."""
    c = await _get(fd, complaint_id)
    return (
        c.status,
        c.updated_at,
        c.cycle,
        c.resolution_due,
        c.handler_id,
        c.escalation_level,
        c.staff_at_fault_id,
        await _count(fd, Event),
        await _count(fd, ComplaintHistoryEntry),
        await _count(fd, ComplaintPause),
        await _count(fd, Penalty),
    )


async def _events(fd: Frontdesk, type_: str | None = None) -> list[Event]:
    stmt = select(Event).where(Event.stream == "complaints").order_by(Event.id)
    if type_:
        stmt = stmt.where(Event.type == type_)
    async with fd.db.session() as s:
        return list((await s.scalars(stmt)).all())


@pytest.fixture
async def office(fd: Frontdesk) -> dict[str, int]:
    site = await _site(fd)
    return {
        "site": site,
        "li": await _staff(fd, site, "Li"),
        "wang": await _staff(fd, site, "Wang"),
        "zhao": await _staff(fd, site, "Zhao", "sales_manager"),
    }


# A path through every allowed edge of the C-9 state machine.
FULL_PATH = [
    S.ACKNOWLEDGED,
    S.IN_PROGRESS,
    S.WAITING_ON_CUSTOMER,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.REOPENED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.REVISITED,
    S.REOPENED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.REVISITED,
    S.CLOSED,
]
# The shortest way from received to each status.
PATH_TO = {
    S.RECEIVED: [],
    S.ACKNOWLEDGED: [S.ACKNOWLEDGED],
    S.IN_PROGRESS: [S.ACKNOWLEDGED, S.IN_PROGRESS],
    S.WAITING_ON_CUSTOMER: [S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER],
    S.RESOLVED: [S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED],
    S.REVISITED: [S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REVISITED],
    S.CLOSED: [S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REVISITED, S.CLOSED],
    S.REOPENED: [S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED],
}


async def _drive(
    fd: Frontdesk,
    complaint_id: int,
    path: list[S],
    actor: int,
    start: datetime = FIXED_NOW,
    step: timedelta = timedelta(hours=1),
) -> datetime:
    now = start
    for target in path:
        now += step
        await _move(fd, complaint_id, target, actor, now, reason="as agreed with the customer")
    return now


# --------------------------------------------------------------------------------------------
# GraphQL snippets

COMPLAINT_FIELDS = """
  id number status severity channel category escalationLevel cycle
  filedAt firstResponseDue resolutionDue specialCaseDue revisitDue clockPaused
  allowedTransitions handler { id name }
  policyDecision { rule message }
  targets { firstResponseMinutes resolutionWorkingDays specialCaseMaxWorkingDays revisitDays }
  channelDetails { callerCompany callerName customerName receivedAt takenById }
  complaintHistory { action fromValue toValue note actor { id name } decision { rule message } }
"""
FILE = """
mutation($input: FileComplaintInput!) {
  fileComplaint(input: $input) {
    complaint { FIELDS }
    decision { rule message }
    notifications { kind rule message } userErrors { field message code } }
}""".replace("FIELDS", COMPLAINT_FIELDS)
TRANSITION = """
mutation($id: ID!, $to: ComplaintStatus!, $actor: ID, $reason: String) {
  transitionComplaint(input: {complaintId: $id, to: $to, actingStaffId: $actor, reason: $reason}) {
    complaint { FIELDS }
    decision { rule message } userErrors { field message code } }
}""".replace("FIELDS", COMPLAINT_FIELDS)
ESCALATE = """
mutation($id: ID!, $reason: String!, $actor: ID) {
  escalateComplaint(input: {complaintId: $id, reason: $reason, actingStaffId: $actor}) {
    complaint { escalationLevel complaintHistory { action fromValue toValue } }
    decision { rule message } userErrors { field message code } }
}"""
ASSIGN = """
mutation($id: ID!, $handler: ID!, $actor: ID) {
  assignComplaint(input: {complaintId: $id, handlerId: $handler, actingStaffId: $actor,
                          reason: "knows the customer"}) {
    complaint { handler { id name } }
    decision { rule message } userErrors { field message code } }
}"""
VERIFY = """
mutation($input: VerifyComplaintFaultInput!) {
  verifyComplaintFault(input: $input) {
    complaint { staffAtFault { id name } complaintHistory { action decision { rule } } }
    penalties { amount complaintId staff { id } penaltyRule { code rule } }
    decision { rule message } userErrors { field message code } }
}"""


def _phone_input(site: str, taker: str, **kw: Any) -> dict[str, Any]:
    return {
        "siteId": site,
        "channel": "PHONE",
        "category": "service",
        "description": "nobody called back about the parking space",
        "actingStaffId": taker,
        "callerCompany": "Acme Ltd",
        "callerName": "Zhang San",
        **kw,
    }


# --------------------------------------------------------------------------------------------
# C-5 / C-6 / C-7 filing and numbering


async def test_C_5_C_7_C_8_C_11_file_a_phone_complaint_through_graphql(client, fd):
    """C-7: a phone complaint records company, name, time and taker; C-6 number; C-8/C-11
    deadlines stored; the filing is the first history entry and an event (C-9)."""
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    data = await client.data(FILE, {"input": _phone_input(site, li)})
    result = data["fileComplaint"]
    c = result["complaint"]
    assert c["number"] == "261101"
    assert (c["status"], c["severity"], c["channel"]) == ("RECEIVED", "GENERAL", "PHONE")
    assert c["escalationLevel"] == "HANDLER"
    assert c["allowedTransitions"] == ["ACKNOWLEDGED"]
    # Filed Tuesday 10:00 Shanghai: first response 24 h later, resolution at the end of the
    # third working day after (Wed, Thu, Fri) = Saturday 00:00 Shanghai.
    assert datetime.fromisoformat(c["firstResponseDue"]) == sh(2026, 11, 25, 10)
    assert datetime.fromisoformat(c["resolutionDue"]) == sh(2026, 11, 28)
    assert datetime.fromisoformat(c["specialCaseDue"]) == sh(2026, 12, 4)
    assert c["revisitDue"] is None
    assert c["targets"] == {
        "firstResponseMinutes": 1440,
        "resolutionWorkingDays": 3,
        "specialCaseMaxWorkingDays": 7,
        "revisitDays": 14,
    }
    assert c["channelDetails"]["callerCompany"] == "Acme Ltd"
    assert c["channelDetails"]["takenById"] == li
    assert datetime.fromisoformat(c["channelDetails"]["receivedAt"]) == FIXED_NOW
    assert result["decision"]["rule"] == "C-11"
    assert "261101" in result["decision"]["message"]
    assert result["notifications"] == []
    [filed] = c["complaintHistory"]
    assert filed["action"] == "FILED" and filed["actor"] == {"id": li, "name": "Li"}
    [ev] = await _events(fd, "complaint.filed")
    assert ev.payload["number"] == "261101" and ev.payload["actor_staff_id"] == legacy(li)
    # Issue 10, finding 7: event payloads give times in UTC, exactly as the API's DateTime.
    assert ev.payload["first_response_due"] == c["firstResponseDue"]
    assert ev.payload["first_response_due"].endswith("+00:00")


async def test_C_7_missing_phone_details_are_all_named_and_nothing_is_written(client, fd):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    err = await client.error(
        FILE, {"input": _phone_input(site, li, callerCompany=None, callerName="  ")}
    )
    assert err.extensions["code"] == "MISSING_CHANNEL_DETAILS"
    refused = await client.user_errors(
        FILE, {"input": _phone_input(site, li, callerCompany=None, callerName="  ")}
    )
    # One user error per missing detail, each pointing at its input field (issue 17).
    assert [e.field for e in refused] == [["input", "callerCompany"], ["input", "callerName"]]
    assert await _count(fd, Complaint) == 0
    assert await _count(fd, ComplaintSerial) == 0  # the number was not taken either


async def test_C_7_who_took_it_defaults_to_the_tokens_staff_member(client, fd):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    err = await client.error(FILE, {"input": _phone_input(site, li, actingStaffId=None)})
    assert err.extensions["code"] == "ACTOR_REQUIRED"
    desk = Client(fd, actor=Actor(role=Role.STAFF, name="desk", staff_id=legacy(li)))
    data = await desk.data(FILE, {"input": _phone_input(site, li, actingStaffId=None)})
    assert data["fileComplaint"]["complaint"]["channelDetails"]["takenById"] == li


async def test_C_7_in_person_complaint_takes_the_customers_registered_name(fd, office):
    async with fd.write() as s:
        from core.models import CustomerClass

        customer = await directory.register_customer(
            s,
            site_id=office["site"],
            name="Sun Hao",
            phone=None,
            customer_class=CustomerClass.D,
            group_kind=None,
            group_name=None,
            now=FIXED_NOW,
        )
    c = await _file(
        fd,
        office["site"],
        office["li"],
        channel="in_person",
        customer_name=None,
        customer_id=customer.id,
    )
    assert c.channel_details["customer_name"] == "Sun Hao"
    assert c.customer_id == customer.id


async def test_C_7_received_in_the_future_or_naive_is_refused(fd, office):
    with pytest.raises(InvalidInput) as exc:
        await _file(
            fd,
            office["site"],
            office["li"],
            received_at=FIXED_NOW + timedelta(hours=1),
            now=FIXED_NOW,
        )
    assert exc.value.code == "RECEIVED_IN_FUTURE"
    with pytest.raises(InvalidInput) as exc:
        await _file(fd, office["site"], office["li"], received_at=datetime(2026, 11, 24, 10))
    assert exc.value.code == "NAIVE_DATETIME"
    with pytest.raises(InvalidChannelDetails) as exc:
        await _file(fd, office["site"], office["li"], channel="fax")
    assert exc.value.code == "UNKNOWN_CHANNEL"


async def test_C_6_serials_count_up_per_site_and_month(fd, office):
    numbers = [(await _file(fd, office["site"], office["li"])).number for _ in range(3)]
    assert numbers == ["261101", "261102", "261103"]
    other = await _site(fd, "Moonlight")
    taker = await _staff(fd, other, "Qian")
    assert (await _file(fd, other, taker)).number == "261101"


async def test_C_6_month_rollover_follows_the_sites_time_zone(fd, office):
    """C-6: the number's month is the site's local month of the complaint, not UTC's."""
    li = office["li"]
    before_midnight = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after_midnight = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 December
    assert (await _file(fd, office["site"], li, before_midnight)).number == "261101"
    assert (await _file(fd, office["site"], li, after_midnight)).number == "261201"
    assert (await _file(fd, office["site"], li, after_midnight)).number == "261202"
    # A November complaint recorded late still takes November's next serial.
    late = await _file(fd, office["site"], li, before_midnight, now=after_midnight)
    assert late.number == "261102"
    # The same instant is still 30 November (11:00) in New York.
    ny = await _site(fd, "Hudson", tz="America/New_York", region="US")
    ny_taker = await _staff(fd, ny, "Smith")
    assert (await _file(fd, ny, ny_taker, after_midnight)).number == "261101"


async def test_C_6_a_rolled_back_filing_gives_its_serial_back(fd, office):
    with pytest.raises(RuntimeError):
        async with fd.write() as s:
            await svc.file_complaint(
                s,
                fd.host,
                svc.ComplaintFiling(
                    site_id=office["site"],
                    channel="phone",
                    category="service",
                    description="x",
                    received_at=FIXED_NOW,
                    taken_by_id=office["li"],
                    caller_company="Acme",
                    caller_name="Zhang",
                ),
                FIXED_NOW,
            )
            raise RuntimeError("the request failed after numbering")
    assert (await _file(fd, office["site"], office["li"])).number == "261101"


# --------------------------------------------------------------------------------------------
# PM-4 / PM-5 policy from the line


class MajorIncidentPolicy:
    """A test line's policy: PM-4 major for 3+ households or a fire, PM-5 targets.

    Asked only for its own line's sites (issue 7, line dispatch)."""

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            code="pm4test", name="PM-4 test line", version="1", business_line="pm4test"
        )

    @hookimpl
    def frontdesk_complaint_policy(self, site: Any, complaint: dict[str, Any]) -> Any:
        if "bogus" in complaint["flags"]:
            return ComplaintPolicy(severity="urgent", reason=Reason("PM-4", "bogus"))
        if (complaint["households"] or 0) >= 3 or "fire" in complaint["flags"]:
            return ComplaintPolicy(
                severity="major",
                reason=Reason("PM-4", "collective complaint or fire: major"),
                resolution_working_days=1,
                revisit_days=7,
                notify_immediately=True,
            )
        return None


@pytest.fixture
async def fd_policy(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    app = Frontdesk(
        Settings(database_url=sqlite_url),
        pm=create_plugin_manager(extra=[MajorIncidentPolicy()]),
    )
    async with app.write() as s:
        await set_plugin_enabled(s, app.host, "realestate", True, FIXED_NOW)
        await set_plugin_enabled(s, app.host, "pm4test", True, FIXED_NOW)
    await app.start(watch=False)
    yield app
    await app.stop()


async def test_PM_4_PM_5_the_lines_policy_makes_a_collective_complaint_major(fd_policy):
    fd = fd_policy
    # Another line's policy never decides for a real-estate site: general, C-8 targets.
    estate = await _site(fd, "Sunrise")
    other = await _file(fd, estate, await _staff(fd, estate, "Wu"), households=3)
    assert other.severity == "general"
    site = await _site(fd, "Harbour", line="pm4test")
    li = await _staff(fd, site, "Li")
    client = Client(fd)
    data = await client.data(FILE, {"input": _phone_input(str(site), str(li), households=3)})
    result = data["fileComplaint"]
    c = result["complaint"]
    assert c["severity"] == "MAJOR"
    assert c["policyDecision"]["rule"] == "PM-4"
    assert c["targets"]["resolutionWorkingDays"] == 1 and c["targets"]["revisitDays"] == 7
    assert datetime.fromisoformat(c["resolutionDue"]) == sh(2026, 11, 26)  # end of Wed
    assert result["notifications"][0]["kind"] == "complaint.report_immediately"
    assert result["notifications"][0]["rule"] == "PM-4"
    assert await _count(fd, Event, Event.stream == "notifications") == 1
    general = await client.data(FILE, {"input": _phone_input(str(site), str(li), households=2)})
    assert general["fileComplaint"]["complaint"]["severity"] == "GENERAL"
    # Resolution starts the PM-5 revisit window of 7 calendar days for a major complaint.
    major_id = legacy(c["id"])
    await _drive(fd, major_id, PATH_TO[S.RESOLVED], li)
    assert (await _get(fd, major_id)).revisit_due == sh(2026, 12, 2)


async def test_PM_4_an_invalid_policy_answer_is_a_plugin_error(fd_policy):
    site = await _site(fd_policy, line="pm4test")
    li = await _staff(fd_policy, site, "Li")
    with pytest.raises(FrontdeskError) as exc:
        await _file(fd_policy, site, li, flags=("bogus",))
    assert exc.value.code == "INVALID_COMPLAINT_POLICY"
    assert await _count(fd_policy, Complaint) == 0


# --------------------------------------------------------------------------------------------
# C-9 lifecycle


async def test_C_9_every_allowed_transition_through_graphql(fd, office):
    """C-9: walk every edge of the state machine; each change answers with its reason and
    leaves a history entry (who, when, why, from, to) and an event."""
    site, li, wang = office["site"], office["li"], office["wang"]
    filed = await Client(fd).data(FILE, {"input": _phone_input(str(site), str(li))})
    cid = filed["fileComplaint"]["complaint"]["id"]
    now = FIXED_NOW
    for target in FULL_PATH:
        now += timedelta(hours=2)
        data = await Client(fd, now=now).data(
            TRANSITION,
            {
                "id": cid,
                "to": target.name,
                "actor": str(wang),
                "reason": f"step to {target}",
            },
        )
        result = data["transitionComplaint"]
        assert result["complaint"]["status"] == target.name
        assert result["decision"]["rule"] == "C-9"
        assert f"to {target.label}: step to {target}" in result["decision"]["message"]
        assert result["complaint"]["allowedTransitions"] == [s.name for s in TRANSITIONS[target]]
    history = result["complaint"]["complaintHistory"]
    moves = {(h["fromValue"], h["toValue"]) for h in history if h["action"] == "TRANSITION"}
    every_edge = {(a.value, b.value) for a, nexts in TRANSITIONS.items() for b in nexts}
    assert moves == every_edge
    assert all(h["actor"]["name"] == "Wang" for h in history if h["action"] == "TRANSITION")
    types = [e.type for e in await _events(fd)]
    assert types[0] == "complaint.filed"
    assert [t for t in types if t != "complaint.assigned"][1:] == [
        f"complaint.{t.value}" for t in FULL_PATH
    ]
    last = (await _events(fd))[-1]
    expected = {
        "from": "revisited",
        "to": "closed",
        "actor": "Wang",
        "reason": "step to closed",
        "number": "261101",
        "rule": "C-9",
    }
    assert {k: last.payload[k] for k in expected} == expected
    c = await _get(fd, legacy(cid))
    assert c.cycle == 3 and c.closed_at == now and c.status == "closed"


async def test_C_9_acknowledging_an_unassigned_complaint_makes_the_actor_its_handler(fd, office):
    c = await _file(fd, office["site"], office["li"])
    c = await _move(fd, c.id, S.ACKNOWLEDGED, office["wang"], FIXED_NOW)
    assert c.handler_id == office["wang"] and c.first_responded_at == FIXED_NOW
    assigned = await _events(fd, "complaint.assigned")
    assert [e.payload["handler_id"] for e in assigned] == [office["wang"]]


@pytest.mark.parametrize("source", list(ComplaintStatus), ids=lambda s: s.value)
async def test_C_9_illegal_transitions_are_refused_and_write_nothing(fd, office, source):
    c = await _file(fd, office["site"], office["li"])
    now = await _drive(fd, c.id, PATH_TO[source], office["li"])
    illegal = [t for t in ComplaintStatus if t not in TRANSITIONS[source]]
    assert illegal
    before = await _snapshot(fd, c.id)
    for target in illegal:
        with pytest.raises(IllegalTransition) as exc:
            await _move(fd, c.id, target, office["li"], now + timedelta(hours=1), "because")
        assert exc.value.code == "ILLEGAL_TRANSITION"
        assert exc.value.details["allowed"] == [t.value for t in TRANSITIONS[source]]
        assert await _snapshot(fd, c.id) == before


async def test_C_9_illegal_transition_through_graphql_has_a_stable_code(client, fd, office):
    c = await _file(fd, office["site"], office["li"])
    before = await _snapshot(fd, c.id)
    err = await client.error(
        TRANSITION, {"id": gid("Complaint", c.id), "to": "RESOLVED", "actor": str(office["li"])}
    )
    assert err.extensions["code"] == "ILLEGAL_TRANSITION"
    assert "cannot go from received to resolved" in err.message
    assert await _snapshot(fd, c.id) == before


async def test_C_9_reopening_and_closing_need_a_reason(fd, office):
    c = await _file(fd, office["site"], office["li"])
    now = await _drive(fd, c.id, PATH_TO[S.REVISITED], office["li"])
    before = await _snapshot(fd, c.id)
    for target in (S.REOPENED, S.CLOSED):
        with pytest.raises(ReasonRequired) as exc:
            await _move(fd, c.id, target, office["li"], now, reason="  ")
        assert exc.value.code == "REASON_REQUIRED"
    assert await _snapshot(fd, c.id) == before


async def test_C_9_changes_are_recorded_in_time_order_by_staff_of_the_site(fd, office):
    c = await _file(fd, office["site"], office["li"])
    await _move(fd, c.id, S.ACKNOWLEDGED, office["li"], FIXED_NOW + timedelta(hours=2))
    with pytest.raises(InvalidInput) as exc:
        await _move(fd, c.id, S.IN_PROGRESS, office["li"], FIXED_NOW + timedelta(hours=1))
    assert exc.value.code == "OUT_OF_ORDER"
    other = await _site(fd, "Moonlight")
    stranger = await _staff(fd, other, "Qian")
    gm = await _staff(fd, other, "Boss", "general_manager")
    with pytest.raises(FrontdeskError) as exc:
        await _move(fd, c.id, S.IN_PROGRESS, stranger, FIXED_NOW + timedelta(hours=3))
    assert exc.value.code == "STAFF_NOT_FOUND"
    # C-10: the general manager acts on every site's complaints.
    moved = await _move(fd, c.id, S.IN_PROGRESS, gm, FIXED_NOW + timedelta(hours=3))
    assert moved.status == "in_progress"


# --------------------------------------------------------------------------------------------
# C-8 / C-11 deadlines (the site's calendar), pauses, reopening


async def test_C_11_resolution_due_skips_the_weekend(fd, office):
    friday = sh(2026, 11, 27, 15)
    c = await _file(fd, office["site"], office["li"], friday)
    assert c.first_response_due == sh(2026, 11, 28, 15)  # C-8: wall-clock 24 h
    assert c.resolution_due == sh(2026, 12, 3)  # Mon, Tue, Wed → end of Wednesday
    assert c.special_case_due == sh(2026, 12, 9)  # 7 working days


async def test_C_11_resolution_due_skips_national_day_2026(fd, office):
    """30 Sep 15:00 + 3 working days: 1–7 Oct are holidays, 8 and 9 Oct count, Saturday 10 Oct
    is a make-up working day (调休) and counts → due 24:00 on 10 Oct."""
    c = await _file(fd, office["site"], office["li"], sh(2026, 9, 30, 15))
    assert c.number == "260901"
    assert c.resolution_due == sh(2026, 10, 11)
    assert c.special_case_due == sh(2026, 10, 16)
    assert c.first_response_due == sh(2026, 10, 1, 15)


async def test_C_11_waiting_on_the_customer_pauses_the_clock_and_resuming_recomputes(fd, office):
    li = office["li"]
    c = await _file(fd, office["site"], li)  # Tue 10:00, due Sat 00:00
    now = await _drive(fd, c.id, PATH_TO[S.IN_PROGRESS], li)
    assert (await _get(fd, c.id)).resolution_due == sh(2026, 11, 28)
    waiting = await _move(fd, c.id, S.WAITING_ON_CUSTOMER, li, sh(2026, 11, 25, 10))
    assert waiting.resolution_due is None  # unknown while the clock stands still
    assert waiting.first_response_due == sh(2026, 11, 25, 10)  # C-8 is never paused
    assert now < sh(2026, 11, 25, 10)
    resumed = await _move(fd, c.id, S.IN_PROGRESS, li, sh(2026, 11, 26, 10))
    # 24 h of working time paused: the due time walks past the weekend to Tue 1 Dec 00:00.
    assert resumed.resolution_due == sh(2026, 12, 1)
    # A second pause over a weekend only costs its working time (Fri 14 h + Mon 10 h).
    await _move(fd, c.id, S.WAITING_ON_CUSTOMER, li, sh(2026, 11, 27, 10))
    resumed = await _move(fd, c.id, S.IN_PROGRESS, li, sh(2026, 11, 30, 10))
    assert resumed.resolution_due == sh(2026, 12, 2)
    async with fd.db.session() as s:
        pauses = (await s.scalars(select(ComplaintPause).order_by(ComplaintPause.id))).all()
    assert [(p.started_at, p.ended_at, p.cycle) for p in pauses] == [
        (sh(2026, 11, 25, 10), sh(2026, 11, 26, 10), 1),
        (sh(2026, 11, 27, 10), sh(2026, 11, 30, 10), 1),
    ]


async def test_C_9_resolving_starts_the_revisit_window_and_reopening_a_new_cycle(fd, office):
    li = office["li"]
    c = await _file(fd, office["site"], li)
    await _drive(fd, c.id, PATH_TO[S.IN_PROGRESS], li)
    await _move(fd, c.id, S.WAITING_ON_CUSTOMER, li, sh(2026, 11, 24, 14))
    await _move(fd, c.id, S.IN_PROGRESS, li, sh(2026, 11, 25, 14))
    resolved = await _move(fd, c.id, S.RESOLVED, li, sh(2026, 11, 25, 15))
    assert resolved.revisit_due == sh(2026, 12, 10)  # 14 calendar days after the fix day
    assert resolved.resolved_at == sh(2026, 11, 25, 15)
    reopened = await _move(fd, c.id, S.REOPENED, li, sh(2026, 12, 3, 9), "still leaking")
    # A new cycle: counted from the reopening, without the old pause, no revisit yet.
    assert reopened.cycle == 2 and reopened.cycle_started_at == sh(2026, 12, 3, 9)
    assert reopened.first_response_due == sh(2026, 12, 4, 9)
    assert reopened.resolution_due == sh(2026, 12, 9)  # Fri 4, Mon 7, Tue 8 → end of Tue 8
    assert reopened.revisit_due is None and reopened.resolved_at is None
    again = await _move(fd, c.id, S.IN_PROGRESS, li, sh(2026, 12, 3, 10))
    assert again.first_responded_at == sh(2026, 12, 3, 10)


# --------------------------------------------------------------------------------------------
# Overdue (C-8, C-11, C-9)

OVERDUE = """
query($site: ID!, $now: DateTime) {
  overdueComplaints(siteId: $site, now: $now) {
    nodes { complaint { id number } reasons { rule } } }
}"""
SWEEP = """
mutation { sweepOverdueComplaints(input: {}) { count marked { kind due complaint { number }
                                                    decision { rule message } } userErrors {
                                                      field message code } } }"""


async def test_C_8_C_11_overdue_is_queryable_and_the_sweep_raises_each_deadline_once(fd, office):
    site, li = office["site"], office["li"]
    c = await _file(fd, site, li)
    on_time = await _file(fd, site, li)
    await _move(fd, on_time.id, S.ACKNOWLEDGED, li, FIXED_NOW + timedelta(hours=1))
    client = Client(fd)
    day_later = FIXED_NOW + timedelta(hours=25)
    assert (await client.data(OVERDUE, {"site": str(site), "now": FIXED_NOW.isoformat()}))[
        "overdueComplaints"
    ]["nodes"] == []
    listed = await client.data(OVERDUE, {"site": str(site), "now": day_later.isoformat()})
    assert listed["overdueComplaints"]["nodes"] == [
        {
            "complaint": {"id": gid("Complaint", c.id), "number": c.number},
            "reasons": [{"rule": "C-8"}],
        }
    ]
    async with fd.write() as s:
        assert await svc.sweep_overdue(s, FIXED_NOW) == []
    async with fd.write() as s:
        marks = await svc.sweep_overdue(s, day_later)
        assert [(m.complaint.id, m.kind, m.reason.rule) for m in marks] == [
            (c.id, svc.OverdueKind.FIRST_RESPONSE, "C-8")
        ]
    async with fd.write() as s:
        # C-8 (revised): the acknowledged complaint owed a progress update 24 h after its
        # first response; the first response of the other is not reported again.
        marks = await svc.sweep_overdue(s, day_later + timedelta(hours=1))
        assert [(m.complaint.id, m.kind, m.reason.rule) for m in marks] == [
            (on_time.id, svc.OverdueKind.PROGRESS_UPDATE, "C-8")
        ]
        assert marks[0].reason.message.startswith("no progress update within 24 hours")
    async with fd.write() as s:
        assert await svc.sweep_overdue(s, day_later + timedelta(hours=1)) == []  # once
    # Saturday: both complaints missed the C-11 resolution; the first response is not
    # reported again.
    saturday = sh(2026, 11, 28, 1)
    result = await Client(fd, now=saturday).data(SWEEP)
    marked = result["sweepOverdueComplaints"]["marked"]
    assert sorted((m["complaint"]["number"], m["kind"]) for m in marked) == [
        ("261101", "RESOLUTION"),
        ("261102", "RESOLUTION"),
    ]
    assert all(m["decision"]["rule"] == "C-11" for m in marked)
    assert (await Client(fd, now=saturday).data(SWEEP))["sweepOverdueComplaints"]["count"] == 0
    overdue = await _events(fd, "complaint.overdue")
    assert [(e.subject_id, e.payload["kind"]) for e in overdue] == [
        (c.id, "first_response"),
        (on_time.id, "progress_update"),
        (c.id, "resolution"),
        (on_time.id, "resolution"),
    ]
    history = await _count(fd, ComplaintHistoryEntry, ComplaintHistoryEntry.action == "overdue")
    assert history == 4
    stored = await _get(fd, c.id)
    assert stored.first_response_overdue_at == day_later
    assert stored.resolution_overdue_at == saturday


async def test_C_9_a_missed_revisit_is_reported_and_a_reopened_cycle_is_watched_afresh(fd, office):
    li = office["li"]
    c = await _file(fd, office["site"], li)
    await _drive(fd, c.id, PATH_TO[S.RESOLVED], li)  # resolved Tue 13:00
    late = sh(2026, 12, 9, 0, 1)  # revisit was due 24:00 on 8 Dec
    async with fd.write() as s:
        marks = await svc.sweep_overdue(s, late)
        assert [(m.kind, m.reason.rule) for m in marks] == [(svc.OverdueKind.REVISIT, "C-9")]
    await _move(fd, c.id, S.REOPENED, li, late, "the customer rejects the fix")
    async with fd.write() as s:
        marks = await svc.sweep_overdue(s, late + timedelta(days=2))
        assert [m.kind for m in marks] == [svc.OverdueKind.FIRST_RESPONSE]


async def test_C_13_the_overdue_sweep_is_an_admin_mutation(fd):
    err = await Client(fd, actor=Actor(role=Role.STAFF, name="desk")).error(SWEEP)
    assert err.extensions["code"] == "FORBIDDEN"


# --------------------------------------------------------------------------------------------
# C-10 escalation and assignment


async def test_C_10_escalation_climbs_one_level_at_a_time_and_stops_at_the_top(client, fd, office):
    c = await _file(fd, office["site"], office["li"])
    levels = []
    for _ in range(3):
        data = await client.data(
            ESCALATE,
            {
                "id": gid("Complaint", c.id),
                "reason": "customer still unsatisfied",
                "actor": str(office["zhao"]),
            },
        )
        levels.append(data["escalateComplaint"]["complaint"]["escalationLevel"])
        assert data["escalateComplaint"]["decision"]["rule"] == "C-10"
    assert levels == ["SITE_HEAD", "VICE_PRESIDENT", "GENERAL_MANAGER"]
    assert (
        "Zhao escalated from the vice president in charge to the general manager"
        in (data["escalateComplaint"]["decision"]["message"])
    )
    escalated = await _events(fd, "complaint.escalated")
    assert [(e.payload["from"], e.payload["to"]) for e in escalated] == [
        ("handler", "site_head"),
        ("site_head", "vice_president"),
        ("vice_president", "general_manager"),
    ]
    before = await _snapshot(fd, c.id)
    err = await client.error(
        ESCALATE, {"id": gid("Complaint", c.id), "reason": "again", "actor": str(office["zhao"])}
    )
    assert err.extensions["code"] == "ALREADY_AT_TOP"
    assert await _snapshot(fd, c.id) == before


async def test_C_10_escalation_needs_a_reason_and_an_open_complaint(fd, office):
    c = await _file(fd, office["site"], office["li"])
    async with fd.write() as s:
        with pytest.raises(ReasonRequired):
            await svc.escalate_complaint(s, c.id, office["li"], " ", FIXED_NOW)
    now = await _drive(fd, c.id, PATH_TO[S.CLOSED], office["li"])
    async with fd.write() as s:
        with pytest.raises(Conflict) as exc:
            await svc.escalate_complaint(s, c.id, office["li"], "unhappy", now)
    assert exc.value.code == "COMPLAINT_CLOSED"
    assert EscalationError.code == "ALREADY_AT_TOP"


async def test_C_9_C_10_assigning_a_handler_is_recorded(client, fd, office):
    c = await _file(fd, office["site"], office["li"])
    data = await client.data(
        ASSIGN,
        {
            "id": gid("Complaint", c.id),
            "handler": str(office["wang"]),
            "actor": str(office["zhao"]),
        },
    )
    assert data["assignComplaint"]["complaint"]["handler"]["name"] == "Wang"
    assert data["assignComplaint"]["decision"] == {
        "rule": "C-9",
        "message": "Zhao gave complaint 261101 to Wang: knows the customer",
    }
    err = await client.error(
        ASSIGN,
        {
            "id": gid("Complaint", c.id),
            "handler": str(office["wang"]),
            "actor": str(office["zhao"]),
        },
    )
    assert err.extensions["code"] == "ALREADY_HANDLER"


# --------------------------------------------------------------------------------------------
# C-14 fault and fines


async def test_C_14_verified_fault_fines_staff_and_manager_in_one_transaction(client, fd, office):
    c = await _file(fd, office["site"], office["li"])
    data = await client.data(
        VERIFY,
        {
            "input": {
                "complaintId": gid("Complaint", c.id),
                "staffId": str(office["wang"]),
                "fineAmount": "300",
                "managerId": str(office["zhao"]),
                "managerFineAmount": "150",
                "reason": "rude on the phone",
                "actingStaffId": str(office["zhao"]),
            }
        },
    )
    result = data["verifyComplaintFault"]
    assert result["complaint"]["staffAtFault"]["name"] == "Wang"
    assert result["decision"]["rule"] == "C-14"
    assert "Wang fined 300" in result["decision"]["message"]
    assert [
        (p["amount"], p["staff"]["id"], p["penaltyRule"]["code"], p["complaintId"])
        for p in result["penalties"]
    ] == [
        ("300.00", gid("Staff", office["wang"]), "C-14-staff", gid("Complaint", c.id)),
        ("150.00", gid("Staff", office["zhao"]), "C-14-manager", gid("Complaint", c.id)),
    ]
    assert result["complaint"]["complaintHistory"][-1] == {
        "action": "FAULT_VERIFIED",
        "decision": {"rule": "C-14"},
    }
    [verified] = await _events(fd, "complaint.fault_verified")
    assert verified.payload["amounts"] == ["300.00", "150.00"]
    assert await _count(fd, Event, Event.type == "penalty.issued") == 2
    err = await client.error(
        VERIFY,
        {
            "input": {
                "complaintId": gid("Complaint", c.id),
                "staffId": str(office["wang"]),
                "fineAmount": "300",
                "reason": "again",
                "actingStaffId": str(office["zhao"]),
            }
        },
    )
    assert err.extensions["code"] == "FAULT_ALREADY_VERIFIED"


@pytest.mark.parametrize(
    ("fine", "manager_fine"), [("300", "600"), ("1001", "100"), ("199.99", None)]
)
async def test_C_14_an_amount_out_of_range_writes_nothing(client, fd, office, fine, manager_fine):
    c = await _file(fd, office["site"], office["li"])
    before = await _snapshot(fd, c.id)
    variables = {
        "complaintId": gid("Complaint", c.id),
        "staffId": str(office["wang"]),
        "fineAmount": fine,
        "reason": "rude",
        "actingStaffId": str(office["zhao"]),
    }
    if manager_fine:
        variables |= {"managerId": str(office["zhao"]), "managerFineAmount": manager_fine}
    err = await client.error(VERIFY, {"input": variables})
    assert err.extensions["code"] == "PENALTY_AMOUNT_OUT_OF_RANGE"
    # The staff fine of the first case was valid and flushed: it rolled back with the rest.
    assert await _snapshot(fd, c.id) == before
    assert await _count(fd, Penalty) == 0


async def test_C_14_manager_fine_needs_both_parts(fd, office):
    c = await _file(fd, office["site"], office["li"])
    async with fd.write() as s:
        with pytest.raises(InvalidInput) as exc:
            await svc.verify_complaint_fault(
                s,
                complaint_id=c.id,
                staff_id=office["wang"],
                fine_amount=Decimal(300),
                reason="rude",
                actor_staff_id=office["zhao"],
                now=FIXED_NOW,
                manager_id=office["zhao"],
            )
    assert exc.value.code == "MANAGER_FINE_INCOMPLETE"


# --------------------------------------------------------------------------------------------
# C-12 statistics

STATS = """
query($site: ID!, $period: StatisticsPeriod!, $start: Date!) {
  complaintStatistics(siteId: $site, period: $period, start: $start) {
    firstDay lastDay total resolved resolvedOnTime onTimeRate
    byCategory { key count } bySeverity { key count } byStatus { key count }
    byHandler { handler { name } count }
    decision { rule message }
  }
}"""


async def test_C_12_weekly_and_monthly_statistics_in_the_sites_time_zone(client, fd, office):
    site, li, wang = office["site"], office["li"], office["wang"]
    # Week of Mon 23 Nov – Sun 29 Nov (Shanghai).
    early = await _file(fd, site, li, sh(2026, 11, 23, 9), category="service")
    late_fix = await _file(fd, site, li, sh(2026, 11, 24, 9), category="service")
    await _file(fd, site, li, sh(2026, 11, 29, 23, 30), category="facilities")  # Sun night
    await _file(fd, site, li, sh(2026, 11, 30, 0, 30), category="facilities")  # next week
    await _file(fd, site, li, sh(2026, 11, 2, 9), category="billing")  # earlier in November
    await _drive(fd, early.id, PATH_TO[S.RESOLVED], wang, start=sh(2026, 11, 23, 10))
    # Resolved the Monday after its Saturday-00:00 due time: late.
    await _drive(fd, late_fix.id, PATH_TO[S.RESOLVED], li, start=sh(2026, 11, 30, 10))
    week = (await client.data(STATS, {"site": str(site), "period": "WEEK", "start": "2026-11-26"}))[
        "complaintStatistics"
    ]
    assert (week["firstDay"], week["lastDay"]) == ("2026-11-23", "2026-11-29")
    assert week["total"] == 3
    assert week["byCategory"] == [{"key": "service", "count": 2}, {"key": "facilities", "count": 1}]
    assert week["bySeverity"] == [{"key": "general", "count": 3}]
    assert week["byStatus"] == [{"key": "resolved", "count": 2}, {"key": "received", "count": 1}]
    # Acknowledging made the actor the handler; the Sunday-night complaint has none yet.
    assert week["byHandler"] == [
        {"handler": {"name": "Li"}, "count": 1},
        {"handler": {"name": "Wang"}, "count": 1},
        {"handler": None, "count": 1},
    ]
    assert (week["resolved"], week["resolvedOnTime"], week["onTimeRate"]) == (2, 1, 0.5)
    assert week["decision"]["rule"] == "C-12"
    month = (
        await client.data(STATS, {"site": str(site), "period": "MONTH", "start": "2026-11-15"})
    )["complaintStatistics"]
    assert (month["firstDay"], month["lastDay"], month["total"]) == ("2026-11-01", "2026-11-30", 5)
    december = (
        await client.data(STATS, {"site": str(site), "period": "MONTH", "start": "2026-12-01"})
    )["complaintStatistics"]
    assert (december["total"], december["onTimeRate"]) == (0, None)


# --------------------------------------------------------------------------------------------
# Queries: connection, filters, no N+1, privacy

LIST = """
query($site: ID!, $first: Int!, $after: String, $status: ComplaintStatus) {
  complaints(siteId: $site, first: $first, after: $after, status: $status) {
    nodes { number status handler { name }
            complaintHistory { action actor { name } decision { rule } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_C_9_complaints_connection_pages_filters_and_loads_history_without_n_plus_1(
    fd, office
):
    site, li = office["site"], office["li"]
    ids = [(await _file(fd, site, li)).id for _ in range(6)]
    for cid in ids[:4]:
        await _drive(fd, cid, PATH_TO[S.IN_PROGRESS], office["wang"])
    client = Client(fd)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(fd.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        small = await client.data(LIST, {"site": str(site), "first": 2})
        n_small = len(statements)
        statements.clear()
        large = await client.data(LIST, {"site": str(site), "first": 6})
        n_large = len(statements)
    finally:
        event.remove(fd.db.engine.sync_engine, "before_cursor_execute", count)
    assert n_small == n_large <= 3
    assert [n["number"] for n in large["complaints"]["nodes"]] == [
        f"26110{i}" for i in range(6, 0, -1)
    ]
    assert small["complaints"]["pageInfo"]["hasNextPage"] is True
    assert len(large["complaints"]["nodes"][-1]["complaintHistory"]) == 4  # filed, ack, assign, ip
    nxt = await client.data(
        LIST,
        {
            "site": str(site),
            "first": 2,
            "after": small["complaints"]["pageInfo"]["endCursor"],
        },
    )
    assert [n["number"] for n in nxt["complaints"]["nodes"]] == ["261104", "261103"]
    received = await client.data(LIST, {"site": str(site), "first": 10, "status": "RECEIVED"})
    assert [n["number"] for n in received["complaints"]["nodes"]] == ["261106", "261105"]


async def test_C_6_C_8_C_11_complaint_by_id_and_number_with_overdue_field(fd, office):
    c = await _file(fd, office["site"], office["li"])
    client = Client(fd, now=FIXED_NOW + timedelta(days=5))
    data = await client.data(
        "query($id: ID!, $s: ID!) { complaint(id: $id) { number overdue { rule } }"
        ' complaintByNumber(siteId: $s, number: "261101") { id }'
        ' old: complaintByNumber(siteId: $s, number: "2611-0001") { id }'
        ' bad: complaintByNumber(siteId: $s, number: "2611001") { id } }',
        {"id": gid("Complaint", c.id), "s": str(office["site"])},
    )
    assert data["complaint"] == {
        "number": "261101",
        "overdue": [{"rule": "C-8"}, {"rule": "C-11"}],
    }
    # C-6 revised: the new number, and the form a client stored before, find it.
    assert data["complaintByNumber"] == {"id": gid("Complaint", c.id)}
    assert data["old"] == {"id": gid("Complaint", c.id)}
    assert data["bad"] is None


async def test_C_13_caller_names_are_masked_for_roles_without_private_access(fd, office):
    c = await _file(fd, office["site"], office["li"])
    query = "query($id: ID!) { complaint(id: $id) { channelDetails { callerName } } }"
    board = await Client(fd, actor=Actor(role=Role.FRONTEND, name="board")).data(
        query, {"id": gid("Complaint", c.id)}
    )
    assert board["complaint"]["channelDetails"]["callerName"] == "Z********"
    admin = await Client(fd).data(query, {"id": gid("Complaint", c.id)})
    assert admin["complaint"]["channelDetails"]["callerName"] == "Zhang San"


# --------------------------------------------------------------------------------------------
# Migration c0002 on existing data


def test_c0002_backfills_existing_complaints_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    host = all_plugins_host()
    migrate.upgrade(url, host, plugins=[])  # core only, then step back to c0001
    migrate.downgrade(url, host, "c0001")
    engine = sa.create_engine(sync_url(url))
    filed = "2026-11-24 02:00:00.000000"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, name, business_line, timezone, calendar_region, created_at)"
                f" VALUES (1, 'Old', 'realestate', 'Asia/Shanghai', 'CN', '{filed}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO complaints (id, site_id, number, channel, channel_details, category,"
                " severity, status, description, filed_at, escalation_level) VALUES"
                f" (1, 1, '2611-0001', 'phone', '{{}}', 'service', 'general', 'received', 'old',"
                f" '{filed}', 0)"
            )
        )
    migrate.upgrade(url, host, plugins=[])
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT recorded_at, updated_at, cycle_started_at, cycle, flags,"
                " resolution_working_days, first_response_due FROM complaints"
            )
        ).one()
    assert row[:3] == (filed, filed, filed)
    assert row[3:] == (1, "[]", 3, None)
    migrate.downgrade(url, host, "c0001")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("complaints")}
        assert (
            "cycle" not in columns
            and conn.execute(text("SELECT number FROM complaints")).scalar_one() == "2611-0001"
        )
        assert "complaint_history" not in sa.inspect(conn).get_table_names()
    engine.dispose()
