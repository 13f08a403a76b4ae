"""The portal with a damaged or missing published snapshot: it says what is wrong and serves the last
good one; with none left it says so. Never a 500."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from portal_client import Portal

from safeguarding.security import tokens
from safeguarding.security.cli import open_app_db
from safeguarding.snapshot import store

BANNER = "Intelligence may be out of date:"


@pytest.fixture
def analyst(portal: Portal, add_user: Callable[..., str]) -> Portal:
    portal.sign_in_ready("alice", add_user())
    return portal


@pytest.fixture
def two_published(portal: Portal, make_snapshot: Callable[[Path], None]) -> tuple[Path, Path]:
    """The fixture snapshot (Jayden Smith's alert), then a newer one with another child's alert."""
    folder = portal.settings.snapshot_dir
    make_snapshot(folder)
    older = store.current(folder).path
    with store.build(folder) as con:
        con.execute(
            "INSERT INTO persons VALUES ('P-0009', 'Zara Newer', 'Zara', 'Newer', DATE '2011-01-01', 'F', true, 1)"
        )
        con.execute(
            "INSERT INTO alerts (alert_id, person_id, rule_id, rule_version, category, title, raised_at, summary,"
            " evidence_count) VALUES ('A-9', 'P-0009', 'missing.repeat', 1, 'missing', 'Repeat missing episodes',"
            " TIMESTAMPTZ '2025-08-01 10:00:00+00', 'Three episodes.', 3)"
        )
    newer = store.current(folder).path
    return older, newer


def _token(portal: Portal) -> dict[str, str]:
    factory = open_app_db(portal.settings)
    try:
        token = tokens.create(factory, "alice", "test-system", actor="test")
    finally:
        factory.kw["bind"].dispose()
    return {"authorization": f"Bearer {token}"}


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda folder, snap: _flip_bytes(snap), "is damaged"),
        (lambda folder, snap: snap.unlink(), "is missing"),
        (lambda folder, snap: (folder / "CURRENT").write_text("not json"), "CURRENT is damaged"),
    ],
    ids=["snapshot-damaged", "snapshot-deleted", "current-garbled"],
)
def test_a_damaged_published_snapshot_falls_back_with_a_banner(
    analyst: Portal, two_published: tuple[Path, Path], damage: Callable[[Path, Path], None], named: str
) -> None:
    _older, newer = two_published
    first = analyst.client.get("/alerts")
    assert first.status_code == 200 and "Zara Newer" in first.text and BANNER not in first.text
    damage(analyst.settings.snapshot_dir, newer)
    page = analyst.client.get("/alerts")
    assert page.status_code == 200
    assert BANNER in page.text and named in page.text
    if named == "CURRENT is damaged":
        assert "Zara Newer" in page.text  # the newest file still checks out
    else:
        assert "Jayden Smith" in page.text and "Zara Newer" not in page.text
    assert analyst.client.get("/home").status_code == 200
    alerts = analyst.client.get("/api/v1/alerts", headers=_token(analyst)).json()["alerts"]
    assert {a["alert_id"] for a in alerts} == ({"A-9"} if named == "CURRENT is damaged" else {"A-1", "A-2"})


def test_a_deleted_current_is_named_on_every_page(analyst: Portal, two_published: tuple[Path, Path]) -> None:
    (analyst.settings.snapshot_dir / "CURRENT").unlink()
    page = analyst.client.get("/home")
    assert page.status_code == 200 and BANNER in page.text and "CURRENT is missing" in page.text
    # Publishing again clears the banner.
    with store.build(analyst.settings.snapshot_dir):
        pass
    assert BANNER not in analyst.client.get("/home").text


def test_with_no_usable_snapshot_the_page_says_what_is_wrong(analyst: Portal, two_published: tuple[Path, Path]) -> None:
    older, newer = two_published
    _flip_bytes(older)
    newer.unlink()
    page = analyst.client.get("/alerts")
    assert page.status_code == 503
    assert "The intelligence snapshot cannot be read" in page.text and newer.name in page.text
    assert "safeguarding restore" in page.text
    api = analyst.client.get("/api/v1/alerts", headers=_token(analyst))
    assert api.status_code == 503 and "no usable intelligence snapshot" in api.json()["detail"]


def test_damage_after_the_portal_opened_the_snapshot_is_noticed(
    analyst: Portal, two_published: tuple[Path, Path]
) -> None:
    _older, newer = two_published
    assert "Zara Newer" in analyst.client.get("/alerts").text
    _flip_bytes(newer)  # the open connection would read damaged blocks from here on
    page = analyst.client.get("/alerts")
    assert page.status_code == 200 and BANNER in page.text and "Jayden Smith" in page.text
