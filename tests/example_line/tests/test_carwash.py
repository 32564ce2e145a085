"""The car wash tested through Frontdesk's kit: no conftest, only the kit's fixtures.

``frontdesk_lines = ["carwash"]`` in pyproject.toml enables the line in ``frontdesk_app``.
"""

from decimal import Decimal

CHECK_IN = """mutation($site: ID!, $kind: VisitorKind) {
  checkInVisit(input: {siteId: $site, visitorKind: $kind}) {
    visit { id counted receiver { name } carwash { bay attendantId } }
    decision { rule message } userErrors { field message code } }
}"""


async def test_CW_1_the_least_busy_attendant_takes_the_car_in_the_next_bay(
    frontdesk_client, make_site, make_staff
):
    site = await make_site("Harbour Wash")
    fai = await make_staff(site, "Ah Fai", role="attendant")
    ming = await make_staff(site, "Ah Ming", role="attendant")
    washes = []
    for _car in range(4):
        data = await frontdesk_client.data(CHECK_IN, {"site": site.id})
        washes.append(data["checkInVisit"])
    # Both have washed none: the one hired first, then whoever has washed fewer (CW-1).
    assert [w["visit"]["receiver"]["name"] for w in washes] == [
        fai.name,
        ming.name,
        fai.name,
        ming.name,
    ]
    assert [w["visit"]["carwash"]["bay"] for w in washes] == [1, 2, 3, 1]  # CW-3
    assert [w["visit"]["carwash"]["attendantId"] for w in washes] == [
        str(fai.id),
        str(ming.id),
        str(fai.id),
        str(ming.id),
    ]
    assert {w["decision"]["rule"] for w in washes} == {"CW-1"}
    assert all(w["visit"]["counted"] for w in washes)


async def test_CW_2_asking_the_way_is_registered_but_not_washed(
    frontdesk_client, make_site, make_staff
):
    site = await make_site()
    await make_staff(site, "Ah Fai", role="attendant")
    data = await frontdesk_client.data(CHECK_IN, {"site": site.id, "kind": "DIRECTIONS"})
    visit = data["checkInVisit"]["visit"]
    assert (visit["counted"], visit["carwash"]) == (False, None)
    assert visit["receiver"] == {"name": "Ah Fai"}
    assert data["checkInVisit"]["decision"]["rule"] == "CW-2"
    # The next car still gets bay 1: only washes take bays.
    data = await frontdesk_client.data(CHECK_IN, {"site": site.id})
    assert data["checkInVisit"]["visit"]["carwash"]["bay"] == 1


async def test_CW_1_without_an_attendant_the_check_in_is_refused_and_nothing_written(
    frontdesk_client, make_site, make_staff
):
    site = await make_site()
    await make_staff(site, "Mr Chen", role="front_desk")  # a core role, not an attendant
    error = await frontdesk_client.error(CHECK_IN, {"site": site.id})
    assert error.extensions["code"] == "CARWASH_NO_ATTENDANT"
    visits = "query($s: ID!) { visits(siteId: $s) { nodes { id } } }"
    assert (await frontdesk_client.data(visits, {"s": site.id}))["visits"]["nodes"] == []


async def test_Visit_carwash_reads_the_same_in_a_page_and_alone(
    frontdesk_client, make_site, make_staff
):
    site = await make_site()
    await make_staff(site, "Ah Fai", role="attendant")
    for _ in range(2):
        await frontdesk_client.data(CHECK_IN, {"site": site.id})
    page = await frontdesk_client.data(
        "query($s: ID!) { visits(siteId: $s) { nodes { id carwash { bay } } } }", {"s": site.id}
    )
    nodes = page["visits"]["nodes"]
    assert sorted(n["carwash"]["bay"] for n in nodes) == [1, 2]
    for node in nodes:
        alone = await frontdesk_client.data(
            "query($v: ID!) { visit(id: $v) { carwash { bay } } }", {"v": node["id"]}
        )
        assert alone["visit"]["carwash"] == node["carwash"]


async def test_CW_4_is_in_the_penalty_table_with_its_bounds_beside_core_C_14(
    frontdesk_client, make_site, make_staff
):
    rules = await frontdesk_client.data(
        'query { penaltyRules(businessLine: "carwash") {'
        " nodes { code kind minAmount maxAmount } } }"
    )
    codes = {r["code"] for r in rules["penaltyRules"]["nodes"]}
    assert {"C-14-staff", "C-14-manager"} <= codes  # core's, in every line's table
    [cw4] = [r for r in rules["penaltyRules"]["nodes"] if r["code"] == "CW-4"]
    assert cw4["kind"] == "FINE"
    assert (Decimal(cw4["minAmount"]), Decimal(cw4["maxAmount"])) == (50, 200)
    site = await make_site()
    fai = await make_staff(site, "Ah Fai", role="attendant")
    issue = """mutation($s: ID!, $amount: Decimal!) { issuePenalty(input: {staffId: $s,
      ruleCode: "CW-4", amount: $amount, reason: "mirror still dirty"}) { penalty { id }
        userErrors { field message code } } }"""
    assert (await frontdesk_client.data(issue, {"s": fai.id, "amount": "80"}))["issuePenalty"][
        "penalty"
    ]
    error = await frontdesk_client.error(issue, {"s": fai.id, "amount": "500"})
    assert error.extensions["code"] == "PENALTY_AMOUNT_OUT_OF_RANGE"
    # C-14 is core's: a car-wash site fines its staff without declaring it.
    c14 = issue.replace('"CW-4"', '"C-14-staff"')
    assert (await frontdesk_client.data(c14, {"s": fai.id, "amount": "300"}))["issuePenalty"][
        "penalty"
    ]


async def test_a_desk_token_checks_cars_in_over_http(
    frontdesk_http, frontdesk_token, make_site, make_staff
):
    site = await make_site()
    await make_staff(site, "Ah Fai", role="attendant")
    desk = await frontdesk_token("staff")
    response = await frontdesk_http.post(
        "/graphql",
        json={"query": CHECK_IN, "variables": {"site": str(site.id)}},
        headers=desk.headers,
    )
    assert response.status_code == 200
    assert response.json()["data"]["checkInVisit"]["decision"]["rule"] == "CW-1"
    board = await frontdesk_token("frontend")  # read-only (C-13)
    response = await frontdesk_http.post(
        "/graphql",
        json={"query": CHECK_IN, "variables": {"site": str(site.id)}},
        headers=board.headers,
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_attendant_is_a_role_of_car_wash_sites(frontdesk_client, make_site):
    site = await make_site()
    add = """mutation($s: ID!, $role: String!) {
      addStaff(input: {siteId: $s, name: "Lok", role: $role}) { staff { role } userErrors { field
        message code } } }"""
    data = await frontdesk_client.data(add, {"s": site.id, "role": "attendant"})
    assert data["addStaff"]["staff"]["role"] == "attendant"
    error = await frontdesk_client.error(add, {"s": site.id, "role": "valet"})
    assert error.extensions["code"] == "UNKNOWN_ROLE"
    assert "attendant" in error.message


async def test_switching_the_line_off_and_on_needs_no_restart(
    frontdesk_client, frontdesk_switch, make_site, make_staff
):
    site = await make_site()
    await make_staff(site, "Ah Fai", role="attendant")
    visit = (await frontdesk_client.data(CHECK_IN, {"site": site.id}))["checkInVisit"]["visit"]
    query = "query($v: ID!) { visit(id: $v) { carwash { bay } } }"
    assert await frontdesk_switch("carwash", False) == frozenset()
    error = await frontdesk_client.error(query, {"v": visit["id"]})
    assert error.extensions["code"] == "LINE_DISABLED"  # the field stays, answers null
    assert await frontdesk_switch("carwash") == {"carwash"}
    data = await frontdesk_client.data(query, {"v": visit["id"]})
    assert data["visit"]["carwash"] == {"bay": 1}  # the rows stayed
