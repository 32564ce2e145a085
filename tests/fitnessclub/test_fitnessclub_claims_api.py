"""Open claims, FC-14 party claims, FC-15 group joiners and a consultant's month with fines,
through GraphQL (issue 14). Ids come from the responses; the clock is the client's ``now``."""

from __future__ import annotations

from typing import Any

from helpers import add_staff, make_site
from sqlalchemy import event
from test_fitnessclub_api import APPOINTMENT, PENALTIES, Club, _contested, at, club, club_app

__all__ = ["club", "club_app"]  # the fixtures, shared with the line's main API tests

OPEN = """
query($site: ID!, $consultant: ID) { fitnessOpenClaims(siteId: $site, consultantId: $consultant) {
  sale { id closerId } openThrough wholeThrough contenderIds decision { rule message } } }"""
PARTY = """
mutation($input: ClaimPartySalesInput!) { claimPartySales(input: $input) { result { partySize
  results {
  claim { outcome decision { rule message } } sale { id shares { staffId share } } } } userErrors
    { field message code } } }"""
JOINER = """
mutation($input: CreditGroupJoinerInput!) { creditGroupJoiner(input: $input) { result {
  claim { claimantId outcome evidence decision { rule message } }
  sale { shares { staffId share } followUpHolderId decision { rule } } } userErrors { field
    message code } } }"""
MONTH = """
query($site: ID!, $staff: ID!) {
  fitnessConsultantMonth(siteId: $site, staffId: $staff, month: "2026-11-15") {
    totalShare totalFines fines { code amount staffId decision { rule message } } } }"""


async def _open(club: Club, when: Any, consultant: str | None = None) -> list[dict]:
    variables = {"site": club.site, "consultant": consultant}
    return (await club.at(when).data(OPEN, variables))["fitnessOpenClaims"]


async def test_open_claims_FC_4_lists_a_contested_sale_until_day_15_with_its_contender(club):
    sale = await _contested(club, "Open A", "13812345681")
    [row] = await _open(club, at(11, 8, 23, 59))  # day 7
    assert row["sale"]["id"] == sale and row["contenderIds"] == [club.wang]
    assert (row["openThrough"], row["wholeThrough"]) == ("2026-11-16", "2026-11-08")
    assert row["decision"]["rule"] == "FC-4"
    assert "Today is day 7 of the sale of 2026-11-02" in row["decision"]["message"]
    [day8] = await _open(club, at(11, 9, 0, 0))
    assert day8["wholeThrough"] is None and "takes half" in day8["decision"]["message"]
    # Only the sales a consultant could claim: Zhao closed it, Wang follows the customer.
    assert [r["sale"]["id"] for r in await _open(club, at(11, 9), club.wang)] == [sale]
    assert await _open(club, at(11, 9), club.zhao) == []
    assert [r["sale"]["id"] for r in await _open(club, at(11, 16, 23, 59))] == [sale]
    assert await _open(club, at(11, 17, 0, 0)) == []  # day 16: shut (FC-4)
    # A claim that moved the sale closes it: only a change form changes it now (FC-22).
    await club.claim(sale, club.wang, at(11, 10))
    assert await _open(club, at(11, 11)) == []


async def test_open_claims_FC_22_the_month_end_freeze_and_FC_15_group_day(club):
    sale = await _contested(club, "Open B", "13812345682")
    group_buyer = await club.customer("Open C", "13812345683")
    await club.visit(group_buyer, club.zhao, at(11, 2, 15, 30))
    sold = await club.sale(club.zhao, group_buyer, at(11, 2, 16), groupSize=8, phone="13812345683")
    group = sold["id"]
    rows = await _open(club, at(11, 2, 20))
    assert [r["sale"]["id"] for r in rows] == [sale, group]
    assert rows[1]["openThrough"] == "2026-11-02" and rows[1]["decision"]["rule"] == "FC-15"
    assert [r["sale"]["id"] for r in await _open(club, at(11, 3))] == [sale]
    late = await _contested(club, "Open D", "13812345684")  # also sold 11-02
    assert len(await _open(club, at(11, 3))) == 2 and late
    # A sale of 11-20: November has 30 days, the freeze starts 11-28.
    customer = await club.customer("Open E", "13812345685")
    await club.sheet(club.wang, customer, at(11, 19, 9), phone="13812345685")
    await club.visit(customer, club.zhao, at(11, 20, 14))
    nov20 = (await club.sale(club.zhao, customer, at(11, 20, 15), phone="13812345685"))["id"]
    [row] = await _open(club, at(11, 27, 23, 59))
    assert row["sale"]["id"] == nov20 and row["openThrough"] == "2026-11-27"
    assert row["decision"]["rule"] == "FC-22"
    assert await _open(club, at(11, 28, 0, 0)) == []


async def _party(club: Club, names: list[str], phones: list[str], hour: int) -> list[str]:
    """Three visitors together on 11-02; Wang follows the first (sheet of 11-01, appointment
    for 11-02); Zhao receives them and closes three cards."""
    customers = [await club.customer(n, p) for n, p in zip(names, phones, strict=True)]
    await club.sheet(club.wang, customers[0], at(11, 1, 9), phone=phones[0])
    book = {
        "siteId": club.site,
        "consultantId": club.wang,
        "customerId": customers[0],
        "phone": phones[0],
        "visitDate": "2026-11-02",
        "signature": "DIRECTOR",
    }
    await club.at(at(11, 1, 10)).data(APPOINTMENT, {"input": book})
    sales = []
    for customer, phone in zip(customers, phones, strict=True):
        await club.visit(customer, club.zhao, at(11, 2, hour))
        sales.append((await club.sale(club.zhao, customer, at(11, 2, hour, 30), phone=phone))["id"])
    return sales


async def _claim_party(club: Club, sales: list[str], when: Any, size: int = 3) -> list[dict]:
    data = {"saleIds": sales, "claimantId": club.wang, "partySize": size}
    return (await club.at(when).data(PARTY, {"input": data}))["claimPartySales"]["result"][
        "results"
    ]


async def test_FC_14_party_found_the_same_day_with_an_appointment_is_all_the_claimants(club):
    sales = await _party(club, ["Pa A", "Pa B", "Pa C"], ["13812345691", "13812345692",
                                                          "13812345693"], 14)  # fmt: skip
    results = await _claim_party(club, sales, at(11, 2, 23, 59))
    assert [r["claim"]["outcome"] for r in results] == ["WHOLE", "WHOLE", "WHOLE"]
    assert [r["claim"]["decision"]["rule"] for r in results] == ["FC-4", "FC-14", "FC-14"]
    assert "the whole party is Wang Li's" in results[1]["claim"]["decision"]["message"]
    assert all(r["sale"]["shares"] == [{"staffId": club.wang, "share": "1"}] for r in results)


async def test_FC_14_party_found_the_next_day_gives_only_the_member_with_the_sheet(club):
    sales = await _party(club, ["Pb A", "Pb B", "Pb C"], ["13812345694", "13812345695",
                                                          "13812345696"], 15)  # fmt: skip
    results = await _claim_party(club, sales, at(11, 3, 0, 0))
    assert [r["claim"]["outcome"] for r in results] == ["WHOLE", "STAYS", "STAYS"]
    assert results[0]["claim"]["decision"]["rule"] == "FC-4"
    stays = results[2]["claim"]["decision"]
    assert stays["rule"] == "FC-14"
    assert "it was not found the same day" in stays["message"]
    assert "Wang Li gets only the member with the follow-up sheet" in stays["message"]
    assert results[2]["sale"]["shares"] == [{"staffId": club.zhao, "share": "1"}]
    # Two visitors are no party (FC-14 from 3): each sale is an ordinary claim.
    again = await _party(club, ["Pc A", "Pc B", "Pc C"], ["13812345697", "13812345698",
                                                          "13812345699"], 16)  # fmt: skip
    two = await _claim_party(club, again[:2], at(11, 2, 23), size=2)
    assert [r["claim"]["decision"]["rule"] for r in two] == ["FC-4", "FC-8"]


async def test_FC_14_party_input_errors_write_nothing(club):
    sales = await _party(club, ["Pd A", "Pd B", "Pd C"], ["13812345601", "13812345602",
                                                          "13812345603"], 14)  # fmt: skip
    cases = [
        ({"saleIds": sales, "claimantId": club.wang, "partySize": 2}, "INVALID_PARTY_SIZE"),
        (
            {"saleIds": [sales[0], sales[0]], "claimantId": club.wang, "partySize": 3},
            "INVALID_PARTY",
        ),
        ({"saleIds": [], "claimantId": club.wang, "partySize": 3}, "INVALID_PARTY"),
        (
            {"saleIds": [*sales, "999999"], "claimantId": club.wang, "partySize": 4},
            "SALE_NOT_FOUND",
        ),
    ]
    for data, code in cases:
        error = await club.at(at(11, 2, 20)).error(PARTY, {"input": data})
        assert error.extensions["code"] == code, (data, error)
    other_day = await _contested(club, "Pd D", "13812345604")  # sold 11-02 15:00
    later = (await club.sale(club.zhao, await club.customer("Pd E", "13812345605"),
                             at(11, 3, 10), phone="13812345605"))["id"]  # fmt: skip
    error = await club.at(at(11, 3, 11)).error(
        PARTY, {"input": {"saleIds": [other_day, later], "claimantId": club.wang, "partySize": 3}}
    )
    assert error.extensions["code"] == "PARTY_NOT_TOGETHER"
    # Nothing was written: the party is still open to its claim.
    assert len(await _open(club, at(11, 2, 21), club.wang)) == 2


async def _group_and_joiner(club: Club, phone: str) -> tuple[str, str]:
    """Wang sells a group of 8 on 11-02; a joiner arrives separately that afternoon, Zhao
    receives them and closes their card."""
    lead = await club.customer("Group Lead", "13812345610")
    group = (await club.sale(club.wang, lead, at(11, 2, 10), groupSize=8,
                             phone="13812345610"))["id"]  # fmt: skip
    joiner = await club.customer("Joiner", phone)
    await club.visit(joiner, club.zhao, at(11, 2, 14))
    return group, (await club.sale(club.zhao, joiner, at(11, 2, 15), phone=phone))["id"]


async def test_FC_15_a_same_day_joiner_received_by_another_is_duty_reception(club):
    group, sale = await _group_and_joiner(club, "13812345611")
    data = {"saleId": sale, "groupSaleId": group, "arrivedSeparately": True}
    got = (await club.at(at(11, 2, 18)).data(JOINER, {"input": data}))["creditGroupJoiner"][
        "result"
    ]
    assert got["claim"]["outcome"] == "WHOLE" and got["claim"]["claimantId"] == club.wang
    assert got["claim"]["decision"]["rule"] == "FC-15"
    assert "Zhao Min's reception was duty reception" in got["claim"]["decision"]["message"]
    assert got["claim"]["evidence"] == ["group sale of 8 by Wang Li on 2026-11-02"]
    assert got["sale"]["shares"] == [{"staffId": club.wang, "share": "1"}]
    assert got["sale"]["followUpHolderId"] == club.wang


async def test_FC_15_a_joiner_who_came_with_the_group_stays_and_errors(club):
    group, sale = await _group_and_joiner(club, "13812345612")
    data = {"saleId": sale, "groupSaleId": group, "arrivedSeparately": False}
    got = (await club.at(at(11, 2, 18)).data(JOINER, {"input": data}))["creditGroupJoiner"][
        "result"
    ]
    assert got["claim"]["outcome"] == "STAYS" and got["claim"]["decision"]["rule"] == "FC-15"
    assert got["sale"]["shares"] == [{"staffId": club.zhao, "share": "1"}]
    not_group = {"saleId": group, "groupSaleId": sale, "arrivedSeparately": True}
    error = await club.at(at(11, 2, 19)).error(JOINER, {"input": not_group})
    assert error.extensions["code"] == "NOT_A_GROUP_SALE"
    missing = {"saleId": sale, "groupSaleId": "999999", "arrivedSeparately": True}
    error = await club.at(at(11, 2, 19)).error(JOINER, {"input": missing})
    assert error.extensions["code"] == "SALE_NOT_FOUND"
    # Across the month boundary a joiner's card no longer changes hands (FC-22).
    data["arrivedSeparately"] = True
    late = (await club.at(at(12, 1, 9)).data(JOINER, {"input": data}))["creditGroupJoiner"][
        "result"
    ]
    assert late["claim"]["outcome"] == "REFUSED" and late["claim"]["decision"]["rule"] == "FC-22"


async def test_a_consultants_month_lists_their_fines(club):
    customer = await club.customer("Fine A", "13812345620")
    await club.visit(customer, club.zhao, at(11, 2, 14))
    await club.sale(club.zhao, customer, at(11, 2, 15), phone="1381234")  # FC-16: 200
    zhao = await club.at(at(11, 20)).data(MONTH, {"site": club.site, "staff": club.zhao})
    month = zhao["fitnessConsultantMonth"]
    [fine] = month["fines"]
    assert fine["code"] == "FC-16-own-number" and fine["amount"] == "200.00"
    assert fine["staffId"] == club.zhao and fine["decision"]["rule"] == "FC-16"
    assert month["totalFines"] == "200.00" and month["totalShare"] == "1"
    ledger = await club.at(at(11, 20)).data(PENALTIES, {"site": club.site})
    assert len(ledger["penalties"]["edges"]) == 1
    wang = await club.at(at(11, 20)).data(MONTH, {"site": club.site, "staff": club.wang})
    assert wang["fitnessConsultantMonth"]["fines"] == []
    assert wang["fitnessConsultantMonth"]["totalFines"] == "0.00"


ROLE = """
mutation($site: ID!, $role: String!) { addStaff(input: {siteId: $site, name: "Xu", role: $role})
  { staff {
  id role } userErrors { field message code } } }"""


async def test_the_club_declares_its_staff_roles(club):
    admin = club.at(at(11, 1, 8))
    for role in ("membership_consultant", "membership_manager", "club_director"):
        added = await admin.data(ROLE, {"site": club.site, "role": role})
        assert added["addStaff"]["staff"]["role"] == role
    # Core's roles stay available; the club's roles are the club's own.
    assert (await admin.data(ROLE, {"site": club.site, "role": "front_desk"}))["addStaff"]["staff"]
    estate = await make_site(admin, "Sunrise Sales", line="realestate")
    error = await admin.error(ROLE, {"site": estate, "role": "membership_consultant"})
    assert error.extensions["code"] == "UNKNOWN_ROLE"
    error = await admin.error(ROLE, {"site": club.site, "role": "night_porter"})
    assert error.extensions["code"] == "UNKNOWN_ROLE"
    assert "membership_consultant" in error.message and "club_director" in error.message


REPORT = """
query($site: ID!) { fitnessMonthReport(siteId: $site, month: "2026-11-30") {
  month sales totalPrice lines { staffId name sales wholeSales halfSales totalShare
    followUpRights fines totalFines } } }"""


async def _report_statements(club: Club) -> tuple[int, dict]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = club.app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        report = await club.at(at(11, 20)).data(REPORT, {"site": club.site})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), report["fitnessMonthReport"]


async def test_the_month_report_sums_each_consultant_in_constant_statements(club):
    whole = await _contested(club, "Rep A", "13812345641")
    half = await _contested(club, "Rep B", "13812345642")
    await club.claim(whole, club.wang, at(11, 3))
    await club.claim(half, club.wang, at(11, 10))
    fined = await club.customer("Rep C", "13812345643")
    await club.visit(fined, club.zhao, at(11, 4, 14))
    await club.sale(club.zhao, fined, at(11, 4, 15), phone="1381234")  # FC-16: 200
    few, report = await _report_statements(club)
    assert report["month"] == "2026-11-01" and report["sales"] == 3
    assert report["totalPrice"] == "11040.00"
    wang, zhao = report["lines"]
    assert (wang["staffId"], wang["name"]) == (club.wang, "Wang Li")
    assert (wang["sales"], wang["wholeSales"], wang["halfSales"]) == (2, 1, 1)
    assert wang["totalShare"] == "1.5" and wang["followUpRights"] == 1
    assert (wang["fines"], wang["totalFines"]) == (0, "0.00")
    assert (zhao["sales"], zhao["wholeSales"], zhao["halfSales"]) == (2, 1, 1)
    assert zhao["totalShare"] == "1.5" and zhao["followUpRights"] == 2
    assert (zhao["fines"], zhao["totalFines"]) == (1, "200.00")
    for n in range(12):  # more sales and consultants: the same statements (no N+1)
        who = await add_staff(club.at(at(11, 1, 8)), club.site, f"Extra {n}")
        buyer = await club.customer(f"Rep X{n}", f"138123457{n:02d}")
        await club.visit(buyer, who, at(11, 5, 10))
        await club.sale(who, buyer, at(11, 5, 11), phone=f"138123457{n:02d}")
    many, bigger = await _report_statements(club)
    assert bigger["sales"] == 15 and len(bigger["lines"]) == 14
    assert many == few


UNREACHABLE = """
mutation($sheet: ID!) { reportUnreachablePhone(input: {sheetId: $sheet}) { sheet {
  id decision { rule message } } userErrors { field message code } } }"""
SHEETS = """
query($site: ID!, $customer: ID!) { fitnessEvidence(siteId: $site, customerId: $customer) {
  followUpSheets { id decision { rule message } } } }"""


async def test_FC_5_illegible_altered_or_unreachable_numbers_are_no_evidence(club):
    customer = await club.customer("Five A", "13812345651")
    illegible = await club.sheet(club.wang, customer, at(11, 1, 9), legible=False)
    assert illegible["decision"]["rule"] == "FC-5"
    assert "is illegible; such a number is invalid" in illegible["decision"]["message"]
    altered = await club.sheet(club.wang, customer, at(11, 1, 9, 5), altered=True)
    assert "is written over" in altered["decision"]["message"]
    await club.visit(customer, club.zhao, at(11, 2, 14))
    sale = (await club.sale(club.zhao, customer, at(11, 2, 15), phone="13812345651"))["id"]
    decided = await club.claim(sale, club.wang, at(11, 3))
    assert decided["claim"]["outcome"] != "WHOLE"
    assert decided["sale"]["shares"] == [{"staffId": club.zhao, "share": "1"}]


async def test_FC_5_an_unreachable_number_is_invalid_48_hours_after_the_first_report(club):
    customer = await club.customer("Five B", "13812345652")
    sheet = await club.sheet(club.wang, customer, at(11, 1, 9), phone="13812345652")
    first = await club.at(at(11, 3, 9)).data(UNREACHABLE, {"sheet": sheet["id"]})
    grace = first["reportUnreachablePhone"]["sheet"]["decision"]
    assert grace["rule"] == "FC-3"  # still valid, within the grace
    # A second report keeps the first failure: the grace counts from it.
    await club.at(at(11, 4, 9)).data(UNREACHABLE, {"sheet": sheet["id"]})
    variables = {"site": club.site, "customer": customer}
    within = await club.at(at(11, 5, 8, 59)).data(SHEETS, variables)
    assert within["fitnessEvidence"]["followUpSheets"][0]["decision"]["rule"] == "FC-3"
    over = await club.at(at(11, 5, 9, 0)).data(SHEETS, variables)
    decision = over["fitnessEvidence"]["followUpSheets"][0]["decision"]
    assert decision["rule"] == "FC-5"
    assert "after the 48-hour grace it is invalid" in decision["message"]
    missing = await club.at(at(11, 5, 9)).error(UNREACHABLE, {"sheet": "999999"})
    assert missing.extensions["code"] == "SHEET_NOT_FOUND"


async def test_FC_13_follow_up_rights_go_with_a_whole_sale_and_stay_with_the_closer_on_half(
    club,
):
    whole = await _contested(club, "Thirteen A", "13812345653")
    half = await _contested(club, "Thirteen B", "13812345654")
    got = await club.claim(whole, club.wang, at(11, 8, 23, 59))  # day 7
    assert got["sale"]["followUpHolderId"] == club.wang
    assert got["followUpRights"]["rule"] == "FC-13"
    assert "Wang Li serves the member" in got["followUpRights"]["message"]
    split = await club.claim(half, club.wang, at(11, 9, 0, 0))  # day 8
    assert split["sale"]["followUpHolderId"] == club.zhao
    assert "the closer Zhao Min keeps serving" in split["followUpRights"]["message"]
    report = (await club.at(at(11, 20)).data(REPORT, {"site": club.site}))["fitnessMonthReport"]
    rights = {line["staffId"]: line["followUpRights"] for line in report["lines"]}
    assert rights == {club.wang: 1, club.zhao: 1}


async def test_FC_4_day_15_is_half_and_day_16_stays_at_local_midnight_through_graphql(club):
    day15 = await _contested(club, "Fifteen A", "13812345655")
    half = await club.claim(day15, club.wang, at(11, 16, 23, 59))
    assert (
        half["claim"]["outcome"] == "HALF"
        and "found on day 15" in (half["claim"]["decision"]["message"])
    )
    day16 = await _contested(club, "Fifteen B", "13812345656")
    stays = await club.claim(day16, club.wang, at(11, 17, 0, 0))
    assert (
        stays["claim"]["outcome"] == "STAYS"
        and "found on day 16" in (stays["claim"]["decision"]["message"])
    )


async def test_FC_22_claims_flip_at_the_month_end_freeze_and_the_month_boundary(club):
    customer = await club.customer("Freeze A", "13812345657")
    await club.sheet(club.wang, customer, at(11, 19, 9), phone="13812345657")
    await club.visit(customer, club.zhao, at(11, 20, 14))
    sale = (await club.sale(club.zhao, customer, at(11, 20, 15), phone="13812345657"))["id"]
    frozen = await club.claim(sale, club.wang, at(11, 28, 0, 0))  # first of the last 3 days
    assert frozen["claim"]["outcome"] == "REFUSED"
    assert frozen["claim"]["decision"]["rule"] == "FC-22"
    assert "last 3 days of the month" in frozen["claim"]["decision"]["message"]
    before = await club.claim(sale, club.wang, at(11, 27, 23, 59))  # the day before: day 8
    assert before["claim"]["outcome"] == "HALF" and before["claim"]["decision"]["rule"] == "FC-4"
    # A sale of the month's last day: same day yes, next day (a new month) no.
    other = await club.customer("Freeze B", "13812345658")
    await club.sheet(club.wang, other, at(11, 29, 9), phone="13812345658")
    await club.visit(other, club.zhao, at(11, 30, 14))
    last = (await club.sale(club.zhao, other, at(11, 30, 15), phone="13812345658"))["id"]
    across = await club.claim(last, club.wang, at(12, 1, 0, 0))
    assert across["claim"]["outcome"] == "REFUSED"
    assert "claims across months are refused" in across["claim"]["decision"]["message"]
    same_day = await club.claim(last, club.wang, at(11, 30, 23, 59))
    assert same_day["claim"]["outcome"] == "WHOLE"


MEMBERS = """
query($site: ID!) { customers(siteId: $site, first: 20) { nodes { name fitnessclub {
  saleId kind cardType validUntil followUpHolderId decision { rule message } } } } }"""


async def test_FC_13_a_members_card_and_who_serves_them_on_core_customers(club):
    whole = await _contested(club, "Member A", "13812345661")
    await club.claim(whole, club.wang, at(11, 3))
    await club.customer("Member B", "13812345662")  # no card
    page = await club.at(at(11, 4)).data(MEMBERS, {"site": club.site})
    members = {n["name"]: n["fitnessclub"] for n in page["customers"]["nodes"]}
    card = members["Member A"]
    assert card["saleId"] == whole and card["kind"] == "NEW" and card["cardType"] == "annual"
    assert card["followUpHolderId"] == club.wang and card["decision"]["rule"] == "FC-4"
    assert members["Member B"] is None


TAKE_OVER = """
query($site: ID!, $me: ID!, $receiver: ID!, $appt: Boolean!, $own: Boolean!, $ok: Boolean!) {
  fitnessMayTakeOver(siteId: $site, consultantId: $me, receiverId: $receiver,
    hasAppointment: $appt, receiverHasOwnCustomerInGroup: $own, receiverConsents: $ok) {
    allowed decision { rule message } } }"""


async def test_FC_14_taking_over_anothers_reception_needs_an_appointment_and_consent(club):
    async def ask(appt: bool, own: bool = False, ok: bool = False) -> dict:
        variables = {"site": club.site, "me": club.wang, "receiver": club.zhao}
        variables |= {"appt": appt, "own": own, "ok": ok}
        return (await club.at(at(11, 2, 14)).data(TAKE_OVER, variables))["fitnessMayTakeOver"]

    no_appt = await ask(False)
    assert not no_appt["allowed"] and no_appt["decision"]["rule"] == "FC-14"
    assert "Wang Li has no appointment for this customer" in no_appt["decision"]["message"]
    assert (await ask(True))["allowed"]
    refused = await ask(True, own=True)
    assert not refused["allowed"]
    assert "Zhao Min also has a customer of their own" in refused["decision"]["message"]
    assert (await ask(True, own=True, ok=True))["allowed"]
    same = {"site": club.site, "me": club.wang, "receiver": club.wang}
    same |= {"appt": True, "own": False, "ok": False}
    error = await club.at(at(11, 2, 14)).error(TAKE_OVER, same)
    assert error.extensions["code"] == "SAME_CONSULTANT"
