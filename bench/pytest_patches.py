"""A pytest plugin that runs the test suite with bench/patches.py applied (a correctness check
of the proposed changes): ``BENCH_PATCHES=all .venv/bin/python -m pytest -p
bench.pytest_patches``.  Not loaded unless named with ``-p``."""

from __future__ import annotations

import os


def pytest_configure(config: object) -> None:
    from bench.patches import apply

    names = [p for p in os.environ.get("BENCH_PATCHES", "all").split(",") if p]
    apply(names)
    print(f"bench patches applied: {', '.join(names)}")
