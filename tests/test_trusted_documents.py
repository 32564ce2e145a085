"""Issue 9, trusted documents: with a persisted-documents manifest configured, only its
documents run (by SHA-256, refused before parsing otherwise); admins may still send ad-hoc
documents.  Without the setting nothing changes."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from conftest import start_frontdesk
from served import make_token, serve, under_attack
from websockets.asyncio.client import connect

from core.trusted import document_hash, load_manifest

REGISTERED = "query Plugins { plugins { code enabled } }"
PROBE = "{ __typename }"


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({document_hash(d): d for d in (REGISTERED, PROBE)}))
    return str(path)


async def test_only_registered_documents_run(sqlite_url, manifest):
    fd = await start_frontdesk(sqlite_url, trusted_documents=manifest)
    try:
        async with serve(fd) as base:
            admin = await make_token(fd)
            frontend = await make_token(fd, "frontend")

            async def ask(token: str, query: str) -> dict:
                async with httpx.AsyncClient(timeout=30) as c:
                    answer = await c.post(
                        f"{base}/graphql",
                        json={"query": query},
                        headers={"authorization": f"Bearer {token}"},
                    )
                return answer.json()

            async def attack(in_flight):
                in_flight.set()
                return [
                    await ask(frontend, "{ plugins { code } }"),  # not registered
                    await ask(frontend, "{ " + "a " * 25_000 + "}"),  # refused before parsing
                    await ask(frontend, REGISTERED),
                    await ask(admin, "{ plugins { code } }"),  # admins are exempt
                ]

            (other, flood, registered, adhoc), prompt = await under_attack(base, admin, attack)
    finally:
        await fd.stop()
    assert prompt < 1
    for refused in (other, flood):
        assert refused["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
    assert "realestate" in {p["code"] for p in registered["data"]["plugins"]}
    assert adhoc["data"]["plugins"]


def test_a_manifest_whose_key_is_not_the_documents_hash_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"0" * 64: REGISTERED}))
    with pytest.raises(ValueError, match="is not the SHA-256"):
        load_manifest(str(path))


# --- documentId-only requests (persisted documents) -------------------------------------------


async def _ask(base: str, token: str, body: dict, method: str = "POST") -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as c:
        headers = {"authorization": f"Bearer {token}"}
        if method == "GET":
            headers["accept"] = "application/json"  # not a browser asking for GraphiQL
            return await c.get(f"{base}/graphql", params=body, headers=headers)
        return await c.post(f"{base}/graphql", json=body, headers=headers)


async def test_a_registered_document_runs_by_its_id_alone(sqlite_url, manifest):
    """GraphQL-over-HTTP persisted documents (``documentId: "sha256:<hex>"``) and Apollo's
    ``extensions.persistedQuery``: the front end sends the id, the server runs its document;
    an unknown id is PERSISTED_DOCUMENT_NOT_FOUND, an id that is not the document's hash
    DOCUMENT_ID_MISMATCH - nothing is registered by a request."""
    digest = document_hash(REGISTERED)
    fd = await start_frontdesk(sqlite_url, trusted_documents=manifest)
    try:
        async with serve(fd) as base:
            frontend = await make_token(fd, "frontend")
            by_id = await _ask(base, frontend, {"documentId": f"sha256:{digest}"})
            bare = await _ask(base, frontend, {"documentId": digest})
            apollo = await _ask(
                base,
                frontend,
                {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
            )
            get = await _ask(base, frontend, {"documentId": f"sha256:{digest}"}, "GET")
            unknown = await _ask(base, frontend, {"documentId": "sha256:" + "0" * 64})
            garbage = await _ask(base, frontend, {"documentId": "not-a-hash"})
            mismatch = await _ask(
                base, frontend, {"documentId": f"sha256:{digest}", "query": "{ __typename }"}
            )
    finally:
        await fd.stop()
    for answer in (by_id, bare, apollo, get):
        assert answer.status_code == 200, answer.text
        assert "realestate" in {p["code"] for p in answer.json()["data"]["plugins"]}
    for answer in (unknown, garbage):
        error = answer.json()["errors"][0]
        assert error["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND", answer.text
    assert "no registered document has the id" in unknown.json()["errors"][0]["message"]
    assert mismatch.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_ID_MISMATCH"


async def test_without_a_manifest_an_id_alone_is_not_found_with_a_4xx(sqlite_url):
    fd = await start_frontdesk(sqlite_url)
    try:
        async with serve(fd) as base, httpx.AsyncClient(timeout=30) as c:
            token = await make_token(fd)
            answer = await c.post(
                f"{base}/graphql",
                json={"documentId": "sha256:" + document_hash(PROBE)},
                headers={
                    "authorization": f"Bearer {token}",
                    "accept": "application/graphql-response+json",
                },
            )
    finally:
        await fd.stop()
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"
    assert "data" not in answer.json()


UPDATES = "subscription Updates { complaintUpdates { cursor type } }"


async def test_a_websocket_subscribe_may_name_a_registered_document_by_id(sqlite_url, tmp_path):
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({document_hash(UPDATES): UPDATES}))
    fd = await start_frontdesk(sqlite_url, trusted_documents=str(path))
    try:
        async with serve(fd) as base:
            token = await make_token(fd, "frontend")
            async with connect(
                base.replace("http", "ws") + "/graphql",
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                open_timeout=10,
            ) as ws:
                await ws.send(
                    json.dumps({"type": "connection_init", "payload": {"authorization": token}})
                )
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
                for op, document_id in (
                    ("known", f"sha256:{document_hash(UPDATES)}"),
                    ("unknown", "sha256:" + "1" * 64),
                ):
                    await ws.send(
                        json.dumps(
                            {"id": op, "type": "subscribe", "payload": {"documentId": document_id}}
                        )
                    )
                await ws.send(json.dumps({"type": "ping"}))
                seen = []
                async with asyncio.timeout(20):
                    while (message := json.loads(await ws.recv()))["type"] != "pong":
                        seen.append(message)
    finally:
        await fd.stop()
    # The known id runs (a live subscription: nothing yet), the unknown one is refused.
    [refused] = seen
    assert (refused["id"], refused["type"]) == ("unknown", "error")
    assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"
