"""Runtime settings, read from the environment (flags on the CLI override them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./frontdesk.sqlite3"


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
