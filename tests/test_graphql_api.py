"""The GraphQL API as a product: stable error codes, limits, cursors, N+1-free pages."""

from __future__ import annotations

from helpers import add_staff, check_in, legacy, make_site, register
from sqlalchemy import event, func, select

from core.models import Penalty, Visit

VISITS_PAGE = """
query($site: ID!, $first: Int!) { visits(siteId: $site, first: $first) {
  edges { cursor node { id arrivedAt counted customer { id name } receiver { id name }
                        namedStaff { id } realestate { madeUpTurn } decision { rule } } }
  pageInfo { hasNextPage endCursor } } }"""


class StatementCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        self.engine = engine.sync_engine

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.count += 1


async def _seed_visits(client, n: int) -> str:
    site = await make_site(client)
    await add_staff(client, site, "Li")
    await add_staff(client, site, "Wang")
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    for i in range(n):
        await check_in(client, site, customerId=customer["id"] if i % 2 else None)
    return site


async def test_a_page_costs_the_same_statements_for_10_and_100_visits(client, fd):
    site = await _seed_visits(client, 100)
    counts = {}
    for size in (10, 100):
        with StatementCounter(fd.db.engine) as counter:
            data = await client.data(VISITS_PAGE, {"site": site, "first": size})
        assert len(data["visits"]["edges"]) == size
        counts[size] = counter.count
    assert counts[10] == counts[100], counts
    # one SELECT joining customer and staff, one batch for the real-estate field
    assert counts[100] <= 2, counts


class StatementRecorder(StatementCounter):
    """Counts statements and keeps their SQL text."""

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.sql: list[str] = []

    def _count(self, _conn: object, _cursor: object, statement: str, *args: object) -> None:
        self.count += 1
        self.sql.append(statement)


def _visits_select(recorder: StatementRecorder) -> str:
    (sql,) = [s for s in recorder.sql if "FROM visits" in s]
    return sql.split(" FROM ")[0]


async def test_a_page_selects_only_the_columns_its_selection_reads(client, fd):
    site = await _seed_visits(client, 4)
    with StatementRecorder(fd.db.engine) as recorder:
        data = await client.data(
            """query($s: ID!) { visits(siteId: $s, first: 3) { nodes {
                 id arrivedAt escortsNeeded customer { name } } } }""",
            {"s": site},
        )
    columns = _visits_select(recorder)
    # plain fields read their column; escortsNeeded declares needs("party_size")
    for wanted in ("visits.id", "visits.arrived_at", "visits.party_size", "r_customer.name"):
        assert wanted in columns, columns
    # nothing else: no notes, no decision text, no phone number, no receiver join
    for unwanted in ("visits.notes", "decision_reason", "r_customer.phone", "r_receiver"):
        assert unwanted not in columns, columns
    assert [n["escortsNeeded"] for n in data["visits"]["nodes"]] == [1, 1, 1]


async def test_narrow_and_full_pages_answer_the_same(client):
    site = await _seed_visits(client, 6)
    full = await client.data(
        """query($s: ID!) { visits(siteId: $s) { nodes {
             id siteId channel inquiryKind visitorKind arrivedAt businessDate partySize counted
             notes recordedAt correctsId escortsNeeded decision { rule message }
             customer { id siteId name phone customerClass groupId ownerStaffId createdAt
                        hostingBudget }
             receiver { id siteId name role employmentStatus } namedStaff { id name }
             realestate { madeUpTurn newRegistration unitsRequested } } } }""",
        {"s": site},
    )
    nodes = full["visits"]["nodes"]
    assert any(n["customer"] for n in nodes) and any(n["decision"] for n in nodes)
    for fields in (
        ["arrivedAt", "counted"],
        ["decision { rule message }", "escortsNeeded"],
        ["customer { phone hostingBudget }", "receiver { name }"],
        ["realestate { madeUpTurn }", "businessDate"],
    ):
        narrow = await client.data(
            f"query($s: ID!) {{ visits(siteId: $s) {{ nodes {{ id {' '.join(fields)} }} }} }}",
            {"s": site},
        )
        for a, b in zip(narrow["visits"]["nodes"], nodes, strict=True):
            assert a == _restrict(b, a)


def _restrict(full: object, shape: object) -> object:
    """``full`` cut down to the keys of ``shape`` (recursively)."""
    if isinstance(shape, dict) and isinstance(full, dict):
        return {k: _restrict(full[k], v) for k, v in shape.items()}
    return full


async def test_cursor_pagination_walks_the_register_without_gaps(client):
    site = await _seed_visits(client, 7)
    seen, after = [], None
    while True:
        data = await client.data(
            """query($s: ID!, $a: String) { visits(siteId: $s, first: 3, after: $a) {
                 edges { node { id } } pageInfo { hasNextPage endCursor } } }""",
            {"s": site, "a": after},
        )
        page = data["visits"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 7 and len(set(seen)) == 7
    assert seen == sorted(seen, key=legacy, reverse=True)


async def test_bad_cursor_and_page_size_get_codes(client):
    site = await make_site(client)
    err = await client.error(
        'query($s: ID!) { visits(siteId: $s, after: "nonsense") { nodes { id } } }', {"s": site}
    )
    assert err.extensions["code"] == "INVALID_CURSOR"
    err = await client.error(
        "query($s: ID!) { visits(siteId: $s, first: 1000) { nodes { id } } }", {"s": site}
    )
    assert err.extensions["code"] == "INVALID_PAGE_SIZE"


async def test_invalid_phone_is_refused_with_a_code_and_nothing_written(client, fd):
    site = await make_site(client)
    err = await client.error(
        """mutation($s: ID!) { registerCustomer(input: {siteId: $s, name: "X", phone: "12345"})
             { customer { id } userErrors { field message code } } }""",
        {"s": site},
    )
    assert err.extensions["code"] == "INVALID_PHONE"
    assert "12345" in err.message
    page = await client.data(
        "query($s: ID!) { customers(siteId: $s) { nodes { id } } }", {"s": site}
    )
    assert page["customers"]["nodes"] == []


async def test_unknown_ids_and_malformed_ids_get_codes(client):
    err = await client.error(
        'mutation { addStaff(input: {siteId: "999", name: "A", role: "salesperson"}) { staff { id '
        "} userErrors { field message code } } }"
    )
    assert err.extensions["code"] == "SITE_NOT_FOUND"
    err = await client.error('query { visits(siteId: "abc") { nodes { id } } }')
    assert err.extensions["code"] == "INVALID_ID"
    site = await make_site(client)  # the site exists: only the role is wrong
    err = await client.error(
        'mutation($s: ID!) { addStaff(input: {siteId: $s, name: "A", role: "wizard"}) { staff { '
        "id } userErrors { field message code } } }",
        {"s": site},
    )
    assert err.extensions["code"] == "UNKNOWN_ROLE"
    assert "wizard" in err.message


async def test_alias_and_token_limits_are_on_by_default_with_clear_codes(client):
    err = await client.error(
        "query { " + " ".join(f"a{i}: plugins {{ code }}" for i in range(40)) + " }"
    )
    assert err.extensions["code"] == "TOO_MANY_ALIASES"
    assert "30" in err.message
    err = await client.error("query { " + "plugins { code } " * 1200 + "}")
    assert err.extensions["code"] == "TOO_MANY_TOKENS"


async def test_depth_limit_rejects_deep_queries_with_a_clear_code(fd):
    from conftest import ADMIN

    from core.graphql.context import Context
    from schema.build import build_schema

    shallow = build_schema(fd.host, fd.settings.replace(max_depth=3))
    query = "query { visits(siteId: 1) { edges { node { customer { id } } } } }"
    result = await shallow.execute(query, context_value=Context(app=fd, actor=ADMIN))
    [err] = result.errors
    assert err.extensions["code"] == "QUERY_TOO_DEEP"
    assert "maximum operation depth of 3" in err.message
    assert fd.settings.max_depth == 10  # on by default


async def test_syntax_and_validation_errors_get_codes(client):
    err = await client.error("query { sites { ")
    assert err.extensions["code"] == "GRAPHQL_PARSE_FAILED"
    err = await client.error("query { noSuchField }")
    assert err.extensions["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_C_4_visits_cannot_be_edited_only_corrected(client, fd):
    site = await make_site(client)
    await add_staff(client, site, "Li")
    v = await check_in(client, site)
    async with fd.db.session() as s:
        visit = await s.get(Visit, legacy(v["visit"]["id"]))
        visit.notes = "edited"
        try:
            await s.commit()
            raise AssertionError("an edit of the register must be refused")
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", None) == "APPEND_ONLY" or "C-4" in str(exc)
    data = await client.data(
        """mutation($v: ID!) { correctVisit(input: {visitId: $v, reason: "typo", notes: "fixed"})
             { visit { id correctsId notes decision { rule } } userErrors { field message code }
               } }""",
        {"v": v["visit"]["id"]},
    )
    c = data["correctVisit"]["visit"]
    assert c["correctsId"] == v["visit"]["id"] and c["notes"] == "fixed"
    assert c["decision"]["rule"] == "C-4"
    err = await client.error(
        """mutation($v: ID!) { correctVisit(input: {visitId: $v, reason: "again"}) { visit { id }
          userErrors { field message code } } }""",
        {"v": v["visit"]["id"]},
    )
    assert err.extensions["code"] == "ALREADY_CORRECTED"


ISSUE = """
mutation($staff: ID!, $code: String!, $amount: Decimal, $reason: String!) {
  issuePenalty(input: {staffId: $staff, ruleCode: $code, amount: $amount, reason: $reason}) {
    penalty {
    id amount reason penaltyRule { code rule kind } revokesId } userErrors { field message code }
      } }"""


async def test_C_14_penalties_are_issued_within_bounds_and_revoked_by_new_entries(client, fd):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    issued = await client.data(
        ISSUE, {"staff": li, "code": "C-14-staff", "amount": "300", "reason": "rude to a guest"}
    )
    p = issued["issuePenalty"]["penalty"]
    assert p["amount"] == "300.00" and p["penaltyRule"]["rule"] == "C-14"
    err = await client.error(
        ISSUE, {"staff": li, "code": "C-14-staff", "amount": "1500", "reason": "too much"}
    )
    assert err.extensions["code"] == "PENALTY_AMOUNT_OUT_OF_RANGE"
    assert "1000" in err.message
    err = await client.error(ISSUE, {"staff": li, "code": "FC-1", "amount": "50", "reason": "x"})
    assert err.extensions["code"] == "PENALTY_RULE_NOT_FOUND"
    revoked = await client.data(
        """mutation($p: ID!) { revokePenalty(input: {penaltyId: $p, reason: "appeal upheld"}) {
          penalty {
             id revokesId amount } userErrors { field message code } } }""",
        {"p": p["id"]},
    )
    assert revoked["revokePenalty"]["penalty"]["revokesId"] == p["id"]
    err = await client.error(
        """mutation($p: ID!) { revokePenalty(input: {penaltyId: $p, reason: "twice"}) { penalty {
          id } userErrors { field message code } } }""",
        {"p": p["id"]},
    )
    assert err.extensions["code"] == "PENALTY_ALREADY_REVOKED"
    async with fd.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Penalty)) == 2


async def test_C_1_hosting_budget_by_customer_class(client):
    site = await make_site(client)
    data = await client.data(
        """mutation($s: ID!) { registerCustomer(input: {siteId: $s, name: "VIP", customerClass: B})
             { customer { customerClass hostingBudget } userErrors { field message code } } }""",
        {"s": site},
    )
    assert data["registerCustomer"]["customer"] == {"customerClass": "B", "hostingBudget": "300"}
