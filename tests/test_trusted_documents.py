"""Issue 9, trusted documents: with a persisted-documents manifest configured, only its
documents run (by SHA-256, refused before parsing otherwise); admins may still send ad-hoc
documents.  Without the setting nothing changes."""

from __future__ import annotations

import json

import httpx
import pytest
from conftest import start_frontdesk
from served import make_token, serve, under_attack

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
