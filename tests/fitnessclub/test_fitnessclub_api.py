"""The fitness-club line end to end through GraphQL: records, claims (对单), fines, month
close. The clock is the client's ``now`` (Asia/Shanghai); a sale's date is day 1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from conftest import SHANGHAI, Client, start_frontdesk
from helpers import add_staff, legacy, make_site, register
from sqlalchemy import event, insert

from core.auth import Actor, Role
from core.runtime import Frontdesk
from plugins.fitnessclub.models import FollowUpSheet

SHEET = """
mutation($input: RecordFollowUpSheetInput!) { recordFollowUpSheet(input: $input) { sheet {
  id consultantId phone validThrough decision { rule message } } userErrors { field message code
    } } }"""
APPOINTMENT = """
mutation($input: RecordAppointmentInput!) { recordAppointment(input: $input) { appointment {
  id phone visitDate decision { rule message } } userErrors { field message code } } }"""
SALE = """
mutation($input: RecordCardSaleInput!) { recordCardSale(input: $input) { sale {
  id closerId registered followUpHolderId shares { staffId share }
  decision { rule message } fines { code amount staffId decision { rule message } } } userErrors
    { field message code } } }"""
CLAIM = """
mutation($sale: ID!, $claimant: ID!) { claimSale(input: {saleId: $sale, claimantId: $claimant}) {
  result {
  claim { outcome evidence shares { staffId share } decision { rule message } }
  sale { followUpHolderId shares { staffId share } decision { rule } }
  followUpRights { rule message } } userErrors { field message code } } }"""
CLOSE = """
mutation($site: ID!, $month: Date!) { closeMonth(input: {siteId: $site, month: $month}) {
  monthClose {
  month decision { rule message } } userErrors { field message code } } }"""
CHECK_IN = """
mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) { visit { id } userErrors {
  field message code } } }"""
PENALTIES = """
query($site: ID!) { penalties(siteId: $site) { edges { node {
  amount staff { id } penaltyRule { code rule } } } } }"""
EVIDENCE = """
query($site: ID!, $customer: ID!) { fitnessEvidence(siteId: $site, customerId: $customer) {
  followUpSheets { consultantId phone decision { rule } }
  sales { id decision { rule } } } }"""


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
async def club_app(sqlite_url: str) -> AsyncIterator[Frontdesk]:
    app = await start_frontdesk(sqlite_url, enable=("realestate", "fitnessclub"))
    yield app
    await app.stop()


class Club:
    def __init__(self, app: Frontdesk) -> None:
        self.app = app
        self.site = ""
        self.wang = self.zhao = ""

    def at(self, moment: datetime, actor: Actor | None = None) -> Client:
        return Client(self.app, now=moment, **({"actor": actor} if actor else {}))

    async def customer(self, name: str, phone: str) -> str:
        return (await register(self.at(at(11, 1, 8)), self.site, name, phone=phone))["id"]

    async def sheet(self, who: str, customer: str, when: datetime, **kw: Any) -> dict:
        data = {"siteId": self.site, "consultantId": who, "customerId": customer}
        data |= {"surname": "Liu", "phone": "13812345678", **kw}
        return (await self.at(when).data(SHEET, {"input": data}))["recordFollowUpSheet"]["sheet"]

    async def visit(self, customer: str, receiver: str, when: datetime) -> None:
        data = {
            "siteId": self.site,
            "customerId": customer,
            "fitnessclub": {"receiverId": receiver},
        }
        await self.at(when).data(CHECK_IN, {"input": {**data, "arrivedAt": when.isoformat()}})

    async def sale(self, closer: str, buyer: str, when: datetime, **kw: Any) -> dict:
        data = {"siteId": self.site, "closerId": closer, "buyerId": buyer}
        data |= {"price": "3680.00", "surname": "Liu", "phone": "13812345678", **kw}
        return (await self.at(when).data(SALE, {"input": data}))["recordCardSale"]["sale"]

    async def claim(self, sale: str, who: str, when: datetime) -> dict:
        return (await self.at(when).data(CLAIM, {"sale": sale, "claimant": who}))["claimSale"][
            "result"
        ]


@pytest.fixture
async def club(club_app: Frontdesk) -> Club:
    c = Club(club_app)
    admin = c.at(at(11, 1, 8))
    c.site = await make_site(admin, "Iron Temple Fitness", line="fitnessclub")
    c.wang = await add_staff(admin, c.site, "Wang Li")
    c.zhao = await add_staff(admin, c.site, "Zhao Min")
    return c


async def _contested(club: Club, name: str, phone: str = "13812345678") -> str:
    """Wang follows the customer since 11-01; Zhao receives them on 11-02 and closes."""
    customer = await club.customer(name, phone)
    await club.sheet(club.wang, customer, at(11, 1, 9), phone=phone)
    await club.visit(customer, club.zhao, at(11, 2, 14))
    return (await club.sale(club.zhao, customer, at(11, 2, 15), phone=phone))["id"]


async def test_FC_4_whole_on_day_7_half_on_day_8_through_graphql(club):
    day7 = await _contested(club, "Liu A", "13812345671")
    whole = await club.claim(day7, club.wang, at(11, 8, 23, 59))
    assert whole["claim"]["outcome"] == "WHOLE"
    assert whole["claim"]["decision"]["rule"] == "FC-4"
    assert "found on day 7" in whole["claim"]["decision"]["message"]
    assert "the whole sale goes to Wang Li" in whole["claim"]["decision"]["message"]
    assert whole["sale"]["shares"] == [{"staffId": club.wang, "share": "1"}]
    # FC-13: the whole sale carries the follow-up rights.
    assert whole["sale"]["followUpHolderId"] == club.wang
    assert whole["followUpRights"]["rule"] == "FC-13"
    day8 = await _contested(club, "Liu B", "13812345672")
    half = await club.claim(day8, club.wang, at(11, 9, 0, 0))
    assert half["claim"]["outcome"] == "HALF"
    assert "found on day 8" in half["claim"]["decision"]["message"]
    assert half["sale"]["shares"] == [
        {"staffId": club.wang, "share": "0.5"},
        {"staffId": club.zhao, "share": "0.5"},
    ]
    assert half["sale"]["followUpHolderId"] == club.zhao
    assert "closer Zhao Min keeps serving" in half["followUpRights"]["message"]


async def test_FC_4_after_day_15_the_sale_stays_and_is_not_changed(club):
    sale = await _contested(club, "Liu C")
    late = await club.claim(sale, club.wang, at(11, 17, 0, 0))
    assert late["claim"]["outcome"] == "STAYS" and late["claim"]["decision"]["rule"] == "FC-4"
    assert late["sale"]["shares"] == [{"staffId": club.zhao, "share": "1"}]
    assert late["sale"]["decision"]["rule"] == "FC-8"


async def test_FC_22_claims_across_months_refused_and_month_close(club):
    sale = await _contested(club, "Liu D")
    refused = await club.claim(sale, club.wang, at(12, 1, 0, 0))
    assert refused["claim"]["outcome"] == "REFUSED"
    assert refused["claim"]["decision"]["rule"] == "FC-22"
    early = await club.at(at(11, 29, 23, 59)).error(
        CLOSE, {"site": club.site, "month": "2026-11-05"}
    )
    assert early.extensions["code"] == "MONTH_NOT_OVER"
    assert "closes on its last day, 2026-11-30" in early.message
    closed = await club.at(at(11, 30, 0, 0)).data(CLOSE, {"site": club.site, "month": "2026-11-05"})
    assert closed["closeMonth"]["monthClose"]["month"] == "2026-11-01"
    assert closed["closeMonth"]["monthClose"]["decision"]["rule"] == "FC-22"
    again = await club.at(at(11, 30, 1)).error(CLOSE, {"site": club.site, "month": "2026-11-30"})
    assert again.extensions["code"] == "MONTH_ALREADY_CLOSED"
    # Closed: even a same-day claim on a sale of the last day is refused.
    customer = await club.customer("Liu E", "13812345675")
    await club.visit(customer, club.zhao, at(11, 30, 9))
    late_sale = (await club.sale(club.zhao, customer, at(11, 30, 10)))["id"]
    frozen = await club.claim(late_sale, club.wang, at(11, 30, 12))
    assert frozen["claim"]["outcome"] == "REFUSED"
    assert "has been closed" in frozen["claim"]["decision"]["message"]


async def test_FC_7_unregistered_visitor_claim_survives_the_month(club):
    customer = await club.customer("Liu F", "13812345676")
    await club.sheet(club.wang, customer, at(11, 1, 9))
    sale = await club.sale(club.zhao, customer, at(11, 2, 15))  # no visit registered
    assert sale["registered"] is False
    decided = await club.claim(sale["id"], club.wang, at(12, 20))
    assert decided["claim"]["outcome"] == "WHOLE"
    assert decided["claim"]["decision"]["rule"] == "FC-7"


async def test_FC_16_a_sale_without_the_customers_own_number_is_fined_200(club):
    customer = await club.customer("Liu G", "13812345677")
    await club.visit(customer, club.zhao, at(11, 2, 14))
    sale = await club.sale(club.zhao, customer, at(11, 2, 15), phone="1381234")
    [fine] = sale["fines"]
    assert fine["code"] == "FC-16-own-number" and fine["amount"] == "200.00"
    assert fine["staffId"] == club.zhao and fine["decision"]["rule"] == "FC-16"
    ledger = await club.at(at(11, 2, 16)).data(PENALTIES, {"site": club.site})
    [entry] = [e["node"] for e in ledger["penalties"]["edges"]]
    assert entry["penaltyRule"] == {"code": "FC-16-own-number", "rule": "FC-16"}
    assert entry["amount"] == "200.00" and entry["staff"]["id"] == club.zhao


async def test_FC_20_sheet_after_a_colleague_showed_theirs_is_invalid_and_fined(club):
    customer = await club.customer("Liu H", "13812345678")
    await club.sheet(club.zhao, customer, at(11, 1, 9))
    late = await club.sheet(club.wang, customer, at(11, 3, 9), colleagueShowedEarlierSheet=True)
    assert late["decision"]["rule"] == "FC-20"
    ledger = await club.at(at(11, 3, 10)).data(PENALTIES, {"site": club.site})
    [entry] = [e["node"] for e in ledger["penalties"]["edges"]]
    assert entry["penaltyRule"]["rule"] == "FC-20" and entry["amount"] == "100.00"
    assert entry["staff"]["id"] == club.wang
    other = await club.customer("Liu I", "13812345679")
    err = await club.at(at(11, 3, 9)).error(
        SHEET,
        {
            "input": {
                "siteId": club.site,
                "consultantId": club.wang,
                "customerId": other,
                "surname": "Liu",
                "phone": "13812345679",
                "colleagueShowedEarlierSheet": True,
            }
        },
    )
    assert err.extensions["code"] == "NO_EARLIER_SHEET"


async def test_FC_23_same_day_sheets_split_the_sale(club):
    customer = await club.customer("Liu J", "13812345670")
    await club.sheet(club.wang, customer, at(11, 1, 9))
    await club.sheet(club.zhao, customer, at(11, 1, 20))
    await club.visit(customer, club.zhao, at(11, 2, 14))
    sale = (await club.sale(club.zhao, customer, at(11, 2, 15)))["id"]
    tie = await club.claim(sale, club.wang, at(11, 3))
    assert tie["claim"]["outcome"] == "HALF" and tie["claim"]["decision"]["rule"] == "FC-23"
    assert "half each" in tie["claim"]["decision"]["message"]


async def test_FC_6_masked_appointment_without_own_sheet_is_invalid(club):
    customer = await club.customer("Liu K", "13812345611")
    data = {
        "siteId": club.site,
        "consultantId": club.wang,
        "customerId": customer,
        "phone": "138****5611",
        "visitDate": "2026-11-02",
        "signature": "DIRECTOR",
    }
    bare = (await club.at(at(11, 1)).data(APPOINTMENT, {"input": data}))["recordAppointment"][
        "appointment"
    ]
    assert bare["decision"]["rule"] == "FC-6"
    assert "Wang Li's appointment leaves out the middle four digits" in bare["decision"]["message"]
    assert "it is invalid" in bare["decision"]["message"]
    await club.sheet(club.wang, customer, at(11, 1, 9), phone="13812345611")
    ok = (await club.at(at(11, 1, 10)).data(APPOINTMENT, {"input": data}))["recordAppointment"][
        "appointment"
    ]
    assert ok["decision"]["rule"] == "FC-6"
    assert "so it counts" in ok["decision"]["message"]


async def test_FC_17_renewal_goes_to_the_members_consultant(club):
    customer = await club.customer("Liu L", "13812345612")
    await club.visit(customer, club.wang, at(11, 2, 9))
    await club.sale(club.wang, customer, at(11, 2, 10))
    renewal = await club.sale(club.zhao, customer, at(11, 20), kind="RENEWAL")
    assert renewal["decision"]["rule"] == "FC-17"
    assert renewal["shares"] == [{"staffId": club.wang, "share": "1"}]
    assert "Wang Li" in renewal["decision"]["message"]


async def test_consultants_see_only_their_own_customers_full_numbers(club):
    customer = await club.customer("Liu M", "13812345613")
    await club.sheet(club.wang, customer, at(11, 1, 9), phone="13812345613")
    wang = Actor(role=Role.STAFF, name="wang", staff_id=legacy(club.wang))
    zhao = Actor(role=Role.STAFF, name="zhao", staff_id=legacy(club.zhao))
    variables = {"site": club.site, "customer": customer}
    own = await club.at(at(11, 2), wang).data(EVIDENCE, variables)
    assert own["fitnessEvidence"]["followUpSheets"][0]["phone"] == "13812345613"
    other = await club.at(at(11, 2), zhao).data(EVIDENCE, variables)
    assert other["fitnessEvidence"]["followUpSheets"][0]["phone"] == "138****5613"


async def test_bad_input_gets_stable_codes_and_writes_nothing(club):
    customer = await club.customer("Liu N", "13812345614")
    sale = await club.sale(club.zhao, customer, at(11, 2, 15))
    own = await club.at(at(11, 3)).error(CLAIM, {"sale": sale["id"], "claimant": club.zhao})
    assert own.extensions["code"] == "CLAIM_OWN_SALE"
    missing = await club.at(at(11, 3)).error(CLAIM, {"sale": "999", "claimant": club.wang})
    assert missing.extensions["code"] == "SALE_NOT_FOUND"
    bad_price = await club.at(at(11, 3)).error(
        SALE,
        {
            "input": {
                "siteId": club.site,
                "closerId": club.zhao,
                "buyerId": customer,
                "price": "1.001",
                "surname": "Liu",
                "phone": "13812345614",
            }
        },
    )
    assert bad_price.extensions["code"] == "INVALID_AMOUNT"
    evidence = await club.at(at(11, 3)).data(EVIDENCE, {"site": club.site, "customer": customer})
    assert [s["id"] for s in evidence["fitnessEvidence"]["sales"]] == [sale["id"]]
    wrong = await make_site(club.at(at(11, 1)), "Sunrise Sales")
    err = await club.at(at(11, 3)).error(EVIDENCE, {"site": wrong, "customer": customer})
    assert err.extensions["code"] == "WRONG_BUSINESS_LINE"


CHANGE = """
mutation($input: ChangeSaleConsultantInput!) { changeSaleConsultant(input: $input) { result {
  sale { shares { staffId share } followUpHolderId } decision { rule message } } userErrors {
    field message code } } }"""
ISSUE = """
mutation($staff: ID!, $code: String!) {
  issuePenalty(input: {staffId: $staff, ruleCode: $code, reason: "manager's finding"}) { penalty {
    amount penaltyRule { rule } } userErrors { field message code } } }"""


async def test_FC_22_change_form_needs_both_manager_then_director_and_not_late_in_month(club):
    customer = await club.customer("Liu O", "13812345615")
    await club.visit(customer, club.zhao, at(11, 20, 9))
    sale = (await club.sale(club.zhao, customer, at(11, 20, 10)))["id"]
    form = {
        "saleId": sale,
        "fromConsultantId": club.zhao,
        "toConsultantId": club.wang,
        "agreedByBoth": True,
        "managerSignedAt": at(11, 21, 9).isoformat(),
    }
    unsigned = await club.at(at(11, 21, 10)).error(CHANGE, {"input": form})
    assert unsigned.extensions["code"] == "CHANGE_REFUSED"
    assert "director has not signed" in unsigned.message
    signed = {**form, "directorSignedAt": at(11, 21, 10).isoformat()}
    # 11-28 is the last day before the month-end freeze; 11-28 .. 11-30 only same-day sales.
    frozen = await club.at(at(11, 28, 0, 0)).error(CHANGE, {"input": signed})
    assert frozen.extensions["code"] == "CHANGE_REFUSED"
    assert "last 3 days of the month" in frozen.message
    done = await club.at(at(11, 27, 23, 59)).data(CHANGE, {"input": signed})
    result = done["changeSaleConsultant"]["result"]
    assert result["decision"]["rule"] == "FC-22"
    assert result["sale"]["shares"] == [{"staffId": club.wang, "share": "1"}]
    assert result["sale"]["followUpHolderId"] == club.wang


async def test_FC_1_FC_2_FC_9_fines_from_the_table_issued_by_a_manager(club):
    amounts = {}
    for code in ("FC-1", "FC-2", "FC-9", "FC-17", "FC-18"):
        issued = await club.at(at(11, 3)).data(ISSUE, {"staff": club.zhao, "code": code})
        amounts[code] = issued["issuePenalty"]["penalty"]["amount"]
        assert issued["issuePenalty"]["penalty"]["penaltyRule"]["rule"] == code
    assert amounts == {
        "FC-1": "50.00",
        "FC-2": "100.00",
        "FC-9": "300.00",
        "FC-17": "100.00",
        "FC-18": "100.00",
    }


async def _bulk_sheets(club: Club, customer: str, count: int) -> None:
    rows = [
        {
            "site_id": legacy(club.site),
            "consultant_id": legacy(club.wang if i % 2 else club.zhao),
            "customer_id": legacy(customer),
            "surname": "Ma",
            "phone": "13700000000",
            "legible": True,
            "altered": False,
            "made_after_shown": False,
            "created_at": at(10, 1 + i % 28),
        }
        for i in range(count)
    ]
    async with club.app.write() as s:  # Core executemany: no ORM bookkeeping per row
        await s.execute(insert(FollowUpSheet.__table__), rows)


async def _claim_statements(club: Club, name: str, phone: str) -> tuple[int, dict]:
    sale = await _contested(club, name, phone)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = club.app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        decided = await club.claim(sale, club.wang, at(11, 3))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), decided


async def test_a_claim_reads_only_the_customers_own_evidence_constant_statements(club):
    """Deciding a claim costs the same SQL statements with 100 or 100,000 prior records (the
    issue's Speed section; bench/fitness_claims.py times it)."""
    other = await club.customer("Ma Busy", "13700000000")
    await _bulk_sheets(club, other, 100)
    small, first = await _claim_statements(club, "Liu P", "13812345616")
    await _bulk_sheets(club, other, 99_900)
    large, second = await _claim_statements(club, "Liu Q", "13812345617")
    assert small == large
    assert first["claim"]["outcome"] == second["claim"]["outcome"] == "WHOLE"
    assert second["claim"]["evidence"] == ["follow-up sheet by Wang Li made 2026-11-01"]


ATTRIBUTION = """
query($site: ID!, $customer: ID!, $closer: ID!, $at: DateTime!) {
  saleAttribution(siteId: $site, customerId: $customer, closedById: $closer, soldAt: $at) {
    shares { staffId share } decision { rule message } } }"""


async def test_core_sale_attribution_asks_the_club_rules(club):
    customer = await club.customer("Liu R", "13812345618")
    variables = {"site": club.site, "customer": customer, "closer": club.zhao}
    alone = await club.at(at(11, 2, 16)).data(
        ATTRIBUTION, {**variables, "at": at(11, 2, 15).isoformat()}
    )
    assert alone["saleAttribution"]["decision"]["rule"] == "FC-8"
    assert alone["saleAttribution"]["shares"] == [{"staffId": club.zhao, "share": "1"}]
    await club.sheet(club.wang, customer, at(11, 1, 9))
    await club.visit(customer, club.zhao, at(11, 2, 14))
    credit = await club.at(at(11, 10)).data(
        ATTRIBUTION, {**variables, "at": at(11, 2, 15).isoformat()}
    )
    assert credit["saleAttribution"]["decision"]["rule"] == "FC-4"
    assert credit["saleAttribution"]["shares"] == [
        {"staffId": club.wang, "share": "0.5"},
        {"staffId": club.zhao, "share": "0.5"},
    ]


RECEIVE = """
mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) {
  visit { id receiver { id name } } decision { rule message }
  notifications { kind rule message } userErrors { field message code } } }"""


async def _arrive(club: Club, when: datetime, **fields: Any) -> dict:
    data = {"siteId": club.site, **fields}
    return (await club.at(when).data(RECEIVE, {"input": data}))["checkInVisit"]


async def test_FC_8_reception_whoever_receives_and_FC_2_questions_fine(club):
    customer = await club.customer("Liu S", "13812345619")
    facts = {"receiverId": club.zhao, "questionsAsked": ["LOOKING_FOR_SOMEONE", "APPOINTMENT"]}
    got = await _arrive(club, at(11, 3, 10), customerId=customer, fitnessclub=facts)
    assert got["visit"]["receiver"]["id"] == club.zhao
    assert got["decision"]["rule"] == "FC-8"
    assert "whoever receives gets the customer, Zhao Min" in got["decision"]["message"]
    ledger = await club.at(at(11, 3, 11)).data(PENALTIES, {"site": club.site})
    [entry] = [e["node"] for e in ledger["penalties"]["edges"]]
    assert entry["penaltyRule"]["rule"] == "FC-2" and entry["amount"] == "100.00"
    assert entry["staff"]["id"] == club.zhao
    err = await club.at(at(11, 3, 12)).error(RECEIVE, {"input": {"siteId": club.site}})
    assert err.extensions["code"] == "RECEIVER_REQUIRED"


async def test_FC_11_trial_voucher_at_the_desk_notifies_and_wins_the_claim(club):
    customer = await club.customer("Liu T", "13812345620")
    facts = {"receiverId": club.zhao, "voucherConsultantId": club.wang}
    got = await _arrive(club, at(11, 3, 10), customerId=customer, fitnessclub=facts)
    assert got["visit"]["receiver"]["id"] == club.wang
    assert got["decision"]["rule"] == "FC-11"
    [note] = got["notifications"]
    assert note["rule"] == "FC-11" and note["message"].startswith("Tell Wang Li")
    sale = (await club.sale(club.zhao, customer, at(11, 3, 15)))["id"]
    decided = await club.claim(sale, club.wang, at(11, 5))
    assert decided["claim"]["outcome"] == "WHOLE"
    assert decided["claim"]["decision"]["rule"] == "FC-11"


async def test_FC_3_and_FC_10_at_the_desk(club):
    followed = await club.customer("Liu U", "13812345621")
    await club.sheet(club.wang, followed, at(11, 1, 9), phone="13812345621")
    got = await _arrive(
        club, at(11, 3, 10), customerId=followed, fitnessclub={"receiverId": club.zhao}
    )
    assert got["visit"]["receiver"]["id"] == club.wang and got["decision"]["rule"] == "FC-3"
    named = await club.customer("Liu V", "13812345622")
    asked = await _arrive(
        club,
        at(11, 3, 11),
        customerId=named,
        namedStaffId=club.wang,
        fitnessclub={"receiverId": club.zhao},
    )
    assert asked["visit"]["receiver"]["id"] == club.wang
    assert asked["decision"]["rule"] == "FC-10"
    suggested = await _arrive(
        club,
        at(11, 3, 12),
        customerId=await club.customer("Liu W", "13812345623"),
        namedStaffId=club.wang,
        fitnessclub={"receiverId": club.zhao, "namedByStaff": True},
    )
    assert suggested["visit"]["receiver"]["id"] == club.zhao
    assert "suggested by staff does not count" in suggested["decision"]["message"]


COPY = """
mutation($sale: ID!) { copySalePhoneToRegister(input: {saleId: $sale}) { sale {
  registerPhoneDiffers phoneCopiedAt } userErrors { field message code } } }"""
CHECK_PHONES = """
mutation($site: ID!, $day: Date!) { checkSalePhones(input: {siteId: $site, day: $day}) { fines {
  staffId code amount decision { rule message } } userErrors { field message code } } }"""


async def test_FC_16_number_not_copied_to_the_register_that_day_is_fined_100(club):
    fixed = await club.customer("Liu X", "13812345624")
    forgot = await club.customer("Liu Y", "13812345625")
    same = await club.customer("Liu Z", "13812345626")
    sale_fixed = await club.sale(club.zhao, fixed, at(11, 2, 15), phone="13900000001")
    sale_forgot = await club.sale(club.wang, forgot, at(11, 2, 16), phone="13900000002")
    await club.sale(club.zhao, same, at(11, 2, 17), phone="13812345626")
    assert sale_forgot["id"] != sale_fixed["id"]
    copied = await club.at(at(11, 2, 23, 59)).data(COPY, {"sale": sale_fixed["id"]})
    assert copied["copySalePhoneToRegister"]["sale"]["registerPhoneDiffers"] is True
    variables = {"site": club.site, "day": "2026-11-02"}
    # Still the sale day: nobody is fined yet.
    early = await club.at(at(11, 2, 23, 59)).data(CHECK_PHONES, variables)
    assert early["checkSalePhones"]["fines"] == []
    [fine] = (await club.at(at(11, 3, 0, 0)).data(CHECK_PHONES, variables))["checkSalePhones"][
        "fines"
    ]
    assert fine["staffId"] == club.wang and fine["code"] == "FC-16-register"
    assert fine["amount"] == "100.00" and fine["decision"]["rule"] == "FC-16"
    assert "differs from the visitor register" in fine["decision"]["message"]
    # Once per sale.
    assert (await club.at(at(11, 4)).data(CHECK_PHONES, variables))["checkSalePhones"][
        "fines"
    ] == []


async def test_FC_17_renewal_within_validity_and_FC_21_card_for_another(club):
    member = await club.customer("Ma A", "13812345627")
    await club.sale(club.wang, member, at(11, 1, 10), validUntil="2026-11-30")
    renewal = await club.sale(club.zhao, member, at(11, 30, 10), kind="RENEWAL")
    assert renewal["decision"]["rule"] == "FC-17"
    assert "within validity (valid until 2026-11-30)" in renewal["decision"]["message"]
    buyer = await club.customer("Ma B", "13812345628")
    user = await club.customer("Ma C", "13812345629")
    await club.sheet(club.wang, user, at(11, 1, 9), phone="13812345629")
    await club.visit(user, club.zhao, at(11, 2, 14))
    gift = await club.sale(club.zhao, buyer, at(11, 2, 15), userId=user, phone="13812345629")
    decided = await club.claim(gift["id"], club.wang, at(11, 4))
    assert decided["claim"]["outcome"] == "WHOLE"
    assert decided["claim"]["decision"]["rule"] == "FC-21"
    assert "bought by Ma B for Ma C to use" in decided["claim"]["decision"]["message"]


async def test_FC_15_group_sale_claimed_only_on_its_day(club):
    customer = await club.customer("Ma D", "13812345630")
    await club.sheet(club.wang, customer, at(11, 1, 9), phone="13812345630")
    await club.visit(customer, club.zhao, at(11, 2, 14))
    group = (await club.sale(club.zhao, customer, at(11, 2, 15), groupSize=8))["id"]
    late = await club.claim(group, club.wang, at(11, 3, 0, 0))
    assert late["claim"]["outcome"] == "REFUSED" and late["claim"]["decision"]["rule"] == "FC-15"
    same_day = await club.claim(group, club.wang, at(11, 2, 23, 59))
    assert same_day["claim"]["outcome"] == "WHOLE"
    assert same_day["claim"]["decision"]["rule"] == "FC-15"


LEAD = """
mutation($input: RecordLeadInput!) { recordLead(input: $input) { lead { id kind at } userErrors {
  field message code } } }"""


async def test_FC_12_same_day_inquiry_with_appointment_found_the_same_day(club):
    customer = await club.customer("Qin A", "13812345631")
    ids = {"siteId": club.site, "consultantId": club.wang, "customerId": customer}
    lead = {**ids, "kind": "PHONE_INQUIRY"}
    await club.at(at(11, 2, 9)).data(LEAD, {"input": lead})
    book = {**ids, "phone": "13812345631", "visitDate": "2026-11-02", "signature": "DIRECTOR"}
    await club.at(at(11, 2, 9, 5)).data(APPOINTMENT, {"input": book})
    await club.visit(customer, club.zhao, at(11, 2, 14))
    sale = (await club.sale(club.zhao, customer, at(11, 2, 15), phone="13812345631"))["id"]
    decided = await club.claim(sale, club.wang, at(11, 2, 23, 59))
    assert decided["claim"]["outcome"] == "WHOLE"
    assert decided["claim"]["decision"]["rule"] == "FC-12"
    assert "same-day phone inquiry" in decided["claim"]["decision"]["message"]


async def test_FC_19_registered_in_the_morning_closed_by_another_found_next_day(club):
    customer = await club.customer("Qin B", "13812345632")
    await club.visit(customer, club.wang, at(11, 2, 9))
    await club.visit(customer, club.zhao, at(11, 2, 14))
    sale = (await club.sale(club.zhao, customer, at(11, 2, 15), phone="13812345632"))["id"]
    decided = await club.claim(sale, club.wang, at(11, 3, 10))
    assert decided["claim"]["outcome"] == "HALF"
    assert decided["claim"]["decision"]["rule"] == "FC-19"
    assert "found the next day: half" in decided["claim"]["decision"]["message"]


async def test_FC_18_friend_asking_for_a_member_goes_to_the_members_consultant(club):
    customer = await club.customer("Qin C", "13812345633")
    facts = {"receiverId": club.zhao, "askedForMemberConsultantId": club.wang}
    got = await _arrive(club, at(11, 3, 10), customerId=customer, fitnessclub=facts)
    assert got["visit"]["receiver"]["id"] == club.wang
    assert got["decision"]["rule"] == "FC-18"


MONTH = """
query($site: ID!, $staff: ID!) {
  fitnessConsultantMonth(siteId: $site, staffId: $staff, month: "2026-11-15") {
    month totalShare followUpRights sales { id } } }"""


async def test_a_consultants_month_sums_whole_and_half_shares(club):
    whole = await _contested(club, "Qin D", "13812345634")
    half = await _contested(club, "Qin E", "13812345635")
    await club.claim(whole, club.wang, at(11, 3))
    await club.claim(half, club.wang, at(11, 10))
    wang = await club.at(at(11, 20)).data(MONTH, {"site": club.site, "staff": club.wang})
    month = wang["fitnessConsultantMonth"]
    assert month["month"] == "2026-11-01"
    assert [x["id"] for x in month["sales"]] == [whole, half]
    assert month["totalShare"] == "1.5" and month["followUpRights"] == 1
    zhao = await club.at(at(11, 20)).data(MONTH, {"site": club.site, "staff": club.zhao})
    assert zhao["fitnessConsultantMonth"]["totalShare"] == "0.5"


LINE_NODE = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on FitnessSale { legacyId closer { name } buyer { name } shares { staff { name } share } }
  ... on FitnessFollowUpSheet { consultant: consultantId decision { rule } } } }"""
SALES_PAGE = """query($s: ID!, $last: Int, $before: String) {
  fitnessSales(siteId: $s, month: "2026-11-01", last: $last, before: $before) {
    totalCount edges { cursor node { id } } pageInfo { hasPreviousPage startCursor } } }"""


async def test_issue_17_the_lines_entities_are_nodes_with_links_and_pages(club):
    # Schema 1.0 through the plugin API: global ids, node refetch, object links, connections.
    customer = await club.customer("Liu N", "13812345679")
    sheet = await club.sheet(club.wang, customer, at(11, 1, 9))
    sales = [(await club.sale(club.zhao, customer, at(11, 2, h)))["id"] for h in (15, 16, 17)]
    admin = club.at(at(11, 3, 9))
    found = (await admin.data(LINE_NODE, {"ids": [sales[0], sheet["id"]]}))["nodes"]
    assert found[0]["__typename"] == "FitnessSale" and found[0]["id"] == sales[0]
    assert found[0]["legacyId"] == legacy(sales[0])
    assert found[0]["closer"] == {"name": "Zhao Min"} and found[0]["buyer"] == {"name": "Liu N"}
    assert found[0]["shares"][0]["staff"] == {"name": "Zhao Min"}
    assert found[1]["__typename"] == "FitnessFollowUpSheet"
    assert found[1]["consultant"] == club.wang and found[1]["decision"]["rule"]
    # Backward through the month's sales (oldest first): the last two, then the one before.
    tail = (await admin.data(SALES_PAGE, {"s": club.site, "last": 2}))["fitnessSales"]
    assert tail["totalCount"] == 3
    assert [e["node"]["id"] for e in tail["edges"]] == sales[1:]
    assert tail["pageInfo"]["hasPreviousPage"]
    before = tail["pageInfo"]["startCursor"]
    head = await admin.data(SALES_PAGE, {"s": club.site, "last": 2, "before": before})
    assert [e["node"]["id"] for e in head["fitnessSales"]["edges"]] == sales[:1]
