"""Issue 13, third pass, on PostgreSQL: the business lines' lists, ``penalties(rule:)``,
``webhookDeliveries`` and the customers' covered page read their own index (EXPLAIN of the
statement the API sends), in the list's order — no sequential scan, no sort of the site's
rows (c0020, fc0004, pm0003, ktv0003).

The data: ``bench/scale_data.py``'s seed (20 real-estate sites) and its lines' seed (20 sites
of each of the fitness, property and KTV lines), plus webhook deliveries of every event.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import Client, all_plugins_host, start_frontdesk
from helpers import sent_statements
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.scale_data import RARE_RULE_CODE, Sizes, line_sites, seed, seed_lines
from core import migrate
from core.db import sync_url
from core.runtime import Frontdesk

pytestmark = pytest.mark.postgres

SIZES = Sizes(
    sites=20,
    staff_per_site=10,
    customers=10_000,
    visits=40_000,
    complaints=5_000,
    penalties=5_000,
    events=40_000,
)
ENDPOINTS = 10  # every event owed to one of them: 4,000 deliveries each, 1 in 50 pending


@pytest.fixture(scope="module")
def seeded_url(pg_server_url: str) -> Any:
    """One seeded database for the module (read-only tests; the penalty test's change is its
    own and undone)."""
    server = pg_server_url
    name = f"frontdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url, all_plugins_host())
        engine = create_engine(sync_url(url))
        try:
            with engine.connect() as conn:
                seed(conn, SIZES)
                seed_lines(conn, SIZES)
                _deliveries(conn)
        finally:
            engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _deliveries(conn: Any) -> None:
    conn.execute(
        text(
            "INSERT INTO webhook_endpoints (id, url, secret, event_types, active, created_at,"
            " updated_at) SELECT g, 'https://hooks.example.com/' || g, 's', '[\"*\"]', true,"
            " now(), now() FROM generate_series(1, :n) g"
        ),
        {"n": ENDPOINTS},
    )
    conn.execute(
        text(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, status,"
            " attempt_count, next_attempt_at, created_at, delivered_at)"
            " SELECT id % :n + 1, id, type, CASE WHEN id % 50 = 0 THEN 'pending'"
            " ELSE 'delivered' END, 1, occurred_at, occurred_at, occurred_at FROM events"
        ),
        {"n": ENDPOINTS},
    )
    conn.commit()
    autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
    autocommit.execute(text("VACUUM ANALYZE webhook_endpoints"))
    autocommit.execute(text("VACUUM ANALYZE webhook_deliveries"))


@pytest.fixture
async def lines_fd(seeded_url: str):
    fd = await start_frontdesk(seeded_url, enable=("realestate", "fitnessclub", "property", "ktv"))
    try:
        yield fd
    finally:
        await fd.stop()


async def _statements(fd: Frontdesk, query: str, variables: dict[str, Any]) -> list[Any]:
    with sent_statements(fd.db.engine) as seen:
        await Client(fd).data(query, variables)
    return seen


def _page(statements: list[tuple[str, Any]], table: str) -> tuple[str, Any]:
    """The page's SELECT: the one reading ``table`` with ORDER BY … LIMIT."""
    pages = [
        (sql, p)
        for sql, p in statements
        if f"FROM {table}" in sql and "ORDER BY" in sql and "LIMIT" in sql
    ]
    assert len(pages) == 1, statements
    return pages[0]


async def _plan(fd: Frontdesk, query: str, variables: dict[str, Any], table: str) -> str:
    sql, params = _page(await _statements(fd, query, variables), table)
    async with fd.db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        rows = await driver.fetch("EXPLAIN " + sql, *(params or ()))
    return "\n".join(r[0] for r in rows)


FITNESS = str(line_sites(SIZES, "fitnessclub").start)
PROPERTY = str(line_sites(SIZES, "property").start)
KTV = str(line_sites(SIZES, "ktv").start)

# (query, variables, table, index): each line list, filtered and ordered as the API sends it.
LINE_LISTS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        """query($site: ID!) { fitnessSales(siteId: $site, month: "2025-06-10", first: 100) {
          edges { node { id soldAt } } } }""",
        {"site": FITNESS},
        "fc_card_sales",
        "ix_fc_card_sales_site_sold_id",
    ),
    (
        """query($sale: ID!) { fitnessClaims(saleId: $sale, first: 100) {
          edges { node { id } } } }""",
        {"sale": "1000"},
        "fc_claims",
        "ix_fc_claims_sale_found_id",
    ),
    (
        """query($site: ID!) { propertyUnits(siteId: $site, first: 100) {
          edges { node { id } } } }""",
        {"site": PROPERTY},
        "pm_units",
        "ix_pm_units_site_id_id",
    ),
    (
        """query($site: ID!) { propertyVisitors(siteId: $site, first: 100) {
          edges { node { id registeredAt } } } }""",
        {"site": PROPERTY},
        "pm_visitor_registrations",
        "ix_pm_visitor_registrations_site_registered",
    ),
    (
        """query($site: ID!) { propertySurveyOpinions(siteId: $site, first: 100) {
          edges { node { id } } } }""",
        {"site": PROPERTY},
        "pm_survey_opinions",
        "ix_pm_survey_opinions_site_collected",
    ),
    (
        """query($site: ID!) { propertySurveyOpinions(siteId: $site, open: true, first: 100) {
          edges { node { id } } } }""",
        {"site": PROPERTY},
        "pm_survey_opinions",
        "ix_pm_survey_opinions_site_open",
    ),
    (
        """query($site: ID!) { propertyPaidServices(siteId: $site, first: 100) {
          edges { node { id } } } }""",
        {"site": PROPERTY},
        "pm_paid_services",
        "ix_pm_paid_services_site_performed",
    ),
    (
        """query($site: ID!) { propertyPaidServices(siteId: $site, pending: true, first: 100) {
          edges { node { id } } } }""",
        {"site": PROPERTY},
        "pm_paid_services",
        "ix_pm_paid_services_site_pending",
    ),
    (
        """query($site: ID!) { ktvOverdueKnowledgeChecks(siteId: $site, first: 100) {
          edges { node { id } } } }""",
        {"site": KTV},
        "ktv_knowledge_checks",
        "ix_ktv_knowledge_checks_site_pending",
    ),
]


async def test_every_line_list_seeks_its_index_in_its_order(lines_fd):
    """Issue 13: each list of the fitness, property and KTV lines (fc0004, pm0003, ktv0003)
    is an index range in the list's order: no sequential scan, no sort of the site's rows,
    so a page costs the same however many rows the line has."""
    for query, variables, table, index in LINE_LISTS:
        plan = await _plan(lines_fd, query, variables, table)
        assert f"Seq Scan on {table}" not in plan, f"{table} {variables}\n{plan}"
        assert index in plan, f"{table} {variables}\n{plan}"
        assert "Sort" not in plan, f"{table} {variables}\n{plan}"


async def test_the_lists_answer_what_they_read(lines_fd):
    """The seeded line rows come back through the API as seeded (the plans above are of
    lists that return pages, not of empty answers): a month of a club's sales in sale-time
    order, a project's visitors newest first, its open opinions only."""
    client = Client(lines_fd)
    sales = (await client.data(LINE_LISTS[0][0], {"site": FITNESS}))["fitnessSales"]["edges"]
    times = [e["node"]["soldAt"] for e in sales]
    assert len(times) > 1 and times == sorted(times)
    visitors = (await client.data(LINE_LISTS[3][0], {"site": PROPERTY}))["propertyVisitors"]
    stamps = [e["node"]["registeredAt"] for e in visitors["edges"]]
    assert len(stamps) == 100 and stamps == sorted(stamps, reverse=True)
    async with lines_fd.db.read() as s:
        open_count = await s.scalar(
            text("SELECT count(*) FROM pm_survey_opinions WHERE site_id = :s AND NOT closed"),
            {"s": int(PROPERTY)},
        )
    opinions = (await client.data(LINE_LISTS[5][0], {"site": PROPERTY}))["propertySurveyOpinions"]
    assert 0 < len(opinions["edges"]) == min(open_count, 100)


CUSTOMERS = """query($site: ID!, $name: String) { customers(siteId: $site, first: 100,
  nameContains: $name) { edges { node { id name phone } } } }"""


async def test_a_customer_page_is_read_from_its_covering_index(lines_fd):
    """Issue 13 (c0020): a page of customers newest first, and the short-prefix search that
    walks the same order, read id, name and phone from ``(site_id, id) INCLUDE (name,
    phone)`` alone: an Index Only Scan, no heap page per row however the sites' rows
    interleave in the table."""
    for name in (None, "Zh"):
        plan = await _plan(lines_fd, CUSTOMERS, {"site": "1", "name": name}, "customers")
        assert "Index Only Scan Backward using ix_customers_site_id_cover" in plan, plan
        assert "Sort" not in plan, plan


PENALTIES = """query($site: ID!, $rule: String) { penalties(siteId: $site, first: 100,
  rule: $rule) { edges { node { legacyId } } } }"""


async def test_penalties_of_a_rare_rule_are_a_range_of_their_index(lines_fd):
    """Issue 13 (c0020): ``penalties(rule:)`` reads the rule's rows of the site's penalty table
    first, then the page is an ordered range of ``(site_id, penalty_rule_id, id)``: for C-3
    (one row in the real-estate table, 1 in 97 of the seeded ledger) no walk over the site's
    other entries and no sort; the page holds exactly that rule's entries, newest first.  The
    common C-14 (the seeded fines, three more rows) never scans the table either."""
    fd = lines_fd
    async with fd.db.read() as s:
        rule_id = await s.scalar(
            text("SELECT id FROM penalty_rules WHERE business_line = 'realestate' AND code = :c"),
            {"c": RARE_RULE_CODE},
        )
        rows = await s.scalar(
            text(
                "SELECT count(*) FROM penalty_rules"
                " WHERE business_line = 'realestate' AND rule = 'C-3'"
            )
        )
        expected = list(
            (
                await s.execute(
                    text(
                        "SELECT id FROM penalties WHERE site_id = 1 AND penalty_rule_id = :r"
                        " ORDER BY id DESC LIMIT 100"
                    ),
                    {"r": rule_id},
                )
            ).scalars()
        )
    assert rows == 1 and len(expected) > 1
    plan = await _plan(fd, PENALTIES, {"site": "1", "rule": "C-3"}, "penalties")
    assert "ix_penalties_site_rule_id" in plan, plan
    assert "Seq Scan" not in plan and "Sort" not in plan, plan
    page = (await Client(fd).data(PENALTIES, {"site": "1", "rule": "C-3"}))["penalties"]
    assert [e["node"]["legacyId"] for e in page["edges"]] == expected
    plan = await _plan(fd, PENALTIES, {"site": "1", "rule": "C-14"}, "penalties")
    assert "Seq Scan" not in plan, plan


DELIVERIES = """query($endpoint: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $endpoint, status: $status, first: 100) {
    edges { node { id } } } }"""


async def test_webhook_deliveries_of_an_endpoint_seek_their_index(lines_fd):
    """Issue 13 (c0020): an endpoint's deliveries newest first, and those of one status, are
    a range of ``(endpoint_id, id)`` / ``(endpoint_id, status, id)``: the outbox grows with
    every event and endpoint, the page does not."""
    for status, index in (
        (None, "ix_webhook_deliveries_endpoint_id"),
        ("PENDING", "ix_webhook_deliveries_endpoint_status_id"),
        # 49 in 50 delivered: either index is a walk of about one page.
        ("DELIVERED", "ix_webhook_deliveries_endpoint_"),
    ):
        variables = {"endpoint": "3", "status": status}
        plan = await _plan(lines_fd, DELIVERIES, variables, "webhook_deliveries")
        assert index in plan and "Seq Scan" not in plan and "Sort" not in plan, plan
