"""Issue 17: typed events and the live boards.

* ``ComplaintEvent`` is an interface: one type per kind (filed, transitioned, assigned,
  escalated, overdue, progress update, special case, fault verified, other) with typed fields
  and object links (``complaint``, ``actor``, ``handler`` …); the old generic fields still
  answer (deprecated).  The typed fields read payload keys the services really write, and
  docs/webhooks.md is generated from the same declarations.
* ``visitUpdates(siteId, after)`` (C-4) and ``rotationUpdates(siteId, after)`` (RE-1 …) have
  the resume guarantees of ``complaintUpdates``: replay after the cursor, then live, in order,
  none twice, across processes (the events table and the Redis doorbell).

Every wait is on state (a subscriber listening, an event received), never on time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_NOW, Client, start_frontdesk
from helpers import add_staff, check_in, gid, legacy, make_site
from test_complaints import _file, _move, _site, _staff
from test_subscriptions import GqlWs, make_token, serve

from core.complaint_rules import ComplaintStatus as S
from core.graphql import events as typed
from core.graphql import subscriptions
from core.runtime import Frontdesk
from core.services import complaints as svc
from schema.docs import webhooks_markdown

ROOT = Path(__file__).resolve().parent.parent

TYPED = """
subscription($site: ID, $after: String) {
  complaintUpdates(siteId: $site, after: $after) {
    __typename cursor id kind type complaintId
    complaint { id number status }
    site { id }
    number cycle note actor { name } decision { rule message }
    ... on ComplaintFiledEvent { severity category channel handler { name } firstResponseDue }
    ... on ComplaintTransitionedEvent { fromStatus toStatus resolutionDue }
    ... on ComplaintAssignedEvent { handler { name } previousHandler { name } }
    ... on ComplaintEscalatedEvent { level previousLevel }
    ... on ComplaintProgressUpdateEvent { progressUpdateDue }
    ... on ComplaintOverdueEvent { overdueKind due }
    ... on ComplaintOtherEvent { payload }
  }
}"""
VISITS = """
subscription($site: ID!, $after: String) {
  visitUpdates(siteId: $site, after: $after) {
    __typename cursor id kind type visit { id counted } receiver { name } counted
    corrects { id } note decision { rule } site { id }
  }
}"""
ROTATION = """
subscription($site: ID!, $after: String) {
  rotationUpdates(siteId: $site, after: $after) {
    __typename cursor id kind type businessDate staff { name } decision { rule } note
    rotation { upcomingMembers { name } members { name status receptions } }
  }
}"""
SET_ORDER = """mutation($s: ID!, $ids: [ID!]!) { setRotationOrder(input: {siteId: $s,
  staffIds: $ids}) { rotation { siteId } userErrors { field message code } } }"""
MARK = """mutation($s: ID!, $staff: ID!) { markSalesperson(input: {siteId: $s, staffId: $staff,
  status: BUSINESS_CALL, reason: "bank visit"}) { rotation { siteId }
  userErrors { field message code } } }"""
DISCOUNT = """mutation($v: ID!) { discountSurveyor(input: {visitId: $v, reason: "a surveyor"}) {
  decision { rule } userErrors { field message code } } }"""


async def listening(fd: Frontdesk, stream: str, count: int = 1) -> None:
    """Until ``count`` subscriptions of this process listen to ``stream`` (server state)."""
    feed = await subscriptions.stored_stream(fd, stream)
    async with asyncio.timeout(10):
        while len(feed._listeners._subscribers) < count:  # noqa: ASYNC110 - state, not time
            await asyncio.sleep(0.005)


async def updates(ws: GqlWs, field: str, count: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        message = await ws.receive()
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        out.append(message["payload"]["data"][field])
    return out


@pytest.fixture
async def url(fd: Frontdesk) -> AsyncIterator[str]:
    async with serve(fd) as ws_url:
        yield ws_url


@pytest.fixture
async def token(fd: Frontdesk) -> str:
    return await make_token(fd)


# --- typed complaint events ------------------------------------------------------------------


async def test_C_9_complaint_events_are_typed_with_links(fd, url, token):
    site = await _site(fd)
    li = await _staff(fd, site, "Li")
    wang = await _staff(fd, site, "Wang")
    zhao = await _staff(fd, site, "Zhao", "sales_manager")
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(TYPED, {"site": gid("Site", site)})
        await listening(fd, "complaints")
        complaint = await _file(fd, site, li)
        now = FIXED_NOW + timedelta(hours=1)
        await _move(fd, complaint.id, S.ACKNOWLEDGED, li, now, reason="called back")
        async with fd.write() as s:
            await svc.assign_complaint(s, complaint.id, wang, zhao, "knows the customer", now)
            await svc.escalate_complaint(s, complaint.id, zhao, "customer insists", now)
            await svc.record_progress_update(s, complaint.id, wang, "parts ordered", now)
        got = await updates(ws, "complaintUpdates", 6)

    filed, moved, took, given, escalated, progress = got
    number = complaint.number
    assert [e["__typename"] for e in got] == [
        "ComplaintFiledEvent",
        "ComplaintTransitionedEvent",
        "ComplaintAssignedEvent",
        "ComplaintAssignedEvent",
        "ComplaintEscalatedEvent",
        "ComplaintProgressUpdateEvent",
    ]
    assert [e["kind"] for e in got] == [
        "FILED",
        "TRANSITIONED",
        "ASSIGNED",
        "ASSIGNED",
        "ESCALATED",
        "PROGRESS_UPDATE",
    ]
    for e in got:  # links on every kind, and the deprecated generic fields still answer
        assert e["complaint"]["id"] == gid("Complaint", complaint.id) == e["complaintId"]
        assert e["complaint"]["number"] == number == e["number"]
        assert e["site"] == {"id": gid("Site", site)}
        assert e["cycle"] == 1
    assert filed["type"] == "complaint.filed" and filed["actor"] == {"name": "Li"}
    assert (filed["severity"], filed["category"], filed["channel"]) == (
        "general",
        "service",
        "PHONE",
    )
    assert filed["firstResponseDue"] is not None and filed["decision"]["rule"]
    assert (moved["fromStatus"], moved["toStatus"]) == ("RECEIVED", "ACKNOWLEDGED")
    assert moved["type"] == "complaint.acknowledged" and moved["note"] == "called back"
    # C-9: the first responder of an unassigned complaint handles it, then Zhao gives it on.
    assert took["handler"] == {"name": "Li"} and took["previousHandler"] is None
    assert given["handler"] == {"name": "Wang"} and given["previousHandler"] == {"name": "Li"}
    assert given["actor"] == {"name": "Zhao"} and given["note"] == "knows the customer"
    assert given["decision"]["rule"] == "C-9"
    assert (escalated["previousLevel"], escalated["level"]) == ("HANDLER", "SITE_HEAD")
    assert escalated["decision"]["rule"] == "C-10"
    assert progress["progressUpdateDue"] is not None and progress["note"] == "parts ordered"
    assert progress["decision"]["rule"] == "C-8"
    assert [int(e["id"]) for e in got] == sorted(int(e["id"]) for e in got)


async def test_C_8_overdue_events_have_no_actor_and_name_the_deadline(fd, url, token):
    site = await _site(fd)
    li = await _staff(fd, site, "Li")
    complaint = await _file(fd, site, li)
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(TYPED, {"site": gid("Site", site)})
        await listening(fd, "complaints")
        async with fd.write() as s:
            marks = await svc.sweep_overdue(s, FIXED_NOW + timedelta(days=30))
        got = await updates(ws, "complaintUpdates", len(marks))
    assert {e["__typename"] for e in got} == {"ComplaintOverdueEvent"}
    assert sorted(e["overdueKind"] for e in got) == sorted(m.kind.name for m in marks)
    assert all(e["actor"] is None and e["due"] for e in got)
    assert got[0]["complaint"]["id"] == gid("Complaint", complaint.id)


async def test_an_unknown_complaint_event_type_is_the_other_kind(fd, url, token):
    from test_subscriptions import complaint_event

    site = await make_site(Client(fd))
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(TYPED, {"site": site})
        await listening(fd, "complaints")
        await complaint_event(fd, site, "complaint.reviewed_by_line", 7, score=3)
        (got,) = await updates(ws, "complaintUpdates", 1)
    assert got["__typename"] == "ComplaintOtherEvent" and got["kind"] == "OTHER"
    assert got["payload"] == {"score": 3} and got["complaint"] is None
    assert got["actor"] is None and got["decision"] is None


async def test_the_fast_path_answers_kind_and_typename_as_execution_does(fd, url, token):
    """The complaintUpdates fast path (core/graphql/accel) names the concrete type and the
    kind exactly as stock GraphQL execution (a fragment sends the operation down that path)."""
    from test_subscriptions import complaint_event

    site = await make_site(Client(fd))
    fast = "subscription { complaintUpdates { __typename kind t: type cursor } }"
    slow = (
        "subscription { complaintUpdates { ...E } } "
        "fragment E on ComplaintEvent { __typename kind t: type cursor }"
    )
    async with GqlWs.connect(url, token) as a, GqlWs.connect(url, token) as b:
        await a.subscribe(fast, {})
        await b.subscribe(slow, {})
        await listening(fd, "complaints", 2)
        for kind in ("complaint.filed", "complaint.resolved", "complaint.overdue", "x.y"):
            await complaint_event(fd, site, kind)
        got_fast = await updates(a, "complaintUpdates", 4)
        got_slow = await updates(b, "complaintUpdates", 4)
    assert got_fast == got_slow
    assert [(e["__typename"], e["kind"]) for e in got_fast] == [
        ("ComplaintFiledEvent", "FILED"),
        ("ComplaintTransitionedEvent", "TRANSITIONED"),
        ("ComplaintOverdueEvent", "OVERDUE"),
        ("ComplaintOtherEvent", "OTHER"),
    ]


async def test_every_typed_field_reads_a_key_the_services_write(fd):
    """The typed fields (and the webhook docs made from them) name real payload keys: each
    kind's stored events carry every key its type declares."""
    site = await _site(fd)
    li = await _staff(fd, site, "Li")
    wang = await _staff(fd, site, "Wang")
    complaint = await _file(fd, site, li)
    now = FIXED_NOW + timedelta(hours=1)
    await _move(fd, complaint.id, S.ACKNOWLEDGED, li, now)
    async with fd.write() as s:
        await svc.assign_complaint(s, complaint.id, wang, li, "", now)
        await svc.escalate_complaint(s, complaint.id, li, "insists", now)
        await svc.record_progress_update(s, complaint.id, wang, "parts ordered", now)
        await svc.mark_special_case(s, complaint.id, wang, "needs the supplier", now)
    async with fd.write() as s:
        await svc.sweep_overdue(s, now + timedelta(days=60))
    stored = await subscriptions.load_events(fd, "complaints", 0, 100)
    optional = {"recorded_by_staff_id"}  # only when a token acts for another staff member
    seen = set()
    for e in stored:
        cls = typed._complaint_kind_and_class(e.type)[1]
        seen.add(cls.__name__)
        keys = {k.key for _name, k, _t, _d in typed.payload_keys(cls)} - optional
        assert keys <= set(e.payload), (e.type, keys - set(e.payload))
    assert len(seen) == 7  # every kind but fault verified (tests/test_complaints.py) and other


def test_docs_webhooks_md_is_generated_from_the_event_types() -> None:
    committed = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    assert committed == webhooks_markdown(), "docs/webhooks.md is stale: run `frontdesk docs`"
    for cls, _types in typed.COMPLAINT_EVENT_TYPES:
        assert f"`{cls.__strawberry_definition__.name}`" in committed
    assert "`handler_id`" in committed and "`previous_handler_id`" in committed


# --- the live visit and rotation boards --------------------------------------------------------


async def _office(client: Client, name: str = "Sunrise") -> tuple[str, list[str]]:
    site = await make_site(client, name)
    staff = [await add_staff(client, site, name) for name in ("Li", "Wang", "Zhao")]
    return site, staff


async def test_C_4_visit_board_live_then_resumed_after_a_reconnect(fd, url, token):
    client = Client(fd)
    site, _staff_ids = await _office(client)
    other, _ = await _office(client, "Riverside")
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(VISITS, {"site": site})
        await listening(fd, "visits")
        first = (await check_in(client, site))["visit"]
        await check_in(client, other)  # another site: not on this board
        (live,) = await updates(ws, "visitUpdates", 1)
        await ws.silent_for(0.2)
    assert live["__typename"] == "VisitEvent" and live["kind"] == "CHECKED_IN"
    assert live["visit"] == {"id": first["id"], "counted": True}
    assert live["receiver"] == {"name": first["receiver"]["name"]} and live["counted"] is True
    assert live["decision"]["rule"] and live["site"] == {"id": site}

    # Disconnected: two check-ins and a correction (RE-8) happen meanwhile.
    second = (await check_in(client, site))["visit"]
    third = (await check_in(client, site))["visit"]
    await client.data(DISCOUNT, {"v": second["id"]})
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(VISITS, {"site": site, "after": live["cursor"]})
        missed = await updates(ws, "visitUpdates", 3)
        fourth = (await check_in(client, site))["visit"]
        (after,) = await updates(ws, "visitUpdates", 1)
        await ws.silent_for(0.2)
    assert [e["kind"] for e in missed] == ["CHECKED_IN", "CHECKED_IN", "CORRECTED"]
    assert [e["visit"]["id"] for e in missed[:2]] == [second["id"], third["id"]]
    corrected = missed[2]
    assert corrected["corrects"] == {"id": second["id"]} and corrected["note"] == "a surveyor"
    assert corrected["visit"]["counted"] is False
    assert after["visit"]["id"] == fourth["id"]
    ids = [int(e["id"]) for e in [live, *missed, after]]
    assert ids == sorted(set(ids))


async def test_RE_1_rotation_board_shows_each_change_and_resumes(fd, url, token):
    client = Client(fd)
    site, (li, wang, zhao) = await _office(client)
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(ROTATION, {"site": site})
        await listening(fd, "visits")  # the rotation board follows the visits stream
        await client.data(SET_ORDER, {"s": site, "ids": [wang, li, zhao]})
        visit = (await check_in(client, site))["visit"]
        order_set, received = await updates(ws, "rotationUpdates", 2)
    assert order_set["kind"] == "ORDER_SET" and order_set["decision"] == {"rule": "RE-1"}
    assert [m["name"] for m in order_set["rotation"]["upcomingMembers"]] == ["Wang", "Li", "Zhao"]
    assert received["kind"] == "RECEPTION" and received["staff"] == {"name": "Wang"}
    assert visit["receiver"]["name"] == "Wang"
    assert [m["name"] for m in received["rotation"]["upcomingMembers"]] == ["Li", "Zhao", "Wang"]
    counts = {m["name"]: m["receptions"] for m in received["rotation"]["members"]}
    assert counts == {"Wang": 1, "Li": 0, "Zhao": 0}

    # Disconnected: Li goes on a business call (RE-2), Zhao receives the next visitor.
    await client.data(MARK, {"s": site, "staff": li})
    await check_in(client, site)
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(ROTATION, {"site": site, "after": received["cursor"]})
        marked, zhao_received = await updates(ws, "rotationUpdates", 2)
        await ws.silent_for(0.2)
    assert marked["kind"] == "STATUS_CHANGED" and marked["staff"] == {"name": "Li"}
    assert marked["note"] == "bank visit"
    assert {m["name"]: m["status"] for m in marked["rotation"]["members"]}["Li"] == (
        "BUSINESS_CALL"
    )
    assert zhao_received["kind"] == "RECEPTION" and zhao_received["staff"] == {"name": "Zhao"}
    # The rotation as of each event, not as of now.
    assert received["rotation"] != zhao_received["rotation"]


async def test_rotation_updates_refuse_an_unknown_site_and_a_bad_cursor(fd, url, token):
    sales = await make_site(Client(fd))
    for variables in ({"site": gid("Site", 999)}, {"site": sales, "after": "nonsense"}):
        async with GqlWs.connect(url, token) as ws:
            await ws.subscribe(ROTATION, variables)
            message = await ws.receive()
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            wanted = "INVALID_CURSOR" if "after" in variables else "SITE_NOT_FOUND"
            assert errors[0]["extensions"]["code"] == wanted, message


# --- PostgreSQL + Redis: two writer processes ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_writers_reach_the_boards_of_another_process_in_order_once(pg_url, redis_url):
    """Two Frontdesks (as two processes: own engines, own buses, one Redis) check visitors in
    at two sales offices at once; subscribers on a third see every visit and rotation event
    of their site once, in id order, and resume from a cursor without loss or duplicate."""
    writers = [await start_frontdesk(pg_url, redis_url=redis_url) for _ in range(2)]
    reader = await start_frontdesk(pg_url, redis_url=redis_url)
    try:
        client = Client(writers[0])
        site, _staff_ids = await _office(client)
        token = await make_token(reader)
        async with (
            serve(reader) as url,
            GqlWs.connect(url, token) as visits,
            GqlWs.connect(url, token) as rotation,
        ):
            await visits.subscribe(VISITS, {"site": site})
            await rotation.subscribe(ROTATION, {"site": site})
            await listening(reader, "visits", 2)  # both boards follow the visits stream

            async def desk(fd: Frontdesk, n: int) -> list[str]:
                return [(await check_in(Client(fd), site))["visit"]["id"] for _ in range(n)]

            done = await asyncio.gather(desk(writers[0], 6), desk(writers[1], 6))
            got_visits = await updates(visits, "visitUpdates", 12)
            got_rotation = await updates(rotation, "rotationUpdates", 12)
            await visits.silent_for(0.3)
        written = sorted(legacy(v) for d in done for v in d)
        assert sorted(legacy(e["visit"]["id"]) for e in got_visits) == written
        for got in (got_visits, got_rotation):
            ids = [int(e["id"]) for e in got]
            assert ids == sorted(set(ids))
        # The rotation count after the last event is every reception (RE-15).
        last = got_rotation[-1]["rotation"]["members"]
        assert sum(m["receptions"] for m in last) == 12

        # Resume on the reader from the sixth event: exactly the six after it.
        async with serve(reader) as url, GqlWs.connect(url, token) as again:
            await again.subscribe(VISITS, {"site": site, "after": got_visits[5]["cursor"]})
            resumed = await updates(again, "visitUpdates", 6)
            await again.silent_for(0.3)
        assert [e["id"] for e in resumed] == [e["id"] for e in got_visits[6:]]
    finally:
        for fd in (*writers, reader):
            await fd.stop()


async def test_rotation_updates_of_a_switched_off_line_answer_line_disabled(sqlite_url):
    """Issue 17: the field stays in the schema while the real-estate line is off."""
    fd = await start_frontdesk(sqlite_url, enable=())
    try:
        token = await make_token(fd)
        async with serve(fd) as url, GqlWs.connect(url, token) as ws:
            await ws.subscribe(ROTATION, {"site": gid("Site", 1)})
            message = await ws.receive()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "LINE_DISABLED", message
    finally:
        await fd.stop()


# --- real server processes (PostgreSQL + Redis) -------------------------------------------------


@pytest.fixture
async def cluster(pg_url: str, redis_url: str) -> AsyncIterator[Any]:
    """Two server processes on one PostgreSQL and one Redis (as in test_multiprocess.py)."""
    import os

    import test_multiprocess as mp

    fd = await start_frontdesk(pg_url, redis_url=redis_url)
    try:
        token = await make_token(fd, "admin")
    finally:
        await fd.stop()
    env = {
        **os.environ,
        "FRONTDESK_DATABASE_URL": pg_url,
        "FRONTDESK_REDIS_URL": redis_url,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)]),
    }
    servers = [mp.Server.spawn(env), mp.Server.spawn(env)]
    try:
        await asyncio.gather(*(s.ready() for s in servers))
        yield mp.Cluster(servers[0], servers[1], token, env)
    finally:
        for server in servers:
            server.stop()


CHECK_IN_GQL = """mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id }
  userErrors { field message code } } }"""


@pytest.mark.postgres
@pytest.mark.redis
async def test_the_boards_follow_check_ins_on_two_server_processes(cluster):
    """Two uvicorn processes (test_multiprocess's cluster) both check visitors in; the visit
    and rotation boards on process one see each once, in order, and resume after a
    reconnect with exactly what they missed."""
    one, two = cluster.one, cluster.two
    site, _staff = await _mp_site_and_staff(cluster, two)

    async def visit_on(server: Any) -> str:
        data = await cluster.gql(server, CHECK_IN_GQL, {"s": site})
        return data["checkInVisit"]["visit"]["id"]

    async with GqlWs.connect(one.ws, cluster.token) as visits:
        await visits.subscribe(VISITS, {"site": site})
        # Ready when a check-in on process two is heard (state, not a guess at time): probes
        # committed before the subscription listened are never sent, every later one is.
        probes: list[str] = []
        first: dict[str, Any] | None = None
        for _ in range(40):
            probes.append(await visit_on(two))
            try:
                message = await visits.receive(within=0.5)
            except TimeoutError:
                continue
            first = message["payload"]["data"]["visitUpdates"]
            while first["visit"]["id"] != probes[-1]:
                first = (await updates(visits, "visitUpdates", 1))[0]
            break
        assert first is not None, "the board on process one never heard process two"
        live = await asyncio.gather(visit_on(one), visit_on(two))
        got = await updates(visits, "visitUpdates", 2)
        assert sorted(e["visit"]["id"] for e in got) == sorted(live)
        assert int(got[0]["id"]) < int(got[1]["id"])

    # Disconnected: four more check-ins, two per process, at the same time.
    missed = await asyncio.gather(*(visit_on(s) for s in (one, two, one, two)))
    async with GqlWs.connect(one.ws, cluster.token) as visits:
        await visits.subscribe(VISITS, {"site": site, "after": got[-1]["cursor"]})
        resumed = await updates(visits, "visitUpdates", 4)
        await visits.silent_for(0.5)
    assert sorted(e["visit"]["id"] for e in resumed) == sorted(missed)
    ids = [int(e["id"]) for e in resumed]
    assert ids == sorted(set(ids)) and ids[0] > int(got[-1]["id"])

    # The rotation board replays every reception since the start, in order, once.
    async with GqlWs.connect(one.ws, cluster.token) as rotation:
        await rotation.subscribe(ROTATION, {"site": site, "after": first["cursor"]})
        changes = await updates(rotation, "rotationUpdates", 6)
        await rotation.silent_for(0.5)
    assert {e["kind"] for e in changes} == {"RECEPTION"}
    assert [int(e["id"]) for e in changes] == sorted({int(e["id"]) for e in changes})
    total = sum(m["receptions"] for m in changes[-1]["rotation"]["members"])
    assert total == len(probes) + 6


async def _mp_site_and_staff(cluster: Any, server: Any) -> tuple[str, str]:
    from test_multiprocess import _site_and_staff

    return await _site_and_staff(cluster, server)
