"""Real ``frontdesk serve`` processes on PostgreSQL, killed with SIGKILL (issue 8).

* A server killed between the commit and the answer (``FRONTDESK_TEST_KILL_AFTER_COMMITS``,
  the fault-injection point in ``core.runtime``), in the middle of a burst of mutations:
  after a restart, every request retried with its ``Idempotency-Key`` is written exactly
  once, and a retry of a request that had committed returns the first answer.
* A webhook sender killed in the middle of an attempt: its short lease runs out and another
  process takes the endpoint over at that moment (not a whole lease or poll later); the
  event is delivered once, and the dead attempt is not recorded.

Every wait is on state (the readiness endpoint, the process's exit, stored rows), never a
fixed sleep.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Client, start_frontdesk
from helpers import add_staff, gid, make_site
from sqlalchemy import func, select
from test_subscriptions import make_token
from test_webhooks import (
    Receiver,
    complaint_events,
    eventually,
    register,
    stored_deliveries,
    until,
)

from core import models
from core.auth import AuditEntry
from core.runtime import KILL_AFTER_COMMITS_ENV, Frontdesk
from core.settings import Settings
from core.webhooks import WebhookAttempt, WebhookEndpoint

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent

FILE = """
mutation($site: ID!, $staff: ID!, $text: String!) {
  fileComplaint(input: {siteId: $site, channel: IN_PERSON, category: "service",
                        description: $text, customerName: "Sun Hao", actingStaffId: $staff}) {
    complaint { id number description } userErrors { field message code } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServeProcess:
    """``frontdesk serve`` (the CLI, one process) on a loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Any

    @classmethod
    def spawn(cls, database_url: str, data_dir: str, **env: str) -> ServeProcess:
        port = _free_port()
        log = tempfile.TemporaryFile()
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("FRONTDESK_") or k.startswith("FRONTDESK_TEST_")
        }
        environment.update(
            {
                "FRONTDESK_DATA_DIR": data_dir,  # no operator config file
                "PYTHONPATH": str(ROOT),
                **env,
            }
        )
        command = [
            sys.executable, "-c", "from core.cli import main; main()", "serve",
            "--database-url", database_url, "--host", "127.0.0.1", "--port", str(port),
            "--no-upgrade",
        ]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        return cls(process, port, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    async def ready(self, within: float = 120.0) -> None:
        """Wait until the readiness endpoint answers (the process must stay alive)."""
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"server exited:\n{self.output()}"
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).is_success:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"server not ready in {within}s:\n{self.output()}")

    async def exited(self, within: float = 60.0) -> int:
        """Wait until the process has exited; its return code."""
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            assert time.monotonic() < deadline, "the server did not exit"
            await asyncio.sleep(0.02)
        return self.process.returncode

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


async def test_a_serve_process_killed_after_commit_mid_load_retried_with_keys_writes_once(
    pg_url, tmp_path
):
    """Idempotency-Key across a real SIGKILL: twelve filings at once, the server dies right
    after its third commit (before answering it).  After a restart, each request retried with
    its key is written exactly once (C-6 numbers unique, C-13 one audit row each), and the
    retries of requests that had committed return their first answers."""
    fd = await start_frontdesk(pg_url)
    try:
        client = Client(fd)
        site = await make_site(client)
        staff = await add_staff(client, site, "Li")
        token = await make_token(fd, "clerk")  # files on behalf of the staff member (act_for)
    finally:
        await fd.stop()
    requests = [
        (f"kill-test-{n:02d}", {"site": site, "staff": staff, "text": f"slow {n}"})
        for n in range(12)
    ]

    async def post(http: httpx.AsyncClient, url: str, key: str, variables: dict) -> Any:
        headers = {"Authorization": token, "Idempotency-Key": key}
        try:
            response = await http.post(
                url, json={"query": FILE, "variables": variables}, headers=headers
            )
        except httpx.TransportError as exc:  # the server died: no answer
            return exc
        return response.json()

    first = ServeProcess.spawn(pg_url, str(tmp_path), **{KILL_AFTER_COMMITS_ENV: "3"})
    try:
        await first.ready()
        async with httpx.AsyncClient(timeout=60) as http:
            outcomes = await asyncio.gather(*(post(http, first.url, k, v) for k, v in requests))
        assert await first.exited() == -signal.SIGKILL, first.output()
    finally:
        first.stop()
    answered = {
        key: outcome
        for (key, _), outcome in zip(requests, outcomes, strict=True)
        if not isinstance(outcome, Exception)
    }
    reader = await start_frontdesk(pg_url, enable=())
    try:
        async with reader.db.session() as s:
            saved_before = {
                c.description: c.id for c in (await s.scalars(select(models.Complaint))).all()
            }
    finally:
        await reader.stop()
    # The third commit (at least) was never answered: saved, but the client saw no answer.
    assert len(saved_before) >= 3
    unanswered_but_saved = {
        v["text"] for k, v in requests if k not in answered and v["text"] in saved_before
    }
    assert unanswered_but_saved, (answered, saved_before)

    second = ServeProcess.spawn(pg_url, str(tmp_path))
    try:
        await second.ready()
        async with httpx.AsyncClient(timeout=60) as http:
            retries = [await post(http, second.url, k, v) for k, v in requests]
    finally:
        second.stop()
    assert not any(isinstance(r, Exception) or r.get("errors") for r in retries), retries
    by_text = {
        v["text"]: r["data"]["fileComplaint"]["complaint"]
        for (_, v), r in zip(requests, retries, strict=True)
    }
    # A retry of a committed request returns the first answer: the complaint saved before.
    for text, complaint_id in saved_before.items():
        assert by_text[text]["id"] == gid("Complaint", complaint_id)
    for key, answer in answered.items():
        retry = retries[[k for k, _ in requests].index(key)]
        assert retry == answer

    reader = await start_frontdesk(pg_url, enable=())
    try:
        async with reader.db.session() as s:
            complaints = (await s.scalars(select(models.Complaint))).all()
            audit = Counter(
                (
                    await s.execute(
                        select(AuditEntry.succeeded).where(AuditEntry.action == "fileComplaint")
                    )
                ).scalars()
            )
            keys = await s.scalar(select(func.count()).select_from(models.IdempotencyKey))
    finally:
        await reader.stop()
    # Exactly one write per request: twelve complaints, twelve C-6 numbers, one audit row each.
    assert sorted(c.description for c in complaints) == sorted(v["text"] for _, v in requests)
    assert len({c.number for c in complaints}) == 12
    assert {gid("Complaint", c.id) for c in complaints} == {a["id"] for a in by_text.values()}
    assert audit == {True: 12}
    assert keys == 12


@dataclass
class StallingReceiver(Receiver):
    """Takes the first request and never answers it (the sender dies mid-attempt); answers
    every later request as :class:`Receiver` does."""

    stalled: list[int] = field(default_factory=list)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.stalled:
            await super()._handle(reader, writer)
            return
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "frontdesk-event-id":
                self.stalled.append(int(value))
        await reader.read()  # until the sender's connection dies with it
        writer.close()


async def _lease(fd: Frontdesk) -> tuple[str | None, datetime | None]:
    async with fd.db.session() as s:
        row = (
            await s.execute(select(WebhookEndpoint.lease_owner, WebhookEndpoint.lease_expires_at))
        ).one()
    return row[0], row[1]


async def test_a_webhook_sender_killed_mid_attempt_is_taken_over_when_its_short_lease_ends(
    pg_url, tmp_path
):
    """A ``frontdesk serve`` process sends an event to a receiver that never answers; its
    heartbeat keeps renewing the short lease (1.5 s here) during the attempt.  SIGKILL: the
    lease stops being renewed, and a second process takes the endpoint over as soon as it runs
    out — not a poll (30 s here) later — and delivers the event once.  The dead attempt is not
    recorded (one attempt, one 200)."""
    lease = 1.5
    fd = await start_frontdesk(pg_url, webhook_allow=("127.0.0.1/32",))
    receiver = StallingReceiver()
    sender: ServeProcess | None = None
    taker: Frontdesk | None = None
    try:
        client = Client(fd)
        site = await make_site(client)
        await register(client, receiver, ["complaint.*"])
        await receiver.start()
        [event_id] = await complaint_events(fd, site, 1)
        sender = ServeProcess.spawn(
            pg_url,
            str(tmp_path),
            FRONTDESK_WEBHOOK_ALLOW="127.0.0.1/32",
            FRONTDESK_WEBHOOK_LEASE_SECONDS=str(lease),
            FRONTDESK_WEBHOOK_TIMEOUT="300",  # the attempt hangs until the process dies
            FRONTDESK_WEBHOOK_POLL_SECONDS="0.5",
        )
        await sender.ready()
        await eventually(lambda: receiver.stalled == [event_id], within=60)
        owner, first_expiry = await _lease(fd)
        assert owner is not None and first_expiry is not None
        # Short: never more than one lease ahead of now.
        assert first_expiry <= datetime.now(UTC) + timedelta(seconds=lease)

        async def renewed() -> bool:  # the heartbeat, while the attempt hangs
            return (await _lease(fd))[1] > first_expiry

        await until(renewed, within=60)
        sender.process.send_signal(signal.SIGKILL)
        assert await sender.exited() == -signal.SIGKILL
        _, dead_until = await _lease(fd)
        assert dead_until is not None

        taker = Frontdesk(
            Settings(
                database_url=pg_url,
                webhook_allow=("127.0.0.1/32",),
                extra={
                    "webhook_lease_seconds": str(lease),
                    "webhook_poll_seconds": "30",
                    "webhook_timeout": "10",
                },
            )
        )
        await taker.start(watch=True)

        async def delivered() -> bool:
            return [d.status for d in await stored_deliveries(fd)] == ["delivered"]

        await until(delivered, within=25)  # well before the taker's next poll (30 s)
        async with fd.db.session() as s:
            attempts = (await s.scalars(select(WebhookAttempt))).all()
        [delivery] = await stored_deliveries(fd)
    finally:
        if taker is not None:
            await taker.stop()
        if sender is not None:
            sender.stop()
        await receiver.stop()
        await fd.stop()
    assert receiver.seen_ids == [event_id] and receiver.violations == []
    assert receiver.requests == [(event_id, 200)]  # delivered once (after the dead attempt)
    assert [(a.status_code, a.error) for a in attempts] == [(200, None)]
    # The taker waited for the dead process's lease to run out: never two senders at once.
    assert attempts[0].attempted_at >= dead_until
    assert delivery.attempt_count == 1
