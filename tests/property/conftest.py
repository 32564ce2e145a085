"""The property line through the test kit: its hooks module registered as an extra plugin
(no entry point yet) and enabled alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest


@pytest.fixture
def frontdesk_extra_plugins() -> Sequence[Any]:
    from plugins.property import hooks

    return (hooks,)


@pytest.fixture
def frontdesk_lines() -> tuple[str, ...]:
    return ("property",)
