"""Issue 8 ("Speed"): the SQL a real-estate check-in costs on PostgreSQL, counted, so that
statements removed from the hot path cannot creep back unnoticed.

The count is the statements the driver executes for one ``checkInVisit`` after the day's
rotation exists (RE-1), through the served schema in process (no HTTP token lookup, which
``bench/profile_checkins.py`` adds).  BEGIN/COMMIT and the pool's pre-ping are not
statements here.  The answer (receiver, RE-1 turns) is checked beside the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, make_site
from sqlalchemy import event

pytestmark = pytest.mark.postgres

CHECK_IN = """
mutation($site: ID!) {
  checkInVisit(input: {siteId: $site}) {
    visit { id receiver { id name } counted }
    decision { rule message }
  }
}"""

# Statements of one check-in, in the order they run (see bench/README.md, "check-ins"):
# site row FOR NO KEY UPDATE (with the plugins' settings), rotation day, staff names,
# INSERT visit, UPDATE rotation day, INSERT reception, the event writer's shared advisory
# lock, INSERT event, active webhook endpoints, the answer's re-read, INSERT audit.
MAX_STATEMENTS = 11


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_check_in_costs_at_most_the_counted_statements(pg_url: str) -> None:
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = [await add_staff(client, site, f"Sales {i}") for i in range(3)]
        first = (await client.data(CHECK_IN, {"site": site}))["checkInVisit"]
        with counting(fd.db.engine) as seen:
            second = (await client.data(CHECK_IN, {"site": site}))["checkInVisit"]
        # RE-1: turns in staff order, one each; the answer is the stored visit's.
        assert first["visit"]["receiver"]["id"] == staff[0]
        assert second["visit"]["receiver"]["id"] == staff[1]
        assert second["visit"]["receiver"]["name"] == "Sales 1"
        assert second["visit"]["counted"] is True
        assert second["decision"]["rule"] == "RE-1"
        assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)
    finally:
        await fd.stop()
