"""The running Frontdesk: settings, database, plugin host, event bus, background tasks, and
the served schema, built by the factory the app hands in (the runtime does not compose
schemas: ``schema/`` is above it, see ``core/layers.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pluggy
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import record_audit
from core.bus import LocalBus, make_bus
from core.db import Database, OpenTransaction
from core.events import EventHorizon, listening, take_pending_events
from core.hosting import HostingPolicy
from core.plugins import PluginHost, create_plugin_manager
from core.services.attendance import sweep_undecided_leave
from core.services.complaints import sweep_overdue_in_batches
from core.services.plugin_state import load_enabled
from core.settings import Settings
from core.webhooks import enqueue_deliveries, run_webhook_dispatcher

log = logging.getLogger("frontdesk")

# Fault injection for the process-kill tests (tests/test_process_kill_pg.py): a server started
# with FRONTDESK_TEST_KILL_AFTER_COMMITS=N sends itself SIGKILL right after its N-th mutation
# commits, before anything answers the client.  Unset (the default), it does nothing.
KILL_AFTER_COMMITS_ENV = "FRONTDESK_TEST_KILL_AFTER_COMMITS"

# Builds the schema of the host's enabled plugins (``schema.build.build_schema``).
SchemaFactory = Callable[[PluginHost, Settings], Any]


@dataclass
class MutationFrame:
    """One root mutation field being run: its audit row (C-13) goes into the field's own
    transaction (:meth:`Frontdesk.write`), so it commits exactly when the mutation does."""

    action: str  # the root field's name
    response_key: str  # its alias, or the name
    actor: Any
    now: datetime
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)
    audited: bool = False  # the audit row committed with the mutation
    error_code: str | None = None  # the field failed with this code
    # With an Idempotency-Key the transaction stays open until the answer is known, and the
    # answer is stored in it (:meth:`Frontdesk.settle`).
    idempotency: Idempotency | None = None
    pending: OpenTransaction | None = None
    # "X on behalf of Y" (C-13 act_for): the staff member the token recorded the change for.
    on_behalf_of: int | None = None
    # Where the request came from (core/forwarded.py: behind trusted proxies, the client).
    client_address: str | None = None

    @property
    def audit_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.on_behalf_of:
            details["onBehalfOfStaffId"] = self.on_behalf_of
        if self.client_address:
            details["clientAddress"] = self.client_address
        return details


@dataclass(frozen=True)
class Idempotency:
    scope: str  # whose key ("token:<id>")
    key: str
    request_hash: str


IDEMPOTENCY_TTL = timedelta(hours=24)


# The root mutation field the current task runs (set by schema.build around its resolver).
CURRENT_MUTATION: ContextVar[MutationFrame | None] = ContextVar("frontdesk_mutation", default=None)


class Frontdesk:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        pm: pluggy.PluginManager | None = None,
        bus: LocalBus | None = None,
        schema_factory: SchemaFactory | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        # C-1: the operator's hosting budgets and receiver levels, checked once at start.
        try:
            self.hosting_policy = HostingPolicy.from_overrides(
                self.settings.hosting_budgets, self.settings.hosting_receivers
            )
        except ValueError as exc:
            raise ValueError(f"invalid hosting_budgets / hosting_receivers setting: {exc}") from exc
        # Webhooks queue their deliveries in each event's transaction (core.events listeners).
        self.db = Database(self.settings.database_url, session_info=listening(enqueue_deliveries))
        # Readers of the event log read up to here only (core.events: no global write lock).
        self.horizon = EventHorizon(self.db)
        self.host = PluginHost(pm or create_plugin_manager())
        self.bus = bus or make_bus(self.settings.redis_url)
        self.schema_factory = schema_factory
        self._schemas: dict[frozenset[str], Any] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        # Set by core.app.create_app when requests are rate limited (core/ratelimit.py).
        self.rate_limiter: Any = None
        self.started = False
        self._kill_after_commits = int(os.environ.get(KILL_AFTER_COMMITS_ENV) or 0)
        self._mutation_commits = 0

    def _committed(self) -> None:
        """A root mutation field just committed (the fault-injection point, see above)."""
        self._mutation_commits += 1
        if self._kill_after_commits and self._mutation_commits >= self._kill_after_commits:
            os.kill(os.getpid(), signal.SIGKILL)

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self, *, watch: bool = True) -> None:
        await self.bus.start()
        await self.refresh_plugins()
        if watch:
            self._tasks.append(asyncio.create_task(self._watch_plugin_events()))
            self._tasks.append(asyncio.create_task(self._poll_plugin_state()))
            self._tasks.append(asyncio.create_task(run_webhook_dispatcher(self)))
            self._tasks.append(asyncio.create_task(self._sweep_overdue_complaints()))
        self.started = True

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.bus.close()
        await self.db.dispose()
        self.started = False

    # --- plugins ---------------------------------------------------------------------------
    async def refresh_plugins(self) -> frozenset[str]:
        """Re-read which plugins are enabled; the next request gets the matching schema."""
        async with self.db.session() as s:
            enabled = await load_enabled(s, self.host)
        if frozenset(enabled) != self.host.enabled:
            log.info("enabled plugins: %s", ", ".join(sorted(enabled)) or "none")
            self.host.set_enabled(enabled)
        return self.host.enabled

    async def _watch_plugin_events(self) -> None:
        sub = self.bus.subscribe()
        try:
            async for event in sub:
                if event.stream == "plugins":
                    await self.refresh_plugins()
        finally:
            sub.close()

    async def _sweep_overdue_complaints(self) -> None:
        """C-8 / C-11: raise ``complaint.overdue`` once when a deadline passes (idempotent,
        SKIP LOCKED, so several server processes may sweep at once).  In bounded batches,
        each its own short transaction (issue 13): a backlog never blocks other writes."""
        while True:
            await asyncio.sleep(self.settings.overdue_sweep_seconds)
            try:
                await sweep_overdue_in_batches(self.write, datetime.now(UTC))
            except Exception:
                log.exception("overdue sweep failed")
            try:
                # Issue 12: leave undecided when its day starts lapses; a lapsed leave's
                # unworked shift is absenteeism (core.services.attendance).
                async with self.write() as s:
                    await sweep_undecided_leave(s, self.host, now=datetime.now(UTC))
            except Exception:
                log.exception("leave sweep failed")

    async def _poll_plugin_state(self) -> None:
        # A safety net for changes made while the bus was down (or by an older CLI).
        while True:
            await asyncio.sleep(self.settings.plugin_state_poll_seconds)
            try:
                await self.refresh_plugins()
            except Exception:
                log.exception("could not re-read plugin state")

    @property
    def schema(self) -> Any:
        """The schema for the currently enabled plugins (built once per enabled set)."""
        key = self.host.enabled
        schema = self._schemas.get(key)
        if schema is None:
            if self.schema_factory is None:
                raise RuntimeError(
                    "this Frontdesk was made without a schema factory: the app composes the "
                    "schema (core.app.create_app hands in schema.build.build_schema), or pass "
                    "Frontdesk(schema_factory=build_schema)"
                )
            schema = self.schema_factory(self.host, self.settings)
            self._schemas[key] = schema
        return schema

    # --- writes ----------------------------------------------------------------------------
    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction; its events are published after it commits (never before).

        Inside a root mutation field, the field's audit row (C-13) is written in this
        transaction: it commits with the mutation or not at all (an audit insert that fails
        rolls the mutation back).  What follows the commit (publishing) never raises.
        """
        frame = CURRENT_MUTATION.get()
        if frame is not None and (
            frame.audited or frame.pending is not None or frame.task is not asyncio.current_task()
        ):
            frame = None  # audited already (a second transaction), or another task's frame
        if frame is not None and frame.idempotency is not None:
            opened = await self.db.begin()
            try:
                yield opened.session
                await record_audit(
                    opened.session,
                    actor=frame.actor,
                    action=frame.action,
                    succeeded=True,
                    now=frame.now,
                    details=frame.audit_details,
                )
                await opened.session.flush()
            except BaseException:
                await opened.abort()
                raise
            frame.pending = opened  # committed by settle() with the answer
            return
        async with self.db.transaction() as session:
            yield session
            if frame is not None:
                await record_audit(
                    session,
                    actor=frame.actor,
                    action=frame.action,
                    succeeded=True,
                    now=frame.now,
                    details=frame.audit_details,
                )
                await session.flush()
        if frame is not None:
            frame.audited = True
            if self._kill_after_commits:
                self._committed()
        events = take_pending_events(session)
        if events:
            try:
                await self.publish(events)
            except Exception:  # pragma: no cover - publish logs its own failures
                log.exception("publishing after commit failed; the change is saved")

    async def settle(self, frame: MutationFrame, answer: dict[str, Any] | None) -> None:
        """Finish a mutation kept open for its idempotency key: store ``answer`` under the key
        and commit, or (``answer`` None: the field failed) roll back."""
        from sqlalchemy import delete
        from sqlalchemy.exc import IntegrityError

        from core.errors import Conflict
        from core.models import IdempotencyKey

        opened, frame.pending = frame.pending, None
        if opened is None:
            return
        if answer is None or frame.idempotency is None:
            await opened.abort()
            return
        idem = frame.idempotency
        session = opened.session
        try:
            await session.execute(
                delete(IdempotencyKey).where(
                    IdempotencyKey.scope == idem.scope,
                    IdempotencyKey.key == idem.key,
                    IdempotencyKey.created_at < frame.now - IDEMPOTENCY_TTL,
                )
            )
            session.add(
                IdempotencyKey(
                    scope=idem.scope,
                    key=idem.key,
                    request_hash=idem.request_hash,
                    action=frame.action,
                    response=answer,
                    created_at=frame.now,
                )
            )
            await session.flush()
        except IntegrityError as exc:
            await opened.abort()
            raise Conflict(
                f"another request with Idempotency-Key {idem.key!r} is running or has just "
                "finished; retry to get its answer",
                code="IDEMPOTENCY_KEY_IN_USE",
            ) from exc
        except BaseException:
            await opened.abort()
            raise
        await opened.commit()
        frame.audited = True
        if self._kill_after_commits:
            self._committed()
        events = take_pending_events(session)
        if events:
            try:
                await self.publish(events)
            except Exception:  # pragma: no cover - publish logs its own failures
                log.exception("publishing after commit failed; the change is saved")

    async def publish(self, events: list[Any]) -> None:
        try:
            await self.bus.publish(events)
        except Exception:
            log.exception(
                "publishing %d events failed; subscribers catch up from the store", len(events)
            )
        for event in events:
            try:
                await self.host.acall("frontdesk_event", event=event)
            except Exception:
                log.exception("a plugin failed handling event %s", event.id)
