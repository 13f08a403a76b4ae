"""Missing-children board work: return home interview outcomes, ratification notes, multi-agency plans, and
Philomena profiles. Each is audited in the same transaction as the row it writes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.workflow.board_models import MissingAction, PhilomenaProfile
from safeguarding.workflow.reviews import WorkflowError

# What may be recorded about an episode (or, for a plan, about the child), with the words the portal shows.
KINDS: dict[str, str] = {
    "rhi_done": "Return home interview done",
    "rhi_declined": "Return home interview declined (reason)",
    "ratification_note": "Supervisor's ratification note",
    "multi_agency_plan": "Multi-agency plan in place",
}
MAX_TEXT = 4000


@dataclass(frozen=True)
class Action:
    id: int
    person_id: str
    episode_ref: str | None
    kind: str
    detail: str
    happened_at: datetime | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Profile:
    """A Philomena profile's fields (empty strings where carers gave nothing)."""

    photo_reference: str = ""
    description: str = ""
    associates: str = ""
    places: str = ""
    phones: str = ""
    social_media: str = ""
    other_information: str = ""
    carer: str = ""


PROFILE_FIELDS = tuple(f.name for f in fields(Profile))


def record(
    factory: sessionmaker[Session],
    *,
    person_id: str,
    episode_ref: str | None,
    kind: str,
    detail: str,
    happened_at: datetime | None,
    actor: str,
    returned_at: datetime | None = None,
    display: Callable[[datetime], str] = datetime.isoformat,
) -> Action:
    """Record an action about a missing child; audited as a decision.

    An interview is about a return: it needs the episode's return (``returned_at``, from the snapshot) and cannot
    be dated before it (DOMAIN.md "Return home interview")."""
    if kind not in KINDS:
        raise WorkflowError("Choose what you are recording.")
    cleaned = detail.strip()
    if not cleaned:
        raise WorkflowError(f"{KINDS[kind]} needs a note (for a declined interview, the reason).")
    if len(cleaned) > MAX_TEXT:
        raise WorkflowError(f"Keep the note under {MAX_TEXT} characters.")
    if kind == "rhi_done" and happened_at is None:
        raise WorkflowError("Give the date and time the return home interview took place.")
    if kind != "multi_agency_plan" and not episode_ref:
        raise WorkflowError("That needs an episode.")
    if kind == "rhi_done" and returned_at is None:
        raise WorkflowError("This episode has no return recorded: an interview cannot be recorded before the return.")
    if kind == "rhi_done" and happened_at is not None and returned_at is not None and happened_at < returned_at:
        raise WorkflowError(
            f"The interview cannot be before the child's return ({display(returned_at)}): check the date and time."
        )
    with transaction(factory) as session:
        row = MissingAction(
            person_id=person_id, episode_ref=episode_ref or None, kind=kind, detail=cleaned,
            happened_at=happened_at, recorded_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="decision", object_type="missing_episode" if episode_ref else "person",
            object_id=episode_ref or person_id, detail={"kind": kind, "person_id": person_id, "action_id": row.id},
        )  # fmt: skip
        return _action(row)


def _action(row: MissingAction) -> Action:
    return Action(
        row.id, row.person_id, row.episode_ref, row.kind, row.detail, row.happened_at, row.recorded_by, row.recorded_at
    )


def actions(factory: sessionmaker[Session], person_ids: list[str] | None = None) -> list[Action]:
    """Recorded actions (for these children, or all), oldest first."""
    with factory() as session:
        query = select(MissingAction).order_by(MissingAction.id)
        if person_ids is not None:
            query = query.where(MissingAction.person_id.in_(person_ids))
        return [_action(r) for r in session.execute(query).scalars()]


def children_with_plans(factory: sessionmaker[Session]) -> set[str]:
    with factory() as session:
        rows = session.execute(
            select(MissingAction.person_id).where(MissingAction.kind == "multi_agency_plan").distinct()
        ).scalars()
        return set(rows)


def save_profile(factory: sessionmaker[Session], *, person_id: str, profile: Profile, actor: str) -> None:
    """Save a new version of a child's Philomena profile; audited (the fields changed, not their contents)."""
    if all(not getattr(profile, f).strip() for f in PROFILE_FIELDS):
        raise WorkflowError("A Philomena profile needs at least one field filled in.")
    if any(len(getattr(profile, f)) > MAX_TEXT for f in PROFILE_FIELDS):
        raise WorkflowError(f"Keep each field under {MAX_TEXT} characters.")
    before = profile_for(factory, person_id)
    changed = [f for f in PROFILE_FIELDS if before is None or getattr(before, f) != getattr(profile, f).strip()]
    with transaction(factory) as session:
        photo = _newest_photo(session, person_id)
        row = PhilomenaProfile(
            person_id=person_id, updated_by=actor, photo_stored_name=photo[0], photo_media_type=photo[1],
            **{f: getattr(profile, f).strip() for f in PROFILE_FIELDS},
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="philomena.save", object_type="person", object_id=person_id,
            detail={"changed": changed, "version_id": row.id},
        )  # fmt: skip


def profile_for(factory: sessionmaker[Session], person_id: str) -> Profile | None:
    """The child's Philomena profile in force (its newest version), or None."""
    with factory() as session:
        row = session.execute(
            select(PhilomenaProfile)
            .where(PhilomenaProfile.person_id == person_id)
            .order_by(PhilomenaProfile.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if row is None else Profile(**{f: getattr(row, f) for f in PROFILE_FIELDS})


def profile_updated(factory: sessionmaker[Session], person_id: str) -> tuple[str, datetime] | None:
    with factory() as session:
        row = session.execute(
            select(PhilomenaProfile.updated_by, PhilomenaProfile.updated_at)
            .where(PhilomenaProfile.person_id == person_id)
            .order_by(PhilomenaProfile.id.desc())
            .limit(1)
        ).first()
        return None if row is None else (str(row[0]), row[1])


# --- the profile's photograph ----------------------------------------------------------------------------

PHOTO_TYPES = ("image/jpeg", "image/png")


def photo_dir(data_dir: Path) -> Path:
    """Where profile photographs are kept: in the data folder, outside the web root."""
    return data_dir / "photos"


def _newest_photo(session: Session, person_id: str) -> tuple[str | None, str | None]:
    row = session.execute(
        select(PhilomenaProfile.photo_stored_name, PhilomenaProfile.photo_media_type)
        .where(PhilomenaProfile.person_id == person_id)
        .order_by(PhilomenaProfile.id.desc())
        .limit(1)
    ).first()
    return (None, None) if row is None else (row[0], row[1])


def has_photo(factory: sessionmaker[Session], person_id: str) -> bool:
    with factory() as session:
        return _newest_photo(session, person_id)[0] is not None


def store_photo(
    factory: sessionmaker[Session], data_dir: Path, *, person_id: str, content: bytes, max_bytes: int, actor: str
) -> None:
    """Check (JPEG or PNG by content, within the size limit) and store a photograph as a new profile
    version under a random name; audited (the type, size and hash, never the picture)."""
    if not content:
        raise WorkflowError("Field 'photo': choose a photograph to upload.")
    if len(content) > max_bytes:
        raise WorkflowError(f"Field 'photo': the file is larger than the limit of {max_bytes // (1024 * 1024)} MB.")
    kind = filetype.guess(content)
    media_type = str(kind.mime) if kind is not None else ""
    if media_type not in PHOTO_TYPES:
        raise WorkflowError("Field 'photo': only JPEG and PNG photographs are accepted.")
    folder = photo_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    target = folder / stored_name
    target.write_bytes(content)
    try:
        with transaction(factory) as session:
            before = session.execute(
                select(PhilomenaProfile)
                .where(PhilomenaProfile.person_id == person_id)
                .order_by(PhilomenaProfile.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            kept = {f: getattr(before, f) if before is not None else "" for f in PROFILE_FIELDS}
            row = PhilomenaProfile(
                person_id=person_id, updated_by=actor, photo_stored_name=stored_name, photo_media_type=media_type,
                **kept,
            )  # fmt: skip
            session.add(row)
            session.flush()
            audit.append(
                session, username=actor, action="philomena.photo.upload", object_type="person", object_id=person_id,
                detail={"version_id": row.id, "media_type": media_type, "size_bytes": len(content),
                        "sha256": hashlib.sha256(content).hexdigest()},
            )  # fmt: skip
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def open_photo(
    factory: sessionmaker[Session], data_dir: Path, person_id: str, *, actor: str, basis: str | None = None
) -> tuple[Path, str]:
    """The child's photograph in force and its media type, for showing; audited as a view with its basis."""
    with transaction(factory) as session:
        stored_name, media_type = _newest_photo(session, person_id)
        if stored_name is None or media_type not in PHOTO_TYPES:
            raise WorkflowError("This child's profile has no photograph.")
        path = photo_dir(data_dir) / stored_name
        if not path.is_file():
            raise WorkflowError("The photograph is missing from the data folder.")
        audit.append(
            session, username=actor, action="philomena.photo.view", object_type="person", object_id=person_id,
            detail={"stored_name": stored_name, **({"basis": basis} if basis else {})},
        )  # fmt: skip
        return path, str(media_type)
