"""Issue 13 on SQLite: the partial indexes are written so SQLite uses them too (a partial
index serves a query only when the query repeats its WHERE term)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import FIXED_NOW, Client
from helpers import sent_statements

from core.runtime import Frontdesk
from core.services import complaints as svc

SITES = """query { sites(first: 1) { edges { node { id } } } }"""
CREATE_SITE = """mutation { createSite(input: {name: "Sunrise", businessLine: "realestate"}) {
  site {
  id } userErrors { field message code } } }"""
UNCOUNTED = """query($site: ID!) { visits(siteId: $site, counted: false, first: 10) {
  edges { node { id } } } }"""


async def _statements(fd: Frontdesk, run: Any) -> list[tuple[str, Any]]:
    with sent_statements(fd.db.engine) as seen:
        await run()
    return seen


async def _plan(fd: Frontdesk, sql: str, params: Any) -> str:
    async with fd.db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params))).all()
    return "\n".join(str(r[-1]) for r in rows)


async def test_uncounted_visits_read_the_partial_index_on_sqlite(fd: Frontdesk) -> None:
    client = Client(fd)
    site = (await client.data(CREATE_SITE))["createSite"]["site"]["id"]
    statements = await _statements(fd, lambda: client.data(UNCOUNTED, {"site": site}))
    [(sql, params)] = [(q, p) for q, p in statements if "FROM visits" in q]
    assert "ix_visits_site_uncounted" in await _plan(fd, sql, params)


async def test_C_8_sweep_batches_read_the_partial_indexes_on_sqlite(fd: Frontdesk) -> None:
    async def sweep() -> None:
        async with fd.write() as s:
            await svc.sweep_overdue_batch(s, FIXED_NOW + timedelta(days=4))

    statements = await _statements(fd, sweep)
    sweeps = [(q, p) for q, p in statements if "FROM complaints" in q]
    assert len(sweeps) == len(svc.OverdueKind) == 4  # one per watched deadline (none to mark)
    for (sql, params), kind in zip(sweeps, svc.OverdueKind, strict=True):
        assert f"ix_complaints_{kind.value}_pending" in await _plan(fd, sql, params)


PENALTIES = """query($site: ID!, $rule: String) { penalties(siteId: $site, first: 10,
  rule: $rule) { edges { node { legacyId penaltyRule { code } } } } }"""


async def test_penalties_by_rule_are_the_rules_entries_newest_first(fd: Frontdesk) -> None:
    """``penalties(rule:)`` (c0020: resolved to the rule's rows of the site's penalty table,
    then a range of ``(site_id, penalty_rule_id, id)``): every entry under the rule — C-14's
    three codes alike — newest first, none of another rule's; an unknown rule, none."""
    from decimal import Decimal

    from core.services import directory
    from core.services.penalties import issue_penalty

    async with fd.write() as s:
        site = await directory.create_site(
            s,
            fd.host,
            name="Sunrise",
            business_line="realestate",
            timezone="Asia/Shanghai",
            calendar_region="CN",
            now=FIXED_NOW,
        )
        li = await directory.add_staff(
            s, site_id=site.id, name="Li", role="salesperson", phone=None, now=FIXED_NOW
        )
        issued = []
        for code, amount in [
            ("C-14-staff", Decimal(200)),
            ("RE-5", Decimal(1)),
            ("C-14-manager", Decimal(100)),
            ("C-14-staff", Decimal(300)),
        ]:
            penalty = await issue_penalty(
                s,
                site_id=site.id,
                staff_id=li.id,
                rule_code=code,
                amount=amount,
                reason="seeded",
                issued_by_id=None,
                now=FIXED_NOW,
            )
            issued.append((penalty.id, code))
    client = Client(fd)

    async def page(rule: str) -> list[tuple[int, str]]:
        edges = (await client.data(PENALTIES, {"site": str(site.id), "rule": rule}))["penalties"]
        return [(e["node"]["legacyId"], e["node"]["penaltyRule"]["code"]) for e in edges["edges"]]

    assert await page("C-14") == [p for p in reversed(issued) if p[1].startswith("C-14")]
    assert await page("RE-5") == [p for p in issued if p[1] == "RE-5"]
    assert await page("RE-99") == []


OPEN_SURVEYS = """query($site: ID!) { propertySurveyOpinions(siteId: $site, open: true,
  first: 10) { edges { node { id } } } }"""
PENDING_PAID = """query($site: ID!) { propertyPaidServices(siteId: $site, pending: true,
  first: 10) { edges { node { id } } } }"""


async def test_open_surveys_and_pending_services_read_their_partial_index_on_sqlite(
    sqlite_url: str,
) -> None:
    """pm0003: the property line writes its open/pending filters as the partial indexes'
    predicates (``closed = 0`` / ``done = 0`` on SQLite), so SQLite reads those indexes."""
    from conftest import start_frontdesk

    from core.services import directory

    app = await start_frontdesk(sqlite_url, enable=("realestate", "property"))
    try:
        async with app.write() as s:
            site = await directory.create_site(
                s,
                app.host,
                name="Harbour View",
                business_line="property",
                timezone="Asia/Shanghai",
                calendar_region="CN",
                now=FIXED_NOW,
            )
        client = Client(app)
        for query, table, index in (
            (OPEN_SURVEYS, "pm_survey_opinions", "ix_pm_survey_opinions_site_open"),
            (PENDING_PAID, "pm_paid_services", "ix_pm_paid_services_site_pending"),
        ):
            statements = await _statements(
                app, lambda q=query: client.data(q, {"site": str(site.id)})
            )
            [(sql, params)] = [(q, p) for q, p in statements if f"FROM {table}" in q]
            assert index in await _plan(app, sql, params), sql
    finally:
        await app.stop()
