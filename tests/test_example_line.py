"""The out-of-tree example line (``tests/example_line``, a car wash) installed as its own
distribution, tested with its own tests through the kit, and without effect on the product.

The example is copied to a temporary directory and ``pip install --no-deps --target``-ed from
there (never into the shared virtualenv); its source package is then removed from the copy,
so what the subprocesses import is the installed distribution, found through ``PYTHONPATH``
(``importlib.metadata`` sees its ``.dist-info`` and so its ``frontdesk`` entry point).
"""

from __future__ import annotations

import ast
import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path

import pytest

from schema.build import SDL_PATH

EXAMPLE = Path(__file__).parent / "example_line"
PACKAGE = "frontdesk_carwash"
BIN = Path(sys.executable).parent


REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Installed:
    site: Path  # the --target directory holding the package and its .dist-info
    project: Path  # a copy of the example without its source package: pyproject + tests

    def env(self, **overrides: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        # The example package, then core from this checkout (the venv's editable install
        # may point at another worktree of the repository).
        env["PYTHONPATH"] = os.pathsep.join([str(self.site), str(REPO_ROOT)])
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # -P: the working directory is not put on sys.path; only the installed copy is importable.
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("carwash")
    project = root / "project"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    )
    site = root / "site-packages"
    result = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",  # the pinned setuptools of frontdesk[test]; no index
            "--no-index",
            "--target",
            str(site),
            str(project),
        ],
        cwd=root,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.rmtree(project / PACKAGE)
    shutil.rmtree(project / "build", ignore_errors=True)
    yield Installed(site=site, project=project)


def test_the_example_installs_as_its_own_distribution_with_its_entry_point(
    installed: Installed,
) -> None:
    [dist] = [d for d in distributions(path=[str(installed.site)])]
    assert (dist.metadata["Name"], dist.version) == ("frontdesk-carwash", "1.0.0")
    [ep] = [ep for ep in dist.entry_points if ep.group == "frontdesk"]
    assert (ep.name, ep.value) == ("carwash", "frontdesk_carwash.hooks")
    # Its migration branch ships with it.
    assert (installed.site / PACKAGE / "migrations" / "versions" / "cw0001_washes.py").exists()
    # Not in this process: the product's own tests never see the car wash.
    assert not any(ep.name == "carwash" for d in distributions() for ep in d.entry_points)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_example_passes_its_own_tests_through_the_kit(
    installed: Installed, backend: str, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue("pg_server_url") if backend == "postgresql" else None
    result = _run(
        [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs"],
        cwd=installed.project,
        env=installed.env(FRONTDESK_TEST_POSTGRES_URL=server),
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    expected = _count_tests(EXAMPLE / "tests")
    summary = out.strip().splitlines()[-1]
    assert summary.startswith(f"{expected} passed"), out
    assert "skipped" not in summary and "error" not in summary, out


def test_schema_export_with_the_example_installed_equals_the_committed_sdl(
    installed: Installed, tmp_path: Path
) -> None:
    out = tmp_path / "frontdesk.graphql"
    result = _run(
        [str(BIN / "frontdesk"), "schema", "export", "--output", str(out)],
        cwd=tmp_path,
        env=installed.env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_text(encoding="utf-8") == SDL_PATH.read_text(encoding="utf-8")


def test_the_example_imports_from_core_only_the_public_plugin_api() -> None:
    imported = _core_imports(EXAMPLE / PACKAGE)
    assert imported, "the example imports nothing from core: is the check looking at it?"
    private = {
        m for m in imported if m != "core.plugin_api" and not m.startswith("core.plugin_api.")
    }
    assert not private, f"the example reaches into core beyond core.plugin_api: {private}"


def _core_imports(package: Path) -> set[str]:
    found: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found |= {n for n in names if n == "core" or n.startswith("core.")}
    return found


def _count_tests(folder: Path) -> int:
    count = 0
    for path in folder.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        count += sum(
            1
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
        )
    return count


# --- the README's "Writing a business line" is the example ---------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Writing a business line"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    end = text.find("\n## ", start + len(SECTION) + 2)
    return text[start : end if end != -1 else len(text)]


def _fenced_blocks(markdown: str) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    lines = iter(markdown.splitlines())
    for line in lines:
        if line.startswith("```"):
            body = []
            for inner in lines:
                if inner.startswith("```"):
                    break
                body.append(inner)
            blocks.append((line[3:].strip(), body))
    return blocks


def test_readme_code_blocks_are_copied_from_the_example_files() -> None:
    """Every block headed ``# <file>`` is a verbatim run of whole lines of that file."""
    shown: set[str] = set()
    for lang, body in _fenced_blocks(_section()):
        if lang not in {"python", "toml"}:
            continue
        assert body and body[0].startswith("# "), f"a {lang} block names no file: {body[:2]}"
        name = body[0][2:].strip()
        path = EXAMPLE / name
        assert path.is_file(), f"README shows {name}, which tests/example_line does not have"
        excerpt = "\n".join(body[1:]) + "\n"
        source = "\n" + path.read_text(encoding="utf-8")
        assert "\n" + excerpt in source, (
            f"README's block of {name} differs from tests/example_line/{name}; copy it again:\n"
            f"{excerpt}"
        )
        shown.add(name)
    assert shown >= {
        "pyproject.toml",
        "frontdesk_carwash/rules.py",
        "frontdesk_carwash/hooks.py",
        "frontdesk_carwash/models.py",
        "frontdesk_carwash/migrations/versions/cw0001_washes.py",
        "tests/test_carwash.py",
    }, shown
    # The whole pyproject.toml is shown: it is what makes the package install.
    [toml] = [body for lang, body in _fenced_blocks(_section()) if lang == "toml"]
    assert "\n".join(toml[1:]) + "\n" == (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8")


def test_readme_operator_commands_work_with_the_example_installed(
    installed: Installed, tmp_path: Path
) -> None:
    """The README's install-and-enable block, run line by line on a fresh SQLite database
    (the ``pip install`` line is what the ``installed`` fixture did)."""
    from sqlalchemy import create_engine, inspect, text

    [commands] = [
        body
        for lang, body in _fenced_blocks(_section())
        if lang == "bash" and body[0].startswith("pip install ./frontdesk-carwash")
    ]
    database = tmp_path / "frontdesk.sqlite3"
    env = installed.env(FRONTDESK_DATABASE_URL=f"sqlite:///{database}")
    ran = []
    for line in commands[1:]:
        argv = line.split("#", 1)[0].split()
        assert argv[0] == "frontdesk", line
        result = _run([str(BIN / "frontdesk"), *argv[1:]], cwd=tmp_path, env=env)
        assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"
        ran.append(argv[1:3])
        if argv[1:3] == ["db", "current"]:
            assert "carwash: cw0001" in result.stdout, result.stdout
            engine = create_engine(f"sqlite:///{database}")
            assert "cw_washes" in inspect(engine).get_table_names()
            # Stored as enabled, yet ignored by a server without the package (this process).
            with engine.connect() as conn:
                states = dict(conn.execute(text("SELECT name, enabled FROM plugin_states")).all())
            engine.dispose()
            assert states == {"carwash": True}
            served = asyncio.run(_served_without_the_package(f"sqlite+aiosqlite:///{database}"))
            # No line enabled: the built-in lines are installed but off, carwash ignored.
            enabled, lines = served
            assert enabled == frozenset() and "carwash" not in lines
            assert lines and not any(lines.values())
    assert ["plugins", "enable"] in ran and ["db", "downgrade"] in ran
    engine = create_engine(f"sqlite:///{database}")
    tables = inspect(engine).get_table_names()
    engine.dispose()
    assert "cw_washes" not in tables and "visits" in tables


async def _served_without_the_package(url: str) -> tuple[frozenset[str], dict[str, bool]]:
    """A server started on ``url`` in this process (which lacks the package): the plugins it
    serves, and the ``plugins`` query's answer."""
    from core.auth import Actor, Role
    from core.runtime import Frontdesk
    from core.settings import Settings
    from core.testing import FIXED_NOW, FrontdeskClient
    from schema.build import build_schema

    app = Frontdesk(Settings(database_url=url), schema_factory=build_schema)
    await app.start(watch=False)
    try:
        client = FrontdeskClient(app, FIXED_NOW, Actor(role=Role.ADMIN, name="probe"))
        listed = (await client.data("{ plugins { code enabled } }"))["plugins"]
        return app.host.enabled, {p["code"]: p["enabled"] for p in listed}
    finally:
        await app.stop()


def _kit_fixtures() -> dict[str, str]:
    """Fixture name -> docstring, for every public fixture of ``core.testing``."""
    source = (Path(__file__).resolve().parent.parent / "core" / "testing.py").read_text()
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            "fixture" in ast.unparse(d) for d in node.decorator_list
        ):
            if not node.name.startswith("_"):
                found[node.name] = ast.get_docstring(node) or ""
    return found


def test_every_kit_fixture_has_a_docstring_and_is_in_the_readme() -> None:
    fixtures = _kit_fixtures()
    assert {"frontdesk_app", "frontdesk_client", "frontdesk_token", "make_site"} <= set(fixtures)
    section = _section()
    for name, doc in fixtures.items():
        assert len(doc) > 60, f"core/testing.py: fixture {name} needs a docstring"
        assert f"`{name}`" in section, f"README's kit table does not name {name}"
