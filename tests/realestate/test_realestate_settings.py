"""Real-estate numbers an operator changes without code (``configurePlugin``, validated by
``frontdesk_validate_settings``): RE-1's start of the business day, RE-5's suspension."""

from __future__ import annotations

from datetime import datetime, timedelta

from conftest import FIXED_NOW, SHANGHAI, Client
from helpers import add_staff, check_in, make_site, register
from sqlalchemy import func, select

from core.models import Event

CONFIGURE = """
mutation($settings: JSON!) { configurePlugin(input: {code: "realestate", settings: $settings}) {
  plugin {
  code enabled settings } userErrors { field message code } } }"""
SETTINGS = "query { plugins { code settings } }"
BUSINESS_DATE = """
query($v: ID!) { visit(id: $v) { businessDate } }"""
ROTATION = "query($s: ID!) { rotation(siteId: $s) { businessDate upcoming } }"
RE5_RULE = """
query { penaltyRules(businessLine: "realestate") {
  nodes { code rule kind minAmount maxAmount } } }"""
MARK = """
mutation($s: ID!, $staff: ID!) { markSalesperson(input: {siteId: $s, staffId: $staff, status:
  BUSINESS_CALL,
  reason: "with a client"}) { rotation { members { staffId status } } userErrors { field message
    code } } }"""
GRAB = """
mutation($visit: ID!, $named: ID!) { reportOrderGrabbing(input: {visitId: $visit, namedStaffId:
  $named})
  { ruling { suspendedFrom suspendedUntil decision { rule message } } userErrors { field message
    code } } }"""


async def _settings(client: Client) -> dict:
    plugins = (await client.data(SETTINGS))["plugins"]
    return next(p["settings"] for p in plugins if p["code"] == "realestate")


async def _re5(client: Client) -> dict:
    rules = (await client.data(RE5_RULE))["penaltyRules"]["nodes"]
    return next(r for r in rules if r["code"] == "RE-5")


async def test_RE_1_the_business_day_starts_when_the_operator_says(client: Client) -> None:
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    early = Client(client.app, datetime(2026, 11, 25, 5, 30, tzinfo=SHANGHAI))
    # Default: the business day starts at midnight, so 05:30 on the 25th is the 25th.
    visit = (await check_in(early, site))["visit"]["id"]
    assert (await early.data(BUSINESS_DATE, {"v": visit}))["visit"]["businessDate"] == "2026-11-25"

    data = await client.data(CONFIGURE, {"settings": {"business_day_starts_at": "06:00"}})
    assert data["configurePlugin"]["plugin"]["settings"] == {"business_day_starts_at": "06:00"}

    # RE-1: with a 06:00 start, 05:30 still belongs to the 24th's rotation ...
    visit = (await check_in(early, site))["visit"]["id"]
    assert (await early.data(BUSINESS_DATE, {"v": visit}))["visit"]["businessDate"] == "2026-11-24"
    assert (await early.data(ROTATION, {"s": site}))["rotation"]["businessDate"] == "2026-11-24"
    marked = await early.data(MARK, {"s": site, "staff": li})  # the 24th's rotation, too
    assert marked["markSalesperson"]["rotation"]["members"] == [
        {"staffId": li, "status": "BUSINESS_CALL"}
    ]
    # ... and 06:30 is the 25th, whose rotation was already started by the first visit.
    later = Client(client.app, datetime(2026, 11, 25, 6, 30, tzinfo=SHANGHAI))
    rotation = (await later.data(ROTATION, {"s": site}))["rotation"]
    assert rotation["businessDate"] == "2026-11-25" and rotation["upcoming"] == [li]


async def test_RE_5_suspension_days_follow_the_setting_into_the_penalty_table(
    client: Client,
) -> None:
    assert (await _re5(client))["minAmount"] == "1.00"
    await client.data(CONFIGURE, {"settings": {"suspension_days": 2}})
    assert await _settings(client) == {"suspension_days": 2}
    # The penalty table follows at once (RE-5's entry is the suspension of that many days).
    assert (await _re5(client))["minAmount"] == (await _re5(client))["maxAmount"] == "2.00"

    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    wang = await add_staff(client, site, "Wang")
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    grabbed = await check_in(client, site, customerId=customer["id"])
    assert grabbed["visit"]["receiver"]["id"] == li
    ruling = (await client.data(GRAB, {"visit": grabbed["visit"]["id"], "named": wang}))[
        "reportOrderGrabbing"
    ]["ruling"]
    assert ruling["decision"]["rule"] == "RE-5"
    assert (ruling["suspendedFrom"], ruling["suspendedUntil"]) == ("2026-11-25", "2026-11-26")
    in_two_days = Client(client.app, FIXED_NOW + timedelta(days=2))
    assert li not in (await in_two_days.data(ROTATION, {"s": site}))["rotation"]["upcoming"]

    # null resets a key to its default, and the table follows back.
    await client.data(CONFIGURE, {"settings": {"suspension_days": None}})
    assert await _settings(client) == {}
    assert (await _re5(client))["minAmount"] == "1.00"


async def test_bad_settings_get_INVALID_SETTINGS_and_nothing_is_stored(client, fd) -> None:
    await client.data(CONFIGURE, {"settings": {"bulk_units_threshold": 4}})

    async def events() -> int:
        async with fd.db.session() as s:
            return await s.scalar(select(func.count()).select_from(Event))

    before = await events()
    for bad, named in (
        ({"business_day_start": "06:00"}, "business_day_start"),  # misspelled key
        ({"business_day_starts_at": "six"}, "six"),
        # Issue 10, finding 5: an hour out of range names the key, not just "hour must be …".
        ({"business_day_starts_at": "25:00"}, "business_day_starts_at"),
        ({"suspension_days": 0}, "suspension_days"),
        ({"penalties": [{"code": "RE-5"}]}, "lacks"),
    ):
        err = await client.error(CONFIGURE, {"settings": bad})
        assert err.extensions["code"] == "INVALID_SETTINGS", (bad, err.message)
        assert named in err.message, err.message
    err = await client.error(CONFIGURE, {"settings": ["suspension_days", 2]})
    assert err.extensions["code"] == "INVALID_SETTINGS"
    assert await _settings(client) == {"bulk_units_threshold": 4}
    assert await events() == before


async def test_settings_are_stored_normalised_and_merge_key_by_key(client: Client) -> None:
    table = [
        {"code": "C-14-staff", "rule": "C-14", "title": "Service fine", "kind": "fine",
         "min_amount": 300, "max_amount": "800"},
        {"code": "C-14-manager", "rule": "C-14", "title": "Manager fine", "kind": "fine",
         "min_amount": "100", "max_amount": "500.5"},
    ]  # fmt: skip
    data = await client.data(
        CONFIGURE, {"settings": {"business_day_starts_at": "0600", "penalties": table}}
    )
    stored = data["configurePlugin"]["plugin"]["settings"]
    assert stored["business_day_starts_at"] == "06:00"
    # Amounts as decimal strings; RE-5's entry is not stored: it follows suspension_days.
    assert [(p["code"], p["min_amount"], p["max_amount"]) for p in stored["penalties"]] == [
        ("C-14-staff", "300", "800"),
        ("C-14-manager", "100", "500.5"),
    ]
    # So suspension_days can change on its own after a whole table was set (and back).
    await client.data(CONFIGURE, {"settings": {"suspension_days": 3}})
    assert (await _re5(client))["minAmount"] == "3.00"
    rules = (await client.data(RE5_RULE))["penaltyRules"]["nodes"]
    assert {r["code"]: r["maxAmount"] for r in rules} == {
        "RE-5": "3.00",
        "C-14-staff": "800.00",
        "C-14-manager": "500.50",
        "C-14-compensation": "9999999999.99",  # core's C-14 entry, the loss as it is
        "C-3-unapproved-visit": "2000.00",  # core's C-3 entry (issue 12)
    }
