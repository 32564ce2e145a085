"""Revoking a token ends its open WebSockets at once, on every server process.

Every authenticated graphql-transport-ws connection is tracked by its token id.  A revocation
is announced on the event bus (``tokens`` / ``token.revoked``; Redis carries it to every
process) and each process closes that token's sockets with 4403.  Two safety nets cover a
revocation the bus did not carry (a CLI without Redis, a lost message): every process re-reads
the tokens of its open sockets every ``plugin_state_poll_seconds`` (2 s), and every new
operation on a socket re-checks its token first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from core.contracts import DomainEvent

log = logging.getLogger("frontdesk.revocation")

STREAM = "tokens"
REVOKED = "token.revoked"
CLOSE_CODE = 4403
CLOSE_REASON = "the API token was revoked"


def revoked_event(token_id: int) -> DomainEvent:
    # Not stored (id 0, like the bus's resync marker): a doorbell for the token's sockets only,
    # never a webhook delivery or a plugin's frontdesk_event.
    return DomainEvent(
        id=0,
        stream=STREAM,
        type=REVOKED,
        site_id=None,
        subject_id=token_id,
        payload={},
        occurred_at=datetime.now(UTC),
    )


async def announce_revoked(bus: Any, token_id: int) -> None:
    try:
        await bus.publish([revoked_event(token_id)])
    except Exception:
        log.exception("announcing the revocation of token %s failed; servers poll", token_id)


class Sockets:
    """The open WebSocket contexts of one Frontdesk, by token id."""

    def __init__(self, frontdesk: Any) -> None:
        self.fd = frontdesk
        # token id -> {id(context): context}, forgotten when the connection's context goes.
        self.by_token: dict[int, weakref.WeakValueDictionary[int, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None

    def track(self, context: Any) -> None:
        actor = getattr(context, "actor", None)
        if actor is None or actor.token_id is None:
            return
        contexts = self.by_token.setdefault(actor.token_id, weakref.WeakValueDictionary())
        contexts[id(context)] = context
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="frontdesk-revocations")
            self._poller = asyncio.create_task(self._poll(), name="frontdesk-revocation-poll")
            # Frontdesk.stop cancels them with its other background tasks.
            self.fd._tasks.extend([self._task, self._poller])

    async def close_token(self, token_id: int) -> int:
        """Close every socket of ``token_id`` with 4403; how many were open."""
        contexts = list(self.by_token.pop(token_id, {}).values())
        for context in contexts:
            context.auth_error = _revoked_error()
            context.actor = None
            with contextlib.suppress(Exception):
                await context.request.close(code=CLOSE_CODE, reason=CLOSE_REASON)
        return len(contexts)

    async def _listen(self) -> None:
        sub = self.fd.bus.subscribe()
        try:
            async for event in sub:
                if event.stream == STREAM and event.type == REVOKED and event.subject_id:
                    await self.close_token(int(event.subject_id))
        finally:
            sub.close()

    async def _poll(self) -> None:
        from core.auth import ApiToken

        while True:
            await asyncio.sleep(self.fd.settings.plugin_state_poll_seconds)
            self.by_token = {t: s for t, s in self.by_token.items() if len(s)}
            if not self.by_token:
                continue
            try:
                async with self.fd.db.read_one() as connection:
                    rows = await connection.execute(
                        select(ApiToken.id).where(
                            ApiToken.id.in_(list(self.by_token)), ApiToken.revoked_at.is_not(None)
                        )
                    )
                    revoked = [r.id for r in rows]
            except Exception:
                log.exception("re-reading the tokens of open sockets failed")
                continue
            for token_id in revoked:
                await self.close_token(token_id)


async def still_valid(frontdesk: Any, context: Any) -> bool:
    """Whether the socket's token is still valid (re-read before each new operation)."""
    from core.auth import ApiToken

    actor = getattr(context, "actor", None)
    if actor is None or actor.token_id is None:
        return getattr(context, "auth_error", None) is None
    async with frontdesk.db.read_one() as connection:
        revoked_at = (
            await connection.execute(
                select(ApiToken.revoked_at).where(ApiToken.id == actor.token_id)
            )
        ).scalar()
    return revoked_at is None


def _revoked_error() -> Exception:
    from core.auth import Unauthenticated

    return Unauthenticated("the API token was revoked; ask an administrator for a new one")


def sockets_of(frontdesk: Any) -> Sockets:
    sockets = getattr(frontdesk, "frontdesk_sockets", None)
    if sockets is None:
        sockets = Sockets(frontdesk)
        frontdesk.frontdesk_sockets = sockets
    return sockets
