"""Schema 1.0 (issue 17), query half, against the real app: global ids and ``node``, full
cursor connections (backward pages, totalCount, orderBy), object links without N+1; and the
TypeScript client's own operation documents (clients/typescript/operations): node refetch,
backward pagination and a refused check-in's typed userErrors."""

from __future__ import annotations

from pathlib import Path

from conftest import Client
from graphql import GraphQLEnumType, build_schema
from helpers import add_staff, check_in, client_operation, gid, legacy, make_site, register
from test_graphql_api import StatementCounter

from core.auth import Actor, Role

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Site { name legacyId } ... on Staff { name site { id } }
  ... on Visit { counted customer { id name } } } }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
PAGE = """query($s: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  visits(siteId: $s, first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
PENALTY_LINKS = """query($s: ID!) { penalties(siteId: $s, first: 50) { edges { node {
  id issuedBy { id name } site { name } staff { id } revokes { id } } } } }"""
ISSUE = """mutation($staff: ID!, $by: ID) { issuePenalty(input: {staffId: $staff,
  ruleCode: "C-14-staff", amount: "300", reason: "rude", actingStaffId: $by}) {
  penalty { id } userErrors { code } } }"""


async def _site_with_visits(client, n: int) -> tuple[str, str, list[str]]:
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    visits = [
        (await check_in(client, site, customerId=customer["id"]))["visit"]["id"] for _ in range(n)
    ]
    return site, li, visits


async def test_ids_are_global_and_node_refetches_every_type(client):
    site, li, visits = await _site_with_visits(client, 1)
    # Opaque, typed, and different for equal keys of different types.
    assert site == gid("Site", legacy(site)) and li == gid("Staff", legacy(li))
    data = await client.data(NODE, {"id": site})
    assert data["node"]["__typename"] == "Site" and data["node"]["id"] == site
    assert data["node"]["legacyId"] == legacy(site)
    staff = (await client.data(NODE, {"id": li}))["node"]
    assert staff == {"__typename": "Staff", "id": li, "name": "Li", "site": {"id": site}}
    visit = (await client.data(NODE, {"id": visits[0]}))["node"]
    assert visit["__typename"] == "Visit" and visit["customer"]["name"] == "Sun Hao"
    # nodes: same order, null for an id that does not exist.
    missing = gid("Visit", 10**9)
    data = await client.data(NODES, {"ids": [li, missing, site]})
    assert data["nodes"] == [
        {"__typename": "Staff", "id": li},
        None,
        {"__typename": "Site", "id": site},
    ]
    assert (await client.data(NODE, {"id": gid("NoSuchType", 1)}))["node"] is None


async def test_id_inputs_take_a_global_id_of_their_type_or_a_legacy_integer(client):
    site, li, _visits = await _site_with_visits(client, 1)
    query = "query($s: ID!) { staff(siteId: $s) { totalCount } }"
    by_global = await client.data(query, {"s": site})
    by_legacy = await client.data(query, {"s": str(legacy(site))})
    assert by_global == by_legacy == {"staff": {"totalCount": 1}}
    # A global id of another type is a client mistake with the stable code.
    err = await client.error(query, {"s": li})
    assert err.extensions["code"] == "INVALID_ID"
    assert "Site" in err.message and "Staff" in err.message
    err = await client.error(NODE, {"id": "not-an-id"})
    assert err.extensions["code"] == "INVALID_ID"
    err = await client.error(NODE, {"id": str(legacy(site))})  # a number names no type
    assert err.extensions["code"] == "INVALID_ID" and "global id" in err.message
    err = await client.error(NODES, {"ids": [site] * 101})
    assert err.extensions["code"] == "TOO_MANY_IDS"


async def test_node_is_permission_checked_like_the_types_own_query(fd, client):
    created = await client.data(
        'mutation { createApiToken(input: {name: "t", role: FRONTEND}) { token { id } } }'
    )
    token = created["createApiToken"]["token"]["id"]
    admin = await client.data(NODE, {"id": token})
    assert admin["node"]["__typename"] == "ApiToken"
    frontend = Client(fd, actor=Actor(role=Role.FRONTEND, name="fe"))
    err = await frontend.error(NODE, {"id": token})
    assert err.extensions["code"] == "FORBIDDEN"


async def test_backward_pagination_and_total_count(client):
    site, _li, visits = await _site_with_visits(client, 5)
    newest_first = list(reversed(visits))
    first = (await client.data(PAGE, {"s": site, "first": 2}))["visits"]
    assert [e["node"]["id"] for e in first["edges"]] == newest_first[:2]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    second = (
        await client.data(PAGE, {"s": site, "first": 2, "after": first["pageInfo"]["endCursor"]})
    )["visits"]
    assert [e["node"]["id"] for e in second["edges"]] == newest_first[2:4]
    # Back from the second page: the page before it is the first page.
    back = (
        await client.data(PAGE, {"s": site, "last": 2, "before": second["pageInfo"]["startCursor"]})
    )["visits"]
    assert [e["node"]["id"] for e in back["edges"]] == newest_first[:2]
    assert back["pageInfo"]["hasNextPage"] and not back["pageInfo"]["hasPreviousPage"]
    # The last page, walked backward from the end.
    tail = (await client.data(PAGE, {"s": site, "last": 2}))["visits"]
    assert [e["node"]["id"] for e in tail["edges"]] == newest_first[3:]
    assert tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    err = await client.error(PAGE, {"s": site, "first": 2, "last": 2})
    assert err.extensions["code"] == "INVALID_PAGE_SIZE"


async def test_order_by_walks_a_keyset_on_the_column(client):
    site = await make_site(client)
    for name in ("Wu", "An", "Li", "Bo"):
        await add_staff(client, site, name)
    query = """query($s: ID!, $after: String) { staff(siteId: $s, first: 3, after: $after,
      orderBy: {field: NAME, direction: ASC}) { edges { node { name } }
      pageInfo { hasNextPage endCursor } } }"""
    page = (await client.data(query, {"s": site}))["staff"]
    assert [e["node"]["name"] for e in page["edges"]] == ["An", "Bo", "Li"]
    rest = (await client.data(query, {"s": site, "after": page["pageInfo"]["endCursor"]}))["staff"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["Wu"]
    # A cursor of another order is refused, never misread.
    plain = (await client.data(PAGE, {"s": site, "first": 1}))["visits"]
    assert plain["edges"] == []
    err = await client.error(
        query, {"s": site, "after": "c3RhZmY6MQ"}
    )  # "staff:1", an id-order cursor
    assert err.extensions["code"] == "INVALID_CURSOR"


async def test_object_links_load_without_n_plus_1(client, fd):
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    boss = await add_staff(client, site, "Boss", role="sales_manager")
    for _ in range(6):
        await client.data(ISSUE, {"staff": li, "by": boss})
    with StatementCounter(fd.db.engine) as counter:
        data = await client.data(PENALTY_LINKS, {"s": site})
    edges = data["penalties"]["edges"]
    assert len(edges) == 6
    assert {e["node"]["issuedBy"]["id"] for e in edges} == {boss}
    assert {e["node"]["site"]["name"] for e in edges} == {"Sunrise Sales Office"}
    assert counter.count <= 1, counter.count  # one SELECT joining staff, site, issuer
    # The bare foreign keys stay (deprecated) and answer global ids.
    more = await client.data(
        "query($s: ID!) { penalties(siteId: $s, first: 1) { nodes { siteId issuedById } } }",
        {"s": site},
    )
    assert more["penalties"]["nodes"] == [{"siteId": site, "issuedById": boss}]
    money = await client.data(
        "query($s: ID!) { penalties(siteId: $s, first: 2) {"
        " nodes { amountMoney { amount currency } } } }",
        {"s": site},
    )
    assert (
        money["penalties"]["nodes"]
        == [{"amountMoney": {"amount": "300.00", "currency": "CNY"}}] * 2
    )


async def test_order_by_a_time_column_pages_forward_and_back(client):
    site, _li, visits = await _site_with_visits(client, 5)
    query = """query($s: ID!, $after: String, $before: String, $first: Int, $last: Int) {
      visits(siteId: $s, first: $first, after: $after, last: $last, before: $before,
             orderBy: {field: ARRIVED_AT, direction: ASC}) {
        edges { node { id } } pageInfo { hasNextPage startCursor endCursor } } }"""
    seen, after = [], None
    while True:
        page = (await client.data(query, {"s": site, "first": 2, "after": after}))["visits"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == visits  # oldest first (ties on the same instant broken by id)
    back = (await client.data(query, {"s": site, "last": 2, "before": after}))["visits"]
    assert [e["node"]["id"] for e in back["edges"]] == visits[1:3]  # before the 4th


# --- The TypeScript client's own documents (clients/typescript/operations) against the app:
# the three Relay behaviours issue 17's first "Done when" item names, in the exact text the
# generated client sends (tests/test_typescript_client.py compiles the flows around them).

SDL = build_schema(
    (Path(__file__).resolve().parent.parent / "schema/frontdesk.graphql").read_text()
)


def _enum_values(name: str) -> set[str]:
    enum = SDL.get_type(name)
    assert isinstance(enum, GraphQLEnumType), name
    return set(enum.values)


async def test_the_clients_node_refetch_narrows_on_the_type(client):
    site, li, visits = await _site_with_visits(client, 1)
    filed = await client.data(
        client_operation("FileComplaint"),
        {
            "input": {
                "siteId": site,
                "channel": "PHONE",
                "category": "service",
                "description": "Nobody called back about the contract",
                "actingStaffId": li,
                "callerCompany": "Huaxia Trading",
                "callerName": "Wu Ting",
            }
        },
    )
    card = filed["fileComplaint"]["complaint"]
    node = (await client.data(client_operation("ComplaintNode"), {"id": card["id"]}))["node"]
    # The flow's switch on __typename: a Complaint carries the card and its history.
    assert node["__typename"] == "Complaint" and node["id"] == card["id"]
    assert {k: node[k] for k in card} == card
    assert [h["action"] for h in node["complaintHistory"]] == ["FILED"]
    assert "RECEIVED" not in node["allowedTransitions"] and node["status"] == "RECEIVED"
    # A valid id of another type answers that type, with no Complaint fields: the flow's
    # `case "Visit": return null` branch.
    other = (await client.data(client_operation("ComplaintNode"), {"id": visits[0]}))["node"]
    assert other == {"__typename": "Visit", "id": visits[0]}
    missing = await client.data(client_operation("ComplaintNode"), {"id": gid("Complaint", 10**9)})
    assert missing == {"node": None}


async def test_the_clients_register_pages_backward(client):
    site, _li, visits = await _site_with_visits(client, 5)
    newest_first = list(reversed(visits))
    register = client_operation("VisitRegister")
    order = {"field": "ARRIVED_AT", "direction": "DESC"}

    async def page(**window) -> dict:
        return (await client.data(register, {"siteId": site, "orderBy": order, **window}))["visits"]

    first = await page(first=2)
    assert [e["node"]["id"] for e in first["edges"]] == newest_first[:2]
    assert first["totalCount"] == 5 and not first["pageInfo"]["hasPreviousPage"]
    second = await page(first=2, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in second["edges"]] == newest_first[2:4]
    assert second["pageInfo"]["hasPreviousPage"]  # the flow's "newer" button
    # registerPage({direction: "newer", before: startCursor}): last/before.
    back = await page(last=2, before=second["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in back["edges"]] == newest_first[:2]
    assert not back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    assert back["edges"][0]["cursor"] == back["pageInfo"]["startCursor"]


async def test_a_refused_check_in_is_typed_user_errors_in_the_clients_document(client):
    """RE-1 needs someone on the rotation: a site with nobody is refused as data — the payload's
    typed userErrors with a code of the published VisitErrorCode enum, the visit null, no
    top-level error — which the flow's `switch (code)` turns into the receptionist's hint."""
    site = await make_site(client)
    result = await client.execute(
        client_operation("WalkInCheckIn"),
        {"input": {"siteId": site, "channel": "WALK_IN", "realestate": {"unitsRequested": 1}}},
    )
    assert result.errors is None
    payload = result.data["checkInVisit"]
    assert payload["visit"] is None and payload["decision"] is None
    assert payload["notifications"] is None
    [error] = payload["userErrors"]
    assert error["__typename"] == "VisitUserError"
    assert error["code"] == "EMPTY_ROTATION" and error["code"] in _enum_values("VisitErrorCode")
    assert error["rule"] == "RE-1" and error["message"] == (
        f"site {legacy(site)} has no active salesperson to put in a rotation (RE-1);"
        " add staff with role 'salesperson'"
    )
    # The walk-in's registration, refused on the phone number: the field path points at it.
    [bad] = await client.user_errors(
        client_operation("RegisterWalkIn"),
        {"input": {"siteId": site, "name": "Lu", "phone": "12345"}},
    )
    assert bad.code == "INVALID_PHONE" and bad.field == ["input", "phone"]
    assert bad.code in _enum_values("DirectoryErrorCode")
