"""Issue 11 end to end through GraphQL: C-1, C-8, C-11, C-13 and C-14 as revised 2026-12-01
(DOMAIN.md), each test asserting the decision and its rule id, sentence or error code.

Ids are taken from responses; the operations are the module-level constants below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import FIXED_NOW, Client
from helpers import add_staff, legacy, make_site, register

from core.auth import Actor, Role
from core.runtime import Frontdesk

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)

HOSTING_POLICY = (
    "{ hostingPolicy { customerClass budgetPerPerson receivedBy decision { rule message } } }"
)
CUSTOMER = """query($s: ID!) { customers(siteId: $s) { nodes { id name phone customerClass
  hostingBudget receivedBy } } }"""
REGISTER_B = """mutation($s: ID!) { registerCustomer(input: {siteId: $s, name: "Mr Kim",
  phone: "13800138002", customerClass: B}) { customer { id hostingBudget receivedBy } userErrors
    { field message code } } }"""

COMPLAINT = """id number status resolutionDue specialCaseDue resolutionBasis customerRequestedBy
  specialCaseReason specialCaseAt lastProgressAt progressUpdateDue
  targets { progressIntervalMinutes }
  complaintHistory { action note decision { rule message } }"""
FILE = """mutation($i: FileComplaintInput!) { fileComplaint(input: $i) {
  complaint { %s } decision { rule message } userErrors { field message code } }
    }""".replace("%s", COMPLAINT)
MOVE = """mutation($id: ID!, $to: ComplaintStatus!) { transitionComplaint(input:
  {complaintId: $id, to: $to, reason: "as agreed"}) {
  complaint { %s } decision { rule message } userErrors { field message code } }
    }""".replace("%s", COMPLAINT)
PROGRESS = """mutation($id: ID!, $note: String!) { recordComplaintProgress(input:
  {complaintId: $id, note: $note}) { complaint { %s } decision { rule message } userErrors {
    field message code } } }""".replace("%s", COMPLAINT)
SPECIAL = """mutation($id: ID!, $reason: String!) { markComplaintSpecialCase(input:
  {complaintId: $id, reason: $reason}) { complaint { %s } decision { rule message } userErrors {
    field message code } } }""".replace("%s", COMPLAINT)
OVERDUE = """query($s: ID!, $now: DateTime!) { overdueComplaints(siteId: $s, now: $now) {
  nodes { complaint { id } reasons { rule message } } } }"""
SWEEP = """mutation { sweepOverdueComplaints(input: {}) { count marked { kind complaint { id }
  decision { rule message } } } }"""
STATS = """query($s: ID!, $start: Date!) { complaintStatistics(siteId: $s, period: WEEK,
  start: $start) { resolved resolvedOnTime decision { rule message } } }"""
VERIFY = """mutation($i: VerifyComplaintFaultInput!) { verifyComplaintFault(input: $i) {
  penalties { amount reason staff { id } penaltyRule { code rule kind } }
  decision { rule message } userErrors { field message code } } }"""
PENALTIES = "query($s: ID!) { penalties(siteId: $s) { nodes { id } } }"
IMPORT = """mutation($s: ID!, $rows: [ImportCustomerInput!]!) { importCustomers(input: {siteId: $s,
  customers: $rows}) { count customerIds decision { rule message } userErrors { field message
    code } } }"""
EXPORT = """query($s: ID!, $use: ExportUse!, $approval: ExportApprovalInput) {
  exportCustomers(siteId: $s, use: $use, approval: $approval) {
    use approvedById approvedAt purpose decision { rule message } rows { name phone } } }"""
AUDIT = "{ auditLog { nodes { action details } } }"


def as_staff(fd: Frontdesk, staff: str, now: datetime = FIXED_NOW) -> Client:
    """A client whose token is bound to ``staff`` (C-9: every change records who made it)."""
    return Client(fd, now=now, actor=Actor(role=Role.ADMIN, name="desk", staff_id=legacy(staff)))


def iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def _app(fd: Frontdesk, **settings: Any) -> Frontdesk:
    app = Frontdesk(fd.settings.replace(**settings))
    await app.start(watch=False)
    return app


@pytest.fixture
async def operator_fd(fd: Frontdesk) -> AsyncIterator[Frontdesk]:
    """A Frontdesk on ``fd``'s database with an operator's C-1 and C-13 settings."""
    app = await _app(
        fd,
        hosting_budgets={"B": "320"},
        hosting_receivers={"D": "department_manager"},
        staff_sees_private_data=True,
    )
    yield app
    await app.stop()


# --- C-1 -------------------------------------------------------------------------------------


async def test_C_1_hosting_policy_and_receiver_level_are_exposed(client) -> None:
    policy = (await client.data(HOSTING_POLICY))["hostingPolicy"]
    assert [(p["customerClass"], p["budgetPerPerson"], p["receivedBy"]) for p in policy] == [
        ("A", "500", "SENIOR_MANAGEMENT"),
        ("B", "300", "DEPARTMENT_DIRECTOR"),
        ("C", "200", "DEPARTMENT_MANAGER"),
        ("D", "150", "SUPERVISOR"),
    ]
    assert policy[1]["decision"] == {
        "rule": "C-1",
        "message": "class B guests are hosted at 300 CNY per person and received by "
        "department director",
    }
    site = await make_site(client)
    kim = (await client.data(REGISTER_B, {"s": site}))["registerCustomer"]["customer"]
    assert (kim["hostingBudget"], kim["receivedBy"]) == ("300", "DEPARTMENT_DIRECTOR")


async def test_C_1_an_operator_changes_budgets_and_receiver_levels(client, operator_fd) -> None:
    site = await make_site(client)
    await register(client, site, "Zhou Fang")  # class D
    changed = Client(operator_fd)
    kim = (await changed.data(REGISTER_B, {"s": site}))["registerCustomer"]["customer"]
    assert (kim["hostingBudget"], kim["receivedBy"]) == ("320", "DEPARTMENT_DIRECTOR")
    nodes = (await changed.data(CUSTOMER, {"s": site}))["customers"]["nodes"]
    zhou = next(n for n in nodes if n["name"] == "Zhou Fang")
    assert (zhou["hostingBudget"], zhou["receivedBy"]) == ("150", "DEPARTMENT_MANAGER")
    policy = {p["customerClass"]: p for p in (await changed.data(HOSTING_POLICY))["hostingPolicy"]}
    assert policy["B"]["decision"]["message"].startswith("class B guests are hosted at 320 CNY")


def test_C_1_a_bad_hosting_setting_stops_the_start(fd) -> None:
    with pytest.raises(ValueError, match="hosting_budgets"):
        Frontdesk(fd.settings.replace(hosting_budgets={"B": "-1"}))


# --- C-8 -------------------------------------------------------------------------------------


def _phone(site: str, taker: str, **kw: Any) -> dict[str, Any]:
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


async def _office(client) -> tuple[str, str]:
    site = await make_site(client)
    return site, await add_staff(client, site, "Li")


async def _file(client, site: str, li: str, **kw: Any) -> dict[str, Any]:
    return (await client.data(FILE, {"i": _phone(site, li, **kw)}))["fileComplaint"]


async def test_C_8_progress_updates_are_due_recorded_and_overdue_when_late(fd, client) -> None:
    site, li = await _office(client)
    filed = (await _file(client, site, li))["complaint"]
    assert filed["progressUpdateDue"] is None  # nothing owed before the first response
    assert filed["targets"]["progressIntervalMinutes"] == 24 * 60
    key = filed["id"]
    acked = await as_staff(fd, li, FIXED_NOW + HOUR).data(MOVE, {"id": key, "to": "ACKNOWLEDGED"})
    due = iso(acked["transitionComplaint"]["complaint"]["progressUpdateDue"])
    assert due == FIXED_NOW + 25 * HOUR
    # On time at the due instant; late a second after, with its own C-8 sentence.
    on_time = await client.data(OVERDUE, {"s": site, "now": due.isoformat()})
    assert on_time["overdueComplaints"]["nodes"] == []
    late = await client.data(OVERDUE, {"s": site, "now": (due + SECOND).isoformat()})
    [entry] = late["overdueComplaints"]["nodes"]
    assert entry["reasons"] == [
        {
            "rule": "C-8",
            "message": "no progress update within 24 hours of the last contact: it was due "
            "2026-11-25T03:00:00+00:00",
        }
    ]
    swept = await Client(fd, now=due + HOUR).data(SWEEP)
    marks = swept["sweepOverdueComplaints"]["marked"]
    assert [(m["kind"], m["decision"]["rule"]) for m in marks] == [("PROGRESS_UPDATE", "C-8")]
    # Each update is recorded and moves the next one on by the interval.
    told = await as_staff(fd, li, due + 2 * HOUR).data(
        PROGRESS, {"id": key, "note": "the manager calls you back tomorrow"}
    )
    result = told["recordComplaintProgress"]
    assert result["decision"] == {
        "rule": "C-8",
        "message": "Li updated the customer on the progress: the manager calls you back tomorrow",
    }
    assert iso(result["complaint"]["lastProgressAt"]) == due + 2 * HOUR
    assert iso(result["complaint"]["progressUpdateDue"]) == due + 26 * HOUR
    history = result["complaint"]["complaintHistory"]
    assert history[-1]["action"] == "PROGRESS_UPDATE"
    assert history[-1]["note"] == "the manager calls you back tomorrow"
    # The late update was reported once; the new due time is watched afresh.
    again = await Client(fd, now=due + 2 * HOUR).data(SWEEP)
    assert again["sweepOverdueComplaints"]["count"] == 0


async def test_C_8_no_progress_update_before_the_first_response(fd, client) -> None:
    site, li = await _office(client)
    key = (await _file(client, site, li))["complaint"]["id"]
    err = await as_staff(fd, li).error(PROGRESS, {"id": key, "note": "working on it"})
    assert err.extensions["code"] == "NO_PROGRESS_UPDATE"
    assert "acknowledge it first" in err.message
    err = await as_staff(fd, li).error(PROGRESS, {"id": key, "note": " "})
    assert err.extensions["code"] == "REASON_REQUIRED"


async def test_C_8_resolving_ends_the_progress_updates(fd, client) -> None:
    site, li = await _office(client)
    key = (await _file(client, site, li))["complaint"]["id"]
    step = FIXED_NOW
    for target in ("ACKNOWLEDGED", "IN_PROGRESS", "RESOLVED"):
        step += HOUR
        moved = await as_staff(fd, li, step).data(MOVE, {"id": key, "to": target})
    assert moved["transitionComplaint"]["complaint"]["progressUpdateDue"] is None
    listed = await client.data(OVERDUE, {"s": site, "now": (step + 30 * HOUR).isoformat()})
    assert listed["overdueComplaints"]["nodes"] == []


# --- C-11 ------------------------------------------------------------------------------------


async def test_C_11_during_consumption_the_customers_time_applies_everywhere(fd, client) -> None:
    site, li = await _office(client)
    wanted = FIXED_NOW + 2 * HOUR
    filed = await _file(client, site, li, customerRequestedBy=wanted.isoformat())
    complaint = filed["complaint"]
    assert complaint["resolutionBasis"] == "CUSTOMER_REQUEST"
    assert iso(complaint["resolutionDue"]) == wanted
    assert iso(complaint["customerRequestedBy"]) == wanted
    assert filed["decision"]["rule"] == "C-11"
    assert filed["decision"]["message"].endswith(
        "made during consumption, it is to be handled by the time the customer asked for: "
        "2026-11-24T12:00:00+08:00"
    )
    key = complaint["id"]
    # overdueComplaints and the sweep measure against the customer's time.
    late = await client.data(OVERDUE, {"s": site, "now": (wanted + SECOND).isoformat()})
    [entry] = late["overdueComplaints"]["nodes"]
    assert {
        "rule": "C-11",
        "message": "not resolved within the time the customer asked for "
        "(complaint made during consumption) (general complaint): it was due "
        "2026-11-24T04:00:00+00:00",
    } in entry["reasons"]
    swept = await Client(fd, now=wanted + SECOND).data(SWEEP)
    assert [
        (m["kind"], m["decision"]["rule"]) for m in swept["sweepOverdueComplaints"]["marked"]
    ] == [("RESOLUTION", "C-11")]
    # Resolved an hour after the customer's time: late in the statistics, though within
    # 3 working days.
    step = FIXED_NOW
    for target in ("ACKNOWLEDGED", "IN_PROGRESS"):
        step += 30 * timedelta(minutes=1)
        await as_staff(fd, li, step).data(MOVE, {"id": key, "to": target})
    await as_staff(fd, li, wanted + HOUR).data(MOVE, {"id": key, "to": "RESOLVED"})
    stats = await client.data(STATS, {"s": site, "start": "2026-11-24"})
    assert (
        stats["complaintStatistics"]["resolved"],
        stats["complaintStatistics"]["resolvedOnTime"],
    ) == (1, 0)


async def test_C_11_the_customers_time_must_be_to_come(client) -> None:
    site, li = await _office(client)
    err = await client.error(
        FILE, {"i": _phone(site, li, customerRequestedBy=FIXED_NOW.isoformat())}
    )
    assert err.extensions["code"] == "REQUESTED_TIME_NOT_AFTER_FILING"


async def test_C_11_a_special_case_is_a_hard_cap_no_pause_extends(fd, client) -> None:
    site, li = await _office(client)
    filed = (await _file(client, site, li))["complaint"]
    key = filed["id"]
    assert filed["resolutionBasis"] == "WORKING_DAYS"
    step = FIXED_NOW
    for target in ("ACKNOWLEDGED", "IN_PROGRESS", "WAITING_ON_CUSTOMER"):
        step += HOUR
        moved = await as_staff(fd, li, step).data(MOVE, {"id": key, "to": target})
    assert moved["transitionComplaint"]["complaint"]["resolutionDue"] is None  # clock paused
    marked = await as_staff(fd, li, step + HOUR).data(
        SPECIAL, {"id": key, "reason": "waiting for the developer's report"}
    )
    result = marked["markComplaintSpecialCase"]
    assert result["decision"] == {
        "rule": "C-11",
        "message": "Li marked the complaint a special case (hard limit applies): waiting for "
        "the developer's report",
    }
    complaint = result["complaint"]
    cap = datetime.fromisoformat("2026-12-04T00:00:00+08:00")  # 7 working days
    assert complaint["resolutionBasis"] == "SPECIAL_CASE"
    assert iso(complaint["resolutionDue"]) == iso(complaint["specialCaseDue"]) == cap
    assert complaint["specialCaseReason"] == "waiting for the developer's report"
    assert complaint["complaintHistory"][-1]["action"] == "SPECIAL_CASE"
    # Still waiting on the customer past the cap: overdue all the same.
    late = await client.data(OVERDUE, {"s": site, "now": (cap + SECOND).isoformat()})
    [entry] = late["overdueComplaints"]["nodes"]
    # (C-8: the customer is owed progress updates while they are waited on, too.)
    assert [r["rule"] for r in entry["reasons"]] == ["C-8", "C-11"]
    assert entry["reasons"][1]["message"].startswith(
        "not resolved within the special-case limit of 7 working days (a hard cap no pause extends)"
    )
    err = await as_staff(fd, li, step + 2 * HOUR).error(SPECIAL, {"id": key, "reason": "again"})
    assert err.extensions["code"] == "SPECIAL_CASE_REFUSED"


async def test_C_11_a_special_case_needs_a_reason_and_a_manager(fd, client) -> None:
    site, li = await _office(client)
    key = (await _file(client, site, li))["complaint"]["id"]
    err = await as_staff(fd, li).error(SPECIAL, {"id": key, "reason": "  "})
    assert err.extensions["code"] == "REASON_REQUIRED"
    desk = Client(fd, actor=Actor(role=Role.STAFF, name="desk", staff_id=legacy(li)))
    err = await desk.error(SPECIAL, {"id": key, "reason": "slow supplier"})
    assert err.extensions["code"] == "FORBIDDEN"


# --- C-13 ------------------------------------------------------------------------------------


async def test_C_13_staff_see_phone_numbers_only_when_a_setting_grants_it(
    fd, client, operator_fd
) -> None:
    site = await make_site(client)
    await register(client, site, "Sun Hao", phone="13800138001")
    staff = Actor(role=Role.STAFF, name="desk")
    masked = await Client(fd, actor=staff).data(CUSTOMER, {"s": site})
    assert masked["customers"]["nodes"][0]["phone"] == "+86*******8001"
    granted = await Client(operator_fd, actor=staff).data(CUSTOMER, {"s": site})
    assert granted["customers"]["nodes"][0]["phone"] == "+8613800138001"


async def test_C_13_bulk_import_is_administrator_only_and_all_or_nothing(fd, client) -> None:
    site = await make_site(client)
    rows = [
        {"name": "Sun Hao", "phone": "13800138001", "customerClass": "B"},
        {"name": "Zhou Fang"},
    ]
    for role in (Role.CLERK, Role.STAFF):
        err = await Client(fd, actor=Actor(role=role, name=role.value)).error(
            IMPORT, {"s": site, "rows": rows}
        )
        assert err.extensions["code"] == "FORBIDDEN"
    done = (await client.data(IMPORT, {"s": site, "rows": rows}))["importCustomers"]
    assert done["count"] == 2 and len(done["customerIds"]) == 2
    assert done["decision"]["rule"] == "C-13"
    # A row that fails stops the whole import; nothing of it is written.
    again = [{"name": "New One"}, {"name": "Sun Again", "phone": "13800138001"}]
    err = await client.error(IMPORT, {"s": site, "rows": again})
    assert err.extensions["code"] == "CUSTOMER_EXISTS"
    assert err.message.startswith("customers[1]:")
    names = [n["name"] for n in (await client.data(CUSTOMER, {"s": site}))["customers"]["nodes"]]
    assert sorted(names) == ["Sun Hao", "Zhou Fang"]
    log = (await client.data(AUDIT))["auditLog"]["nodes"]
    assert any(e["action"] == "importCustomers" and e["details"].get("rows") == 2 for e in log)


async def test_C_13_an_external_export_needs_the_gms_recorded_approval(fd, client) -> None:
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    await register(client, site, "Sun Hao", phone="13800138001")
    internal = (await client.data(EXPORT, {"s": site, "use": "INTERNAL"}))["exportCustomers"]
    assert internal["rows"] == [{"name": "Sun Hao", "phone": "+8613800138001"}]
    assert internal["decision"] == {
        "rule": "C-13",
        "message": "internal export of customer data by an administrator (no approval needed)",
    }
    err = await client.error(EXPORT, {"s": site, "use": "EXTERNAL"})
    assert err.extensions["code"] == "EXPORT_NEEDS_GM_APPROVAL"
    approved_at = (FIXED_NOW - HOUR).isoformat()
    by_li = {"approvedById": li, "approvedAt": approved_at, "purpose": "bank mailing"}
    err = await client.error(EXPORT, {"s": site, "use": "EXTERNAL", "approval": by_li})
    assert err.extensions["code"] == "EXPORT_NEEDS_GM_APPROVAL"
    gm = await add_staff(client, site, "Boss", role="general_manager")
    approval = {**by_li, "approvedById": gm}
    external = (await client.data(EXPORT, {"s": site, "use": "EXTERNAL", "approval": approval}))[
        "exportCustomers"
    ]
    assert (external["use"], external["approvedById"], external["purpose"]) == (
        "EXTERNAL",
        gm,
        "bank mailing",
    )
    assert iso(external["approvedAt"]) == FIXED_NOW - HOUR
    assert external["decision"]["message"] == (
        "external export of customer data approved by Boss (general manager) at "
        "2026-11-24T09:00:00+08:00 for: bank mailing"
    )
    log = (await client.data(AUDIT))["auditLog"]["nodes"]
    recorded = [e["details"] for e in log if e["action"] == "exportCustomers"]
    assert {"use": "external"}.items() <= recorded[0].items()  # newest first
    assert recorded[0]["approval"]["purpose"] == "bank mailing"
    assert recorded[0]["approval"]["approved_by"] == legacy(gm)
    err = await Client(fd, actor=Actor(role=Role.CLERK, name="clerk")).error(
        EXPORT, {"s": site, "use": "INTERNAL"}
    )
    assert err.extensions["code"] == "FORBIDDEN"


# --- C-14 ------------------------------------------------------------------------------------


async def test_C_14_the_financial_loss_is_recorded_as_compensation_with_the_fines(
    fd, client
) -> None:
    site, li = await _office(client)
    manager = await add_staff(client, site, "Wang", role="sales_manager")
    key = (await _file(client, site, li))["complaint"]["id"]
    base = {"complaintId": key, "staffId": li, "fineAmount": "300", "reason": "rude to the buyer"}
    boss = as_staff(fd, manager)
    err = await boss.error(VERIFY, {"i": {**base, "compensationAmount": "1250.50"}})
    assert err.extensions["code"] == "COMPENSATION_INCOMPLETE"
    assert (await client.data(PENALTIES, {"s": site}))["penalties"]["nodes"] == []
    verified = await boss.data(
        VERIFY,
        {
            "i": {
                **base,
                "managerId": manager,
                "managerFineAmount": "100",
                "compensationAmount": "1250.50",
                "compensationReason": "refund of the parking fee",
            }
        },
    )
    result = verified["verifyComplaintFault"]
    entries = [
        (p["penaltyRule"]["code"], p["penaltyRule"]["kind"], p["amount"], p["staff"]["id"])
        for p in result["penalties"]
    ]
    assert entries == [
        ("C-14-staff", "FINE", "300.00", li),
        ("C-14-manager", "FINE", "100.00", manager),
        ("C-14-compensation", "COMPENSATION", "1250.50", li),
    ]
    assert result["penalties"][2]["reason"].endswith(
        "charged to Li as compensation: refund of the parking fee"
    )
    assert result["decision"]["rule"] == "C-14"
    assert result["decision"]["message"].endswith(
        "Li fined 300.00 CNY, first-responsible manager Wang fined 100.00 CNY, Li charged "
        "1250.50 CNY compensation for the financial loss (refund of the parking fee): rude to "
        "the buyer"
    )
