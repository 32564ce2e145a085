"""The property line end to end through GraphQL (PM-1 … PM-9): every test names its rule and
checks the decision and its sentence; the boundaries are tested at the exact minute.  The clock
is the client's ``now`` (Asia/Shanghai, the site's zone)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from conftest import SHANGHAI, Client, start_frontdesk
from helpers import add_staff, make_site

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

    clerk = Client(p.app, now=moment, actor=Actor(role=Role.STAFF, name="desk token"))
    data = await clerk.data(VISITOR, {"input": _visitor(p, p.desk)})
    assert data["registerPropertyVisitor"]["visitor"]["resident"]["phone"] == "138****8000"
