"""The floor: the check-in's transaction by hand, to say what two cores allow at best.

    .venv/bin/python -m bench.checkins --floor [--scenario spread|one-site]

A Starlette endpoint (``POST /graphql``, the benchmark's own request, ``variables.s`` the
site) that runs the statements a Frontdesk check-in runs (``bench/README.md``, "checkins.py"),
with raw asyncpg (prepared statements, one pool per worker) and nothing else: no GraphQL,
no ORM, no plugin hooks, no rule engine (the next salesperson in staff-id order is a modulo),
no idempotency, error handling or audit context beyond the row.  Same server (uvicorn, uvloop,
httptools), same worker count, same PostgreSQL, same rows written:

1. the token, by its SHA-256, on a pooled connection in autocommit;
2. ``BEGIN``; the site row ``FOR NO KEY UPDATE`` with the plugins' settings (RE-1: one
   check-in at a time per site);
3. the day's rotation row with the site's staff names;
4. ``INSERT`` visit; ``UPDATE`` rotation day; ``INSERT`` reception;
5. ``INSERT`` event under the shared event-writer lock, the active webhook endpoints in its
   ``RETURNING``; ``INSERT`` audit row; ``COMMIT``.

The answer is ``{"data": {"checkInVisit": {"visit": {"id": …}, "userErrors": []}}}``.  It is
a yardstick, not a product: nothing here is used by Frontdesk.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.events import EVENT_WRITER_KEY

TOKEN = "SELECT id, role, name, staff_id, revoked_at FROM api_tokens WHERE token_hash = $1::VARCHAR"
SITE = (
    "SELECT sites.id, sites.business_line, sites.timezone, (SELECT json_object_agg(name, "
    "settings) FROM plugin_states) AS settings FROM sites WHERE sites.id = $1 "
    "FOR NO KEY UPDATE"
)
DAY = (
    "SELECT d.state, (SELECT json_object_agg(staff.id, staff.name) FROM staff"
    " WHERE staff.site_id = $1) AS names FROM (SELECT 1) AS one LEFT OUTER JOIN"
    " re_rotation_days AS d ON d.site_id = $1 AND d.business_date = $2"
)
VISIT = (
    "INSERT INTO visits (site_id, customer_id, channel, inquiry_kind, visitor_kind, arrived_at,"
    " business_date, party_size, named_staff_id, receiver_id, counted, decision_rule,"
    " decision_reason, notes, corrects_id, recorded_at) VALUES ($1, NULL, 'walk_in',"
    " 'consultation', 'customer', $2, $3, 1, NULL, $4, true, 'RE-1', $5, NULL, NULL, $2)"
    " RETURNING id"
)
NEW_DAY = (
    "INSERT INTO re_rotation_days (site_id, business_date, state, updated_at)"
    " VALUES ($1, $2, $3::json, $4)"
)
SAVE_DAY = (
    "UPDATE re_rotation_days SET state = $3::json, updated_at = $4"
    " WHERE site_id = $1 AND business_date = $2"
)
RECEPTION = (
    "INSERT INTO re_visit_receptions (visit_id, made_up_turn, new_registration,"
    " units_requested, skipped) VALUES ($1, false, true, NULL, '[]'::json)"
)
EVENT = (
    "INSERT INTO events (stream, type, site_id, subject_id, payload, occurred_at)"
    " SELECT 'visits', 'visit.checked_in', $1, $2, $3::json, $4"
    f" FROM (SELECT pg_advisory_xact_lock_shared({EVENT_WRITER_KEY})) AS event_writer"
    " RETURNING id, (SELECT json_agg(json_build_array(id, event_types))"
    " FROM webhook_endpoints WHERE active IS true)"
)
AUDIT = (
    "INSERT INTO audit_log (token_id, actor, role, action, succeeded, details, at)"
    " VALUES ($1, $2, $3, 'checkInVisit', true, '{}'::json, $4) RETURNING id"
)

_pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_app: Starlette) -> Any:
    global _pool
    dsn = os.environ["FRONTDESK_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
    _pool = await asyncpg.create_pool(dsn, min_size=2, max_size=20)
    try:
        yield
    finally:
        await _pool.close()


def _unauthenticated() -> Response:
    return JSONResponse({"data": None, "errors": [{"message": "unknown token"}]})


async def check_in(request: Request) -> Response:
    assert _pool is not None
    body = json.loads(await request.body())
    site_id = int(body["variables"]["s"])
    raw = request.headers.get("authorization", "")[7:].strip()
    digest = hashlib.sha256(raw.encode()).hexdigest()
    token = await _pool.fetchrow(TOKEN, digest)
    if token is None or token["revoked_at"] is not None:
        return _unauthenticated()
    now = datetime.now(UTC)
    async with _pool.acquire() as conn, conn.transaction():
        site = await conn.fetchrow(SITE, site_id)
        day = now.astimezone(ZoneInfo(site["timezone"])).date()
        row = await conn.fetchrow(DAY, site_id, day)
        staff = sorted(int(i) for i in json.loads(row["names"] or "{}"))
        state = json.loads(row["state"]) if row["state"] is not None else None
        turn = state["floor_turn"] if state else 0
        receiver = staff[turn % len(staff)]
        visit_id = await conn.fetchval(
            VISIT, site_id, now, day, receiver, f"RE-1: turn {turn} in staff order"
        )
        saved = json.dumps({"floor_turn": turn + 1})
        await conn.execute(SAVE_DAY if state else NEW_DAY, site_id, day, saved, now)
        await conn.execute(RECEPTION, visit_id)
        payload = {"receiver_id": receiver, "counted": True, "rule": "RE-1", "reason": "turn"}
        await conn.fetchrow(EVENT, site_id, visit_id, json.dumps(payload), now)
        await conn.fetchval(AUDIT, token["id"], token["name"], token["role"], now)
    node = base64.b64encode(f"Visit:{visit_id}".encode()).decode()
    return JSONResponse({"data": {"checkInVisit": {"visit": {"id": node}, "userErrors": []}}})


async def healthz(_request: Request) -> Response:
    return JSONResponse({"ok": True})


app = Starlette(
    routes=[Route("/graphql", check_in, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)
