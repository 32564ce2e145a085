"""The layering of core (``core/layers.py``) holds for every import, and no import circles.

Every ``.py`` file under ``core/`` and ``schema/`` is parsed with :mod:`ast` (nothing is
imported).  Counted as an import of module M:

* ``import M`` / ``from M import x`` / ``from . import x`` at any level: module body, class
  body, inside functions, and under ``if TYPE_CHECKING:`` (a type-only import couples the
  lower module to the higher one just the same; the one allowed exception is listed in
  ``core.layers.TYPE_ONLY_EXCEPTIONS``);
* a literal module name handed to ``importlib.import_module``, ``__import__`` or
  ``strawberry.lazy`` (the same dependency, spelled as a string);
* the ``__init__`` of every package above M that the importer is not itself inside of
  (Python runs it before M).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.app import create_app
from core.layers import LAYERS, PLUGIN_API, TYPE_ONLY_EXCEPTIONS, layer_of
from core.runtime import Frontdesk
from core.settings import Settings
from schema.build import build_schema

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "schema")
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__", "lazy"})


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    type_only: bool


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules(root: Path = ROOT) -> dict[str, str]:
    """Every core and schema module: dotted name -> source."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path.read_text(encoding="utf-8")
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _resolve(name: str, modules: Iterable[str]) -> str | None:
    """The module a dotted name refers to (``core.models.Site`` -> ``core.models``)."""
    known = set(modules)
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, source: str, modules: Mapping[str, str]) -> list[Import]:
    """The core and schema modules ``module`` imports (see the module docstring)."""
    is_package = any(m.startswith(module + ".") for m in modules)
    found: list[Import] = []

    def add(name: str, line: int, type_only: bool) -> None:
        target = _resolve(name, modules)
        if target is None or target == module:
            return
        found.append(Import(module, target, line, type_only))
        # Python runs each enclosing package's __init__ first, unless we are inside it.
        parent = target.rpartition(".")[0]
        while parent:
            if parent in modules and not (module + ".").startswith(parent + "."):
                found.append(Import(module, parent, line, type_only))
            parent = parent.rpartition(".")[0]

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno, type_only)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(module, is_package)
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            for alias in node.names:
                # ``from core import models`` imports the module core.models.
                add(f"{origin}.{alias.name}", node.lineno, type_only)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                called in DYNAMIC_IMPORTERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                add(node.args[0].value, node.lineno, type_only)
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(ast.parse(source), False)
    return found


def all_imports(modules: Mapping[str, str]) -> list[Import]:
    found = (i for name, source in modules.items() for i in imports_of(name, source, modules))
    return list(dict.fromkeys(found))  # ``from m import a, b`` is one import of m


def _allowed_type_only(edge: Import) -> bool:
    return edge.type_only and (edge.importer, edge.imported) in TYPE_ONLY_EXCEPTIONS


def layering_violations(modules: Mapping[str, str]) -> list[str]:
    problems = []
    for name in modules:
        if layer_of(name) is None:
            problems.append(f"{name} has no layer: add its prefix to core.layers.LAYERS")
    for edge in all_imports(modules):
        if _allowed_type_only(edge):
            continue
        low = layer_of(edge.importer)
        high = layer_of(edge.imported)
        if low is None or high is None:
            continue
        if high < low:
            problems.append(
                f"{edge.importer}:{edge.line} ({LAYERS[low][0]}) imports {edge.imported} "
                f"({LAYERS[high][0]}), a higher layer" + (" [TYPE_CHECKING]" * edge.type_only)
            )
        elif (edge.imported + ".").startswith(PLUGIN_API + ".") and not (
            edge.importer + "."
        ).startswith(PLUGIN_API + "."):
            problems.append(
                f"{edge.importer}:{edge.line} imports {edge.imported}: the plugin API is for "
                "plugins; core imports what it re-exports from where it lives"
            )
    return problems


def import_cycles(modules: Mapping[str, str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for edge in all_imports(modules):
        if not _allowed_type_only(edge):
            graph[edge.importer].add(edge.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return groups


def _cycle_report(groups: list[list[str]], modules: Mapping[str, str]) -> str:
    lines = []
    for group in groups:
        members = set(group)
        lines.append(f"{len(group)} modules: {', '.join(group)}")
        edges = {
            (edge.importer, edge.line, edge.imported)
            for edge in all_imports(modules)
            if edge.importer in members and edge.imported in members
        }
        lines.extend(f"  {a}:{line} -> {b}" for a, line, b in sorted(edges))
    return "\n".join(lines)


# --- the product ------------------------------------------------------------------------------


def test_no_core_module_imports_a_higher_layer() -> None:
    modules = source_modules()
    assert {"core.events", "core.runtime", "schema.build"} <= set(modules)
    problems = layering_violations(modules)
    assert not problems, "layering (core/layers.py) broken:\n" + "\n".join(problems)


def test_no_import_cycles_among_core_modules() -> None:
    modules = source_modules()
    groups = import_cycles(modules)
    assert not groups, "import cycles:\n" + _cycle_report(groups, modules)


# --- the checker itself -----------------------------------------------------------------------

FAKE = {
    "core": "",
    "core.errors": "",
    "core.models": "from core.errors import NotFound\n",
    "core.events": "from core.models import Event\n",
    "core.webhooks": "from core.webhooks.services import enqueue\n",
    "core.webhooks.services": "from core.events import record_event\n",
    "core.webhooks.tables": "from core.models import Event\n",
    "core.runtime": "import core.webhooks\n",
    "core.graphql": "",
    "core.graphql.types": "import strawberry\n",
    "core.graphql.complaints": "from core.graphql.types import Complaint\n",
    "schema": "",
    "schema.build": "from core.graphql import types\n",
}


def _with(**changes: str) -> dict[str, str]:
    modules = dict(FAKE)
    modules.update({name.replace("__", "."): source for name, source in changes.items()})
    return modules


def test_the_checker_accepts_downward_imports() -> None:
    assert layering_violations(FAKE) == []
    assert import_cycles(FAKE) == []


@pytest.mark.parametrize(
    "source",
    [
        "from core.webhooks import enqueue_deliveries\n",
        "def record_event():\n    from core.webhooks import enqueue_deliveries\n",
        "class Recorder:\n    def f(self):\n        import core.webhooks.services\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from core import webhooks\n",
        "import importlib\ndef f():\n    importlib.import_module('core.webhooks.services')\n",
        # Importing the tables runs core/webhooks/__init__.py, a service module.
        "from core.webhooks.tables import WebhookDelivery\n",
    ],
    ids=["module level", "in a function", "in a method", "TYPE_CHECKING", "dynamic", "parent"],
)
def test_the_checker_finds_an_import_of_a_higher_layer_wherever_it_is(source: str) -> None:
    problems = layering_violations(_with(core__events=source))
    assert problems and all(p.startswith("core.events:") for p in problems), problems
    assert "(plugin host, events, bus) imports core.webhooks" in problems[0]


def test_the_checker_finds_lazy_references_and_relative_imports() -> None:
    lazy = "import strawberry\nX = strawberry.lazy('core.graphql.complaints')\n"
    assert import_cycles(_with(core__graphql__types=lazy)) == [
        ["core.graphql.complaints", "core.graphql.types"]
    ]
    relative = "from .complaints import Complaint\n"
    assert import_cycles(_with(core__graphql__types=relative)) == [
        ["core.graphql.complaints", "core.graphql.types"]
    ]
    # schema/ is above core.graphql; core.graphql.types importing it is upward.
    upward = "def f():\n    from schema.build import build_schema\n"
    assert layering_violations(_with(core__graphql__types=upward)) == [
        f"core.graphql.types:2 (GraphQL glue) imports {name} (schema composition and the "
        "plugin API), a higher layer"
        for name in ("schema.build", "schema")  # the package's __init__ runs first
    ]


def test_the_checker_finds_a_cycle_within_one_layer_and_unplaced_modules() -> None:
    modules = _with(core__models="from core.errors import NotFound\nimport core.hosting\n")
    modules["core.hosting"] = "from core.models import Site\n"
    assert import_cycles(modules) == [["core.hosting", "core.models"]]
    modules["core.gizmo"] = ""
    assert layering_violations(modules) == [
        "core.gizmo has no layer: add its prefix to core.layers.LAYERS"
    ]


def test_the_checker_lets_no_core_module_import_the_plugin_api() -> None:
    modules = _with(
        core__plugin_api="from core.plugin_api.hooks import hookimpl\n",
        core__plugin_api__hooks="from core.models import Event\n",
        core__hookspecs=(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from core.plugin_api import ReceptionContext\n"
        ),
        core__demo="from core.plugin_api import DemoContext\n",
    )
    problems = layering_violations(modules)
    assert problems == [
        "core.demo:1 imports core.plugin_api: the plugin API is for plugins; core imports "
        "what it re-exports from where it lives"
    ]
    # The hook specifications may name its types, but only for type checking.
    modules["core.hookspecs"] = "from core.plugin_api import ReceptionContext\n"
    assert any(p.startswith("core.hookspecs:1") for p in layering_violations(modules))


# --- the seams the layering needed ------------------------------------------------------------


def test_the_runtime_gets_its_schema_factory_from_the_app(tmp_path: Path) -> None:
    fd = Frontdesk(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"))
    with pytest.raises(RuntimeError, match="without a schema factory"):
        _ = fd.schema
    create_app(fd)
    assert fd.schema_factory is build_schema
    assert "type Query" in fd.schema.as_str()
