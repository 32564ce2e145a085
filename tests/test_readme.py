"""Every example in README.md runs, in order, against a fresh demo (issue 10).

The test does what a newcomer does: ``frontdesk demo`` on a new SQLite file (the demo's own
loader and its admin token), ``frontdesk serve`` in a real process on a loopback port, then
every example block of the README from top to bottom:

* ```` ```graphql ```` — each operation of the block in turn, POSTed with the demo's admin
  token; a subscription is opened over graphql-transport-ws and must deliver an event (the
  walkthrough's later blocks make them happen) by the end of the README;
* ```` ```bash ```` blocks that call ``curl`` — run by bash with the real curl, ``$TOKEN``
  set to the demo's token (a ``fd_…`` placeholder is that token) and ``localhost:8000`` the
  served port; every JSON answer they print must be free of errors;
* ```` ```python ```` — executed, all blocks in one namespace.

Markers, an HTML comment on the line(s) just before a fence:

* ``<!-- expect-error: CODE -->`` — the block shows an error: each of its operations must
  answer with ``extensions.code`` CODE;
* ``<!-- readme-test: skip (why) -->`` — the block is not run;
* ``<!-- readme-test: before: frontdesk demo --lines fitnessclub -->`` — before the block, run
  that ``frontdesk`` command on the served demo's database (as the reader does in their shell)
  and wait until the server serves the lines it enabled.
* ``<!-- readme-test: cli -->`` on a ```` ```bash ```` block — run by bash in a fresh directory
  with ``frontdesk`` being this checkout's CLI on the served demo's database (as after
  ``source .venv/bin/activate``); it must exit 0.

Blocks under "Writing a business line" (and its old title "Writing a plugin") are skipped:
they are a plugin's source files, installed as a package, not requests to the demo; that
section's example is tested by the plugin tests.  Other bash blocks (shell set-up, the CLI
overview) are not requests and are not run here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REQUIRE_SERVICES
from graphql import OperationDefinitionNode, OperationType, parse, print_ast
from typer.testing import CliRunner
from websockets.asyncio.client import ClientConnection, connect

from core.cli import app as cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SKIPPED_SECTIONS = ("Writing a business line", "Writing a plugin")
FENCE = re.compile(r"^```(\w*)\s*$")
HEADING = re.compile(r"^(#+)\s+(.*?)\s*$")
EXPECT_ERROR = re.compile(r"<!--\s*expect-error:\s*([A-Z0-9_]+)\s*-->")
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b.*?-->")
BEFORE = re.compile(r"<!--\s*readme-test:\s*before:\s*frontdesk\s+(.*?)\s*-->")
CLI = re.compile(r"<!--\s*readme-test:\s*cli\s*-->")
TOKEN_PLACEHOLDER = "fd_…"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Block:
    kind: str  # graphql, curl, python, cli
    code: str
    line: int  # 1-based line of the opening fence
    section: str
    expect_error: str | None = None
    before: list[str] | None = None  # a `frontdesk` command to run first

    def where(self) -> str:
        return f"README.md:{self.line} ({self.section})"


def readme_blocks(text: str) -> list[Block]:
    """The runnable example blocks, in order (skipped sections and markers honoured)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    headings: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        heading = HEADING.match(lines[i])
        if heading:
            level = len(heading.group(1))
            headings = [(lv, t) for lv, t in headings if lv < level] + [(level, heading.group(2))]
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        start = i
        end = start + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        code = "\n".join(lines[start + 1 : end]) + "\n"
        i = end + 1
        lang = fence.group(1)
        kind = {"graphql": "graphql", "python": "python"}.get(lang)
        if lang in ("bash", "sh", "shell") and re.search(r"^\s*curl\b", code, re.MULTILINE):
            kind = "curl"
        # Markers: the comment lines right above the fence.
        above = []
        j = start - 1
        while j >= 0 and lines[j].strip().startswith("<!--"):
            above.append(lines[j])
            j -= 1
        markers = "\n".join(above)
        if lang in ("bash", "sh", "shell") and CLI.search(markers):
            kind = "cli"
        if kind is None:
            continue
        if any(t.startswith(SKIPPED_SECTIONS) for _, t in headings):
            continue
        if SKIP.search(markers):
            continue
        expected = EXPECT_ERROR.search(markers)
        before = BEFORE.search(markers)
        blocks.append(
            Block(
                kind=kind,
                code=code,
                line=start + 1,
                section=" > ".join(t for _, t in headings) or "top",
                expect_error=expected.group(1) if expected else None,
                before=before.group(1).split() if before else None,
            )
        )
    return blocks


def operations(block: Block) -> list[tuple[OperationType, str]]:
    """Each operation of a GraphQL block as its own document (with the block's fragments)."""
    document = parse(block.code)
    fragments = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
    out = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            text = "\n".join(print_ast(d) for d in [definition, *fragments])
            out.append((definition.operation, text))
    return out


def error_codes(body: Any) -> list[str]:
    """Every ``extensions.code`` in the JSON answers (one or several documents), and every
    ``code`` of a mutation payload's ``userErrors`` (schema 1.0: a refusal is data)."""
    if isinstance(body, list):
        return [c for item in body for c in error_codes(item)]
    codes = [
        (e.get("extensions") or {}).get("code") or f"(no code: {e.get('message')})"
        for e in (body.get("errors") or [])
    ]
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict):
            codes += [e.get("code") or "(no code)" for e in value.get("userErrors") or ()]
    return codes


def json_documents(text: str) -> list[Any]:
    """The JSON values curl printed, one after another."""
    decoder = json.JSONDecoder()
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        value, end = decoder.raw_decode(text, pos)
        out.append(value)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


# --- the served demo --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Demo:
    url: str
    token: str
    port: int
    process: subprocess.Popen[bytes]
    log: Any
    namespace: dict[str, Any] = field(default_factory=dict)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]


def _ready(demo: Demo, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            assert demo.process.poll() is None, f"server exited:\n{demo.output()}"
            try:
                if client.get(f"http://127.0.0.1:{demo.port}/healthz").is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling the server's state, bounded by the deadline
    raise AssertionError(f"server not ready in {within}s:\n{demo.output()}")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    result = CliRunner().invoke(cli, ["demo", "--database-url", url])
    output = ANSI.sub("", result.output)
    assert result.exit_code == 0, output
    token = re.search(r"Bearer (fd_[A-Za-z0-9_-]+)", output)
    assert token, f"`frontdesk demo` printed no admin token:\n{output}"
    port = _free_port()
    log = tempfile.TemporaryFile()
    env = {**os.environ, "FRONTDESK_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-c", "from core.cli import main; main()",
        "serve", "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log)
    served = Demo(url=url, token=token.group(1), port=port, process=process, log=log)
    try:
        _ready(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- running blocks ---------------------------------------------------------------------------


@dataclass
class Subscription:
    block: Block
    ws: ClientConnection
    messages: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    delivered: asyncio.Event = field(default_factory=asyncio.Event)

    async def pump(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            self.messages.append(message)
            if message.get("type") in ("next", "error", "complete"):
                self.delivered.set()

    def nexts(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == "next"]

    def failures(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages
            if m.get("type") == "error" or (m.get("type") == "next" and m["payload"].get("errors"))
        ]


def _check(block: Block, answer: Any, raw: str) -> None:
    codes = error_codes(answer)
    if block.expect_error:
        assert codes and all(c == block.expect_error for c in codes), (
            f"{block.where()} is marked expect-error: {block.expect_error}, got {raw[:1500]}"
        )
    else:
        assert not codes, f"{block.where()} failed on the fresh demo: {raw[:1500]}"


async def run_graphql(demo: Demo, block: Block, subscriptions: list[Subscription]) -> None:
    headers = {"Authorization": f"Bearer {demo.token}"}
    for operation, query in operations(block):
        if operation == OperationType.SUBSCRIPTION:
            ws = await connect(
                f"ws://127.0.0.1:{demo.port}/graphql",
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                open_timeout=10,
            )
            await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ack["type"] == "connection_ack", (block.where(), ack)
            op_id = str(len(subscriptions) + 1)
            payload = {"query": query}
            await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
            sub = Subscription(block, ws)
            sub.task = asyncio.create_task(sub.pump())
            subscriptions.append(sub)
            continue
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(demo.http, json={"query": query}, headers=headers)
        _check(block, response.json(), response.text)


async def run_curl(demo: Demo, block: Block) -> None:
    script = block.code.replace(TOKEN_PLACEHOLDER, demo.token)
    script = re.sub(r"\b(localhost|127\.0\.0\.1):8000\b", f"127.0.0.1:{demo.port}", script)
    process = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", script,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TOKEN": demo.token},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    stdout = out.decode()
    assert process.returncode == 0, f"{block.where()} exited {process.returncode}: {err.decode()}"
    answers = json_documents(stdout)
    assert answers, f"{block.where()} printed no JSON: {stdout!r} {err.decode()}"
    for answer in answers:
        _check(block, answer, stdout)


async def run_before(demo: Demo, block: Block) -> None:
    """The block's ``frontdesk`` command on the demo's database, in its own process (as the
    reader runs it); then wait until the served schema has the lines it enabled."""
    assert block.before and block.before[0] == "demo", f"{block.where()}: only `demo` is supported"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from core.cli import main; main()",
        *block.before, "--database-url", demo.url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode == 0, f"{block.where()}: {' '.join(block.before)}: {out.decode()}"
    wanted = block.before[block.before.index("--lines") + 1].split(",")
    headers = {"Authorization": f"Bearer {demo.token}"}
    query = {"query": "{ plugins { code enabled } }"}
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=30) as client:
        while True:  # the server re-reads the enabled lines (bus event, or its poll)
            answer = (await client.post(demo.http, json=query, headers=headers)).json()
            enabled = {p["code"] for p in answer["data"]["plugins"] if p["enabled"]}
            if set(wanted) <= enabled:
                return
            assert time.monotonic() < deadline, f"{block.where()}: {wanted} never enabled"
            await asyncio.sleep(0.2)  # polling the server's state, bounded by the deadline


async def run_cli(demo: Demo, block: Block, workdir: Path) -> None:
    """A shell session with ``frontdesk`` on the demo's database, in its own directory."""
    prelude = f'frontdesk() {{ "{sys.executable}" -c "from core.cli import main; main()" "$@"; }}\n'
    process = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", prelude + block.code,
        cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "FRONTDESK_DATABASE_URL": demo.url, "PYTHONPATH": str(ROOT),
             "COLUMNS": "200"},
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, (
        f"{block.where()} exited {process.returncode}:\n{out.decode(errors='replace')}"
    )


def run_python(demo: Demo, block: Block) -> None:
    code = compile(block.code, block.where(), "exec")
    exec(code, demo.namespace)


# --- the tests --------------------------------------------------------------------------------


def test_blocks_are_found_with_their_markers() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = readme_blocks(text)
    kinds = {b.kind for b in blocks}
    assert {"graphql", "curl", "python"} <= kinds, kinds
    # Every fenced block of those kinds outside the skipped sections is collected.
    fenced = len(re.findall(r"^```(graphql|python)\s*$", text, re.MULTILINE))
    skipped_section = text.split("\n## Writing a", 1)
    in_skipped = (
        len(re.findall(r"^```(graphql|python)\s*$", "## " + skipped_section[1], re.MULTILINE))
        if len(skipped_section) == 2
        else 0
    )
    assert len([b for b in blocks if b.kind not in ("curl", "cli")]) <= fenced - in_skipped
    sample = (
        "# T\n<!-- expect-error: SITE_NOT_FOUND -->\n```graphql\n{ a }\n```\n"
        "<!-- readme-test: skip (illustration) -->\n```graphql\n{ b }\n```\n"
        "<!-- readme-test: before: frontdesk demo --lines x -->\n```graphql\n{ c }\n```\n"
        "```bash\ncurl -s x\n```\n```bash\nls\n```\n"
        "<!-- readme-test: cli -->\n```bash\nfrontdesk import sites s.csv\n```\n"
        "## Writing a business line\n```python\nimport x\n```\n## After\n```python\npass\n```\n"
    )
    parsed = readme_blocks(sample)
    assert [(b.kind, b.expect_error, b.code.strip()) for b in parsed] == [
        ("graphql", "SITE_NOT_FOUND", "{ a }"),
        ("graphql", None, "{ c }"),
        ("curl", None, "curl -s x"),
        ("cli", None, "frontdesk import sites s.csv"),
        ("python", None, "pass"),
    ]
    assert parsed[1].before == ["demo", "--lines", "x"] and parsed[0].before is None
    two = operations(Block("graphql", "mutation { a } mutation { b }\n", 1, "t"))
    assert [op for op, _ in two] == [OperationType.MUTATION, OperationType.MUTATION]


async def test_every_readme_example_runs_on_a_fresh_demo(demo: Demo, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        message = "curl is not installed (.ci/run installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    subscriptions: list[Subscription] = []
    try:
        for block in blocks:
            if block.before:
                await run_before(demo, block)
            if block.kind == "graphql":
                await run_graphql(demo, block, subscriptions)
            elif block.kind == "curl":
                await run_curl(demo, block)
            elif block.kind == "cli":
                await run_cli(demo, block, tmp_path)
            else:
                run_python(demo, block)
            for sub in subscriptions:
                assert not sub.failures(), (sub.block.where(), sub.failures())
        # Each subscription has seen an event by now: the walkthrough makes them happen.
        for sub in subscriptions:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sub.delivered.wait(), 15)
            assert sub.nexts(), f"{sub.block.where()}: the subscription delivered no event"
            assert not sub.failures(), (sub.block.where(), sub.failures())
    finally:
        for sub in subscriptions:
            await sub.ws.close()
            if sub.task:
                sub.task.cancel()
                await asyncio.gather(sub.task, return_exceptions=True)
