"""The write path under concurrency on PostgreSQL: no deadlocks at one site.

Check-ins take the site row (``FOR NO KEY UPDATE``), complaint changes the complaint row,
filings the month's serial row, and every event insert checks its foreign key to ``sites``
(``FOR KEY SHARE``).  With one lock order and no-key row locks, a mixed load at one site runs
with no error at all (see "Lock order" in ``core.db``).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, gid, make_site
from sqlalchemy import func, select, text
from test_subscriptions import make_token

from core import models
from core.app import create_app
from core.auth import AuditEntry

pytestmark = pytest.mark.postgres

CHECK_IN = """
mutation($site: ID!) { checkInVisit(input: {siteId: $site}) { visit { id receiver { id } }
  userErrors { field message code } } }"""
FILE = """
mutation($site: ID!, $staff: ID!) {
  fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                        description: "slow", customerName: "Sun Hao", actingStaffId: $staff}) {
    complaint { id number } userErrors { field message code } }
}"""
TRANSITION = """
mutation($id: ID!, $to: ComplaintStatus!, $actor: ID!) {
  transitionComplaint(input: {complaintId: $id, to: $to, actingStaffId: $actor}) {
    complaint { id status } userErrors { field message code } }
}"""
ESCALATE = """
mutation($id: ID!, $actor: ID!) {
  escalateComplaint(input: {complaintId: $id, reason: "too slow", actingStaffId: $actor}) {
    complaint { id escalationLevel } userErrors { field message code } }
}"""
PENALTY = """
mutation($staff: ID!, $complaint: ID!) {
  issuePenalty(input: {staffId: $staff, ruleCode: "C-14-staff", amount: "300",
                       reason: "rude", complaintId: $complaint}) { penalty { id amount }
                         userErrors { field message code } }
}"""


@pytest.fixture
async def pg_client(pg_url: str):
    fd = await start_frontdesk(pg_url)
    try:
        yield Client(fd)
    finally:
        await fd.stop()


async def test_mixed_writes_at_one_site_run_without_deadlocks_or_errors(pg_client):
    """Check-ins (RE-1 rotation), filings (C-6), transitions (C-9), escalations (C-10) and
    penalties (C-14) at one site, all at once: every one succeeds."""
    client = pg_client
    site = await make_site(client)
    staff = [await add_staff(client, site, f"Sales {i}") for i in range(5)]
    head = await add_staff(client, site, "Head", role="site_head")
    seeded = [
        (await client.data(FILE, {"site": site, "staff": staff[0]}))["fileComplaint"]
        for _ in range(20)
    ]
    ids = [c["complaint"]["id"] for c in seeded]

    async def run(name: str, query: str, variables: dict) -> tuple[str, object]:
        result = await client.execute(query, variables)
        if result.errors:
            return name, [(e.message, (e.extensions or {}).get("code")) for e in result.errors]
        return name, None

    jobs = []
    for i in range(30):
        jobs.append(run("checkIn", CHECK_IN, {"site": site}))
        jobs.append(run("file", FILE, {"site": site, "staff": staff[i % 5]}))
    for cid in ids:
        jobs.append(run("ack", TRANSITION, {"id": cid, "to": "ACKNOWLEDGED", "actor": head}))
        jobs.append(run("escalate", ESCALATE, {"id": cid, "actor": head}))
        jobs.append(run("penalty", PENALTY, {"staff": staff[1], "complaint": cid}))
    # Interleave the kinds so every pair of paths meets.
    order = sorted(range(len(jobs)), key=lambda k: (k * 7919) % len(jobs))
    results = await asyncio.gather(*(jobs[k] for k in order))
    errors = [(name, err) for name, err in results if err is not None]
    assert errors == []
    kinds = Counter(name for name, _ in results)
    assert kinds == {"checkIn": 30, "file": 30, "ack": 20, "escalate": 20, "penalty": 20}

    async with client.app.db.session() as s:
        visits = (await s.scalars(select(models.Visit))).all()
        assert len(visits) == 30
        # RE-1: five salespeople, thirty visitors: six turns each, none handed out twice.
        assert sorted(Counter(v.receiver_id for v in visits).values()) == [6] * 5
        assert await s.scalar(select(func.count()).select_from(models.Complaint)) == 50
        numbers = (await s.scalars(select(models.Complaint.number))).all()
        assert len(set(numbers)) == 50
        assert await s.scalar(select(func.count()).select_from(models.Penalty)) == 20
        audit = Counter((await s.execute(select(AuditEntry.action, AuditEntry.succeeded))).all())
    # C-13: exactly one row per mutation, committed with it.
    assert audit == {
        ("createSite", True): 1,
        ("addStaff", True): 6,
        ("fileComplaint", True): 50,
        ("checkInVisit", True): 30,
        ("transitionComplaint", True): 20,
        ("escalateComplaint", True): 20,
        ("issuePenalty", True): 20,
    }


async def test_an_audit_insert_that_fails_rolls_the_mutation_back_and_answers_json(pg_client):
    """C-13: the audit row is in the mutation's transaction.  When the audit store refuses
    the row, nothing of the filing commits and the client gets INTERNAL_ERROR as GraphQL
    JSON; the refusal's own audit row commits on its own."""
    client = pg_client
    fd = client.app
    site = await make_site(client)
    staff = await add_staff(client, site, "Li")
    token = await make_token(fd, "admin")
    async with fd.db.transaction() as s:
        await s.execute(
            text(
                "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN IF NEW.succeeded THEN RAISE EXCEPTION 'audit store refuses'; END IF;"
                " RETURN NEW; END $$"
            )
        )
        await s.execute(
            text(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log"
                " FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
            )
        )
    async with fd.db.session() as s:
        events_before = await s.scalar(select(func.count()).select_from(models.Event))
    transport = httpx.ASGITransport(app=create_app(fd))
    async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
        response = await http.post(
            "/graphql",
            json={"query": FILE, "variables": {"site": site, "staff": staff}},
            headers={"Authorization": token},
        )
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_ERROR"]
    async with fd.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(models.Complaint)) == 0
        assert await s.scalar(select(func.count()).select_from(models.Event)) == events_before
        refused = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "fileComplaint"))
        ).all()
    # (The admin files for the desk clerk: "on behalf of" is audited too, issue 9.)
    assert [(a.succeeded, a.details.get("code")) for a in refused] == [(False, "INTERNAL_ERROR")]


class Killed(BaseException):
    """The process dies: nothing after this point runs (not even except Exception)."""


async def test_a_server_killed_between_commit_and_answer_retried_with_the_key_writes_once(
    pg_url,
):
    """Idempotency-Key: the answer is stored in the mutation's own transaction, so a server
    that dies right after the commit (before answering) leaves the key with the first answer;
    the retry on another server gets that answer and files nothing twice."""
    first = await start_frontdesk(pg_url)
    client = Client(first)
    site = await make_site(client)
    staff = await add_staff(client, site, "Li")
    # A clerk records the filing for the staff member who took the call (act_for, issue 9).
    token = await make_token(first, "clerk")
    request = {"query": FILE, "variables": {"site": site, "staff": staff}}
    headers = {"Authorization": token, "Idempotency-Key": "3f1c-retry-me"}

    async def die(_events):
        raise Killed

    first.publish = die  # the first thing after the commit
    try:
        transport = httpx.ASGITransport(app=create_app(first))
        async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
            with pytest.raises(Killed):
                await http.post("/graphql", json=request, headers=headers)
    finally:
        await first.stop()

    second = await start_frontdesk(pg_url, enable=())
    try:
        transport = httpx.ASGITransport(app=create_app(second))
        async with httpx.AsyncClient(transport=transport, base_url="http://fd") as http:
            answers = [
                (await http.post("/graphql", json=request, headers=headers)).json()
                for _ in range(2)
            ]
            reused = await http.post(
                "/graphql",
                json={"query": CHECK_IN, "variables": {"site": site}},
                headers=headers,
            )
        async with second.db.session() as s:
            complaints = (await s.scalars(select(models.Complaint))).all()
            audited = (
                await s.scalars(select(AuditEntry).where(AuditEntry.action == "fileComplaint"))
            ).all()
    finally:
        await second.stop()
    assert len(complaints) == 1 and complaints[0].number.endswith("01")  # C-6: YYMM + serial
    assert [a.succeeded for a in audited] == [True]
    assert answers[0] == answers[1]
    assert answers[0]["data"]["fileComplaint"]["complaint"] == {
        "id": gid("Complaint", complaints[0].id),
        "number": complaints[0].number,
    }
    assert reused.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
