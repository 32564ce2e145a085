"""Rate limits: per client address, per token, and tighter for failed authentication.

A sliding window (the last ``window`` seconds, not fixed minutes): a key may be hit ``limit``
times within any ``window``; the next hit is refused with the seconds until the oldest one
leaves the window (``Retry-After``).  With Redis configured (``FRONTDESK_REDIS_URL``) the
window is one sorted set per key, updated by one Lua script, so every server process shares
it; otherwise it lives in this process (bounded: the least recently used keys go first).

:class:`RateLimit` applies it in front of ``/graphql`` (HTTP and WebSocket handshakes), before
anything is parsed or looked up:

* an address that failed authentication ``rate_limit_failed_auth`` times in the window is
  refused outright (429) until the window frees up — guessing tokens is slow;
* every request counts against its client address (``rate_limit_per_address``) and, when it
  carries a token, against that token (``rate_limit_per_token``; the key is a hash of the
  presented value, so an unknown token costs no lookup).

The client address is the peer's, or behind ``Settings.trusted_proxies`` the one their
forwarding header gives (core/forwarded.py).  Subscription starts on an open WebSocket are
limited too (:func:`subscription_refusal`, ``rate_limit_subscriptions``).

On by default in production mode (``Settings.rate_limit``); the demo has none.
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections import OrderedDict, deque
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from core.forwarded import scope_client_address
from core.httpguard import send_error

RATE_LIMITED = "RATE_LIMITED"
_MAX_LOCAL_KEYS = 100_000

_SCRIPT = """
local key, now, window, limit, add = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
if add == '1' then
  redis.call('ZADD', key, now, ARGV[5])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
end
return false
"""


class SlidingWindow:
    """``hit``/``peek`` a key; both answer None (allowed) or the seconds to wait."""

    def __init__(self, redis_url: str | None = None, *, prefix: str = "frontdesk:rl:") -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self._redis: Any = None
        self._script: Any = None
        self._local: OrderedDict[str, deque[float]] = OrderedDict()

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        return await self._apply(key, limit, window, add=True)

    async def peek(self, key: str, limit: int, window: float) -> float | None:
        """Whether ``key`` is over its limit now, without counting this call."""
        return await self._apply(key, limit, window, add=False)

    async def _apply(self, key: str, limit: int, window: float, *, add: bool) -> float | None:
        if limit <= 0:
            return None
        if self.redis_url:
            return await self._redis_apply(key, limit, window, add)
        return self._local_apply(key, limit, window, add)

    def _local_apply(self, key: str, limit: int, window: float, add: bool) -> float | None:
        now = time.monotonic()
        hits = self._local.get(key)
        if hits is None:
            if not add:
                return None
            hits = self._local[key] = deque()
            if len(self._local) > _MAX_LOCAL_KEYS:
                self._local.popitem(last=False)
        else:
            self._local.move_to_end(key)
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            return hits[0] + window - now
        if add:
            hits.append(now)
        return None

    async def _redis_apply(self, key: str, limit: int, window: float, add: bool) -> float | None:
        if self._redis is None:
            import redis.asyncio as redis

            self._redis = redis.from_url(self.redis_url)
            self._script = self._redis.register_script(_SCRIPT)
        member = f"{time.time()}:{uuid.uuid4().hex[:8]}"
        answer = await self._script(
            keys=[self.prefix + key],
            args=[time.time(), window, limit, "1" if add else "0", member],
        )
        return None if answer is None else float(answer)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def token_key(header: str) -> str:
    return hashlib.sha256(header.strip().encode()).hexdigest()[:32]


class RateLimit:
    """ASGI middleware in front of ``/graphql`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, frontdesk: Any) -> None:
        self.app = app
        self.frontdesk = frontdesk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = getattr(self.frontdesk, "rate_limiter", None)
        if limiter is None or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        settings = self.frontdesk.settings
        window = settings.rate_limit_window_seconds
        address = scope_client_address(scope, settings)
        wait = await limiter.peek(f"authfail:{address}", settings.rate_limit_failed_auth, window)
        why = "too many failed authentications from this address"
        if wait is None:
            wait = await limiter.hit(f"addr:{address}", settings.rate_limit_per_address, window)
            why = "too many requests from this address"
        if wait is None:
            header = _header(scope, b"authorization")
            if header:
                wait = await limiter.hit(
                    f"token:{token_key(header)}", settings.rate_limit_per_token, window
                )
                why = "too many requests with this token"
        if wait is None:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        if scope["type"] == "websocket":
            # Refused during the handshake (the client sees HTTP 403 from the server).
            await send({"type": "websocket.close", "code": 4429, "reason": "rate limited"})
            return
        await send_error(
            send,
            429,
            f"{why}; retry in {seconds} s",
            RATE_LIMITED,
            [(b"retry-after", str(seconds).encode())],
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def record_failed_authentication(frontdesk: Any, scope: Scope | None) -> None:
    """Count a wrong token against its client address (tighter limit, see RateLimit)."""
    limiter = getattr(frontdesk, "rate_limiter", None)
    if limiter is None or scope is None:
        return
    settings = frontdesk.settings
    await limiter.hit(
        f"authfail:{scope_client_address(scope, settings)}",
        settings.rate_limit_failed_auth,
        settings.rate_limit_window_seconds,
    )
