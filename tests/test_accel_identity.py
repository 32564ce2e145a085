"""The speed layer answers exactly what stock strawberry / graphql-core answers (issue 7).

A battery of operations runs on the same demo-like data through stock execution
(``Settings.accel`` off: graphql-core's execution context, strawberry's HTTP view and
subscription handling) and through each fast path, and the JSON must be byte-identical:

* in process: the fast executor with compiled completions, and without them;
* over HTTP: the real Starlette app (httpx ASGI transport), slim JSON POST path vs. strawberry's
  view: status, content type and body bytes;
* subscriptions: ``complaintUpdates`` replayed from a cursor over a real WebSocket, the fast
  path vs. stock strawberry: the same text frames.

Every root ``Query`` field of the committed SDL gets a generated case (its whole selection,
generated from the SDL) with realistic arguments; a new root field without arguments here, or
a listed exception, fails :func:`test_every_root_query_field_of_the_sdl_is_in_the_battery`.
Hand-written cases add fragments, aliases, variables, directives, nulls and errors (not found,
bad cursor, permission refusal, validation); every case runs as an admin and as the read-only
front end (C-13: phone numbers masked, admin fields refused).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest
from conftest import SHANGHAI, Client, start_frontdesk
from graphql import (
    GraphQLObjectType,
    OperationDefinitionNode,
    build_schema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    parse,
)
from graphql.pyutils import Undefined
from helpers import add_staff, legacy, register
from sqlalchemy import func, select
from test_subscriptions import GqlWs, serve

from core import auth
from core.app import FrontdeskGraphQL, create_app
from core.auth import Actor, Role
from core.demo import load_demo
from core.graphql.accel import STATS, executor
from core.graphql.context import Context
from core.graphql.types import encode_cursor
from core.models import Booking, Event, Site
from core.runtime import Frontdesk
from core.settings import Settings
from plugins.fitnessclub.models import CardSale
from schema.build import SDL_PATH
from schema.build import build_schema as compose_schema

ADMIN = Actor(role=Role.ADMIN, name="identity admin")
FRONTEND = Actor(role=Role.FRONTEND, name="identity front end")
# Generous limits (the same for both paths): the generated selections are large on purpose.
LIMITS = {"max_tokens": 100_000, "max_depth": 20, "max_aliases": 30}
DEPTH = 3  # object levels generated below a root field

# Realistic arguments for every root Query field ({site} etc. are the fixture's ids).
ROOT_ARGUMENTS: dict[str, str] = {
    "apiVersion": "",
    "plugins": "",
    "sites": "(first: 10)",
    "site": '(id: "{site}")',
    "customers": '(siteId: "{site}", first: 5)',
    "customer": '(id: "{customer}")',
    "staff": '(siteId: "{site}", first: 10)',
    "staffMember": '(id: "{staff}")',
    "visits": '(siteId: "{site}", first: 20)',
    "visit": '(id: "{visit}")',
    "penalties": '(siteId: "{site}", first: 10)',
    "penaltyRules": '(businessLine: "realestate")',
    "saleAttribution": (
        '(siteId: "{site}", customerId: "{customer}", closedById: "{staff}", '
        'soldAt: "2026-11-24T12:00:00+08:00")'
    ),
    "auditLog": "(first: 20)",
    "apiTokens": "",
    "exportCustomers": '(siteId: "{site}", use: INTERNAL)',
    "hostingPolicy": "",
    "webhookEndpoints": "",
    "webhookDeliveries": '(endpointId: "{endpoint}", first: 20)',
    "complaint": '(id: "{complaint}")',
    "complaintByNumber": '(siteId: "{site}", number: "{number}")',
    "complaints": '(siteId: "{site}", first: 10)',
    "overdueComplaints": '(siteId: "{site}", now: "2026-12-24T10:00:00+08:00")',
    "complaintStatistics": '(siteId: "{site}", period: MONTH, start: "2026-11-01")',
    "rotation": '(siteId: "{site}", businessDate: "2026-11-24")',
    "departments": '(siteId: "{site}")',
    "shifts": '(siteId: "{site}", fromDate: "2026-11-01", toDate: "2026-11-30")',
    "onDuty": '(siteId: "{site}", at: "2026-11-24T12:00:00+08:00")',
    "shiftSwaps": '(siteId: "{site}")',
    # The fitness club (issue 14): the demo club and the sale the fixture adds at its clock.
    "fitnessSale": '(id: "{club_sale}")',
    "fitnessSales": '(siteId: "{club}", month: "{club_month}")',
    "fitnessClaims": '(saleId: "{club_sale}")',
    "fitnessEvidence": '(siteId: "{club}", customerId: "{club_customer}")',
    "fitnessConsultantMonth": (
        '(siteId: "{club}", staffId: "{club_staff}", month: "{club_month}")'
    ),
    "fitnessOpenClaims": '(siteId: "{club}")',
    "fitnessMonthReport": '(siteId: "{club}", month: "{club_month}")',
    "fitnessMayTakeOver": (
        '(siteId: "{club}", consultantId: "{club_staff}", receiverId: "{club_closer}", '
        "hasAppointment: true, receiverHasOwnCustomerInGroup: true)"
    ),
    # The property project (issue 15): the demo project, its technician, the demo's month.
    "propertyFrontDesk": '(siteId: "{project}", date: "{project_day}")',
    "propertyVisitors": '(siteId: "{project}", first: 5)',
    "propertyUnits": '(siteId: "{project}", first: 5)',
    "propertyTechnicianMonth": '(staffId: "{project_technician}", month: "{project_day}")',
    "propertyProjectMonth": '(siteId: "{project}", month: "{project_day}")',
    "propertySurveyOpinions": '(siteId: "{project}", first: 5)',
    "propertyPaidServices": '(siteId: "{project}", first: 5)',
    # The KTV venue (issue 16): the demo night (loaded at the real clock: its bookings link
    # registered guests, whose own links — site, group, ownerStaff — resolve, issue 17) and a
    # booking agent's month.
    "ktvTonight": '(siteId: "{venue}", businessDate: "{venue_night}")',
    "ktvStaffMonth": '(staffId: "{venue_staff}")',
    "ktvOverdueKnowledgeChecks": '(siteId: "{venue}")',
    "attendance": '(siteId: "{site}", fromDate: "2026-11-01", toDate: "2026-11-30")',
    "leaveRequests": '(siteId: "{site}", fromDate: "2026-11-01", toDate: "2026-11-30")',
    "monthPoints": '(staffId: "{staff}", month: "2026-11-01")',
    "staffPay": '(staffId: "{staff}")',
    "meeting": '(id: "{site}")',
    "appointments": (
        '(siteId: "{site}", fromAt: "2026-11-01T00:00:00+08:00", toAt: "2026-12-01T00:00:00+08:00")'
    ),
    "bookings": '(siteId: "{site}", businessDate: "2026-11-24")',
    # Their connections (issue 17).
    "attendanceRecords": '(siteId: "{site}", fromDate: "2026-11-01", toDate: "2026-11-30")',
    "leaveRequestsPage": '(siteId: "{site}", fromDate: "2026-11-01", toDate: "2026-11-30")',
    "appointmentsPage": (
        '(siteId: "{site}", fromAt: "2026-11-01T00:00:00+08:00", toAt: "2026-12-01T00:00:00+08:00")'
    ),
    "bookingsPage": '(siteId: "{site}", businessDate: "2026-11-24", first: 5)',
    "node": '(id: "{visit}")',
    "viewer": "",
    "nodes": '(ids: ["{site}", "{staff}", "{customer}", "{complaint}"])',
}
# Root fields deliberately not in the battery, each with the reason (none at present).
EXEMPT: dict[str, str] = {}

HAND_WRITTEN: list[tuple[str, dict[str, Any]]] = [
    # fragments (named, nested, inline), aliases, the same field twice
    (
        """fragment Who on Staff { id name role }
           fragment V on Visit { id arrivedAt receiver { ...Who } namedStaff { ...Who }
                                 ... on Visit { counted realestate { ...R } } }
           fragment R on RealEstateReception { madeUpTurn skipped { staffId } }
           query($site: ID!) {
             page: visits(siteId: $site, first: 10) {
               rows: edges { c: cursor n: node { ...V who: customer { nm: name ph: phone } } }
               nodes { id customer { id } }
               ... on VisitConnection { info: pageInfo { more: hasNextPage endCursor } } }
             again: visits(siteId: $site, first: 2) { edges { node { id } } } }""",
        {"site": "{site}"},
    ),
    # variables with defaults, directives, an explicit null argument
    (
        """query($site: ID!, $first: Int = 3, $yes: Boolean!, $no: Boolean = false,
                 $counted: Boolean) {
             visits(siteId: $site, first: $first, counted: $counted) { edges { node {
               id customer @include(if: $yes) { name phone } receiver @skip(if: $yes) { id }
               namedStaff @include(if: $no) { id } } } } }""",
        {"site": "{site}", "yes": True, "counted": None},
    ),
    # nulls: a visit without a customer, a missing object, an unknown complaint number
    (
        """query($site: ID!) { visits(siteId: $site, first: 30) { nodes { id customer { id }
             namedStaff { id } realestate { skipped { staffId } } } }
             complaintByNumber(siteId: $site, number: "2611-9999") { id }
             visit(id: "999999") { id } customer(id: "999999") { id } }""",
        {"site": "{site}"},
    ),
    # the next page through a cursor, and filters
    (
        """query($site: ID!, $after: String!) { visits(siteId: $site, first: 5, after: $after) {
             edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
             customers(siteId: $site, nameContains: "Zhou") { nodes { id name phone } } }""",
        {"site": "{site}", "after": "{cursor}"},
    ),
    # errors: bad cursor, page size, bad id, unknown site, bad variable, unknown field, syntax
    (
        'query($site: ID!) { visits(siteId: $site, after: "nope") { nodes { id } } }',
        {"site": "{site}"},
    ),
    (
        "query($site: ID!) { visits(siteId: $site, first: 1000) { nodes { id } } }",
        {"site": "{site}"},
    ),
    ('{ visits(siteId: "abc") { nodes { id } } }', {}),
    ('{ visits(siteId: "999999") { nodes { id } } site(id: "999999") { id } }', {}),
    ("query($first: Int!) { sites(first: $first) { nodes { id } } }", {"first": "ten"}),
    ("{ sites { nodes { id nope } } }", {}),
    ("{ sites { nodes { id ", {}),
    # several operations, one chosen
    ("query A { plugins { code } } query B { sites { nodes { id } } }", {"__operation": "B"}),
    # mixed: a permitted field next to an admin one (the front end is refused as a whole)
    ("{ plugins { code } auditLog(first: 1) { nodes { id } } }", {}),
    # Schema 1.0: Relay refetch through the Node interface (an unknown type answers null)
    (
        """query($v: ID!, $s: ID!) {
             node(id: $v) { __typename id ... on Visit { legacyId site { name }
                                                         customer { id name phone } } }
             nodes(ids: [$v, $s, "Tm9wZTox"]) { __typename id ... on Site { name } } }""",
        {"v": "{visit}", "s": "{site}"},
    ),
    # backward pages in an order, totalCount, object links in a page
    (
        """query($site: ID!) {
             visits(siteId: $site, last: 3, orderBy: {field: ARRIVED_AT, direction: ASC}) {
               totalCount edges { cursor node { id legacyId site { id } corrects { id } } }
               pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
             penalties(siteId: $site, first: 5) {
               nodes { id issuedBy { id name } revokes { id }
                       amountMoney { amount currency } } } }""",
        {"site": "{site}"},
    ),
]


@dataclass
class World:
    ids: dict[str, str]
    tokens: dict[str, str]


@pytest.fixture
async def fd(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    """The speed layer on, whatever FRONTDESK_ACCEL says (this file compares it with stock)."""
    await load_demo(
        sqlite_url, ["realestate", "fitnessclub", "property", "ktv"], lambda _message: None
    )
    app = await start_frontdesk(sqlite_url, accel=True, **LIMITS)
    yield app
    await app.stop()


FILE = """mutation($input: FileComplaintInput!) { fileComplaint(input: $input) {
  complaint { id number } userErrors { field message code } } }"""
TRANSITION = """mutation($id: ID!, $actor: ID) { transitionComplaint(input: {complaintId: $id,
  to: ACKNOWLEDGED, actingStaffId: $actor}) { complaint { id } userErrors { field message code }
    } }"""
ISSUE = """mutation($staff: ID!) { issuePenalty(input: {staffId: $staff, ruleCode: "C-14-staff",
  amount: "200", reason: "rude to a customer"}) { penalty { id } userErrors { field message code
    } } }"""
CLUB_SHEET = """mutation($input: RecordFollowUpSheetInput!) {
  recordFollowUpSheet(input: $input) { sheet { id } userErrors { field message code } } }"""
CLUB_SALE = """mutation($input: RecordCardSaleInput!) { recordCardSale(input: $input) { sale { id
  } userErrors { field message code } } }"""
HOOK = """mutation { registerWebhookEndpoint(input: {url: "https://crm.example.com/hooks",
  eventTypes: ["complaint.*"], secret: "0123456789abcdef0123"}) { endpoint { id } userErrors {
    field message code } } }"""


@pytest.fixture
async def world(fd: Frontdesk, client: Client) -> World:
    """The demo sales office plus a complaint, a penalty, a webhook endpoint and tokens; the
    demo club plus a sale still open to a claim at the client's clock."""
    data = await client.data("""{ sites { nodes { id businessLine } } }""")
    sites = {n["businessLine"]: n["id"] for n in data["sites"]["nodes"]}
    site = sites["realestate"]
    page = await client.data(
        """query($s: ID!) { staff(siteId: $s, first: 50) { nodes { id role } }
             customers(siteId: $s, first: 50) { nodes { id } }
             visits(siteId: $s, first: 5) { nodes { id } pageInfo { endCursor } } }""",
        {"s": site},
    )
    staff = page["staff"]["nodes"]
    sales = [s["id"] for s in staff if s["role"] == "salesperson"]
    manager = await add_staff(client, site, "Gao Jun", role="general_manager")
    endpoint = (await client.data(HOOK))["registerWebhookEndpoint"]["endpoint"]["id"]
    filed = await client.data(
        FILE,
        {
            "input": {
                "siteId": site,
                "channel": "PHONE",
                "category": "service",
                "description": "nobody called back about the parking space",
                "actingStaffId": sales[0],
                "callerCompany": "Acme Ltd",
                "callerName": "Zhang San",
            }
        },
    )
    complaint = filed["fileComplaint"]["complaint"]
    await client.data(TRANSITION, {"id": complaint["id"], "actor": sales[0]})
    await client.data(ISSUE, {"staff": sales[1]})
    club = await _club_ids(client, sites["fitnessclub"])
    project = await _project_ids(client, sites["property"])
    venue_staff = await client.data(
        """query($s: ID!) { staff(siteId: $s, first: 10) { nodes { id role } } }""",
        {"s": sites["ktv"]},
    )
    agent = next(n["id"] for n in venue_staff["staff"]["nodes"] if n["role"] == "booking_agent")
    async with client.app.db.session() as s:
        night = await s.scalar(
            select(func.max(Booking.business_date))
            .join(Site, Site.id == Booking.site_id)
            .where(Site.business_line == "ktv", Booking.customer_id.is_not(None))
        )
        assert night is not None, "the demo venue has no booking of a registered guest"
    tokens = {}
    async with fd.write() as s:
        for role in ("admin", "frontend"):
            _token, secret = await auth.create_token(
                s, name=f"identity {role}", role=role, now=client.now
            )
            tokens[role] = f"Bearer {secret}"
    ids = {
        "site": site,
        "staff": sales[0],
        "manager": manager,
        "customer": page["customers"]["nodes"][0]["id"],
        "visit": page["visits"]["nodes"][0]["id"],
        "cursor": page["visits"]["pageInfo"]["endCursor"],
        "endpoint": endpoint,
        "complaint": complaint["id"],
        "number": complaint["number"],
        **club,
        **project,
        "venue": sites["ktv"],
        "venue_staff": agent,
        "venue_night": night.isoformat(),
    }
    return World(ids=ids, tokens=tokens)


async def _project_ids(client: Client, project: str) -> dict[str, str]:
    """The demo property project, its first technician and the day of its repairs."""
    page = await client.data(
        """query($s: ID!) { staff(siteId: $s, first: 10) { nodes { id role } }
             propertyVisitors(siteId: $s, first: 1) { nodes { registeredAt } } }""",
        {"s": project},
    )
    technician = next(n["id"] for n in page["staff"]["nodes"] if n["role"] == "technician")
    [visitor] = page["propertyVisitors"]["nodes"]
    day = datetime.fromisoformat(visitor["registeredAt"]).astimezone(SHANGHAI).date()
    return {
        "project": project,
        "project_technician": technician,
        "project_day": day.isoformat(),
    }


async def _club_ids(client: Client, club: str) -> dict[str, str]:
    """The demo club's contested sale (last month: its claims, evidence, the month) and a
    consultant; plus a sale at the client's clock that Wang Fang's sheet keeps open to a claim."""
    page = await client.data(
        """query($s: ID!) { staff(siteId: $s, first: 10) { nodes { id name } }
             customers(siteId: $s, first: 10) { nodes { id } } }""",
        {"s": club},
    )
    staff = {n["name"]: n["id"] for n in page["staff"]["nodes"]}
    async with client.app.db.session() as s:
        sale = await s.scalar(select(CardSale).order_by(CardSale.id).limit(1))
        assert sale is not None, "the demo club has no sale"
        sale_id, buyer, sold_at = sale.id, sale.buyer_id, sale.sold_at
    customer = (await register(client, club, "Identity Member", phone="13812349999"))["id"]
    sheet = {"siteId": club, "consultantId": staff["Wang Fang"], "customerId": customer}
    sheet |= {"surname": "Identity", "phone": "13812349999"}
    await client.data(CLUB_SHEET, {"input": sheet})
    sold = {"siteId": club, "closerId": staff["Zhao Lei"], "buyerId": customer}
    sold |= {"price": "3680.00", "surname": "Identity", "phone": "13812349999"}
    await client.data(CLUB_SALE, {"input": sold})
    return {
        "club": club,
        "club_staff": staff["Wang Fang"],
        "club_closer": staff["Zhao Lei"],
        "club_customer": str(buyer),
        "club_sale": str(sale_id),
        "club_month": sold_at.astimezone(SHANGHAI).date().isoformat(),
    }


# --- the battery ----------------------------------------------------------------------------------


def _sdl_schema() -> Any:
    return build_schema(SDL_PATH.read_text())


def _selection(gql_type: GraphQLObjectType, depth: int, ancestors: tuple[str, ...]) -> str:
    """Every field of ``gql_type`` without required arguments, objects ``depth`` levels deep."""
    parts = ["__typename"]
    for name, field in gql_type.fields.items():
        if any(
            is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()
        ):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif depth > 0 and named.name not in ancestors:
            inner = _selection(named, depth - 1, (*ancestors, gql_type.name))  # type: ignore[arg-type]
            parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


def generated_cases(ids: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(root field, operation selecting all of it) for every root field with arguments."""
    query_type = _sdl_schema().query_type
    out = []
    for name, field in query_type.fields.items():
        if name not in ROOT_ARGUMENTS:
            continue
        named = get_named_type(field.type)
        body = "" if is_leaf_type(named) else f" {{ {_selection(named, DEPTH, ('Query',))} }}"
        arguments = ROOT_ARGUMENTS[name].format(**ids) if ids else ROOT_ARGUMENTS[name]
        out.append((name, f"query {{ {name}{arguments}{body} }}"))
    return out


def battery(world: World) -> list[tuple[str, str, dict[str, Any], str | None]]:
    """(label, query, variables, operation name) with the fixture's ids filled in."""
    out = []
    for name, query in generated_cases(world.ids):
        out.append((f"root {name}", query, {}, None))
    for n, (query, variables) in enumerate(HAND_WRITTEN):
        variables = dict(variables)
        operation = variables.pop("__operation", None)
        filled = {
            k: v.format(**world.ids) if isinstance(v, str) else v for k, v in variables.items()
        }
        out.append((f"hand-written {n}", query, filled, operation))
    return out


def _root_fields(query: str) -> set[str]:
    try:
        document = parse(query)
    except Exception:  # noqa: BLE001 - the syntax-error case selects nothing
        return set()
    return {
        s.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        for s in d.selection_set.selections
        if hasattr(s, "name")
    }


def test_every_root_query_field_of_the_sdl_is_in_the_battery() -> None:
    sdl_fields = set(_sdl_schema().query_type.fields)
    covered = set()
    for _name, query in generated_cases():
        covered |= _root_fields(query)
    missing = sdl_fields - covered - set(EXEMPT)
    assert not missing, f"root Query fields without a case in ROOT_ARGUMENTS: {sorted(missing)}"
    assert not (set(ROOT_ARGUMENTS) - sdl_fields), "ROOT_ARGUMENTS names fields not in the SDL"
    assert not (set(EXEMPT) & covered), "an exempted field has a case: drop the exemption"


# --- in process -----------------------------------------------------------------------------------


def _json(result: Any) -> bytes:
    errors = [e.formatted for e in result.errors] if result.errors else None
    return orjson.dumps({"data": result.data, "errors": errors})


async def _execute(fd: Frontdesk, actor: Actor, query: str, variables: dict, op: str | None):
    client = Client(fd, actor=actor)
    result = await fd.schema.execute(
        query,
        variable_values=variables,
        context_value=Context(app=client.app, fixed_now=client.now, actor=client.actor),
        operation_name=op,
    )
    return _json(result)


async def test_the_fast_executor_and_compiled_completions_answer_like_stock(
    fd, stock_fd, world, monkeypatch
):
    assert fd.settings.accel and not stock_fd.settings.accel
    assert fd.schema.execution_context_class.__mro__[1] is executor.FastExecutionContext
    errors_before = sum(STATS.errors.values())
    checked = 0
    for actor in (ADMIN, FRONTEND):
        for label, query, variables, op in battery(world):
            stock = await _execute(stock_fd, actor, query, variables, op)
            fast = await _execute(fd, actor, query, variables, op)
            again = await _execute(fd, actor, query, variables, op)  # compiled cache hit
            monkeypatch.setattr(executor.FastExecutionContext, "compile", False)
            uncompiled = await _execute(fd, actor, query, variables, op)
            monkeypatch.setattr(executor.FastExecutionContext, "compile", True)
            where = f"{label} as {actor.role}"
            assert fast == stock, where
            assert again == stock, where
            assert uncompiled == stock, where
            checked += 1
            if label.startswith("root ") and actor is ADMIN:
                assert b'"data":null' not in stock, f"{where}: the case itself fails: {stock!r}"
    assert checked == 2 * len(battery(world))
    assert sum(STATS.errors.values()) == errors_before


async def test_masking_and_refusals_are_in_the_battery(fd, world):
    """The battery does exercise what it claims: masked phones and permission refusals."""
    customers = next(q for label, q, _v, _o in battery(world) if label == "root customers")
    front = orjson.loads(await _execute(fd, FRONTEND, customers, {}, None))
    admin = orjson.loads(await _execute(fd, ADMIN, customers, {}, None))
    phones = [e["node"]["phone"] for e in front["data"]["customers"]["edges"]]
    assert phones and all("*" in p for p in phones if p)
    assert admin["data"]["customers"]["edges"][0]["node"]["phone"] != phones[0]
    # The club's cases answer with data: masked numbers for the front end, an open claim.
    evidence = next(q for label, q, _v, _o in battery(world) if label == "root fitnessEvidence")
    sheets = orjson.loads(await _execute(fd, FRONTEND, evidence, {}, None))["data"]
    [sheet] = sheets["fitnessEvidence"]["followUpSheets"]
    assert sheet["phone"] == "139****9001" and sheet["decision"]["rule"]
    full = orjson.loads(await _execute(fd, ADMIN, evidence, {}, None))["data"]
    assert full["fitnessEvidence"]["followUpSheets"][0]["phone"] == "13900139001"
    opened = next(q for label, q, _v, _o in battery(world) if label == "root fitnessOpenClaims")
    [open_claim] = orjson.loads(await _execute(fd, ADMIN, opened, {}, None))["data"][
        "fitnessOpenClaims"
    ]
    assert open_claim["contenderIds"] == [world.ids["club_staff"]]
    claims = next(q for label, q, _v, _o in battery(world) if label == "root fitnessClaims")
    decided = orjson.loads(await _execute(fd, ADMIN, claims, {}, None))["data"]["fitnessClaims"][
        "nodes"
    ]
    assert [c["decision"]["rule"] for c in decided] == ["FC-4"]
    # The KTV demo night (issue 17): its bookings link a registered guest, whose own links
    # (site, group, ownerStaff) answer without an error.
    night = next(q for label, q, _v, _o in battery(world) if label == "root ktvTonight")
    board = orjson.loads(await _execute(fd, ADMIN, night, {}, None))
    assert board.get("errors") is None, board["errors"]
    guests = [b["customer"] for b in board["data"]["ktvTonight"]["bookings"] if b["customer"]]
    assert guests and all(g["site"]["id"] for g in guests)
    audit = next(q for label, q, _v, _o in battery(world) if label == "root auditLog")
    refused = orjson.loads(await _execute(fd, FRONTEND, audit, {}, None))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_compiled_completions_did_run_on_the_battery(fd, world, monkeypatch):
    handed_out = []
    real = executor.compiled_completion

    def spy(*args: Any) -> Any:
        completion, reason = real(*args)
        handed_out.append(completion is not None)
        return completion, reason

    monkeypatch.setattr(executor, "compiled_completion", spy)
    for _label, query, variables, op in battery(world):
        await _execute(fd, ADMIN, query, variables, op)
    assert sum(handed_out) >= 10
    assert STATS.fallbacks  # and some selections fell back (counted)


# --- over HTTP ------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _http(fd: Frontdesk) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(fd))
    async with httpx.AsyncClient(transport=transport, base_url="http://frontdesk") as http:
        yield http


async def test_the_slim_http_path_answers_like_strawberrys_view(fd, stock_fd, world, monkeypatch):
    strawberry_runs: list[str] = []
    original = FrontdeskGraphQL.run

    async def run(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        strawberry_runs.append(type(self).__name__)
        return await original(self, request, *args, **kwargs)

    monkeypatch.setattr(FrontdeskGraphQL, "run", run)
    async with _http(fd) as fast_http, _http(stock_fd) as stock_http:
        for role in ("admin", "frontend"):
            headers = {"authorization": world.tokens[role]}
            for label, query, variables, op in battery(world):
                body = {"query": query, "variables": variables, "operationName": op}
                stock = await stock_http.post("/graphql", json=body, headers=headers)
                fast = await fast_http.post("/graphql", json=body, headers=headers)
                where = f"{label} as {role}"
                assert fast.status_code == stock.status_code, where
                assert fast.headers["content-type"] == stock.headers["content-type"], where
                assert fast.content == stock.content, where
        # health: both answer, and the accelerated one reports no error of the speed layer
        health = (await fast_http.get("/healthz")).json()
        stock_health = (await stock_http.get("/healthz")).json()
    assert health["accel"]["enabled"] is True and stock_health["accel"]["enabled"] is False
    assert health["status"] == "ok" and set(health["plugins"]) == {
        "fitnessclub",
        "property",
        "ktv",
        "realestate",
    }
    # every stock request went through strawberry's run, no accelerated one did
    assert set(strawberry_runs) == {"FrontdeskGraphQL"}
    assert len(strawberry_runs) == 2 * len(battery(world))


async def test_healthz_counts_fallbacks(fd, world):
    async with _http(fd) as http:
        before = (await http.get("/healthz")).json()["accel"]
        answer = await http.post(
            "/graphql",
            content=b'{"query": "{ plugins { code } }"}',
            headers={"content-type": "text/plain", "authorization": world.tokens["admin"]},
        )
        after = (await http.get("/healthz")).json()["accel"]
    assert answer.status_code == 415  # the view's refusal of text/plain (UNSUPPORTED_MEDIA_TYPE)
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert after["fallbacks"].get("http:content-type", 0) == (
        before["fallbacks"].get("http:content-type", 0) + 1
    )
    assert after["fallbacksTotal"] == before["fallbacksTotal"] + 1
    assert after["errorsTotal"] == before["errorsTotal"]  # a fallback is not an error


# --- subscriptions --------------------------------------------------------------------------------

UPDATES = """subscription($site: ID, $after: String) {
  complaintUpdates(siteId: $site, after: $after) { cursor id type siteId complaintId occurredAt
    payload __typename } }"""
ALIASED = """subscription($after: String) {
  u: complaintUpdates(after: $after) { c: cursor t: type id } }"""


async def _frames(url: str, token: str, query: str, variables: dict, count: int) -> list[str]:
    """The raw text frames answering one subscribe (``count`` of them, or up to an error)."""
    async with GqlWs.connect(url, token) as ws:
        await ws.subscribe(query, variables)
        frames = []
        for _ in range(count):
            raw = await asyncio.wait_for(ws.ws.recv(), 10)
            assert isinstance(raw, str)
            frames.append(raw)
            if orjson.loads(raw)["type"] != "next":
                break
        return frames


async def test_the_subscription_fast_path_sends_what_stock_sends(fd, stock_fd, world):
    site = world.ids["site"]
    start = encode_cursor("event", 0)
    async with fd.db.session() as s:
        events = await s.scalar(
            select(func.count()).select_from(Event).where(Event.stream == "complaints")
        )
        # The demo property project's major complaint is another site's (issue 15).
        at_site = await s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.stream == "complaints", Event.site_id == legacy(site))
        )
    assert at_site and at_site >= 2  # filed, acknowledged
    fallbacks = STATS.fallbacks["subscriptions:shape"]
    async with serve(fd) as fast_url, serve(stock_fd) as stock_url:
        token = world.tokens["admin"]
        cases = [
            (UPDATES, {"site": site, "after": start}, at_site),
            (ALIASED, {"after": start}, events),
            (UPDATES, {"site": site, "after": "not-a-cursor"}, 1),  # error
            (UPDATES, {"site": "999999", "after": start}, 1),  # unknown site
        ]
        for query, variables, count in cases:
            stock = await _frames(stock_url, token, query, variables, count)
            fast = await _frames(fast_url, token, query, variables, count)
            assert fast == stock, (query, variables)
        # the front end is refused the same way (C-13)
        front = world.tokens["frontend"]
        assert await _frames(fast_url, front, UPDATES, {"after": start}, events) == (
            await _frames(stock_url, front, UPDATES, {"after": start}, events)
        )
    assert STATS.fallbacks["subscriptions:shape"] == fallbacks  # all four took the fast path


async def test_stock_settings_build_a_stock_schema(fd):
    stock = Frontdesk(fd.settings.replace(accel=False), schema_factory=compose_schema)
    assert stock.schema.execution_context_class.__name__ == "StrawberryGraphQLCoreExecutionContext"
    assert not issubclass(stock.schema.execution_context_class, executor.FastExecutionContext)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, True), ("1", True), ("0", False), ("off", False), ("", True)]
)
def test_frontdesk_accel_switches_the_speed_layer(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("FRONTDESK_ACCEL", raising=False)
    else:
        monkeypatch.setenv("FRONTDESK_ACCEL", value)
    assert Settings().accel is expected
    assert Settings.from_env().accel is expected
