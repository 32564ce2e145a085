"""Issue 9, finding 5 (C-13, C-9): a token acts as itself.  A staff token bound to staff
member 3 used to transition and escalate complaints as staff members 1 and 6; naming another
staff member now needs the ``act_for`` permission (admin, clerk: a clerk recording what a
manager decided on paper) and is audited as "<token> on behalf of staff member N"."""

from __future__ import annotations

from typing import Any

import httpx
from conftest import FIXED_NOW, Client
from helpers import add_staff, legacy, make_site
from served import make_token, serve, under_attack

from core import auth

FILE = """mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id }
  userErrors { field message code } } }"""
TRANSITION = """mutation($id: ID!, $to: ComplaintStatus!, $actor: ID) {
  transitionComplaint(input: {complaintId: $id, to: $to, actingStaffId: $actor}) {
    complaint { status } userErrors { field message code } } }"""
ESCALATE = """mutation($id: ID!, $actor: ID) {
  escalateComplaint(input: {complaintId: $id, reason: "angry", actingStaffId: $actor}) {
    complaint { escalationLevel } userErrors { field message code } } }"""
STATUS = "query($id: ID!) { complaint(id: $id) { status escalationLevel } }"


async def _office(client: Client) -> dict[str, Any]:
    site = await make_site(client)
    desk = await add_staff(client, site, "Desk Li")
    boss = await add_staff(client, site, "Boss Wang", role="sales_manager")
    other = await add_staff(client, site, "Zhou")
    complaint = await client.data(
        FILE,
        {
            "i": {
                "siteId": site,
                "channel": "PHONE",
                "category": "service",
                "description": "nobody called back",
                "actingStaffId": desk,
                "callerCompany": "Acme",
                "callerName": "Zhang San",
            }
        },
    )
    return {
        "site": site,
        "desk": desk,
        "boss": boss,
        "other": other,
        "complaint": complaint["fileComplaint"]["complaint"]["id"],
    }


async def _token(fd: Any, role: str, staff: str) -> str:
    async with fd.write() as s:
        _, raw = await auth.create_token(
            s, name=f"{role} token", role=role, now=FIXED_NOW, staff_id=legacy(staff)
        )
    return raw


async def _gql(base: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as c:
        answer = await c.post(
            f"{base}/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
    return answer.json()


async def test_a_staff_token_cannot_act_as_another_staff_member(client, fd):
    office = await _office(client)
    async with serve(fd) as base:
        admin = await make_token(fd)
        desk = await _token(fd, "staff", office["desk"])

        async def attack(in_flight):
            in_flight.set()
            return [
                await _gql(
                    base,
                    desk,
                    TRANSITION,
                    {"id": office["complaint"], "to": "ACKNOWLEDGED", "actor": office["boss"]},
                ),
                await _gql(
                    base, desk, ESCALATE, {"id": office["complaint"], "actor": office["other"]}
                ),
            ]

        answers, prompt = await under_attack(base, admin, attack)
        assert prompt < 1
        for answer in answers:
            error = answer["errors"][0]
            assert error["extensions"]["code"] == "FORBIDDEN"
            assert error["extensions"]["permission"] == "act_for"
            assert f"acts as staff member {legacy(office['desk'])}" in error["message"]
        unchanged = await client.data(STATUS, {"id": office["complaint"]})
        assert unchanged["complaint"] == {"status": "RECEIVED", "escalationLevel": "HANDLER"}
        # Acting as itself: without the field, or naming its own staff member.
        mine = await _gql(
            base, desk, TRANSITION, {"id": office["complaint"], "to": "ACKNOWLEDGED", "actor": None}
        )
        assert mine["data"]["transitionComplaint"]["complaint"]["status"] == "ACKNOWLEDGED"
        own = await _gql(base, desk, ESCALATE, {"id": office["complaint"], "actor": office["desk"]})
        assert own["data"]["escalateComplaint"]["complaint"]["escalationLevel"] != "HANDLER"


async def test_a_clerk_records_a_managers_decision_on_their_behalf_and_it_is_audited(client, fd):
    office = await _office(client)
    async with serve(fd) as base:
        clerk = await _token(fd, "clerk", office["desk"])
        answer = await _gql(
            base,
            clerk,
            TRANSITION,
            {"id": office["complaint"], "to": "ACKNOWLEDGED", "actor": office["boss"]},
        )
        assert answer["data"]["transitionComplaint"]["complaint"]["status"] == "ACKNOWLEDGED"
    log = await client.data("{ auditLog(first: 20) { nodes { actor action details } } }")
    entry = next(e for e in log["auditLog"]["nodes"] if e["action"] == "transitionComplaint")
    assert entry["actor"] == "clerk token"
    # Who, for whom, and from where (the client address, issue 9).
    assert entry["details"] == {
        "onBehalfOfStaffId": legacy(office["boss"]),
        "clientAddress": "127.0.0.1",
    }


HISTORY = """query($id: ID!) { complaint(id: $id) { complaintHistory {
  action actor { id name } recordedBy recordedByStaff { id name } onBehalf } } }"""


async def test_the_complaint_history_names_the_clerk_and_the_manager_they_acted_for(client, fd):
    """C-13 act_for, C-9: the history used to show only the manager's name; now the entry says
    "clerk token (Desk Li) on behalf of Boss Wang", in the same transaction as the change."""
    office = await _office(client)
    async with serve(fd) as base:
        clerk = await _token(fd, "clerk", office["desk"])
        for query, variables in (
            (
                TRANSITION,
                {"id": office["complaint"], "to": "ACKNOWLEDGED", "actor": office["boss"]},
            ),
            (ESCALATE, {"id": office["complaint"], "actor": None}),  # as itself
        ):
            answer = await _gql(base, clerk, query, variables)
            assert "errors" not in answer, answer
    history = (await client.data(HISTORY, {"id": office["complaint"]}))["complaint"]
    entries = history["complaintHistory"]
    (acknowledged,) = [e for e in entries if e["action"] == "TRANSITION"]
    escalated = next(e for e in entries if e["action"] == "ESCALATED")
    (filed,) = [e for e in entries if e["action"] == "FILED"]
    assert acknowledged["actor"]["id"] == office["boss"]
    assert acknowledged["recordedBy"] == "clerk token"
    assert acknowledged["recordedByStaff"]["id"] == office["desk"]
    assert acknowledged["onBehalf"] is True
    # Recorded by its actor (the clerk's own staff member): nobody else to name.
    assert escalated["actor"]["id"] == office["desk"]
    assert (escalated["recordedBy"], escalated["recordedByStaff"]) == (None, None)
    assert escalated["onBehalf"] is False
    # The test's admin token (bound to no staff member) filed it as taken by the desk.
    assert filed["actor"]["id"] == office["desk"]
    assert (filed["recordedBy"], filed["recordedByStaff"], filed["onBehalf"]) == (
        "test admin",
        None,
        True,
    )
