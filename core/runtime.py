"""The running Frontdesk: settings, database, plugin host, event bus, background tasks, and
the served schema, built by the factory the app hands in (the runtime does not compose
schemas: ``schema/`` is above it, see ``core/layers.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pluggy
from sqlalchemy.ext.asyncio import AsyncSession

from core.bus import LocalBus, make_bus
from core.db import Database
from core.events import listening, take_pending_events
from core.plugins import PluginHost, create_plugin_manager
from core.services.complaints import sweep_overdue
from core.services.plugin_state import load_enabled
from core.settings import Settings
from core.webhooks import enqueue_deliveries, run_webhook_dispatcher

log = logging.getLogger("frontdesk")

# Builds the schema of the host's enabled plugins (``schema.build.build_schema``).
SchemaFactory = Callable[[PluginHost, Settings], Any]


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
        # Webhooks queue their deliveries in each event's transaction (core.events listeners).
        self.db = Database(self.settings.database_url, session_info=listening(enqueue_deliveries))
        self.host = PluginHost(pm or create_plugin_manager())
        self.bus = bus or make_bus(self.settings.redis_url)
        self.schema_factory = schema_factory
        self._schemas: dict[frozenset[str], Any] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        # Set by core.app.create_app when requests are rate limited (core/ratelimit.py).
        self.rate_limiter: Any = None
        self.started = False

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
        SKIP LOCKED, so several server processes may sweep at once)."""
        while True:
            await asyncio.sleep(self.settings.overdue_sweep_seconds)
            try:
                async with self.write() as session:
                    await sweep_overdue(session, datetime.now(UTC))
            except Exception:
                log.exception("overdue sweep failed")

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
        """One transaction; its events are published after it commits (never before)."""
        async with self.db.transaction() as session:
            yield session
        events = take_pending_events(session)
        if events:
            await self.publish(events)

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
