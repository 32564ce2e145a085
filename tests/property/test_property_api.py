"""The property line end to end through GraphQL (PM-1 … PM-9): every test names its rule and
checks the decision and its sentence; the boundaries are tested at the exact minute.  The clock
is the client's ``now`` (Asia/Shanghai, the site's zone)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from conftest import SHANGHAI, Client, start_frontdesk
from helpers import add_staff, legacy, make_site

from core.runtime import Frontdesk


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


UNIT = """
mutation($input: AddPropertyUnitInput!) { addPropertyUnit(input: $input) {
  unit { id building number } userErrors { field message code rule } } }"""
RESIDENT = """
mutation($input: AddPropertyResidentInput!) { addPropertyResident(input: $input) {
  resident { id name phone unit { id number } } userErrors { field message code rule } } }"""
SHIFT = """
mutation($input: ScheduleShiftInput!) { scheduleShift(input: $input) {
  shift { id } userErrors { field message code rule } } }"""
VISITOR = """
mutation($input: RegisterPropertyVisitorInput!) { registerPropertyVisitor(input: $input) {
  visitor { id visitorName nightDuty contactMethod registeredBy { id name }
    unit { building number } resident { name phone } decision { rule message } }
  userErrors { field message code rule } } }"""
DESK = """
query($site: ID!, $date: Date) { propertyFrontDesk(siteId: $site, date: $date) {
  date nightWindow nightNow
  nightDuty { onDutyNow staff { id name } }
  visitors { visitorName nightDuty registeredBy { name } }
  openMajorComplaints { complaintId number category status resolutionDue revisitDue minutesLeft
    decision { rule message } } } }"""
FILE = """
mutation($input: FileComplaintInput!) { fileComplaint(input: $input) {
  complaint { id number severity status resolutionDue policyDecision { rule message } }
  decision { rule message } notifications { kind rule message }
  userErrors { field message code rule } } }"""
MOVE = """
mutation($input: TransitionComplaintInput!) { transitionComplaint(input: $input) {
  complaint { id status resolvedAt revisitDue } decision { rule message }
  userErrors { field message code rule } } }"""
STEP = """
mutation($input: RecordComplaintHandlingStepInput!) { recordComplaintHandlingStep(input: $input) {
  handling { steps { step staff { name } nextReplyAt customerConfirmed complaintId }
    missingSteps closeDecision { rule message } }
  userErrors { field message code rule } } }"""
REPLY = """
mutation($input: RecordComplaintReplyStepInput!) { recordComplaintReplyStep(input: $input) {
  handling { steps { step staff { name } at } closeDecision { rule message } }
  userErrors { field message code rule } } }"""
REVISIT = """
mutation($input: RecordComplaintRevisitInput!) { recordComplaintRevisit(input: $input) {
  revisit { id signedBy satisfaction inTime decision { rule message } staff { name } }
  userErrors { field message code rule } } }"""
HANDLING = """
query($id: ID!) { node(id: $id) { ... on Complaint { status property {
  steps { step } missingSteps revisits { signedBy inTime } closeDecision { rule message } } } } }"""
REPAIR = """
mutation($input: SchedulePropertyRepairInput!) { schedulePropertyRepair(input: $input) {
  repair { id status agreedAt technician { name } } userErrors { field message code rule } } }"""
ARRIVE = """
mutation($input: RecordRepairArrivalInput!) { recordRepairArrival(input: $input) {
  repair { id status onTime arrivedAt decision { rule message } }
  userErrors { field message code rule } } }"""
START = """
mutation($input: StartPropertyRepairInput!) { startPropertyRepair(input: $input) {
  repair { id status feeQuoted feeAccepted } userErrors { field message code rule } } }"""
COMPLETE = """
mutation($input: CompletePropertyRepairInput!) { completePropertyRepair(input: $input) {
  repair { id status signedBy feeLines { item amount } }
  userErrors { field message code rule } } }"""
DISPATCH = """
mutation($input: DispatchPropertyRepairInput!) { dispatchPropertyRepair(input: $input) {
  repair { id status technician { name } } userErrors { field message code rule } } }"""
SPOT = """
mutation($input: SpotCheckPropertyRepairInput!) { spotCheckPropertyRepair(input: $input) {
  repair { id spotCheckPassed } userErrors { field message code rule } } }"""
TECH_MONTH = """
query($staff: ID!, $month: Date) { propertyTechnicianMonth(staffId: $staff, month: $month) {
  month technician { name } repairs { onTime decision { rule message } }
  rates { arrivals onTime onTimeRate spottedChecked: spotChecked passed passRate } } }"""
PROJECT_MONTH = """
query($site: ID!, $month: Date) { propertyProjectMonth(siteId: $site, month: $month) {
  month complaints major general fixedOnTime overdue open revisited decision { rule message }
  repairs { arrivals onTime onTimeRate spotChecked passed passRate }
  technicians { technician { name } arrivals onTime } } }"""


@pytest.fixture
async def pm_app(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    app = await start_frontdesk(sqlite_url, enable=("property",))
    yield app
    await app.stop()


class Project:
    """A property project: a desk clerk, a night duty manager, a supervisor, a technician,
    unit A-1201 with resident Chen Mei."""

    def __init__(self, app: Frontdesk) -> None:
        self.app = app
        self.site = self.desk = self.night = self.supervisor = self.tech = ""
        self.unit = self.resident = ""

    def at(self, moment: datetime) -> Client:
        return Client(self.app, now=moment)

    async def data(self, moment: datetime, query: str, **variables: Any) -> dict[str, Any]:
        return await self.at(moment).data(query, variables)

    async def refused(self, moment: datetime, query: str, **variables: Any) -> Any:
        return await self.at(moment).user_error(query, variables)

    async def night_shift(self, staff: str, day: str) -> None:
        shift = {"staffId": staff, "businessDate": day, "start": "20:00", "end": "08:00"}
        await self.data(at(11, 30, 9), SHIFT, input={**shift, "dutyRole": "night_duty_manager"})

    async def file(self, moment: datetime, **kw: Any) -> dict[str, Any]:
        data = {
            "siteId": self.site,
            "channel": "IN_PERSON",
            "category": "noise",
            "description": "a complaint",
            "customerName": "Chen Mei",
            "actingStaffId": self.desk,
            "receivedAt": moment.isoformat(),
            **kw,
        }
        return (await self.data(moment, FILE, input=data))["fileComplaint"]

    async def move(self, moment: datetime, complaint: str, to: str, **kw: Any) -> dict[str, Any]:
        data = {"complaintId": complaint, "to": to, "actingStaffId": self.desk, **kw}
        return (await self.data(moment, MOVE, input=data))["transitionComplaint"]

    async def resolve(self, moment: datetime, complaint: str) -> None:
        for to in ("ACKNOWLEDGED", "IN_PROGRESS"):
            await self.move(moment, complaint, to)
        await self.move(moment, complaint, "RESOLVED")

    async def step(self, moment: datetime, complaint: str, step: str, **kw: Any) -> dict:
        data = {"complaintId": complaint, "step": step, "actingStaffId": self.desk, **kw}
        return (await self.data(moment, STEP, input=data))["recordComplaintHandlingStep"]

    async def repair(self, agreed: datetime, **kw: Any) -> str:
        data = {
            "unitId": self.unit,
            "residentId": self.resident,
            "speciality": "plumbing",
            "agreedAt": agreed.isoformat(),
            "technicianId": self.tech,
            **kw,
        }
        moment = at(agreed.month, agreed.day, 7) if agreed.hour > 7 else agreed
        return (await self.data(moment, REPAIR, input=data))["schedulePropertyRepair"]["repair"][
            "id"
        ]


@pytest.fixture
async def project(pm_app: Frontdesk) -> Project:
    p = Project(pm_app)
    admin = p.at(at(11, 30, 9))
    p.site = await make_site(admin, "Harbour Court", line="property")
    p.desk = await add_staff(admin, p.site, "Desk Li", role="customer_service")
    p.night = await add_staff(admin, p.site, "Night Wang", role="night_duty_manager")
    p.supervisor = await add_staff(admin, p.site, "Supervisor Zhao", role="supervisor")
    p.tech = await add_staff(admin, p.site, "Tech Zhou", role="technician")
    unit = await admin.data(UNIT, {"input": {"siteId": p.site, "building": "A", "number": "1201"}})
    p.unit = unit["addPropertyUnit"]["unit"]["id"]
    resident = await admin.data(
        RESIDENT, {"input": {"unitId": p.unit, "name": "Chen Mei", "phone": "13800138000"}}
    )
    p.resident = resident["addPropertyResident"]["resident"]["id"]
    return p


# --- PM-1 -----------------------------------------------------------------------------------------


def _visitor(p: Project, registrar: str, name: str = "Guest Sun", **kw: Any) -> dict[str, Any]:
    return {
        "residentId": p.resident,
        "visitorName": name,
        "contactMethod": "intercom",
        "residentConfirmed": True,
        "registrarId": registrar,
        **kw,
    }


async def test_PM_1_night_duty_window_at_the_exact_minute(project: Project) -> None:
    p = project
    await p.night_shift(p.night, "2026-12-01")
    # 19:59 is day: the front desk registers.
    day = await p.data(at(12, 1, 19, 59), VISITOR, input=_visitor(p, p.desk))
    visitor = day["registerPropertyVisitor"]["visitor"]
    assert visitor["nightDuty"] is False
    assert visitor["decision"] == {
        "rule": "PM-1",
        "message": "registered by the front desk after contacting the resident (intercom)",
    }
    assert visitor["registeredBy"]["name"] == "Desk Li"
    # 20:00 is night: the desk is refused, naming PM-1; the rostered night duty registers.
    refused = await p.refused(at(12, 1, 20, 0), VISITOR, input=_visitor(p, p.desk))
    assert refused.code == "NIGHT_DUTY_ONLY"
    assert refused.rule == "PM-1"
    assert "night duty manager on the roster" in refused.message
    assert refused.field == ["input", "registrarId"]
    night = await p.data(at(12, 1, 20, 0), VISITOR, input=_visitor(p, p.night, "Guest Qian"))
    assert night["registerPropertyVisitor"]["visitor"]["nightDuty"] is True
    assert night["registerPropertyVisitor"]["visitor"]["decision"]["message"] == (
        "registered by the night duty manager after contacting the resident (intercom)"
    )
    # 07:59 the next morning is still night (the window crosses midnight) …
    late = await p.refused(at(12, 2, 7, 59), VISITOR, input=_visitor(p, p.desk))
    assert (late.code, late.rule) == ("NIGHT_DUTY_ONLY", "PM-1")
    await p.data(at(12, 2, 7, 59), VISITOR, input=_visitor(p, p.night, "Guest Zhou"))
    # … 08:00 is day again.
    morning = await p.data(at(12, 2, 8, 0), VISITOR, input=_visitor(p, p.desk, "Guest Wu"))
    assert morning["registerPropertyVisitor"]["visitor"]["nightDuty"] is False
    # The night duty manager off the roster is refused at night too.
    off = await p.refused(at(12, 2, 21, 0), VISITOR, input=_visitor(p, p.night))
    assert (off.code, off.rule) == ("NIGHT_DUTY_ONLY", "PM-1")
    # Today's front desk: the night's duty and the visitors of the day.
    desk = (await p.data(at(12, 1, 21, 0), DESK, site=p.site))["propertyFrontDesk"]
    assert desk["nightWindow"] == "20:00–08:00" and desk["nightNow"] is True
    assert [(d["staff"]["name"], d["onDutyNow"]) for d in desk["nightDuty"]] == [
        ("Night Wang", True)
    ]
    assert [(v["visitorName"], v["nightDuty"]) for v in desk["visitors"]] == [
        ("Guest Sun", False),
        ("Guest Qian", True),
    ]


async def test_PM_1_resident_contacted_and_confirmed_first_phone_masked(
    project: Project,
) -> None:
    p = project
    moment = at(12, 1, 10)
    none = await p.refused(moment, VISITOR, input=_visitor(p, p.desk, contactMethod=None))
    assert (none.code, none.rule) == ("RESIDENT_NOT_CONTACTED", "PM-1")
    assert none.message == "[PM-1] contact the resident before registering a visitor"
    unconfirmed = await p.refused(
        moment, VISITOR, input=_visitor(p, p.desk, residentConfirmed=False)
    )
    assert (unconfirmed.code, unconfirmed.rule) == ("RESIDENT_NOT_CONFIRMED", "PM-1")
    # C-13: a token without the private permission reads the resident's phone masked.
    from core.auth import Actor, Role

    desk_token = Actor(role=Role.STAFF, name="desk token", staff_id=legacy(p.desk))
    clerk = Client(p.app, now=moment, actor=desk_token)
    data = await clerk.data(VISITOR, {"input": _visitor(p, p.desk)})
    assert data["registerPropertyVisitor"]["visitor"]["resident"]["phone"] == "138****8000"
    # C-13: a desk token cannot register as the night duty manager (acting for someone else).
    night = Client(p.app, now=at(12, 1, 21), actor=desk_token)
    forbidden = await night.top_error(VISITOR, {"input": _visitor(p, p.night)})
    assert forbidden.extensions["code"] == "FORBIDDEN"


# --- PM-2 … PM-6: complaints ----------------------------------------------------------------------


COMPLAINT = """
query($id: ID!) { node(id: $id) { ... on Complaint { number severity status firstResponseDue
  resolutionDue revisitDue policyDecision { rule message } } } }"""


async def _major(p: Project, moment: datetime, **kw: Any) -> dict[str, Any]:
    return await p.file(moment, category="flooding", description="water in the lobby", **kw)


async def test_PM_3_PM_4_a_listed_emergency_is_major_reported_at_once_with_a_webhook(
    project: Project,
) -> None:
    p = project
    async with p.app.write() as s:
        from core.webhooks import WebhookEndpoint

        s.add(
            WebhookEndpoint(
                url="https://hooks.example.com/property",
                secret="whsec_" + "x" * 32,
                event_types=["complaint.report_immediately"],
                active=True,
                created_at=at(11, 30),
                updated_at=at(11, 30),
            )
        )
    filed = await _major(p, at(12, 1, 9, 30))
    assert filed["complaint"]["severity"] == "MAJOR"
    assert filed["decision"]["rule"] == "PM-4"
    assert "flooding is a major complaint" in filed["decision"]["message"]
    # PM-4: reported at once to the department manager and centre leadership: a notification
    # in the answer, an event on the notifications stream and a webhook delivery.
    assert filed["notifications"] == [
        {
            "kind": "complaint.report_immediately",
            "rule": "PM-4",
            "message": f"report complaint {filed['complaint']['number']} at once: "
            "flooding is a major complaint",
        }
    ]
    async with p.app.db.session() as s:
        from sqlalchemy import select

        from core.models import Event
        from core.webhooks import WebhookDelivery

        events = (await s.scalars(select(Event).where(Event.stream == "notifications"))).all()
        deliveries = (await s.scalars(select(WebhookDelivery))).all()
    assert [(e.type, e.payload["rule"]) for e in events] == [
        ("complaint.report_immediately", "PM-4")
    ]
    assert [d.event_type for d in deliveries] == ["complaint.report_immediately"]
    # PM-3 (C-8): the first response is due 24 hours of real time after receipt.
    node = (await p.data(at(12, 1, 10), COMPLAINT, id=filed["complaint"]["id"]))["node"]
    assert datetime.fromisoformat(node["firstResponseDue"]) == at(12, 2, 9, 30)
    # PM-5: a major complaint received on Tuesday is fixed by 24:00 on Wednesday.
    assert datetime.fromisoformat(node["resolutionDue"]) == at(12, 3, 0, 0)
    # Today's front desk shows it with its clock.
    desk = (await p.data(at(12, 1, 10), DESK, site=p.site))["propertyFrontDesk"]
    [clock] = desk["openMajorComplaints"]
    assert clock["complaintId"] == filed["complaint"]["id"]
    assert clock["minutesLeft"] == 38 * 60
    assert clock["decision"] == {
        "rule": "PM-5",
        "message": f"major complaint {clock['number']}: fix due by 2026-12-03 00:00 "
        "(2280 minute(s) left)",
    }


async def test_PM_4_the_third_household_makes_a_collective_complaint_major(
    project: Project,
) -> None:
    p = project
    two = await p.file(at(12, 1, 9), category="noise", households=2)
    assert two["complaint"]["severity"] == "GENERAL"
    assert two["decision"]["message"].endswith("not a major complaint: general")
    assert two["notifications"] == []
    three = await p.file(at(12, 1, 9), category="noise", households=3)
    assert three["complaint"]["severity"] == "MAJOR"
    assert three["decision"]["rule"] == "PM-4"
    assert (
        "collective complaint of 3 households or companies (3 or more is major)"
        in (three["decision"]["message"])
    )
    assert three["notifications"][0]["kind"] == "complaint.report_immediately"


async def test_PM_4_a_major_complaint_filed_is_delivered_to_subscribers(
    project: Project,
) -> None:
    from test_subscriptions import UPDATES, GqlWs, listening, make_token, serve

    p = project
    token = await make_token(p.app, "integrator")
    async with serve(p.app) as url, GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {"site": p.site})
        await listening(p.app)
        filed = await _major(p, at(12, 1, 9, 30))
        [event] = await ws.events(1)
    assert event["type"] == "complaint.filed"
    assert event["complaintId"] == filed["complaint"]["id"]
    assert event["payload"]["severity"] == "major"
    assert event["payload"]["category"] == "flooding"


async def test_PM_5_PM_7_working_day_deadline_across_a_weekend_and_a_holiday_last_minute(
    project: Project,
) -> None:
    """General: received Wed 2026-09-30; the National Day holidays (10-01 … 10-07, a weekend
    inside) do not count, 10-08 and 10-09 do, Saturday 10-10 is a make-up working day: due
    24:00 on 10-10.  Fixed at 23:59 is on time, at 00:01 on the 11th overdue (PM-7 counts)."""
    p = project
    on_time = await p.file(at(9, 30, 15))
    late = await p.file(at(9, 30, 15, 5))
    for filed in (on_time, late):
        assert datetime.fromisoformat(filed["complaint"]["resolutionDue"]) == at(10, 11, 0, 0)
    # Major, received on Friday 10-09: the next working day is the make-up Saturday 10-10.
    major = await _major(p, at(10, 9, 16))
    assert datetime.fromisoformat(major["complaint"]["resolutionDue"]) == at(10, 11, 0, 0)
    await p.resolve(at(10, 10, 23, 59), on_time["complaint"]["id"])
    await p.resolve(at(10, 11, 0, 1), late["complaint"]["id"])
    await p.resolve(at(10, 10, 23, 59), major["complaint"]["id"])
    month = (await p.data(at(10, 31), PROJECT_MONTH, site=p.site, month="2026-10-01"))[
        "propertyProjectMonth"
    ]
    assert (month["complaints"], month["major"], month["fixedOnTime"]) == (1, 1, 1)
    september = (await p.data(at(10, 31), PROJECT_MONTH, site=p.site, month="2026-09-15"))[
        "propertyProjectMonth"
    ]
    assert september["month"] == "2026-09-01"
    assert (september["complaints"], september["fixedOnTime"], september["overdue"]) == (2, 1, 1)
    assert september["decision"]["rule"] == "PM-7"
    assert september["decision"]["message"] == (
        "Harbour Court, 2026-09: 2 complaint(s) (0 major, 2 general); 1 fixed on time, "
        "1 overdue, 0 open; 0 revisited with the customer's signature"
    )


async def test_PM_5_revisit_signed_by_the_customer_within_a_week_last_minute(
    project: Project,
) -> None:
    p = project
    first = await _major(p, at(10, 9, 16))
    second = await _major(p, at(10, 9, 16, 5))
    for filed in (first, second):
        await p.resolve(at(10, 10, 23, 59), filed["complaint"]["id"])
    moved = (await p.data(at(10, 11), COMPLAINT, id=first["complaint"]["id"]))["node"]
    # 1 week after the fix: 24:00 of the 7th calendar day, 10-17.
    assert datetime.fromisoformat(moved["revisitDue"]) == at(10, 18, 0, 0)
    revisit = {"complaintId": first["complaint"]["id"], "actingStaffId": p.desk}
    unsigned = await p.refused(
        at(10, 17, 23, 59), REVISIT, input={**revisit, "satisfaction": "SATISFIED"}
    )
    assert (unsigned.code, unsigned.rule) == ("SIGNATURE_REQUIRED", "PM-5")
    assert unsigned.message == "[PM-5] the revisit record must be signed by the customer"
    # Not revisited without the signed record (the line refuses core's transition).
    early = await p.at(at(10, 17, 23, 59)).user_error(
        MOVE,
        {
            "input": {
                "complaintId": first["complaint"]["id"],
                "to": "REVISITED",
                "actingStaffId": p.desk,
            }
        },
    )
    assert (early.code, early.rule) == ("TRANSITION_REFUSED", "PM-5")
    assert "signed by the customer" in early.message
    signed = await p.data(
        at(10, 17, 23, 59),
        REVISIT,
        input={**revisit, "signedBy": "Ma Jun", "satisfaction": "SATISFIED"},
    )
    record = signed["recordComplaintRevisit"]["revisit"]
    assert (record["signedBy"], record["satisfaction"], record["inTime"]) == (
        "Ma Jun",
        "SATISFIED",
        True,
    )
    assert record["decision"] == {
        "rule": "PM-5",
        "message": "revisited in time (by 2026-10-18T00:00:00+08:00)",
    }
    await p.move(at(10, 18), first["complaint"]["id"], "REVISITED")
    late = await p.data(
        at(10, 18, 0, 1),
        REVISIT,
        input={
            "complaintId": second["complaint"]["id"],
            "actingStaffId": p.desk,
            "signedBy": "Ma Jun",
            "satisfaction": "NEUTRAL",
        },
    )
    assert late["recordComplaintRevisit"]["revisit"]["inTime"] is False
    assert late["recordComplaintRevisit"]["revisit"]["decision"]["message"] == (
        "revisit overdue (was due by 2026-10-18T00:00:00+08:00)"
    )


async def test_PM_6_five_clears_and_one_report_before_closing(project: Project) -> None:
    p = project
    major = await _major(p, at(12, 1, 9))
    general = await p.file(at(12, 1, 9))
    cid = major["complaint"]["id"]
    # The reply gives the next reply time; the record is confirmed by the customer.
    bad_reply = await p.refused(
        at(12, 1, 10), STEP, input={"complaintId": cid, "step": "REPLY", "actingStaffId": p.desk}
    )
    assert (bad_reply.code, bad_reply.rule) == ("INVALID_HANDLING_STEP", "PM-6")
    assert bad_reply.message == "[PM-6] a reply gives the customer the next reply time"
    bad_record = await p.refused(
        at(12, 1, 10), STEP, input={"complaintId": cid, "step": "RECORD", "actingStaffId": p.desk}
    )
    assert bad_record.message == "[PM-6] the record is confirmed by the customer"
    for step in ("LISTEN", "ASK", "FOLLOW"):
        await p.step(at(12, 1, 10), cid, step)
    await p.step(at(12, 1, 10), cid, "REPLY", nextReplyAt=at(12, 1, 16).isoformat())
    again = await p.refused(
        at(12, 1, 10), STEP, input={"complaintId": cid, "step": "LISTEN", "actingStaffId": p.desk}
    )
    assert (again.code, again.rule) == ("STEP_RECORDED", "PM-6")
    handling = (await p.step(at(12, 1, 11), cid, "RECORD", customerConfirmed=True))["handling"]
    assert handling["missingSteps"] == ["REPORT"]
    assert handling["closeDecision"] == {
        "rule": "PM-6",
        "message": "five clears and one report: missing report",
    }
    await p.resolve(at(12, 1, 12), cid)
    await p.data(
        at(12, 1, 13),
        REVISIT,
        input={
            "complaintId": cid,
            "actingStaffId": p.desk,
            "signedBy": "Ma Jun",
            "satisfaction": "VERY_SATISFIED",
        },
    )
    await p.move(at(12, 1, 13), cid, "REVISITED")
    closing = {"complaintId": cid, "to": "CLOSED", "actingStaffId": p.desk, "reason": "done"}
    refused = await p.at(at(12, 1, 14)).user_error(MOVE, {"input": closing})
    assert (refused.code, refused.rule, refused.field) == (
        "TRANSITION_REFUSED",
        "PM-6",
        ["input", "to"],
    )
    assert refused.message == (
        f"complaint {major['complaint']['number']} cannot move from revisited to closed: "
        "five clears and one report: missing report"
    )
    still = (await p.data(at(12, 1, 14), HANDLING, id=cid))["node"]
    assert still["status"] == "REVISITED"
    await p.step(at(12, 1, 14), cid, "REPORT")
    closed = (await p.data(at(12, 1, 15), MOVE, input=closing))["transitionComplaint"]
    assert closed["complaint"]["status"] == "CLOSED"
    # "report" is required to close a major complaint only.
    gid_ = general["complaint"]["id"]
    general_steps = (await p.data(at(12, 1, 15), HANDLING, id=gid_))["node"]["property"]
    assert general_steps["missingSteps"] == ["LISTEN", "ASK", "FOLLOW", "REPLY", "RECORD"]


async def test_PM_2_written_reply_drafted_approved_by_the_supervisor_then_sent(
    project: Project,
) -> None:
    p = project
    filed = await p.file(at(12, 1, 9), channel="WRITTEN")
    cid = filed["complaint"]["id"]

    def reply(step: str, by: str) -> dict[str, Any]:
        return {"input": {"complaintId": cid, "step": step, "actingStaffId": by}}

    early = await p.at(at(12, 1, 10)).user_error(REPLY, reply("SENT", p.desk))
    assert (early.code, early.rule) == ("REPLY_OUT_OF_ORDER", "PM-2")
    assert early.message == "[PM-2] the reply must be drafted before it is sent"
    await p.at(at(12, 1, 10)).data(REPLY, reply("DRAFTED", p.desk))
    clerk = await p.at(at(12, 1, 11)).user_error(REPLY, reply("APPROVED", p.desk))
    assert (clerk.code, clerk.rule) == ("NOT_A_SUPERVISOR", "PM-2")
    assert clerk.message == "[PM-2] only the supervisor approves a written reply"
    await p.at(at(12, 1, 11)).data(REPLY, reply("APPROVED", p.supervisor))
    sent = await p.at(at(12, 1, 12)).data(REPLY, reply("SENT", p.desk))
    steps = sent["recordComplaintReplyStep"]["handling"]["steps"]
    assert [(s["step"], s["staff"]["name"]) for s in steps] == [
        ("reply_drafted", "Desk Li"),
        ("reply_approved", "Supervisor Zhao"),
        ("reply_sent", "Desk Li"),
    ]
    assert [datetime.fromisoformat(s["at"]) for s in steps] == [
        at(12, 1, 10),
        at(12, 1, 11),
        at(12, 1, 12),
    ]
    # A complaint not made in writing has no supervisor's approval step.
    oral = await p.file(at(12, 1, 9))
    not_written = await p.at(at(12, 1, 10)).user_error(
        REPLY,
        {
            "input": {
                "complaintId": oral["complaint"]["id"],
                "step": "DRAFTED",
                "actingStaffId": p.desk,
            }
        },
    )
    assert (not_written.code, not_written.rule) == ("NOT_WRITTEN", "PM-2")


# --- PM-8 repairs --------------------------------------------------------------------------------


async def test_PM_8_ten_minutes_late_is_on_time_eleven_is_late(project: Project) -> None:
    p = project
    ten = await p.repair(at(12, 1, 9))
    eleven = await p.repair(at(12, 1, 14))
    arrived = await p.data(at(12, 1, 9, 10), ARRIVE, input={"repairId": ten})
    repair = arrived["recordRepairArrival"]["repair"]
    assert (repair["onTime"], repair["status"]) == (True, "ARRIVED")
    assert repair["decision"] == {
        "rule": "PM-8",
        "message": "on time: 10 minute(s) after the agreed time",
    }
    late = await p.data(at(12, 1, 14, 11), ARRIVE, input={"repairId": eleven})
    assert late["recordRepairArrival"]["repair"]["onTime"] is False
    assert late["recordRepairArrival"]["repair"]["decision"] == {
        "rule": "PM-8",
        "message": "late: 11 minutes after the agreed time (more than 10)",
    }
    # A time the customer agreed to replaces the original.
    moved = await p.repair(at(12, 2, 9))
    agreed = await p.data(
        at(12, 2, 10, 5),
        ARRIVE,
        input={"repairId": moved, "rescheduledTo": at(12, 2, 10).isoformat()},
    )
    assert agreed["recordRepairArrival"]["repair"]["decision"]["message"] == (
        "on time: 5 minute(s) after the time the customer agreed to"
    )
    twice = await p.refused(at(12, 2, 10, 6), ARRIVE, input={"repairId": moved})
    assert twice.code == "ALREADY_ARRIVED"


async def test_PM_8_a_repair_is_dispatched_again_only_before_the_technician_arrives(
    project: Project,
) -> None:
    p = project
    other = await add_staff(p.at(at(11, 30, 9)), p.site, "Tech Qian", role="technician")
    repair = await p.repair(at(12, 1, 9))
    moved = await p.data(at(12, 1, 8), DISPATCH, input={"repairId": repair, "technicianId": other})
    assert moved["dispatchPropertyRepair"]["repair"]["technician"] == {"name": "Tech Qian"}
    assert moved["dispatchPropertyRepair"]["repair"]["status"] == "SCHEDULED"
    await p.data(at(12, 1, 9, 5), ARRIVE, input={"repairId": repair})
    again = await p.refused(
        at(12, 1, 9, 6), DISPATCH, input={"repairId": repair, "technicianId": p.tech}
    )
    assert (again.code, again.field) == ("ALREADY_ARRIVED", ["input", "repairId"])
    assert again.message == "the technician has arrived; the order is not dispatched again"


async def test_PM_8_fee_before_work_signature_spot_check_and_monthly_rates(
    project: Project,
) -> None:
    p = project
    first = await p.repair(at(12, 1, 9))
    second = await p.repair(at(12, 1, 14))
    await p.data(at(12, 1, 9, 5), ARRIVE, input={"repairId": first})
    await p.data(at(12, 1, 14, 30), ARRIVE, input={"repairId": second})
    unquoted = await p.refused(
        at(12, 1, 9, 10),
        START,
        input={"repairId": first, "feeQuoted": "50.00", "feeAccepted": False},
    )
    assert (unquoted.code, unquoted.rule) == ("WORK_NOT_AGREED", "PM-8")
    assert unquoted.message == "[PM-8] the customer has not accepted the fee"
    furniture = await p.refused(
        at(12, 1, 9, 10),
        START,
        input={
            "repairId": first,
            "feeQuoted": "50.00",
            "feeAccepted": True,
            "movesFurniture": True,
        },
    )
    assert furniture.message == "[PM-8] moving furniture needs the customer's consent"
    started = await p.data(
        at(12, 1, 9, 10), START, input={"repairId": first, "feeQuoted": "50", "feeAccepted": True}
    )
    assert started["startPropertyRepair"]["repair"]["feeQuoted"] == "50.00"
    unsigned = await p.refused(at(12, 1, 10), COMPLETE, input={"repairId": first})
    assert (unsigned.code, unsigned.rule) == ("SIGNATURE_REQUIRED", "PM-8")
    done = await p.data(
        at(12, 1, 10),
        COMPLETE,
        input={
            "repairId": first,
            "signedBy": "Chen Mei",
            "feeLines": [{"item": "washer", "amount": "50.00"}],
        },
    )
    assert done["completePropertyRepair"]["repair"]["feeLines"] == [
        {"item": "washer", "amount": "50.00"}
    ]
    await p.data(at(12, 2, 10), SPOT, input={"repairId": first, "passed": True})
    not_done = await p.refused(at(12, 2, 10), SPOT, input={"repairId": second, "passed": False})
    assert not_done.code == "NOT_COMPLETED"
    month = (await p.data(at(12, 31), TECH_MONTH, staff=p.tech))["propertyTechnicianMonth"]
    assert month["month"] == "2026-12-01" and month["technician"]["name"] == "Tech Zhou"
    assert month["rates"] == {
        "arrivals": 2,
        "onTime": 1,
        "onTimeRate": "0.5000",
        "spottedChecked": 1,
        "passed": 1,
        "passRate": "1.0000",
    }
    assert [r["onTime"] for r in month["repairs"]] == [True, False]
    project_month = (await p.data(at(12, 31), PROJECT_MONTH, site=p.site))["propertyProjectMonth"]
    assert project_month["repairs"]["onTimeRate"] == "0.5000"
    assert [(t["technician"]["name"], t["onTime"]) for t in project_month["technicians"]] == [
        ("Tech Zhou", 1)
    ]


# --- PM-9 points through core's ledger -----------------------------------------------------------

ISSUE_POINTS = """
mutation($input: IssuePointsInput!) { issuePoints(input: $input) {
  entry { item rule } userErrors { field message code rule } } }"""
MONTH_POINTS = """
query($staff: ID!) { monthPoints(staffId: $staff, month: "2026-12-01") {
  allowance balance level entries { item rule } } }"""


async def test_PM_9_attitude_complaints_stepped_warning_at_5_through_core_points(
    project: Project,
) -> None:
    p = project
    balances = []
    for n in range(3):
        await p.data(
            at(12, 1 + n, 18),
            ISSUE_POINTS,
            input={
                "staffId": p.desk,
                "item": "attitude",
                "businessDate": f"2026-12-0{1 + n}",
                "actingStaffId": p.supervisor,
            },
        )
        points = (await p.data(at(12, 5), MONTH_POINTS, staff=p.desk))["monthPoints"]
        balances.append((points["balance"], points["level"]))
    # 1, 2, then 5 in total at the 3rd (stepped, not added): a verbal warning at 5.
    assert balances == [("9", None), ("8", None), ("5", "warning")]
    async with p.app.db.session() as s:
        from sqlalchemy import select

        from core.models import Event

        crossed = (
            await s.scalars(select(Event).where(Event.type == "points.threshold_crossed"))
        ).all()
    assert [(e.payload["level"], e.payload["rule"]) for e in crossed] == [("warning", "PM-9")]


# --- PM-5 satisfaction-survey follow-up -----------------------------------------------------------

SURVEY_FIELDS = """id customerName department collectedAt opinionsDue deliveredAt measuresDue
  measures rectifiedAt revisitDue revisitedAt signedBy satisfaction lateSteps
  decisions { rule message } nextStep nextDue minutesLeft overdue clock { rule message }
  recordedBy { name } resident { name }"""
OPINION = f"""
mutation($input: RecordSurveyOpinionInput!) {{ recordSurveyOpinion(input: $input) {{
  surveyOpinion {{ {SURVEY_FIELDS} }} userErrors {{ field message code rule }} }} }}"""
FOLLOW_UP = f"""
mutation($input: RecordSurveyFollowUpInput!) {{ recordSurveyFollowUp(input: $input) {{
  surveyOpinion {{ {SURVEY_FIELDS} }} userErrors {{ field message code rule }} }} }}"""
SURVEY_REVISIT = f"""
mutation($input: RecordSurveyRevisitInput!) {{ recordSurveyRevisit(input: $input) {{
  surveyOpinion {{ {SURVEY_FIELDS} }} userErrors {{ field message code rule }} }} }}"""
DESK_FOLLOW_UPS = """
query($site: ID!) { propertyFrontDesk(siteId: $site) {
  surveyFollowUps { id nextStep minutesLeft overdue clock { rule message } }
  paidServicesPending { id decision { rule message } } } }"""
SURVEY_MONTH = """
query($site: ID!) { propertyProjectMonth(siteId: $site, month: "2026-12-01") {
  surveyOpinions surveyLate paidServices paidServicesPending } }"""
SURVEYS = """
query($site: ID!, $open: Boolean) { propertySurveyOpinions(siteId: $site, open: $open) {
  nodes { id nextStep overdue } } }"""


async def test_PM_5_survey_follow_up_deadlines_at_the_exact_minute_overdue_on_the_desk(
    project: Project,
) -> None:
    """Seed 002 篇2 三.2: collated on Tue 12-01, to the department by 24:00 on 12-03; the
    written measures 3 days after the department received them; the signed revisit within 2
    weeks of the rectification.  The front desk shows the running clock and flags it overdue
    one minute after the deadline; a late step is recorded as late, not refused."""
    p = project
    made = await p.data(
        at(12, 1, 10),
        OPINION,
        input={
            "siteId": p.site,
            "customerName": "Chen Mei",
            "residentId": p.resident,
            "opinion": "the lobby is cleaned too late in the morning",
            "department": "cleaning",
            "actingStaffId": p.desk,
        },
    )
    opinion = made["recordSurveyOpinion"]["surveyOpinion"]
    oid = opinion["id"]
    assert datetime.fromisoformat(opinion["opinionsDue"]) == at(12, 4, 0, 0)
    assert (opinion["nextStep"], opinion["overdue"], opinion["resident"]["name"]) == (
        "delivered",
        False,
        "Chen Mei",
    )
    assert opinion["decisions"] == [
        {
            "rule": "PM-5",
            "message": "survey opinion for cleaning: to the responsible department by "
            "2026-12-04 00:00",
        }
    ]
    # 23:59 on the 3rd: one minute left; 00:01 on the 4th: overdue on today's front desk.
    desk = (await p.data(at(12, 3, 23, 59), DESK_FOLLOW_UPS, site=p.site))["propertyFrontDesk"]
    assert [(o["id"], o["minutesLeft"], o["overdue"]) for o in desk["surveyFollowUps"]] == [
        (oid, 1, False)
    ]
    desk = (await p.data(at(12, 4, 0, 1), DESK_FOLLOW_UPS, site=p.site))["propertyFrontDesk"]
    [late_clock] = desk["surveyFollowUps"]
    assert (late_clock["minutesLeft"], late_clock["overdue"]) == (-1, True)
    assert late_clock["clock"] == {
        "rule": "PM-5",
        "message": "next: deliver it to the responsible department, due by "
        "2026-12-04 00:00 (overdue by 1 minute(s))",
    }
    # Out of order, in the future: refused with nothing written.
    step = {"opinionId": oid, "actingStaffId": p.desk}
    early = await p.refused(
        at(12, 4, 0, 1),
        SURVEY_REVISIT,
        input={**step, "signedBy": "Chen Mei", "satisfaction": "SATISFIED"},
    )
    assert (early.code, early.rule) == ("SURVEY_OUT_OF_ORDER", "PM-5")
    assert early.message == (
        "[PM-5] the survey opinion must be delivered to the responsible department before it "
        "is revisited with the customer"
    )
    future = await p.refused(
        at(12, 4, 0, 1),
        FOLLOW_UP,
        input={**step, "step": "DELIVERED", "at": at(12, 4, 0, 2).isoformat()},
    )
    assert (future.code, future.field) == ("FOLLOW_UP_IN_FUTURE", ["input", "at"])
    delivered = await p.data(at(12, 4, 0, 1), FOLLOW_UP, input={**step, "step": "DELIVERED"})
    opinion = delivered["recordSurveyFollowUp"]["surveyOpinion"]
    assert opinion["lateSteps"] == ["delivered"]
    assert opinion["decisions"][-1] == {
        "rule": "PM-5",
        "message": "survey opinion delivered to the responsible department late "
        "(was due by 2026-12-04T00:00:00+08:00)",
    }
    # The measures are due 3 days after the department received the opinion (12-04).
    assert datetime.fromisoformat(opinion["measuresDue"]) == at(12, 8, 0, 0)
    blank = await p.refused(at(12, 7, 23, 59), FOLLOW_UP, input={**step, "step": "MEASURES"})
    assert (blank.code, blank.field) == ("MISSING_FIELD", ["input", "measures"])
    measures = await p.data(
        at(12, 7, 23, 59),
        FOLLOW_UP,
        input={**step, "step": "MEASURES", "measures": "clean the lobby before 07:30"},
    )
    opinion = measures["recordSurveyFollowUp"]["surveyOpinion"]
    assert opinion["decisions"][-1]["message"] == (
        "survey opinion answered with the department's written measures in time "
        "(by 2026-12-08T00:00:00+08:00)"
    )
    assert (opinion["nextStep"], opinion["nextDue"], opinion["overdue"]) == (
        "rectified",
        None,
        False,
    )
    rectified = await p.data(at(12, 10, 15), FOLLOW_UP, input={**step, "step": "RECTIFIED"})
    opinion = rectified["recordSurveyFollowUp"]["surveyOpinion"]
    # The revisit within 2 weeks of the rectification: 24:00 of 12-24.
    assert datetime.fromisoformat(opinion["revisitDue"]) == at(12, 25, 0, 0)
    revisit = {**step, "satisfaction": "SATISFIED"}
    unsigned = await p.refused(at(12, 24, 23, 59), SURVEY_REVISIT, input=revisit)
    assert (unsigned.code, unsigned.rule) == ("SIGNATURE_REQUIRED", "PM-5")
    signed = await p.data(
        at(12, 24, 23, 59), SURVEY_REVISIT, input={**revisit, "signedBy": "Chen Mei"}
    )
    opinion = signed["recordSurveyRevisit"]["surveyOpinion"]
    assert (opinion["signedBy"], opinion["satisfaction"], opinion["lateSteps"]) == (
        "Chen Mei",
        "SATISFIED",
        ["delivered"],
    )
    assert opinion["decisions"][-1]["message"] == (
        "survey opinion revisited with the customer in time (by 2026-12-25T00:00:00+08:00)"
    )
    assert opinion["nextStep"] is None and opinion["clock"]["message"] == (
        "survey follow-up complete"
    )
    desk = (await p.data(at(12, 25), DESK_FOLLOW_UPS, site=p.site))["propertyFrontDesk"]
    assert desk["surveyFollowUps"] == []
    month = (await p.data(at(12, 31), SURVEY_MONTH, site=p.site))["propertyProjectMonth"]
    assert month == {
        "surveyOpinions": 1,
        "surveyLate": 1,
        "paidServices": 0,
        "paidServicesPending": 0,
    }
    listed = await p.data(at(12, 25), SURVEYS, site=p.site, open=False)
    assert [n["id"] for n in listed["propertySurveyOpinions"]["nodes"]] == [oid]
    assert (await p.data(at(12, 25), SURVEYS, site=p.site, open=True))["propertySurveyOpinions"][
        "nodes"
    ] == []


# --- PM-5 paid special services -------------------------------------------------------------------

PAID_FIELDS = """id description fee performedAt noticeDeliveredAt noticeReceivedBy revisitedAt
  satisfaction revisitNote done decision { rule message } performedBy { name }
  noticeDeliveredBy { name } revisitedBy { name } unit { number } resident { name }"""
PAID = f"""
mutation($input: RecordPaidServiceInput!) {{ recordPaidService(input: $input) {{
  paidService {{ {PAID_FIELDS} }} userErrors {{ field message code rule }} }} }}"""
NOTICE = f"""
mutation($input: DeliverPaymentNoticeInput!) {{ deliverPaymentNotice(input: $input) {{
  paidService {{ {PAID_FIELDS} }} userErrors {{ field message code rule }} }} }}"""
PHONE_REVISIT = f"""
mutation($input: RecordPaidServiceRevisitInput!) {{ recordPaidServiceRevisit(input: $input) {{
  paidService {{ {PAID_FIELDS} }} userErrors {{ field message code rule }} }} }}"""
PAID_LIST = """
query($site: ID!, $pending: Boolean) { propertyPaidServices(siteId: $site, pending: $pending) {
  nodes { id done } } }"""


async def test_PM_5_paid_special_service_gets_a_payment_notice_and_a_phone_revisit(
    project: Project,
) -> None:
    """Seed 002 篇2 三.3: after a special service the customer receives a payment notice
    (缴费通知单) and is revisited by phone about their satisfaction."""
    p = project
    service = {
        "unitId": p.unit,
        "residentId": p.resident,
        "description": "deep-clean the carpets",
        "actingStaffId": p.tech,
        "performedAt": at(12, 1, 14).isoformat(),
    }
    free = await p.refused(at(12, 1, 15), PAID, input={**service, "fee": "0"})
    assert (free.code, free.rule, free.field) == ("INVALID_FEE", "PM-5", ["input", "fee"])
    assert free.message == "[PM-5] a paid special service has a fee above 0 for its payment notice"
    made = (await p.data(at(12, 1, 15), PAID, input={**service, "fee": "80"}))["recordPaidService"][
        "paidService"
    ]
    assert (made["fee"], made["done"], made["performedBy"]["name"]) == ("80.00", False, "Tech Zhou")
    assert made["decision"] == {
        "rule": "PM-5",
        "message": "paid special service: missing the payment notice and the phone revisit",
    }
    desk = (await p.data(at(12, 1, 16), DESK_FOLLOW_UPS, site=p.site))["propertyFrontDesk"]
    assert [s["id"] for s in desk["paidServicesPending"]] == [made["id"]]
    month = (await p.data(at(12, 1, 16), SURVEY_MONTH, site=p.site))["propertyProjectMonth"]
    assert (month["paidServices"], month["paidServicesPending"]) == (1, 1)
    before = await p.refused(
        at(12, 1, 16),
        NOTICE,
        input={
            "serviceId": made["id"],
            "actingStaffId": p.desk,
            "deliveredAt": at(12, 1, 13).isoformat(),
        },
    )
    assert (before.code, before.rule) == ("FOLLOW_UP_BEFORE_PREVIOUS", "PM-5")
    notice = {"serviceId": made["id"], "actingStaffId": p.desk, "receivedBy": "Chen Mei"}
    delivered = (await p.data(at(12, 1, 16), NOTICE, input=notice))["deliverPaymentNotice"][
        "paidService"
    ]
    assert (delivered["noticeReceivedBy"], delivered["noticeDeliveredBy"]["name"]) == (
        "Chen Mei",
        "Desk Li",
    )
    assert delivered["decision"]["message"] == "paid special service: missing the phone revisit"
    twice = await p.refused(at(12, 1, 17), NOTICE, input=notice)
    assert (twice.code, twice.rule) == ("NOTICE_DELIVERED", "PM-5")
    called = (
        await p.data(
            at(12, 2, 10),
            PHONE_REVISIT,
            input={
                "serviceId": made["id"],
                "actingStaffId": p.desk,
                "satisfaction": "VERY_SATISFIED",
                "note": "carpets look new",
            },
        )
    )["recordPaidServiceRevisit"]["paidService"]
    assert (called["done"], called["satisfaction"], called["revisitedBy"]["name"]) == (
        True,
        "VERY_SATISFIED",
        "Desk Li",
    )
    assert called["decision"] == {
        "rule": "PM-5",
        "message": "payment notice delivered and customer revisited by phone",
    }
    again = await p.refused(
        at(12, 2, 11),
        PHONE_REVISIT,
        input={"serviceId": made["id"], "actingStaffId": p.desk, "satisfaction": "SATISFIED"},
    )
    assert again.code == "ALREADY_REVISITED"
    desk = (await p.data(at(12, 2, 11), DESK_FOLLOW_UPS, site=p.site))["propertyFrontDesk"]
    assert desk["paidServicesPending"] == []
    done = await p.data(at(12, 2, 11), PAID_LIST, site=p.site, pending=False)
    assert done["propertyPaidServices"]["nodes"] == [{"id": made["id"], "done": True}]
    node = await p.data(
        at(12, 2, 11),
        "query($id: ID!) { node(id: $id) { ... on PropertyPaidService { fee } } }",
        id=made["id"],
    )
    assert node["node"] == {"fee": "80.00"}


# --- PM-2 / PM-4 incident reports -----------------------------------------------------------------

INCIDENT = """
mutation($input: ReportComplaintIncidentInput!) { reportComplaintIncident(input: $input) {
  incidentReport { id kind reportedAt reportedTo summary writtenComplaintAttached complaintId
    reportedBy { name } reportedToStaff { name } decision { rule message } }
  userErrors { field message code rule } } }"""
REPORTS = """
query($id: ID!) { node(id: $id) { ... on Complaint { property {
  steps { step note staff { name } } missingSteps
  incidentReports { kind reportedTo reportedBy { name } } } } } }"""


async def test_PM_4_a_phone_report_of_a_serious_accident_notifies_at_once(
    project: Project,
) -> None:
    """Seed 000 篇五 (phone): 如屬嚴重事故，應馬上通知主管 — a caller reporting people trapped in a
    lift (a PM-4 emergency, here as a flag) is reported at once, in the filing's answer and
    as an event on the notifications stream."""
    p = project
    filed = await p.file(
        at(12, 1, 21, 5),
        channel="PHONE",
        category="lift",
        flags=["lift_entrapment"],
        callerCompany="A-1201",
        callerName="Chen Mei",
        customerName=None,
        description="two people trapped in lift 2",
    )
    assert filed["complaint"]["severity"] == "MAJOR"
    assert filed["notifications"] == [
        {
            "kind": "complaint.report_immediately",
            "rule": "PM-4",
            "message": f"report complaint {filed['complaint']['number']} at once: "
            "lift entrapment is a major complaint",
        }
    ]
    async with p.app.db.session() as s:
        from sqlalchemy import select

        from core.models import Event

        [event] = (await s.scalars(select(Event).where(Event.stream == "notifications"))).all()
    assert (event.type, event.occurred_at) == ("complaint.report_immediately", at(12, 1, 21, 5))


async def test_PM_2_PM_4_a_serious_complaint_is_reported_upward_with_an_incident_report(
    project: Project,
) -> None:
    p = project
    admin = p.at(at(11, 30, 9))
    manager = await add_staff(admin, p.site, "Manager Qian", role="department_manager")
    async with p.app.write() as s:
        from core.webhooks import WebhookEndpoint

        s.add(
            WebhookEndpoint(
                url="https://hooks.example.com/incidents",
                secret="whsec_" + "y" * 32,
                event_types=["property.incident_reported"],
                active=True,
                created_at=at(11, 30),
                updated_at=at(11, 30),
            )
        )
    major = await _major(p, at(12, 1, 9))
    general = await p.file(at(12, 1, 9))
    report = {
        "kind": "SERIOUS",
        "reportedTo": "centre leadership",
        "summary": "water in the lobby from a burst riser; valve closed at 09:20",
        "actingStaffId": p.supervisor,
    }
    not_serious = await p.refused(
        at(12, 1, 10), INCIDENT, input={**report, "complaintId": general["complaint"]["id"]}
    )
    assert (not_serious.code, not_serious.rule, not_serious.field) == (
        "INCIDENT_NOT_REPORTABLE",
        "PM-4",
        ["input", "kind"],
    )
    blank = await p.refused(
        at(12, 1, 10),
        INCIDENT,
        input={**report, "complaintId": major["complaint"]["id"], "reportedTo": " "},
    )
    assert (blank.code, blank.field) == ("MISSING_FIELD", ["input", "reportedTo"])
    too_early = await p.refused(
        at(12, 1, 10),
        INCIDENT,
        input={
            **report,
            "complaintId": major["complaint"]["id"],
            "reportedAt": at(12, 1, 8, 59).isoformat(),
        },
    )
    assert (too_early.code, too_early.field) == (
        "FOLLOW_UP_BEFORE_PREVIOUS",
        ["input", "reportedAt"],
    )
    made = await p.data(
        at(12, 1, 10),
        INCIDENT,
        input={**report, "complaintId": major["complaint"]["id"], "reportedToStaffId": manager},
    )
    incident = made["reportComplaintIncident"]["incidentReport"]
    number = major["complaint"]["number"]
    assert (incident["kind"], incident["reportedBy"]["name"], incident["reportedToStaff"]) == (
        "SERIOUS",
        "Supervisor Zhao",
        {"name": "Manager Qian"},
    )
    assert datetime.fromisoformat(incident["reportedAt"]) == at(12, 1, 10)
    assert incident["decision"] == {
        "rule": "PM-4",
        "message": f"Supervisor Zhao reported complaint {number} (serious) upward to centre "
        "leadership (Manager Qian) with an incident report",
    }
    # The report is the complaint's PM-6 "report" step.
    handling = (await p.data(at(12, 1, 10), REPORTS, id=major["complaint"]["id"]))["node"][
        "property"
    ]
    assert [(s["step"], s["staff"]["name"]) for s in handling["steps"]] == [
        ("report", "Supervisor Zhao")
    ]
    assert "REPORT" not in handling["missingSteps"]
    assert handling["incidentReports"] == [
        {
            "kind": "SERIOUS",
            "reportedTo": "centre leadership",
            "reportedBy": {"name": "Supervisor Zhao"},
        }
    ]
    # The event on the complaint stream, delivered to the webhook that subscribed to it.
    async with p.app.db.session() as s:
        from sqlalchemy import select

        from core.models import Event
        from core.webhooks import WebhookDelivery

        [event] = (
            await s.scalars(select(Event).where(Event.type == "property.incident_reported"))
        ).all()
        deliveries = (await s.scalars(select(WebhookDelivery))).all()
    assert event.stream == "complaints"
    assert (event.payload["rule"], event.payload["reportedTo"], event.payload["kind"]) == (
        "PM-4",
        "centre leadership",
        "serious",
    )
    assert [d.event_type for d in deliveries] == ["property.incident_reported"]
    # PM-2: a written complaint the desk cannot handle goes up with the written complaint.
    written = await p.file(at(12, 1, 9), channel="WRITTEN")
    unresolved = {
        **report,
        "kind": "UNRESOLVED",
        "complaintId": written["complaint"]["id"],
        "summary": "the owner disputes the service charge; beyond the desk's authority",
    }
    alone = await p.refused(at(12, 1, 11), INCIDENT, input=unresolved)
    assert (alone.code, alone.rule, alone.field) == (
        "INCIDENT_NOT_REPORTABLE",
        "PM-2",
        ["input", "writtenComplaintAttached"],
    )
    attached = await p.data(
        at(12, 1, 11), INCIDENT, input={**unresolved, "writtenComplaintAttached": True}
    )
    assert attached["reportComplaintIncident"]["incidentReport"]["decision"]["message"].endswith(
        "with an incident report and the customer's written complaint"
    )
    # A resolved general complaint has nothing unresolved to report.
    await p.resolve(at(12, 1, 12), general["complaint"]["id"])
    resolved = await p.refused(
        at(12, 1, 13),
        INCIDENT,
        input={**report, "kind": "UNRESOLVED", "complaintId": general["complaint"]["id"]},
    )
    assert (resolved.code, resolved.rule) == ("INCIDENT_NOT_REPORTABLE", "PM-2")
    assert resolved.message == "[PM-2] the complaint is resolved: nothing unresolved to report"


async def test_PM_4_an_incident_report_is_delivered_to_subscribers(project: Project) -> None:
    from test_subscriptions import UPDATES, GqlWs, listening, make_token, serve

    p = project
    major = await _major(p, at(12, 1, 9, 30))
    token = await make_token(p.app, "integrator")
    async with serve(p.app) as url, GqlWs.connect(url, token) as ws:
        await ws.subscribe(UPDATES, {"site": p.site})
        await listening(p.app)
        await p.data(
            at(12, 1, 10),
            INCIDENT,
            input={
                "complaintId": major["complaint"]["id"],
                "kind": "SERIOUS",
                "reportedTo": "centre leadership",
                "summary": "water in the lobby",
                "actingStaffId": p.supervisor,
            },
        )
        [event] = await ws.events(1)
    assert event["type"] == "property.incident_reported"
    assert event["complaintId"] == major["complaint"]["id"]
    assert (event["payload"]["rule"], event["payload"]["reportedTo"]) == (
        "PM-4",
        "centre leadership",
    )


async def test_PM_9_the_fifth_attitude_complaint_reaches_the_penalty_at_2_as_an_event(
    project: Project,
) -> None:
    """PM-9: attitude complaints total 1, 2, 5, 5, 10: the 3rd crosses the verbal warning (5
    or below), the 5th the penalty (2 or below) — each once, as events; the score stays 0."""
    p = project
    balances = []
    for n in range(5):
        await p.data(
            at(12, 1 + n, 18),
            ISSUE_POINTS,
            input={
                "staffId": p.desk,
                "item": "attitude",
                "businessDate": f"2026-12-0{1 + n}",
                "actingStaffId": p.supervisor,
            },
        )
        points = (await p.data(at(12, 6), MONTH_POINTS, staff=p.desk))["monthPoints"]
        balances.append((points["balance"], points["level"]))
    assert balances == [
        ("9", None),
        ("8", None),
        ("5", "warning"),
        ("5", "warning"),
        ("0", "penalty"),
    ]
    async with p.app.db.session() as s:
        from sqlalchemy import select

        from core.models import Event

        crossed = (
            await s.scalars(
                select(Event).where(Event.type == "points.threshold_crossed").order_by(Event.id)
            )
        ).all()
    assert [(e.payload["level"], e.payload["rule"]) for e in crossed] == [
        ("warning", "PM-9"),
        ("penalty", "PM-9"),
    ]
