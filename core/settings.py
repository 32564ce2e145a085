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

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("FRONTDESK_DATABASE_URL", DEFAULT_DATABASE_URL),
            "redis_url": os.environ.get("FRONTDESK_REDIS_URL") or None,
            "auth_required": os.environ.get("FRONTDESK_AUTH", "required") != "off",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
