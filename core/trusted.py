"""Trusted documents: in this mode only registered operations run.

First-party front ends register their operations ahead of time (the persisted-documents
manifest their build tooling writes: ``{"<sha256 hex>": "<document>", ...}``) and the operator
points ``FRONTDESK_TRUSTED_DOCUMENTS`` at it.  Then a request runs only if the SHA-256 of its
document is in the manifest (refused with ``DOCUMENT_NOT_TRUSTED`` otherwise, before it is
parsed); roles in ``trusted_documents_exempt_roles`` (``admin`` by default) may still send
ad-hoc documents.  Large GraphQL deployments lock public endpoints down this way: an attacker
can only replay the operations the front end already makes.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from core.errors import FrontdeskError


class DocumentNotTrusted(FrontdeskError):
    code = "DOCUMENT_NOT_TRUSTED"


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=4)
def load_manifest(path: str) -> frozenset[str]:
    """The hashes a manifest registers; each key must be the SHA-256 of its document."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(entries, list):
        entries = {document_hash(d): d for d in entries}
    hashes = set()
    for key, document in entries.items():
        digest = document_hash(document)
        if key.removeprefix("sha256:") != digest:
            raise ValueError(f"{path}: key {key} is not the SHA-256 of its document ({digest})")
        hashes.add(digest)
    return frozenset(hashes)


def check_trusted(query: str, path: str, role: str | None, exempt: frozenset[str]) -> None:
    if role is not None and role in exempt:
        return
    if document_hash(query) not in load_manifest(path):
        raise DocumentNotTrusted(
            "this server runs registered documents only (trusted documents mode); register "
            "the operation with the front end's persisted-documents manifest"
        )
