"""Runtime settings, read from the environment (flags on the CLI override them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./frontdesk.sqlite3"


def env_flag(name: str, default: bool) -> bool:
    """A boolean from the environment: 0/false/off/no (any case) is False, unset is ``default``."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "off", "no")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # Query limits, on by default (a public GraphQL API must bound the work one request asks).
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_page_size: int = 100
    # Bounded before parsed: a request body larger than this is refused while it is read (413);
    # a GraphQL document longer than ``max_query_bytes`` (comments and whitespace count) is
    # refused before the parser sees it; JSON nested deeper than ``max_json_depth`` is a 400.
    max_body_bytes: int = 256 * 1024
    max_query_bytes: int = 64 * 1024
    max_json_depth: int = 32
    # Source bytes of validated documents kept parsed (per schema); only valid ones are kept.
    parse_cache_bytes: int = 1024 * 1024
    # Production mode: no GraphiQL, introspection only for ``introspection_roles``, no "Did
    # you mean" suggestions, anonymous callers refused before their document is parsed.
    production: bool = False
    introspection_roles: frozenset[str] = frozenset({"admin"})
    # Accept the legacy ``graphql-ws`` WebSocket subprotocol (graphql-transport-ws only if not).
    legacy_websocket_protocol: bool = False
    # Rate limits (core/ratelimit.py), per sliding window; on by default in production mode.
    rate_limit: bool | None = None
    rate_limit_window_seconds: float = 60.0
    rate_limit_per_address: int = 600
    rate_limit_per_token: int = 600
    rate_limit_failed_auth: int = 10
    # Trusted documents mode (core/trusted.py): a persisted-documents manifest; only its
    # documents run, except for these roles.
    trusted_documents: str | None = None
    trusted_documents_exempt_roles: frozenset[str] = frozenset({"admin"})
    # Webhook receivers on private networks, allowed on purpose (CIDRs or host names).
    webhook_allow: tuple[str, ...] = ()
    # How often a server re-reads which business lines are enabled, as a safety net behind the
    # event bus notification (seconds).
    plugin_state_poll_seconds: float = 2.0
    # How often each server checks complaint deadlines (C-8, C-11).
    overdue_sweep_seconds: float = 60.0
    # C-13: every operation needs an API token.  Only for local experiments, never production.
    auth_required: bool = True
    # The speed layer (core/graphql/accel/): on by default; FRONTDESK_ACCEL=0 serves every
    # request with stock strawberry / graphql-core.  Read from the environment even when
    # Settings is built in code, so one variable switches a whole test run or server.
    accel: bool = field(default_factory=lambda: env_flag("FRONTDESK_ACCEL", True))
    # An exception inside the speed layer raises (the test suite sets FRONTDESK_ACCEL_STRICT=1)
    # instead of being logged as a warning while stock execution serves the request.
    accel_strict: bool = field(default_factory=lambda: env_flag("FRONTDESK_ACCEL_STRICT", False))
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def rate_limited(self) -> bool:
        """Whether requests are rate limited (explicit setting, else production mode)."""
        return self.production if self.rate_limit is None else self.rate_limit

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("FRONTDESK_DATABASE_URL", DEFAULT_DATABASE_URL),
            "redis_url": os.environ.get("FRONTDESK_REDIS_URL") or None,
            "auth_required": os.environ.get("FRONTDESK_AUTH", "required") != "off",
            "production": _flag(os.environ.get("FRONTDESK_PRODUCTION")),
            "legacy_websocket_protocol": _flag(os.environ.get("FRONTDESK_LEGACY_WS")),
        }
        for name in (
            "max_body_bytes",
            "max_query_bytes",
            "max_json_depth",
            "parse_cache_bytes",
            "rate_limit_per_address",
            "rate_limit_per_token",
            "rate_limit_failed_auth",
        ):
            raw = os.environ.get(f"FRONTDESK_{name.upper()}")
            if raw:
                values[name] = int(raw)
        if os.environ.get("FRONTDESK_RATE_LIMIT_WINDOW_SECONDS"):
            values["rate_limit_window_seconds"] = float(
                os.environ["FRONTDESK_RATE_LIMIT_WINDOW_SECONDS"]
            )
        if os.environ.get("FRONTDESK_RATE_LIMIT"):
            values["rate_limit"] = _flag(os.environ["FRONTDESK_RATE_LIMIT"])
        roles = os.environ.get("FRONTDESK_INTROSPECTION_ROLES")
        if roles is not None:
            values["introspection_roles"] = frozenset(_items(roles))
        if os.environ.get("FRONTDESK_TRUSTED_DOCUMENTS"):
            values["trusted_documents"] = os.environ["FRONTDESK_TRUSTED_DOCUMENTS"]
        allow = os.environ.get("FRONTDESK_WEBHOOK_ALLOW")
        if allow is not None:
            values["webhook_allow"] = tuple(_items(allow))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "yes", "on")


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]
