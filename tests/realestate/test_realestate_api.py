"""The real-estate line end to end through GraphQL: rules decide, the API says why."""

from __future__ import annotations

from helpers import add_staff, check_in, make_site, register

ROTATION = """
query($site: ID!) { rotation(siteId: $site) {
  businessDate nextStaffId makeUpQueue passesOwed upcoming
  members { staffId name status receptions suspendedUntil } } }"""
MARK = """
mutation($site: ID!, $staff: ID!, $status: SalespersonStatus!, $reason: String) {
  markSalesperson(input: {siteId: $site, staffId: $staff, status: $status, reason: $reason}) {
    rotation {
    nextStaffId makeUpQueue members { staffId status } }
    userErrors { field message code rule } } }"""
SET_ORDER = """
mutation($site: ID!, $ids: [ID!]!, $leave: [ID!]) {
  setRotationOrder(input: {siteId: $site, staffIds: $ids, onLeave: $leave}) { rotation {
    upcoming members { staffId status } } userErrors { field message code rule } } }"""
GRAB = """
mutation($visit: ID!, $named: ID!) {
  reportOrderGrabbing(input: {visitId: $visit, namedStaffId: $named, note: "did not tell Wang"})
    { ruling {
  grabberId namedStaffId suspendedFrom suspendedUntil dealCreditedTo penaltyId
  decision { rule message } } userErrors { field message code rule } } }"""
PENALTIES = """
query($site: ID!) { penalties(siteId: $site) { edges { node {
  id amount reason staff { id } penaltyRule { code rule kind } visitId } } } }"""


async def _office(client, n: int = 3) -> tuple[str, list[str]]:
    site = await make_site(client)
    staff = [await add_staff(client, site, name) for name in ["Li", "Wang", "Zhao", "Qian"][:n]]
    return site, staff


async def test_RE_1_manager_sets_the_order_for_the_day(client):
    site, (li, wang, zhao) = await _office(client)
    data = await client.data(SET_ORDER, {"site": site, "ids": [zhao, li, wang]})
    assert data["setRotationOrder"]["rotation"]["upcoming"] == [zhao, li, wang]
    first = await check_in(client, site)
    assert first["visit"]["receiver"]["id"] == zhao
    assert first["decision"]["rule"] == "RE-1"
    # The reason is a sentence a manager can read: people by name, not by id.
    assert first["decision"]["message"].startswith("Zhao is next in the rotation order")


async def test_RE_1_order_cannot_be_reset_after_the_first_reception(client):
    site, (li, wang, zhao) = await _office(client)
    await check_in(client, site)
    err = await client.error(SET_ORDER, {"site": site, "ids": [zhao, li, wang]})
    assert err.extensions["code"] == "ROTATION_ALREADY_STARTED"
    assert err.extensions["rule"] == "RE-1"


async def test_RE_2_busy_salesperson_is_skipped_and_owed_a_make_up_turn(client):
    site, (li, wang, zhao) = await _office(client)
    await client.data(
        MARK, {"site": site, "staff": li, "status": "BUSINESS_CALL", "reason": "bank"}
    )
    first = await check_in(client, site)
    assert first["visit"]["receiver"]["id"] == wang
    skipped = first["visit"]["realestate"]["skipped"]
    assert [(s["staffId"], s["decision"]["rule"]) for s in skipped] == [(li, "RE-2")]
    marked = await client.data(MARK, {"site": site, "staff": li, "status": "AVAILABLE"})
    assert marked["markSalesperson"]["rotation"]["makeUpQueue"] == [li]
    second = await check_in(client, site)
    assert second["visit"]["receiver"]["id"] == li
    assert second["visit"]["realestate"]["madeUpTurn"] is True
    assert second["decision"]["rule"] == "RE-2"
    # then the normal order goes on where it was: Zhao.
    third = await check_in(client, site)
    assert third["visit"]["receiver"]["id"] == zhao


async def test_RE_3_private_absence_forfeits_the_turn_and_counts_it(client):
    site, (li, wang, _zhao) = await _office(client)
    await client.data(
        MARK, {"site": site, "staff": li, "status": "PRIVATE_AWAY", "reason": "restroom"}
    )
    first = await check_in(client, site)
    assert first["visit"]["receiver"]["id"] == wang
    assert first["visit"]["realestate"]["skipped"][0]["decision"]["rule"] == "RE-3"
    back = await client.data(MARK, {"site": site, "staff": li, "status": "AVAILABLE"})
    assert back["markSalesperson"]["rotation"]["makeUpQueue"] == []
    # Revised 2026-12-01 (算已接待一個客戶名額): Li's forfeited turn is one reception.
    rot = await client.data(ROTATION, {"site": site})
    receptions = {m["staffId"]: m["receptions"] for m in rot["rotation"]["members"]}
    assert receptions == {li: 1, wang: 1, _zhao: 0}


async def test_RE_2_after_sale_service_owes_a_make_up_but_an_unbought_old_customer_not(client):
    site, (li, wang, zhao) = await _office(client)
    await client.data(MARK, {"site": site, "staff": li, "status": "AFTER_SALE"})
    await client.data(MARK, {"site": site, "staff": wang, "status": "SERVING_OLD_CUSTOMER"})
    first = await check_in(client, site)
    assert first["visit"]["receiver"]["id"] == zhao
    skipped = first["visit"]["realestate"]["skipped"]
    assert [(s["staffId"], s["decision"]["rule"]) for s in skipped] == [
        (li, "RE-2"),
        (wang, "RE-2"),
    ]
    rot = await client.data(ROTATION, {"site": site})
    # Only the after-sale skip is owed back.
    assert rot["rotation"]["makeUpQueue"] == [li]


async def test_RE_2_a_returning_customer_who_has_bought_is_after_sale_uncounted(client):
    site, (li, wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    await check_in(client, site, customerId=customer["id"])  # Li registers Sun Hao
    again = await check_in(client, site, customerId=customer["id"], realestate={"hasBought": True})
    assert again["visit"]["receiver"]["id"] == li
    assert again["visit"]["counted"] is False
    assert "after-sale service" in again["decision"]["message"]
    rot = await client.data(ROTATION, {"site": site})
    assert rot["rotation"]["passesOwed"] == []
    assert rot["rotation"]["nextStaffId"] == wang


async def test_RE_4_leave_takes_a_salesperson_out_of_the_day(client):
    site, (li, wang, zhao) = await _office(client)
    await client.data(SET_ORDER, {"site": site, "ids": [li, wang, zhao], "leave": [wang]})
    receivers = [(await check_in(client, site))["visit"]["receiver"]["id"] for _ in range(4)]
    assert receivers == [li, zhao, li, zhao]


async def test_RE_5_named_salesperson_receives_the_customer(client):
    site, (li, wang, _zhao) = await _office(client)
    visit = await check_in(client, site, namedStaffId=wang)
    assert visit["visit"]["receiver"]["id"] == wang
    assert visit["decision"]["rule"] == "RE-5"
    # Li was on turn and still is: a named customer is not a rotation turn.
    assert (await check_in(client, site))["visit"]["receiver"]["id"] == li


async def test_RE_5_order_grabbing_suspends_a_day_and_moves_the_deal(client):
    site, (li, wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    # The customer had asked for Wang, but Li (on turn) received them without telling.
    grabbed = await check_in(client, site, customerId=customer["id"])
    assert grabbed["visit"]["receiver"]["id"] == li
    data = await client.data(GRAB, {"visit": grabbed["visit"]["id"], "named": wang})
    ruling = data["reportOrderGrabbing"]["ruling"]
    assert ruling["grabberId"] == li and ruling["dealCreditedTo"] == wang
    assert ruling["decision"]["rule"] == "RE-5"
    assert "Li received a customer who named Wang" in ruling["decision"]["message"]
    assert ruling["suspendedFrom"] == "2026-11-25" and ruling["suspendedUntil"] == "2026-11-25"
    ledger = await client.data(PENALTIES, {"site": site})
    [entry] = [e["node"] for e in ledger["penalties"]["edges"]]
    assert entry["staff"]["id"] == li
    assert entry["penaltyRule"] == {"code": "RE-5", "rule": "RE-5", "kind": "SUSPENSION"}
    assert entry["amount"] == "1.00" and entry["visitId"] == grabbed["visit"]["id"]
    # RE-5 + RE-13: the deal now goes to the named salesperson.
    credit = await client.data(
        """query($s: ID!, $c: ID!, $by: ID!) { saleAttribution(siteId: $s, customerId: $c,
             closedById: $by, soldAt: "2026-11-24T12:00:00+08:00") {
               shares { staffId } decision { rule } } }""",
        {"s": site, "c": customer["id"], "by": li},
    )
    assert credit["saleAttribution"]["shares"] == [{"staffId": wang}]
    again = await client.error(GRAB, {"visit": grabbed["visit"]["id"], "named": wang})
    assert again.extensions["code"] == "ALREADY_RULED"
    # Tomorrow Li is out of the rotation (停牌一天).
    from datetime import timedelta

    from conftest import FIXED_NOW, Client

    tomorrow = Client(client.app, FIXED_NOW + timedelta(days=1))
    rot = await tomorrow.data(ROTATION, {"site": site})
    members = {m["staffId"]: m for m in rot["rotation"]["members"]}
    assert members[li]["status"] == "SUSPENDED"
    assert li not in rot["rotation"]["upcoming"]
    assert (await check_in(tomorrow, site))["visit"]["receiver"]["id"] == wang


async def test_RE_5_revoking_the_penalty_lifts_the_suspension(client):
    from datetime import timedelta

    from conftest import FIXED_NOW, Client

    site, (li, wang, zhao) = await _office(client)
    grabbed = await check_in(client, site)
    assert grabbed["visit"]["receiver"]["id"] == li
    ruling = (await client.data(GRAB, {"visit": grabbed["visit"]["id"], "named": wang}))[
        "reportOrderGrabbing"
    ]["ruling"]
    tomorrow = Client(client.app, FIXED_NOW + timedelta(days=1))
    before = await tomorrow.data(ROTATION, {"site": site})
    assert {m["staffId"]: m["status"] for m in before["rotation"]["members"]}[li] == "SUSPENDED"
    revoked = await tomorrow.data(
        """mutation($p: ID!) { revokePenalty(input: {penaltyId: $p, reason: "Wang was told"}) {
          penalty {
             revokesId } userErrors { field message code rule } } }""",
        {"p": ruling["penaltyId"]},
    )
    assert revoked["revokePenalty"]["penalty"]["revokesId"] == ruling["penaltyId"]
    after = await tomorrow.data(ROTATION, {"site": site})
    members = {m["staffId"]: m for m in after["rotation"]["members"]}
    assert members[li]["status"] == "AVAILABLE"
    assert members[li]["suspendedUntil"] is None
    assert after["rotation"]["upcoming"] == [li, wang, zhao]
    assert (await check_in(tomorrow, site))["visit"]["receiver"]["id"] == li


async def test_RE_5_revoked_the_same_day_no_suspension_tomorrow(client):
    from datetime import timedelta

    from conftest import FIXED_NOW, Client

    site, (li, wang, _zhao) = await _office(client)
    grabbed = await check_in(client, site)
    ruling = (await client.data(GRAB, {"visit": grabbed["visit"]["id"], "named": wang}))[
        "reportOrderGrabbing"
    ]["ruling"]
    await client.data(
        """mutation($p: ID!) { revokePenalty(input: {penaltyId: $p, reason: "appeal"}) { penalty {
             id } userErrors { field message code rule } } }""",
        {"p": ruling["penaltyId"]},
    )
    today = await client.data(ROTATION, {"site": site})
    assert {m["staffId"]: m["suspendedUntil"] for m in today["rotation"]["members"]}[li] is None
    tomorrow = Client(client.app, FIXED_NOW + timedelta(days=1))
    rot = await tomorrow.data(ROTATION, {"site": site})
    assert {m["staffId"]: m["status"] for m in rot["rotation"]["members"]}[li] == "AVAILABLE"


async def test_RE_6_returning_customer_goes_to_the_original_salesperson(client):
    site, (li, _wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    first = await check_in(client, site, customerId=customer["id"])
    assert first["visit"]["receiver"]["id"] == li
    await check_in(client, site)  # Wang's turn passes
    again = await check_in(client, site, customerId=customer["id"])
    assert again["visit"]["receiver"]["id"] == li
    assert again["decision"]["rule"] == "RE-6"
    assert again["visit"]["counted"] is True
    assert again["visit"]["realestate"]["newRegistration"] is False
    # Revised 2026-12-01 (seed 001 篇5 9): it used Li's turn, so the next time the rotation
    # reaches Li they are passed over once (it used not to move).
    rot = await client.data(ROTATION, {"site": site})
    assert rot["rotation"]["passesOwed"] == [li]
    assert rot["rotation"]["upcoming"] == [_zhao, _wang, li]
    receivers = [(await check_in(client, site))["visit"]["receiver"]["id"] for _ in range(4)]
    assert receivers == [_zhao, _wang, _zhao, li]
    passed = await client.data(ROTATION, {"site": site})
    assert passed["rotation"]["passesOwed"] == []


async def test_RE_6_absent_original_is_assisted_by_the_last_in_order_not_counted(client):
    site, (li, _wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    await check_in(client, site, customerId=customer["id"])  # Li owns Sun Hao
    await client.data(MARK, {"site": site, "staff": li, "status": "COMPANY_BUSINESS"})
    again = await check_in(client, site, customerId=customer["id"])
    assert again["visit"]["receiver"]["id"] != li
    assert again["visit"]["counted"] is False
    assert again["decision"]["rule"] == "RE-6"


async def test_RE_8_declared_market_surveyor_is_not_counted(client):
    site, (li, _wang, _zhao) = await _office(client)
    surveyor = await check_in(client, site, visitorKind="MARKET_SURVEYOR")
    assert surveyor["visit"]["counted"] is False
    assert surveyor["decision"]["rule"] == "RE-8"
    nxt = await check_in(client, site)
    assert nxt["visit"]["receiver"]["id"] == li  # the rotation did not move


async def test_RE_8_undeclared_surveyor_discounted_gives_a_make_up_turn(client):
    site, (li, _wang, _zhao) = await _office(client)
    visit = await check_in(client, site)
    assert visit["visit"]["receiver"]["id"] == li
    data = await client.data(
        """mutation($v: ID!) {
          discountSurveyor(input: {visitId: $v, reason: "confirmed with manager"}) {
            decision { rule message } userErrors { field message code rule } } }""",
        {"v": visit["visit"]["id"]},
    )
    assert data["discountSurveyor"]["decision"]["rule"] == "RE-8"
    rot = await client.data(ROTATION, {"site": site})
    assert rot["rotation"]["makeUpQueue"] == [li]
    members = {m["staffId"]: m for m in rot["rotation"]["members"]}
    assert members[li]["receptions"] == 0
    # C-4: the original entry stays; a correction entry marks it not counted.
    register_page = await client.data(
        "query($s: ID!) { visits(siteId: $s) { nodes { id counted correctsId } } }", {"s": site}
    )
    nodes = register_page["visits"]["nodes"]
    assert {"id": visit["visit"]["id"], "counted": True, "correctsId": None} in nodes
    assert any(n["correctsId"] == visit["visit"]["id"] and n["counted"] is False for n in nodes)


async def test_RE_9_related_party_is_not_counted(client):
    site, (_li, _wang, _zhao) = await _office(client)
    v = await check_in(
        client, site, visitorKind="RELATED_PARTY", realestate={"relatedParty": "AD_AGENCY"}
    )
    assert v["visit"]["counted"] is False
    assert v["decision"]["rule"] == "RE-9"


async def test_RE_10_directions_are_not_counted_and_do_not_move_the_rotation(client):
    site, (li, _wang, _zhao) = await _office(client)
    v = await check_in(client, site, visitorKind="DIRECTIONS", inquiryKind="HELP_REQUEST")
    assert v["visit"]["counted"] is False
    assert v["decision"]["rule"] == "RE-10"
    assert (await check_in(client, site))["visit"]["receiver"]["id"] == li


async def test_RE_11_member_registered_after_the_first_reception_names_RE_11(client):
    site, (li, _wang, _zhao) = await _office(client)
    husband = await register(client, site, "Zhou Qiang", groupKind="FAMILY", groupName="Zhou")
    first = await check_in(client, site, customerId=husband["id"])
    assert first["visit"]["receiver"]["id"] == li
    wife = await register(client, site, "Zhou Fang", groupKind="FAMILY", groupName="Zhou")
    second = await check_in(client, site, customerId=wife["id"])
    assert second["visit"]["receiver"]["id"] == li
    assert second["decision"]["rule"] == "RE-11"
    assert "company or family group Li received first" in second["decision"]["message"]
    assert "returning customer" not in second["decision"]["message"]
    # Her own next visit is a returning customer's (RE-6).
    third = await check_in(client, site, customerId=wife["id"])
    assert third["decision"]["rule"] == "RE-6"


async def test_RE_11_same_family_belongs_to_the_first_receiver(client):
    site, (li, _wang, _zhao) = await _office(client)
    husband = await register(client, site, "Zhou Qiang", groupKind="FAMILY", groupName="Zhou")
    wife = await register(client, site, "Zhou Fang", groupKind="FAMILY", groupName="Zhou")
    first = await check_in(client, site, customerId=husband["id"])
    assert first["visit"]["receiver"]["id"] == li
    second = await check_in(client, site, customerId=wife["id"])
    assert second["visit"]["receiver"]["id"] == li
    assert second["decision"]["rule"] == "RE-11"


async def test_RE_13_deal_credit_goes_by_the_register(client):
    site, (li, wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    await check_in(client, site, customerId=customer["id"])
    data = await client.data(
        """query($s: ID!, $c: ID!, $by: ID!) {
             saleAttribution(siteId: $s, customerId: $c, closedById: $by,
                             soldAt: "2026-11-24T11:00:00+08:00") {
               shares { staffId share } decision { rule message } } }""",
        {"s": site, "c": customer["id"], "by": wang},
    )
    attribution = data["saleAttribution"]
    assert attribution["shares"] == [{"staffId": li, "share": "1"}]
    assert attribution["decision"]["rule"] == "RE-13"


SALE_CREDIT = """query($s: ID!, $c: ID!, $by: ID!) {
  saleAttribution(siteId: $s, customerId: $c, closedById: $by,
                  soldAt: "2026-11-24T11:00:00+08:00") {
    shares { staffId } decision { rule message } } }"""


async def test_RE_13_a_phone_entry_first_in_the_register_gets_the_credit(client):
    site, (li, wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    call = await check_in(client, site, customerId=customer["id"], channel="PHONE")
    assert call["visit"]["receiver"]["id"] == li
    await check_in(client, site, namedStaffId=wang)  # Wang's unrelated named customer
    walk_in = await check_in(client, site, customerId=customer["id"], namedStaffId=wang)
    assert walk_in["visit"]["receiver"]["id"] == wang
    data = await client.data(SALE_CREDIT, {"s": site, "c": customer["id"], "by": wang})
    attribution = data["saleAttribution"]
    # Revised 2026-12-01: phone entries count in the register (it used to go to Wang).
    assert attribution["shares"] == [{"staffId": li}]
    assert attribution["decision"]["rule"] == "RE-13"
    assert "by phone" in attribution["decision"]["message"]


async def test_RE_13_a_visit_uncounted_under_RE_8_earns_no_credit(client):
    site, (li, wang, _zhao) = await _office(client)
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    first = await check_in(client, site, customerId=customer["id"])
    assert first["visit"]["receiver"]["id"] == li
    await client.data(
        """mutation($v: ID!) { discountSurveyor(input: {visitId: $v, reason: "confirmed"}) {
          decision { rule } userErrors { field message code rule } } }""",
        {"v": first["visit"]["id"]},
    )
    data = await client.data(SALE_CREDIT, {"s": site, "c": customer["id"], "by": wang})
    # The register as corrected has no counted entry: the closer keeps the sale (it used to
    # go to Li by the uncounted entry).
    assert data["saleAttribution"]["shares"] == [{"staffId": wang}]
    assert data["saleAttribution"]["decision"]["rule"] == "RE-13"
    assert "no entry" in data["saleAttribution"]["decision"]["message"]


async def test_RE_14_three_units_notifies_the_sales_manager(client):
    site, _staff = await _office(client)
    v = await check_in(client, site, realestate={"unitsRequested": 3})
    kinds = [(n["kind"], n["rule"]) for n in v["notifications"]]
    assert ("report_bulk_purchase", "RE-14") in kinds
    v2 = await check_in(client, site, realestate={"unitsRequested": 2})
    assert all(n["rule"] != "RE-14" for n in v2["notifications"])


async def test_RE_15_every_other_walk_in_counts_and_moves_the_rotation(client):
    site, (li, wang, zhao) = await _office(client)
    for _ in range(6):
        await check_in(client, site)
    rot = await client.data(ROTATION, {"site": site})
    assert {m["staffId"]: m["receptions"] for m in rot["rotation"]["members"]} == {
        li: 2,
        wang: 2,
        zhao: 2,
    }
    assert rot["rotation"]["nextStaffId"] == li


async def test_RE_1_nobody_available_is_a_clear_error_and_writes_nothing(client):
    site, (li, wang) = await _office(client, n=2)
    for s in (li, wang):
        await client.data(MARK, {"site": site, "staff": s, "status": "ON_LEAVE"})
    err = await client.error(
        "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id } userErrors { field "
        "message code rule } } }",
        {"s": site},
    )
    assert err.extensions["code"] == "NO_RECEIVER_AVAILABLE"
    assert err.extensions["rule"] == "RE-1"
    page = await client.data("query($s: ID!) { visits(siteId: $s) { nodes { id } } }", {"s": site})
    assert page["visits"]["nodes"] == []
