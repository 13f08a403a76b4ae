"""Evidence files for Gold Group actions: a size limit, an allow-list of types recognised by their
content (magic bytes, via the ``filetype`` library) rather than their name, stored under the data folder
outside the web root under a random name, and only ever served as a download."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.workflow.recommendations import ActionEvidence, RecommendationAction, _change
from safeguarding.workflow.reviews import WorkflowError

# Media types accepted, by what the bytes are. Office files are checked by their zip structure.
ALLOWED: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
TEXT_TYPE = "text/plain"  # no magic bytes: accepted when it decodes as UTF-8 with no control bytes


@dataclass(frozen=True)
class StoredFile:
    path: Path
    filename: str
    media_type: str


def evidence_dir(data_dir: Path) -> Path:
    return data_dir / "evidence"


def sniff(content: bytes) -> str:
    """The media type of ``content`` if it is on the allow-list; raises WorkflowError otherwise."""
    kind = filetype.guess(content)
    if kind is not None:
        mime = str(kind.mime)
        if mime in ALLOWED:
            return mime
        raise WorkflowError(f"Field 'file': files of type {mime} are not accepted (PDF, PNG, JPEG, Office, text).")
    try:
        decoded = content.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkflowError("Field 'file': this kind of file is not accepted (PDF, PNG, JPEG, Office, text).") from None
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in decoded):
        raise WorkflowError("Field 'file': this kind of file is not accepted (PDF, PNG, JPEG, Office, text).")
    return TEXT_TYPE


def _safe_filename(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip()
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in base)[:150]
    return cleaned or "evidence"


def store(
    factory: sessionmaker[Session], data_dir: Path, action_id: int, *, filename: str, content: bytes,
    description: str, max_bytes: int, actor: str,
) -> int:  # fmt: skip
    """Check and store an evidence file for an action; audited and kept in the change history."""
    if not content:
        raise WorkflowError("Field 'file': choose a file to upload.")
    if len(content) > max_bytes:
        raise WorkflowError(f"Field 'file': the file is larger than the limit of {max_bytes // (1024 * 1024)} MB.")
    media_type = sniff(content)
    if not description.strip():
        raise WorkflowError("Field 'description': say what the file shows.")
    folder = evidence_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    target = folder / stored_name
    target.write_bytes(content)
    try:
        with transaction(factory) as session:
            action = session.get(RecommendationAction, action_id)
            if action is None:
                raise WorkflowError("There is no such action.")
            row = ActionEvidence(
                action_id=action_id, filename=_safe_filename(filename), stored_name=stored_name,
                media_type=media_type, size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
                description=description.strip()[:2000], uploaded_by=actor,
            )  # fmt: skip
            session.add(row)
            session.flush()
            _change(session, action.recommendation_id, action_id, "evidence", None, row.filename, actor)
            audit.append(
                session, username=actor, action="gold.evidence.upload", object_type="recommendation",
                object_id=str(action.recommendation_id),
                detail={"action_id": action_id, "evidence_id": row.id, "media_type": media_type,
                        "size_bytes": len(content), "sha256": row.sha256},
            )  # fmt: skip
            return row.id
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def open_for_download(factory: sessionmaker[Session], data_dir: Path, evidence_id: int, *, actor: str) -> StoredFile:
    """The stored file for a download; audited as an export."""
    with transaction(factory) as session:
        row = session.get(ActionEvidence, evidence_id)
        if row is None:
            raise WorkflowError("There is no such evidence file.")
        path = evidence_dir(data_dir) / row.stored_name
        if not path.is_file():
            raise WorkflowError("The evidence file is missing from the data folder.")
        audit.append(
            session, username=actor, action="gold.evidence.download", object_type="gold_evidence",
            object_id=str(evidence_id), detail={"action_id": row.action_id, "sha256": row.sha256},
        )  # fmt: skip
        return StoredFile(path, row.filename, row.media_type)
