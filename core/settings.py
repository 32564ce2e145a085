"""Runtime settings, read from the environment (flags on the CLI override them)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path


def data_dir() -> Path:
    """Where Frontdesk keeps its default SQLite database, the same from any directory:
    ``$FRONTDESK_DATA_DIR``, else ``$XDG_DATA_HOME/frontdesk`` (``~/.local/share/frontdesk``;
    ``%LOCALAPPDATA%\\frontdesk`` on Windows)."""
    explicit = os.environ.get("FRONTDESK_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "frontdesk"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "frontdesk"


def default_database_url() -> str:
    """The SQLite file in :func:`data_dir` (used when no database URL is configured)."""
    return f"sqlite+aiosqlite:///{data_dir() / 'frontdesk.sqlite3'}"


def database_url_from_env() -> str:
    """``FRONTDESK_DATABASE_URL``, else :func:`default_database_url`."""
    return os.environ.get("FRONTDESK_DATABASE_URL") or default_database_url()


# Kept for callers that imported the old constant; resolved when this module is imported.
DEFAULT_DATABASE_URL = default_database_url()


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
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
            "database_url": database_url_from_env(),
            "redis_url": os.environ.get("FRONTDESK_REDIS_URL") or None,
            "auth_required": os.environ.get("FRONTDESK_AUTH", "required") != "off",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
