"""The write path on SQLite: each mutation's answer comes from its own transaction, its audit
row (C-13) commits with it, and nothing after the commit can turn it into an error."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

from helpers import CHECK_IN, add_staff, make_site
from sqlalchemy import func, select

from core import models
from core.auth import AuditEntry
from core.testing import user_errors_of

FILE = """
mutation($site: ID!, $staff: ID!) {
  fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                        description: "slow", customerName: "Sun Hao", actingStaffId: $staff}) {
    complaint { id number status handler { name } complaintHistory { action actor { name } } }
    decision { rule } userErrors { field message code } }
}"""
TRANSITION = """
mutation($id: ID!, $actor: ID!) {
  transitionComplaint(input: {complaintId: $id, to: ACKNOWLEDGED, actingStaffId: $actor}) {
    complaint { id status complaintHistory { action toValue } } userErrors { field message code } }
}"""
PENALTY = """
mutation($staff: ID!) {
  issuePenalty(input: {staffId: $staff, ruleCode: "C-14-staff", amount: "300", reason: "rude"}) {
    penalty {
    id amount staff { name } penaltyRule { rule } } userErrors { field message code } }
}"""


async def _audit(fd) -> list[tuple[str, bool, dict]]:
    async with fd.db.session() as s:
        rows = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    # The admin token files for the desk clerk (takenById): "on behalf of" is audited too
    # (issue 9); these tests are about which rows exist and whether they succeeded.
    return [
        (a.action, a.succeeded, {k: v for k, v in a.details.items() if k != "onBehalfOfStaffId"})
        for a in rows
    ]


async def test_answers_are_read_in_the_mutations_own_transaction(client, monkeypatch):
    """After the commit a mutation opens no session: a database that fails every new read
    session cannot turn a saved check-in, filing, transition or penalty into an error."""
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    db = client.app.db

    @asynccontextmanager
    async def refuse():
        raise AssertionError("a mutation re-read its answer in a new session after commit")
        yield  # pragma: no cover

    monkeypatch.setattr(db, "session", refuse)
    monkeypatch.setattr(db, "read", refuse)
    visit = (await client.data(CHECK_IN, {"input": {"siteId": site}}))["checkInVisit"]
    assert visit["visit"]["receiver"]["id"] == li
    filed = (await client.data(FILE, {"site": site, "staff": li}))["fileComplaint"]
    assert filed["complaint"]["complaintHistory"] == [{"action": "FILED", "actor": {"name": "Li"}}]
    moved = (await client.data(TRANSITION, {"id": filed["complaint"]["id"], "actor": li}))[
        "transitionComplaint"
    ]
    assert moved["complaint"]["status"] == "ACKNOWLEDGED"
    assert "acknowledged" in [h["toValue"] for h in moved["complaint"]["complaintHistory"]]
    fined = (await client.data(PENALTY, {"staff": li}))["issuePenalty"]["penalty"]
    assert fined["amount"] == "300.00" and fined["penaltyRule"]["rule"] == "C-14"


async def test_a_publish_failure_after_commit_is_logged_and_the_client_gets_success(
    client, monkeypatch, caplog
):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")

    async def broken(events):
        raise ConnectionError("bus down")

    monkeypatch.setattr(client.app.bus, "publish", broken)
    filed = (await client.data(FILE, {"site": site, "staff": li}))["fileComplaint"]
    assert filed["complaint"]["number"] == "261101"
    assert "publishing 1 events failed" in caplog.text
    async with client.app.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(models.Complaint)) == 1
    assert (await _audit(client.app))[-1] == ("fileComplaint", True, {})


async def test_C_13_refused_mutations_are_audited_on_their_own(client):
    site = await make_site(client)
    err = await client.error(FILE, {"site": site, "staff": "999999"})
    assert err.extensions["code"] == "STAFF_NOT_FOUND"
    assert (await _audit(client.app))[-1] == (
        "fileComplaint",
        False,
        {"code": "STAFF_NOT_FOUND"},
    )


async def test_C_13_every_successful_mutation_has_exactly_one_audit_row(client):
    n = 3
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    for _ in range(n):
        await client.data(FILE, {"site": site, "staff": li})
    rows = await _audit(client.app)
    assert (
        rows
        == [("createSite", True, {}), ("addStaff", True, {})] + [("fileComplaint", True, {})] * n
    )


async def test_a_document_with_two_mutation_fields_is_refused_before_anything_runs(client):
    """One mutation field per operation (README, Errors): a: valid + b: failing used to answer
    data null while a had committed.  Now neither runs, and both are audited as refused."""
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    two = """
    mutation($site: ID!, $staff: ID!) {
      a: fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                               description: "slow", customerName: "Sun", actingStaffId: $staff}) {
        complaint { id } userErrors { field message code } }
      b: fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                               description: "slow", customerName: "Sun", actingStaffId: "999999"}) {
        complaint { id } userErrors { field message code } }
    }"""
    result = await client.execute(two, {"site": site, "staff": li})
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors] == ["MULTIPLE_MUTATIONS"]
    async with client.app.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(models.Complaint)) == 0
    assert (await _audit(client.app))[-2:] == [
        ("fileComplaint", False, {"code": "MULTIPLE_MUTATIONS"})
    ] * 2
    # One field (with __typename beside it) runs as usual.
    one = await client.data(
        "mutation($s: ID!, $t: ID!) { __typename fileComplaint(input: {siteId: $s, "
        'channel: IN_PERSON, category: "x", description: "y", customerName: "Sun", '
        "actingStaffId: $t}) { complaint { number } userErrors { field message code } } }",
        {"s": site, "t": li},
    )
    assert one["fileComplaint"]["complaint"]["number"] == "261101"


# --- idempotent retries ------------------------------------------------------------------------


async def _keyed(client, key: str | None, query: str, variables: dict, actor=None):
    from conftest import ADMIN

    from core.graphql.context import Context

    context = Context(
        app=client.app, fixed_now=client.now, actor=actor or ADMIN, idempotency_key=key
    )
    return await client.app.schema.execute(query, variable_values=variables, context_value=context)


async def _count(fd, model) -> int:
    async with fd.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_writes_nothing(
    client,
):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    variables = {"site": site, "staff": li}
    first = await _keyed(client, "k-1", FILE, variables)
    assert first.errors is None
    audit_rows = len(await _audit(client.app))
    events = await _count(client.app, models.Event)
    again = await _keyed(client, "k-1", FILE, variables)
    assert again.errors is None and again.data == first.data
    assert await _count(client.app, models.Complaint) == 1
    assert await _count(client.app, models.Event) == events
    assert len(await _audit(client.app)) == audit_rows  # the replay writes nothing
    # Another key is another request.
    other = await _keyed(client, "k-2", FILE, variables)
    assert other.data["fileComplaint"]["complaint"]["number"] == "261102"
    # Another token's key is its own, even with the same text.
    from core.auth import Actor, Role

    clerk = Actor(role=Role.CLERK, name="clerk", token_id=None)
    theirs = await _keyed(client, "k-1", FILE, variables, actor=clerk)
    assert theirs.data["fileComplaint"]["complaint"]["number"] == "261103"


async def test_the_same_idempotency_key_with_another_document_is_refused(client):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    await _keyed(client, "k-1", FILE, {"site": site, "staff": li})
    other = await _keyed(client, "k-1", CHECK_IN, {"input": {"siteId": site}})
    assert [e.extensions["code"] for e in other.errors] == ["IDEMPOTENCY_KEY_REUSED"]
    async with client.app.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(models.Visit)) == 0
    # After 24 hours the key is free again.
    client.now = client.now + timedelta(hours=24, seconds=1)
    later = await _keyed(client, "k-1", CHECK_IN, {"input": {"siteId": site}})
    assert later.errors is None


async def test_a_failed_mutation_under_a_key_writes_nothing_and_can_be_retried(client):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    bad = await _keyed(client, "k-1", FILE, {"site": site, "staff": "999999"})
    # Issue 17: a client's mistake is a userError (data), stored under no key.
    assert bad.errors is None
    assert [e.code for e in user_errors_of(bad.data)] == ["STAFF_NOT_FOUND"]
    assert await _count(client.app, models.Complaint) == 0
    assert (await _audit(client.app))[-1] == ("fileComplaint", False, {"code": "STAFF_NOT_FOUND"})
    good = await _keyed(client, "k-1", FILE, {"site": site, "staff": li})
    assert good.errors is None
    assert await _count(client.app, models.Complaint) == 1
