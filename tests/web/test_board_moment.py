"""The boards take "now" from the snapshot's moment (snapshot_meta 'assessed_as_of'), never the wall clock:
an open episode's hours missing and a waiting item's overdue state are as of the data, and pages say so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from portal_client import Portal
from test_board_pages import _give_reason, boards_published, signed_in  # noqa: F401 (fixtures)

from safeguarding.config import Settings
from safeguarding.snapshot import store


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _add_open_episode(settings: Settings) -> None:
    """Republish the fixture snapshot with an open episode reported 24 hours before the data's moment."""
    source = store.current(settings.snapshot_dir).path
    with store.build(settings.snapshot_dir) as con:
        con.execute(f"ATTACH '{source}' AS old (READ_ONLY)")
        for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'old'"
        ).fetchall():
            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        con.execute("DETACH old")
        con.execute("DELETE FROM snapshot_meta WHERE key IN ('schema_version', 'built_at')")
        con.execute(
            "INSERT INTO board_missing (episode_ref, person_id, is_child, reported_at, risk_grade, graded_at,"
            " ratify_due_at, ratify_status, is_open, rhi_status, episodes_in_window, repeat_missing)"
            " VALUES ('MISS-202', 'P-0001', true, ?, 'high', ?, ?, 'awaiting', true, 'not_returned', 1, false)",
            [_utc("2025-07-04T00:00:00"), _utc("2025-07-04T00:10:00"), _utc("2025-07-05T06:00:00")],
        )


def test_hours_missing_and_overdue_are_as_of_the_snapshot_moment(
    settings: Settings,
    signed_in: Callable[[str, str], Portal],  # noqa: F811
) -> None:
    _add_open_episode(settings)
    page = signed_in("olga", "safeguarding_officer").client.get("/boards/missing").text
    # The moment is 2025-07-05 00:00 UTC (01:00 in London, BST): 24 hours after the report, and before
    # the ratification is due (06:00), so it is still awaiting, however late the wall clock is.
    assert "Data to 05 Jul 2025 01:00" in page
    open_row = page[page.index("MISS-202") :][:2000]
    assert "24.0" in open_row
    assert "awaiting" in open_row and "overdue" not in open_row
    home = signed_in("olga", "safeguarding_officer").client.get("/home").text
    assert "Data to 05 Jul 2025 01:00" in home


def _rhi_section(portal: Portal) -> str:
    page = portal.client.get("/boards/missing").text
    return page.split('id="section-rhi"')[1].split("</section>")[0]


def test_a_portal_interview_must_follow_the_return_and_takes_the_child_off_to_chase(
    signed_in: Callable[[str, str], Portal],  # noqa: F811
) -> None:
    portal = signed_in("olga", "safeguarding_officer")
    assert "MISS-101" in _rhi_section(portal)  # returned 2 Jun 2025 09:00 (London), interview overdue
    path = "/boards/missing/children/P-0001"
    _give_reason(portal, "P-0001")  # the child's page needs a recorded reason for access (#26)
    token = portal.csrf_from(portal.client.get(path).text)
    form = {"kind": "rhi_done", "episode_ref": "MISS-101", "detail": "Seen by the independent worker",
            "csrf_token": token}  # fmt: skip
    early = portal.client.post(path + "/action", data={**form, "happened_at": "2025-06-02T08:30"})
    assert early.status_code == 400 and "cannot be before the child&#39;s return (02 Jun 2025 09:00)" in early.text
    assert "MISS-101" in _rhi_section(portal)
    done = portal.client.post(path + "/action", data={**form, "happened_at": "2025-06-03T10:00"})
    assert done.status_code == 200 and "Seen by the independent worker" in done.text  # redirected to the child
    assert "MISS-101" not in _rhi_section(portal)


def test_a_portal_planned_visit_is_the_next_visit_on_the_board(
    signed_in: Callable[[str, str], Portal],  # noqa: F811
) -> None:
    portal = signed_in("omar", "offender_manager")
    section = portal.client.get("/boards/offenders").text.split('id="section-all"')[1].split("</section>")[0]
    assert "01 Jan 2099" not in section
    token = portal.csrf_from(portal.client.get("/boards/offenders/RSO-1").text)
    portal.client.post(
        "/boards/offenders/RSO-1/visit", data={"planned_on": "2099-01-01", "note": "ARMS review", "csrf_token": token}
    )
    page = portal.client.get("/boards/offenders").text
    section = page.split('id="section-all"')[1].split("</section>")[0]
    assert "RSO-1" in section and "01 Jan 2099" in section
    assert "Re-notification due" in page


def test_weekly_chart_axes_say_the_year() -> None:
    from datetime import date

    from safeguarding.web import charts
    from safeguarding.web.data.stats import Series

    chart = charts.stacked_bars([date(2023, 12, 25), date(2024, 1, 1)], [Series("Alerts", [1, 2])])
    assert [text for _x, text in chart.x_labels] == ["25 Dec 23"]
