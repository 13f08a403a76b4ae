"""The boards in process: role-default board, exports (escaped, audited), sharing one PPN with a partner,
grading online referrals, missing-child actions and visit plans; and the export helpers on their own."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from portal_client import STRONG, Portal
from test_pages import audit_rows

from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.snapshot import store
from safeguarding.web.exports import escape_cell, to_csv, to_xlsx

EVIL = '=HYPERLINK("http://x.invalid","click")'


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def boards_published(settings: Settings, make_snapshot: Callable[[Path], None]) -> None:
    """The fixture snapshot plus a few rows in the board tables (as the clocks would write them)."""
    make_snapshot(settings.snapshot_dir)
    source = store.current(settings.snapshot_dir).path
    with store.build(settings.snapshot_dir) as con:
        con.execute(f"ATTACH '{source}' AS old (READ_ONLY)")
        for table in ("persons", "mentions", "missing_episodes", "indicators", "indicator_evidence", "alerts",
                      "alert_evidence"):  # fmt: skip
            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        con.execute("DETACH old")
        con.execute(
            "INSERT INTO board_missing (episode_ref, person_id, is_child, reported_at, risk_grade, graded_by,"
            " ratify_status, is_open, found_at, rhi_status, episodes_in_window, repeat_missing, blaming_phrases)"
            " VALUES ('MISS-101', 'P-0001', true, ?, 'medium', 'PC1', 'late', false, ?, 'overdue', 3, true,"
            " 'through_choice')",
            [_utc("2025-06-01T21:30:00"), _utc("2025-06-02T08:00:00")],
        )
        con.executemany(
            "INSERT INTO board_ppn (ppn_ref, person_id, submitted_at, grade, concern_type, officer, quality_score,"
            " quality_missing, share_due_at, share_status) VALUES (?, ?, ?, 'amber', 'neglect', ?, 60, 'child_voice',"
            " ?, 'due')",
            [["PPN-1", "P-0001", _utc("2025-07-01T10:00:00"), EVIL, _utc("2025-07-02T10:00:00")],
             ["PPN-2", "P-0002", _utc("2025-07-03T10:00:00"), "PC2", _utc("2025-07-04T10:00:00")]],
        )  # fmt: skip
        con.execute(
            "INSERT INTO board_online (referral_ref, referrer, received_at, priority, deadline_at, recorded_priority,"
            " graded_down, status, access_own_children, facilitator_grooming) VALUES ('R-1', 'NCA', ?, 'very_high',"
            " ?, 'very_high', false, 'open', true, true)",
            [_utc("2025-07-01T10:00:00"), _utc("2025-07-02T10:00:00")],
        )
        con.execute(
            "INSERT INTO board_rso (offender_ref, person_id, offender_manager, status, visits_planned, visits_done,"
            " visits_on_time, visits_overdue, arms_status) VALUES ('RSO-1', 'P-0002', 'DC100', 'active', 2, 1, 1, 1,"
            " 'overdue')"
        )
        con.execute(
            "INSERT INTO monthly_measures VALUES ('missing', 'rhi_within_72h', 'Return home interviews done within"
            " 72 hours', '2025-06-01', 1, 2, 0.5)"
        )
        con.execute("INSERT INTO snapshot_meta VALUES ('assessed_as_of', '2025-07-05T00:00:00+00:00')")


@pytest.fixture
def signed_in(portal: Portal, add_user: Callable[..., str], boards_published: None) -> Callable[[str, str], Portal]:
    known: set[str] = set()

    def sign(username: str, role: str) -> Portal:
        portal.client.cookies.clear()
        if username in known:
            assert portal.login(username, STRONG).status_code == 303
        else:
            portal.sign_in_ready(username, add_user(username, (role,), username.title()))
            known.add(username)
        return portal

    return sign


def _csrf(portal: Portal, path: str) -> str:
    return portal.csrf_from(portal.client.get(path).text)


def test_each_role_lands_on_its_own_board(signed_in: Callable[[str, str], Portal]) -> None:
    own = (
        ("cody", "custody_officer", "custody"), ("ian", "online_investigator", "online"),
        ("omar", "offender_manager", "offenders"), ("olga", "safeguarding_officer", "missing"),
    )  # fmt: skip
    for username, role, board in own:
        portal = signed_in(username, role)
        response = portal.client.get("/boards", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/boards/{board}", role
    portal = signed_in("sam", "supervisor")
    page = portal.client.get("/boards", follow_redirects=False)
    assert page.status_code == 200
    for title in ("Missing children", "Children in custody", "Public Protection Notices", "Registered sex offenders"):
        assert title in page.text


def test_victim_blaming_list_is_for_supervisors(signed_in: Callable[[str, str], Portal]) -> None:
    officer = signed_in("olga", "safeguarding_officer").client.get("/boards/missing").text
    assert "Victim-blaming language" not in officer and "Return home interviews done within 72 hours" in officer
    assert (
        signed_in("olga", "safeguarding_officer").client.get("/boards/missing/export?section=language").status_code
        == 404
    )
    supervisor = signed_in("sam", "supervisor").client.get("/boards/missing").text
    assert "Victim-blaming language" in supervisor and "through choice" in supervisor


def test_export_is_escaped_and_audited_as_a_disclosure(signed_in: Callable[[str, str], Portal]) -> None:
    portal = signed_in("olga", "safeguarding_officer")
    response = portal.client.get("/boards/ppns/export?section=recent&format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in text and "\n=" not in text and ",=" not in text
    xlsx = portal.client.get("/boards/ppns/export?section=recent&format=xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "&apos;=HYPERLINK" in strings.replace("'", "&apos;")
    exports = audit_rows(portal, "export")
    assert [(e[0], e[2], e[3], e[4]["section"], e[4]["format"], e[4]["rows"]) for e in exports] == [
        ("olga", "board", "ppns", "recent", "csv", 2), ("olga", "board", "ppns", "recent", "xlsx", 2),
    ]  # fmt: skip
    assert portal.client.get("/boards/ppns/export?section=recent&format=exe").status_code == 404


def test_sharing_a_ppn_gives_the_partner_that_ppn_only(
    signed_in: Callable[[str, str], Portal], settings: Settings
) -> None:
    portal = signed_in("olga", "safeguarding_officer")
    token = _csrf(portal, "/boards/ppns/PPN-1")
    refused = portal.client.post(
        "/boards/ppns/PPN-1/share", data={"agency": "bcp-csc", "reason": "", "csrf_token": token}
    )
    assert refused.status_code == 400 and "needs a written reason" in refused.text
    done = portal.client.post(
        "/boards/ppns/PPN-1/share", data={"agency": "bcp-csc", "reason": "MASH referral", "csrf_token": token}
    )
    assert done.status_code == 200 and "MASH referral" in done.text
    (share,) = audit_rows(portal, "share")
    assert share[2:4] == ("ppns", "PPN-1") and share[4]["agency"] == "bcp-csc" and share[4]["person_id"] == "P-0001"

    factory = open_app_db(settings)
    one_time = users.add_user(factory, "pat", ["partner"], "Pat", agency="bcp-csc")[1]
    factory.kw["bind"].dispose()
    portal.client.cookies.clear()
    portal.sign_in_ready("pat", one_time)
    listing = portal.client.get("/shared").text
    assert "PPN-1" in listing and "PPN-2" not in listing
    assert portal.client.get("/shared/ppns/PPN-1").status_code == 200
    assert portal.client.get("/shared/ppns/PPN-2").status_code == 404
    assert portal.client.get("/shared/P-0001").status_code == 404  # the PPN, not the child's case
    assert portal.client.get("/boards/ppns").status_code == 403


def test_revoking_a_ppn_share_ends_the_partners_access(
    signed_in: Callable[[str, str], Portal], settings: Settings
) -> None:
    portal = signed_in("olga", "safeguarding_officer")
    token = _csrf(portal, "/boards/ppns/PPN-1")
    portal.client.post(
        "/boards/ppns/PPN-1/share", data={"agency": "bcp-csc", "reason": "MASH referral", "csrf_token": token}
    )
    page = portal.client.get("/boards/ppns/PPN-1").text
    assert "Stop sharing with bcp-csc" in page
    factory = open_app_db(settings)
    one_time = users.add_user(factory, "pat", ["partner"], "Pat", agency="bcp-csc")[1]
    factory.kw["bind"].dispose()
    portal.client.cookies.clear()
    portal.sign_in_ready("pat", one_time)
    assert portal.client.get("/shared/ppns/PPN-1").status_code == 200
    # a partner cannot revoke, and the officer's revoke needs the CSRF token and a share of this PPN
    assert portal.client.post("/boards/ppns/PPN-1/shares/1/revoke", data={"csrf_token": "x"}).status_code == 403

    portal = signed_in("olga", "safeguarding_officer")
    token = _csrf(portal, "/boards/ppns/PPN-1")
    ids = re.findall(r"/boards/ppns/PPN-1/shares/(\d+)/revoke", portal.client.get("/boards/ppns/PPN-1").text)
    assert len(ids) == 1
    bad = portal.client.post(f"/boards/ppns/PPN-1/shares/{ids[0]}/revoke", data={"csrf_token": "wrong"})
    assert bad.status_code in (400, 403)
    assert (
        portal.client.post(f"/boards/ppns/PPN-2/shares/{ids[0]}/revoke", data={"csrf_token": token}).status_code == 404
    )
    done = portal.client.post(f"/boards/ppns/PPN-1/shares/{ids[0]}/revoke", data={"csrf_token": token})
    assert done.status_code == 200 and "Not shared with any agency." in done.text
    (revoked,) = audit_rows(portal, "share.revoke")
    assert revoked[0] == "olga" and revoked[4]["agency"] == "bcp-csc" and revoked[4]["share_id"] == int(ids[0])
    again = portal.client.post(f"/boards/ppns/PPN-1/shares/{ids[0]}/revoke", data={"csrf_token": token})
    assert again.status_code == 404

    portal.client.cookies.clear()
    assert portal.login("pat", STRONG).status_code == 303
    assert portal.client.get("/shared/ppns/PPN-1").status_code == 404
    assert "PPN-1" not in portal.client.get("/shared").text


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


def test_a_philomena_photo_is_checked_stored_outside_the_web_root_and_shown_with_audit(
    signed_in: Callable[[str, str], Portal], settings: Settings
) -> None:
    portal = signed_in("olga", "safeguarding_officer")
    page = "/boards/missing/children/P-0001"
    _give_reason(portal, "P-0001")
    token = _csrf(portal, page)
    photo_url = f"{page}/philomena/photo"
    assert portal.client.get(photo_url).status_code == 404  # no photograph yet
    for name, content in (("a.png", b"GIF89a" + bytes(40)), ("b.png", b"<svg onload=alert(1)>"), ("c.jpg", b"")):
        refused = portal.client.post(photo_url, data={"csrf_token": token}, files={"photo": (name, content)})
        assert refused.status_code == 400, name
    big = b"\xff\xd8\xff\xe0" + bytes(settings.evidence_max_mb * 1024 * 1024)
    refused = portal.client.post(photo_url, data={"csrf_token": token}, files={"photo": ("big.jpg", big)})
    assert refused.status_code == 400 and "larger than the limit" in refused.text
    no_csrf = portal.client.post(photo_url, data={"csrf_token": "x"}, files={"photo": ("p.png", PNG)})
    assert no_csrf.status_code in (400, 403)
    assert not audit_rows(portal, "philomena.photo.upload")

    done = portal.client.post(photo_url, data={"csrf_token": token}, files={"photo": ("p.gif", PNG)})
    assert done.status_code == 200 and f'src="{photo_url}"' in done.text
    stored = list((settings.data_dir / "photos").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PNG and re.fullmatch(r"[0-9a-f]{32}", stored[0].name)
    # saving the profile's text keeps the photograph
    portal.client.post(f"{page}/philomena", data={"places": "Bus station", "csrf_token": token})
    shown = portal.client.get(photo_url)
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["x-content-type-options"] == "nosniff" and "no-store" in shown.headers["cache-control"]
    assert f'src="{photo_url}"' in portal.client.get(f"{page}/philomena").text  # the printable profile
    (upload,) = audit_rows(portal, "philomena.photo.upload")
    assert upload[0] == "olga" and upload[2:4] == ("person", "P-0001") and upload[4]["media_type"] == "image/png"
    assert len(audit_rows(portal, "philomena.photo.view")) == 1

    other = signed_in("cody", "custody_officer")
    assert other.client.get(photo_url).status_code == 403
    assert other.client.post(photo_url, data={"csrf_token": "x"}, files={"photo": ("p.png", PNG)}).status_code == 403
    assert len(audit_rows(portal, "philomena.photo.view")) == 1


def test_online_grading_lowered_needs_a_reason_and_is_flagged(signed_in: Callable[[str, str], Portal]) -> None:
    portal = signed_in("ian", "online_investigator")
    token = _csrf(portal, "/boards/online/grade?referral_ref=R-1")
    lower = {"csrf_token": token, "referral_ref": "R-1", "previous_sexual_allegation": "yes"}
    refused = portal.client.post("/boards/online/grade", data=lower)
    assert refused.status_code == 400 and "lower the grade from very high to medium" in refused.text
    done = portal.client.post("/boards/online/grade", data={**lower, "reason": "Children moved out in May"})
    assert done.status_code == 200 and "graded down from Very high" in done.text
    board = portal.client.get("/boards/online").text
    assert "R-1" in board
    queue = portal.client.get("/boards/online/export?section=graded_down&format=csv").content.decode("utf-8-sig")
    assert "R-1" in queue and "medium" in queue


def _give_reason(portal: Portal, person_id: str) -> None:
    token = _csrf(portal, "/change-password")
    given = portal.client.post(
        f"/people/{person_id}/reason", data={"reason": "Return home interview due", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert given.status_code == 303


def test_missing_actions_and_philomena(signed_in: Callable[[str, str], Portal]) -> None:
    portal = signed_in("olga", "safeguarding_officer")
    _give_reason(portal, "P-0001")
    token = _csrf(portal, "/boards/missing/children/P-0001")
    declined = portal.client.post(
        "/boards/missing/children/P-0001/action",
        data={"kind": "rhi_declined", "episode_ref": "MISS-101", "detail": " ", "csrf_token": token},
    )
    assert declined.status_code == 400 and "needs a note" in declined.text
    wrong = portal.client.post(
        "/boards/missing/children/P-0001/action",
        data={"kind": "rhi_done", "episode_ref": "MISS-999", "detail": "Done", "happened_at": "2025-06-03T10:00",
              "csrf_token": token},
    )  # fmt: skip
    assert wrong.status_code == 400 and "That episode is not this child" in wrong.text
    plan = portal.client.post(
        "/boards/missing/children/P-0001/action",
        data={"kind": "multi_agency_plan", "detail": "Plan held by the MACE panel", "csrf_token": token},
    )
    assert plan.status_code == 200 and "Plan held by the MACE panel" in plan.text
    assert "In place" in portal.client.get("/boards/missing").text
    empty = portal.client.post("/boards/missing/children/P-0001/philomena", data={"csrf_token": token})
    assert empty.status_code == 400
    saved = portal.client.post(
        "/boards/missing/children/P-0001/philomena",
        data={"places": "Bus station; skate park", "phones": "07700 900123", "csrf_token": token},
    )
    assert saved.status_code == 200
    printable = portal.client.get("/boards/missing/children/P-0001/philomena")
    assert printable.status_code == 200 and "skate park" in printable.text and "07700 900123" in printable.text
    (entry,) = audit_rows(portal, "philomena.save")
    assert entry[4]["changed"] == ["places", "phones"] or set(entry[4]["changed"]) >= {"places", "phones"}
    assert "skate park" not in str(entry[4])  # the audit says what changed, not the contents


def test_offender_visit_plan(signed_in: Callable[[str, str], Portal]) -> None:
    portal = signed_in("omar", "offender_manager")
    token = _csrf(portal, "/boards/offenders/RSO-1")
    past = portal.client.post(
        "/boards/offenders/RSO-1/visit", data={"planned_on": "2001-01-01", "note": "x", "csrf_token": token}
    )
    assert past.status_code == 400 and "today or later" in past.text
    done = portal.client.post(
        "/boards/offenders/RSO-1/visit", data={"planned_on": "2099-01-01", "note": "ARMS review", "csrf_token": token}
    )
    assert done.status_code == 200 and "ARMS review" in done.text
    assert portal.client.get("/boards/offenders/RSO-404").status_code == 404


def test_escape_cell_and_files() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert escape_cell(start + "1+1") == "'" + start + "1+1"
    assert escape_cell("PC 12") == "PC 12"
    csv_text = to_csv(["a", "b"], [["=1+1", -3], [None, True]]).decode("utf-8-sig")
    assert csv_text.splitlines() == ["a,b", "'=1+1,-3", ",Yes"]  # numbers stay numbers
    book = to_xlsx("s", ["a"], [["@SUM(A1)"], [2.5]])
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_board_without_clock_tables_says_so(
    portal: Portal, add_user: Callable[..., str], settings: Settings, make_snapshot: Callable[[Path], None]
) -> None:
    make_snapshot(settings.snapshot_dir)  # the plain fixture snapshot: no board rows at all
    portal.sign_in_ready("sam", add_user("sam", ("supervisor",), "Sam"))
    for board in ("missing", "custody", "ppns", "online", "offenders"):
        assert portal.client.get(f"/boards/{board}").status_code == 200, board


def test_the_missing_childs_pages_need_a_recorded_reason(signed_in: Callable[[str, str], Portal]) -> None:
    """#26 item 2(b) and 11: the board's child page, its print page and the photo ask for a reason like
    the profile; each refusal is audited as access.denied, and the view entry carries the basis."""
    portal = signed_in("olga", "safeguarding_officer")
    page = portal.client.get("/boards/missing/children/P-0001")
    assert page.status_code == 200 and "Why do you need this record?" in page.text and "Jayden" not in page.text
    assert portal.client.get("/boards/missing/children/P-0001/philomena/photo").status_code == 409
    token = portal.csrf_from(page.text)
    posted = portal.client.post(
        "/boards/missing/children/P-0001/action", data={"kind": "rhi_declined", "detail": "x", "csrf_token": token}
    )
    assert posted.status_code == 409
    denied = [(r[2], r[3], r[4]["reason"]) for r in audit_rows(portal, "access.denied")]
    assert denied == [
        ("person", "P-0001", "no reason for access given"),
        ("philomena_profile", "P-0001", "no reason for access given"),
        ("person", "P-0001", "no reason for access given"),
    ]
    assert not [r for r in audit_rows(portal, "view") if r[3] == "P-0001"]
    # The form sends the officer back to the board's page, with the reason recorded.
    given = portal.client.post(
        "/people/P-0001/reason",
        data={"reason": "Return home interview due", "next": "/boards/missing/children/P-0001", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert given.headers["location"] == "/boards/missing/children/P-0001"
    assert "Jayden Smith" in portal.client.get("/boards/missing/children/P-0001").text
    (view,) = [r for r in audit_rows(portal, "view") if r[3] == "P-0001"]
    assert view[4]["basis"] == "Return home interview due"
    # Anywhere else is not followed.
    elsewhere = portal.client.post(
        "/people/P-0001/reason",
        data={"reason": "Return home interview due", "next": "//evil.example/", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert elsewhere.headers["location"] == "/people/P-0001"
