"""The per-request context: typed, created once per request (or WebSocket connection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.runtime import Frontdesk


@dataclass
class Context:
    app: Frontdesk
    request: Any = None
    response: Any = None
    # Results of plugin fields' batch loads for this request: {(field key, root id): value}.
    prefetched: dict[tuple[str, Any], Any] = field(default_factory=dict)
    # A fixed clock for tests; None means "the real time at the call".
    fixed_now: datetime | None = None

    @property
    def db(self) -> Any:
        return self.app.db

    @property
    def host(self) -> Any:
        return self.app.host

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(UTC)
