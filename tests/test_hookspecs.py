"""Every hook spec is documented and tested (after Datasette's ``test_plugin_hooks_are_documented``
and ``test_plugin_hooks_have_tests``); every hook implementation matches a spec."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import plugins.realestate.hooks as realestate_hooks
from core import hookspecs
from core.plugins import create_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
SPEC_MARK = f"{hookspecs.PROJECT}_spec"
IMPL_MARK = f"{hookspecs.PROJECT}_impl"

HOOKS = sorted(
    name
    for name, fn in vars(hookspecs).items()
    if inspect.isfunction(fn) and hasattr(fn, SPEC_MARK)
)


def test_the_specs_are_found() -> None:
    assert len(HOOKS) >= 15, HOOKS
    assert all(name.startswith("frontdesk_") for name in HOOKS)
    pm = create_plugin_manager(builtins=False, entry_points_group=None)
    assert {n for n in dir(pm.hook) if n.startswith("frontdesk_")} == set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring_of_substance(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc) > 40, f"core/hookspecs.py: {hook} needs a docstring saying what it returns"


def _plugin_sections(markdown: str) -> str:
    """The text of every README section whose heading (or a parent's) mentions plugins/hooks."""
    kept: list[str] = []
    path: list[tuple[int, str]] = []
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else re.match(r"^(#{1,6})\s+(.*)", line)
        if heading:
            level = len(heading.group(1))
            path = [(lv, title) for lv, title in path if lv < level] + [(level, heading.group(2))]
        if any(re.search(r"plugin|hook", title, re.IGNORECASE) for _, title in path):
            kept.append(line)
    return "\n".join(kept)


def _documentation() -> str:
    assert README.is_file(), (
        f"{README} does not exist; it must document every plugin hook of core/hookspecs.py "
        "in a section whose heading mentions plugins or hooks"
    )
    text = _plugin_sections(README.read_text(encoding="utf-8"))
    assert text, "README.md has no section whose heading mentions plugins or hooks"
    if DOCS.is_dir():
        for path in sorted(DOCS.rglob("*")):
            if path.suffix in {".md", ".rst"}:
                text += "\n" + path.read_text(encoding="utf-8")
    return text


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook: str) -> None:
    assert re.search(rf"\b{hook}\b", _documentation()), (
        f"{hook} is not named in README.md's plugin section (or docs/); document what it "
        "receives and returns"
    )


def _code_names(source: str) -> set[str]:
    """The words a test file's code and docstrings use (names, attributes, strings such as
    ``host.call("frontdesk_…")``, a test's name or docstring saying which hook it covers),
    without its comments: a hook named only in a comment has no test."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
            names.update(h for h in HOOKS if h in node.name)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(re.findall(r"\w+", node.value))
    return names


def _test_sources() -> set[str]:
    files = [p for p in (ROOT / "tests").rglob("*.py") if p.name != Path(__file__).name]
    files += list((ROOT / "plugins").rglob("test_*.py"))
    return set().union(*(_code_names(p.read_text(encoding="utf-8")) for p in files))


def test_a_hook_named_only_in_a_comment_does_not_count() -> None:
    source = (
        "def test_covers_frontdesk_a():\n    # frontdesk_b\n    call('frontdesk_c')\n"
        "def test_y():\n    'frontdesk_d'\n"
    )
    names = _code_names(source)
    assert {"frontdesk_c", "frontdesk_d"} <= names
    assert "frontdesk_b" not in names


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook: str) -> None:
    assert hook in _test_sources(), (
        f"no test names {hook}; add a focused test exercising it (see tests/test_plugins.py)"
    )


def test_realestate_hookimpls_match_specs() -> None:
    impls = sorted(
        name
        for name, fn in vars(realestate_hooks).items()
        if callable(fn) and hasattr(fn, IMPL_MARK)
    )
    assert impls, "plugins/realestate/hooks.py has no @hookimpl"
    unknown = sorted(set(impls) - set(HOOKS))
    assert not unknown, f"hook implementations without a spec: {unknown}"
    pm = create_plugin_manager(builtins=False, entry_points_group=None)
    pm.register(realestate_hooks, name="realestate")
    pm.check_pending()
