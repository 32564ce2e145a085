"""Issue 8 ("Speed"): the SQL a real-estate check-in costs on PostgreSQL, counted, so that
statements removed from the hot path cannot creep back unnoticed.

The count is the statements the driver executes for one ``checkInVisit`` after the day's
rotation exists (RE-1), through the served schema in process (no HTTP token lookup, which
``bench/profile_checkins.py`` adds).  BEGIN/COMMIT and the pool's pre-ping are not
statements here.  The answer (receiver, RE-1 turns) is checked beside the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, legacy, make_site
from sqlalchemy import event

pytestmark = pytest.mark.postgres

CHECK_IN = """
mutation($site: ID!) {
  checkInVisit(input: {siteId: $site}) {
    visit { id receiver { id name } counted }
    decision { rule message } userErrors { field message code } }
}"""

# Statements of one check-in, in the order they run (see bench/README.md, "checkins.py"):
# the site row FOR NO KEY UPDATE with the plugins' settings; the day's rotation with the
# site's staff names; INSERT visit; UPDATE rotation day; INSERT reception; INSERT event (the
# event writer's shared advisory lock and the active webhook endpoints in the same
# statement); INSERT audit.  The answer is built from the rows written; selecting a relation
# (``receiver`` here) reads the visit with it joined: one statement more.
MAX_STATEMENTS = 7
BARE = """
mutation($site: ID!) {
  checkInVisit(input: {siteId: $site}) {
    visit { id counted } decision { rule message } userErrors { field message code } }
}"""


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_check_in_costs_at_most_the_counted_statements(pg_url: str) -> None:
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = [await add_staff(client, site, f"Sales {i}") for i in range(3)]
        first = (await client.data(CHECK_IN, {"site": site}))["checkInVisit"]
        with counting(fd.db.engine) as seen:
            second = (await client.data(CHECK_IN, {"site": site}))["checkInVisit"]
        # RE-1: turns in staff order, one each; the answer is the stored visit's.
        assert first["visit"]["receiver"]["id"] == staff[0]
        assert second["visit"]["receiver"]["id"] == staff[1]
        assert second["visit"]["receiver"]["name"] == "Sales 1"
        assert second["visit"]["counted"] is True
        assert second["decision"]["rule"] == "RE-1"
        assert len(seen) <= MAX_STATEMENTS + 1, "\n".join(seen)
        with counting(fd.db.engine) as seen:
            third = (await client.data(BARE, {"site": site}))["checkInVisit"]
        assert third["userErrors"] == [] and third["decision"]["rule"] == "RE-1"
        assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)
    finally:
        await fd.stop()


REGISTER = """
mutation($url: String!, $types: [String!]!) {
  registerWebhookEndpoint(input: {url: $url, eventTypes: $types}) { endpoint { id } userErrors {
    field message code } }
}"""
PAUSE = """mutation($id: ID!, $on: Boolean) {
  updateWebhookEndpoint(input: {id: $id, active: $on}) { endpoint { active } userErrors { field
    message code } } }"""


async def queued_for(fd: Any, visit_id: str) -> list[tuple[int, str]]:
    """(endpoint id, event type) of the deliveries queued for the check-in of ``visit_id``."""
    from sqlalchemy import select

    from core.models import Event
    from core.webhooks import WebhookDelivery

    async with fd.db.session() as s:
        rows = await s.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.event_type)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(Event.subject_id == legacy(visit_id), Event.stream == "visits")
            .order_by(WebhookDelivery.endpoint_id)
        )
        return [(e, t) for e, t in rows.all()]


async def test_endpoints_read_with_the_event_row_take_effect_on_the_next_check_in(
    pg_url: str,
) -> None:
    """The active webhook endpoints are read with the transaction's first event row
    (``core.events.FirstEventRead``), not cached across transactions: an endpoint
    registered, or paused, takes effect on the very next check-in, as before."""
    # The receiver address is never called here (no dispatcher runs); loopback is allowed.
    fd = await start_frontdesk(pg_url, webhook_allow=("127.0.0.1/32",))
    try:
        client = Client(fd)
        site = await make_site(client)
        await add_staff(client, site, "Sales 0")
        first = (await client.data(CHECK_IN, {"site": site}))["checkInVisit"]
        assert await queued_for(fd, first["visit"]["id"]) == []
        url = "http://127.0.0.1:9/hook"
        visits = (await client.data(REGISTER, {"url": url, "types": ["visit.*"]}))[
            "registerWebhookEndpoint"
        ]["endpoint"]["id"]
        every = (await client.data(REGISTER, {"url": url, "types": ["*"]}))[
            "registerWebhookEndpoint"
        ]["endpoint"]["id"]
        await client.data(REGISTER, {"url": url, "types": ["complaint.*"]})
        with counting(fd.db.engine) as seen:
            second = (await client.data(BARE, {"site": site}))["checkInVisit"]
        # The same reads; one more write: the deliveries' INSERT.
        assert len(seen) <= MAX_STATEMENTS + 1, "\n".join(seen)
        assert not any("FROM webhook_endpoints" in q and q.startswith("SELECT") for q in seen)
        both = sorted([(legacy(visits), "visit.checked_in"), (legacy(every), "visit.checked_in")])
        assert await queued_for(fd, second["visit"]["id"]) == both
        await client.data(PAUSE, {"id": visits, "on": False})
        third = (await client.data(CHECK_IN, {"site": site}))["checkInVisit"]
        assert await queued_for(fd, third["visit"]["id"]) == [(legacy(every), "visit.checked_in")]
    finally:
        await fd.stop()


VISIT_FIELDS = """id legacyId channel inquiryKind visitorKind arrivedAt businessDate partySize
  counted notes recordedAt siteId correctsId escortsNeeded decision { rule message }
  realestate { madeUpTurn newRegistration unitsRequested skipped { decision { rule message } } }"""
CHECK_IN_AT = f"""
mutation($site: ID!, $at: DateTime!) {{
  checkInVisit(input: {{siteId: $site, arrivedAt: $at, partySize: 6, notes: "two kids"}}) {{
    visit {{ {VISIT_FIELDS} }} userErrors {{ code }} }}
}}"""
FILE_FIELDS = """id legacyId number channel category severity status description filedAt
  recordedAt updatedAt households flags escalationLevel cycle cycleStartedAt
  firstRespondedAt resolvedAt closedAt firstResponseDue resolutionDue specialCaseDue
  revisitDue customerRequestedBy siteId customerId visitId resolutionBasis clockPaused
  allowedTransitions channelDetails { callerCompany callerName customerName receivedAt }
  policyDecision { rule message } targets { firstResponseMinutes resolutionWorkingDays
  specialCaseMaxWorkingDays revisitDays progressIntervalMinutes }"""
FILE_AT = f"""
mutation($site: ID!, $staff: ID!, $at: DateTime!) {{
  fileComplaint(input: {{siteId: $site, channel: PHONE, category: "service",
      description: "slow", callerName: "Sun", callerCompany: "Sun Ltd", receivedAt: $at,
      households: 2, actingStaffId: $staff}}) {{
    complaint {{ {FILE_FIELDS} }} userErrors {{ code }} }}
}}"""

TRANSITION = f"""
mutation($id: ID!, $staff: ID!) {{
  transitionComplaint(input: {{complaintId: $id, to: ACKNOWLEDGED, actingStaffId: $staff}}) {{
    complaint {{ {FILE_FIELDS} }} userErrors {{ code }} }}
}}"""


async def test_answers_built_from_the_written_rows_are_the_stored_rows(pg_url: str) -> None:
    """Issue 8: ``checkInVisit``, ``fileComplaint`` and ``transitionComplaint`` answer from the
    rows they wrote, not
    from a re-read; the answer is byte for byte what reading the stored row gives (times
    given at +08:00 come back in UTC, unset columns null, the line's reception row there)."""
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = await add_staff(client, site, "Sales 0")
        at = "2026-11-24T09:30:00.123456+08:00"
        with counting(fd.db.engine) as seen:
            visit = (await client.data(CHECK_IN_AT, {"site": site, "at": at}))["checkInVisit"]
        assert not any(q.startswith("SELECT visits.") for q in seen), "\n".join(seen)
        assert visit["userErrors"] == [] and visit["visit"]["arrivedAt"].endswith("+00:00")
        node = f"query($id: ID!) {{ node(id: $id) {{ ... on Visit {{ {VISIT_FIELDS} }} }} }}"
        stored = (await client.data(node, {"id": visit["visit"]["id"]}))["node"]
        assert visit["visit"] == stored
        with counting(fd.db.engine) as seen:
            filed = (await client.data(FILE_AT, {"site": site, "staff": staff, "at": at}))[
                "fileComplaint"
            ]
        assert not any(q.startswith("SELECT complaints.") for q in seen), "\n".join(seen)
        assert filed["userErrors"] == []
        node = f"query($id: ID!) {{ node(id: $id) {{ ... on Complaint {{ {FILE_FIELDS} }} }} }}"
        stored = (await client.data(node, {"id": filed["complaint"]["id"]}))["node"]
        assert filed["complaint"] == stored
        # A transition answers from the row it changed, as well.
        with counting(fd.db.engine) as seen:
            moved = (
                await client.data(TRANSITION, {"id": filed["complaint"]["id"], "staff": staff})
            )["transitionComplaint"]
        assert not any(q.startswith("SELECT complaints.") and "FOR" not in q for q in seen), (
            "\n".join(seen)
        )
        assert moved["userErrors"] == [] and moved["complaint"]["status"] == "ACKNOWLEDGED"
        stored = (await client.data(node, {"id": filed["complaint"]["id"]}))["node"]
        assert moved["complaint"] == stored
    finally:
        await fd.stop()
