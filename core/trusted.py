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
from typing import Any

from core.errors import FrontdeskError


class DocumentNotTrusted(FrontdeskError):
    code = "DOCUMENT_NOT_TRUSTED"


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=4)
def load_documents(path: str) -> dict[str, str]:
    """``{sha256 hex: document}`` of a manifest; each key must be the SHA-256 of its document."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(entries, list):
        entries = {document_hash(d): d for d in entries}
    documents = {}
    for key, document in entries.items():
        digest = document_hash(document)
        if key.removeprefix("sha256:") != digest:
            raise ValueError(f"{path}: key {key} is not the SHA-256 of its document ({digest})")
        documents[digest] = document
    return documents


def load_manifest(path: str) -> frozenset[str]:
    """The hashes a manifest registers."""
    return frozenset(load_documents(path))


class DocumentNotFound(FrontdeskError):
    code = "PERSISTED_DOCUMENT_NOT_FOUND"


class DocumentIdMismatch(FrontdeskError):
    code = "DOCUMENT_ID_MISMATCH"


# Where a request's unresolved document id travels to the schema (the operation extensions).
UNRESOLVED = "frontdesk.unresolvedDocument"
_HEX = frozenset("0123456789abcdef")


def requested_document_id(data: dict[str, Any]) -> str | None:
    """The document id a request names: GraphQL-over-HTTP persisted documents' ``documentId``
    (``sha256:<hex>``, or the bare hex) or Apollo's ``extensions.persistedQuery.sha256Hash``."""
    document_id = data.get("documentId")
    if document_id is None:
        extensions = data.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if isinstance(persisted, dict):
            document_id = persisted.get("sha256Hash")
    if document_id is None:
        return None
    return str(document_id)


def with_persisted_document(data: Any, manifest: str | None) -> Any:
    """``data`` (a decoded request) with ``query`` filled in from the registered documents when
    it names a document id (issue 9: documentId-only persisted documents).

    A known id runs its registered document; an unknown one, a malformed one, or any id when
    no manifest is configured is left unresolved and answered ``PERSISTED_DOCUMENT_NOT_FOUND``
    by the schema (:func:`unresolved_error`); an id sent with a document that does not hash to
    it is ``DOCUMENT_ID_MISMATCH``.  Nothing is ever registered by a request (no automatic
    persisted queries: that would let anyone add documents in trusted documents mode)."""
    if not isinstance(data, dict):
        return data
    document_id = requested_document_id(data)
    if document_id is None:
        return data
    digest = document_id.removeprefix("sha256:").lower()
    query = data.get("query")
    if isinstance(query, str):
        if document_hash(query) != digest:
            return _unresolved(data, "mismatch", document_id)
        return data
    documents = load_documents(manifest) if manifest else {}
    document = documents.get(digest) if len(digest) == 64 and set(digest) <= _HEX else None
    if document is None:
        return _unresolved(data, "unknown", document_id)
    return {**data, "query": document}


def _unresolved(data: dict[str, Any], why: str, document_id: str) -> dict[str, Any]:
    extensions = data.get("extensions")
    extensions = dict(extensions) if isinstance(extensions, dict) else {}
    extensions[UNRESOLVED] = {"why": why, "id": document_id[:80]}
    return {**data, "query": None, "extensions": extensions}


def unresolved_error(extensions: Any) -> FrontdeskError | None:
    """The refusal for a request whose document id did not resolve (see above), if any."""
    unresolved = extensions.get(UNRESOLVED) if isinstance(extensions, dict) else None
    if not isinstance(unresolved, dict):
        return None
    if unresolved.get("why") == "mismatch":
        return DocumentIdMismatch(
            f"the document sent does not hash to documentId {unresolved.get('id')!r} "
            "(sha256 of the document's UTF-8 text)"
        )
    return DocumentNotFound(
        f"no registered document has the id {unresolved.get('id')!r}: send the document "
        "itself, or register it in the persisted-documents manifest (trusted_documents)"
    )


def check_trusted(query: str, path: str, role: str | None, exempt: frozenset[str]) -> None:
    if role is not None and role in exempt:
        return
    if document_hash(query) not in load_manifest(path):
        raise DocumentNotTrusted(
            "this server runs registered documents only (trusted documents mode); register "
            "the operation with the front end's persisted-documents manifest"
        )
