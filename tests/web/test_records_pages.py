"""Records management on the portal: the MoPI review queue and its decisions, and subject access."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from portal_client import Portal
from test_pages import audit_rows
from typer.testing import CliRunner

from records_data import build
from safeguarding.cli import app as cli_app
from safeguarding.config import Settings
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake
from safeguarding.security.cli import open_app_db
from safeguarding.workflow import record_reviews


@pytest.fixture
def records(settings: Settings, tmp_path: Path) -> Settings:
    build(settings, tmp_path)
    return settings


def _as(portal: Portal, add_user: Callable[..., str], username: str, role: str) -> Portal:
    portal.client.cookies.clear()
    portal.sign_in_ready(username, add_user(username, (role,), username.title()))
    return portal


def _csrf(portal: Portal, path: str) -> str:
    return portal.csrf_from(portal.client.get(path).text)


@pytest.mark.usefixtures("records")
def test_the_queue_lists_what_is_due_at_the_data_moment(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "rita", "records_manager")
    page = portal.client.get("/records/reviews")
    assert page.status_code == 200
    assert "01 Jun 2027" in page.text and "<strong>2</strong>" in page.text
    assert "crimes CR1" in page.text and "crimes CR2" in page.text
    assert "ME1" not in page.text  # due only when the child is 18 (2028)
    assert "Records review" in page.text and "Subject access" in page.text  # the role's two nav links
    only_group_1 = portal.client.get("/records/reviews?group=group_1").text
    assert "CR1" in only_group_1 and "CR2" not in only_group_1
    assert audit_rows(portal, "view")[-1][2] == "record_reviews"


@pytest.mark.usefixtures("records")
def test_other_roles_cannot_see_the_queue(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "sam", "supervisor")
    assert portal.client.get("/records/reviews").status_code == 403
    assert portal.client.get("/records/subject-access").status_code == 403
    assert "Records review" not in portal.client.get("/alerts").text


@pytest.mark.usefixtures("records")
def test_retain_needs_a_reason_and_a_later_date_then_leaves_the_queue(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    _as(portal, add_user, "rita", "records_manager")
    path = "/records/reviews/record?key=crimes:niche:CR2"
    token = _csrf(portal, path)
    form = {"key": "crimes:niche:CR2", "decision": "retain", "csrf_token": token}
    post = portal.client.post
    no_reason = post("/records/reviews/record", data={**form, "reason": "ok", "next_review_on": "2030-01-01"})
    assert no_reason.status_code == 400 and "Field &#39;reason&#39;" in no_reason.text
    reason = "Linked to an open investigation"
    past = post("/records/reviews/record", data={**form, "reason": reason, "next_review_on": "2027-01-01"})
    assert past.status_code == 400 and "must be after 01 Jun 2027" in past.text
    done = post(
        "/records/reviews/record",
        data={**form, "reason": reason, "next_review_on": "2029-06-01"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    queue = portal.client.get("/records/reviews").text
    assert "crimes CR2" not in queue and "crimes CR1" in queue
    record = portal.client.get(path).text
    assert "Linked to an open investigation" in record and "01 Jun 2029" in record
    (entry,) = audit_rows(portal, "retention.retain")
    assert entry[0] == "rita" and entry[3] == "crimes:niche:CR2"
    assert entry[4]["next_review_on"] == "2029-06-01" and entry[4]["reason"] == "Linked to an open investigation"


@pytest.mark.usefixtures("records")
def test_a_group_1_record_cannot_be_disposed_of_before_its_subject_is_100(
    portal: Portal, add_user: Callable[..., str]
) -> None:
    _as(portal, add_user, "rita", "records_manager")
    token = _csrf(portal, "/records/reviews/record?key=crimes:niche:CR1")
    refused = portal.client.post("/records/reviews/record", data={
        "key": "crimes:niche:CR1", "decision": "dispose", "reason": "No longer needed for policing",
        "csrf_token": token})  # fmt: skip
    assert refused.status_code == 400 and "cannot be disposed of before 30 Jun 2085" in refused.text
    assert audit_rows(portal, "retention.dispose") == []
    assert portal.client.get("/records/reviews/record?key=crimes:niche:NOPE").status_code == 404


def test_a_disposal_decided_on_the_portal_is_carried_out_as_an_erasure(
    portal: Portal, add_user: Callable[..., str], records: Settings
) -> None:
    _as(portal, add_user, "rita", "records_manager")
    token = _csrf(portal, "/records/reviews/record?key=crimes:niche:CR2")
    done = portal.client.post("/records/reviews/record", follow_redirects=False, data={
        "key": "crimes:niche:CR2", "decision": "dispose", "reason": "Six clear years, no policing purpose",
        "csrf_token": token})  # fmt: skip
    assert done.status_code == 303
    queue = portal.client.get("/records/reviews").text
    assert "Disposals waiting" in queue and "crimes:niche:CR2" in queue
    again = portal.client.post("/records/reviews/record", data={
        "key": "crimes:niche:CR2", "decision": "dispose", "reason": "Six clear years, no policing purpose",
        "csrf_token": token})  # fmt: skip
    assert again.status_code == 400 and "already waiting" in again.text

    result = CliRunner().invoke(cli_app, ["--data-dir", str(records.data_dir), "records", "dispose"],
                                env={"SAFEGUARDING_DATABASE_URL": records.app_database_url})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "disposed of 1 records" in result.output
    con = DuckDBEngine(Lake(records.lake_dir)).connect()
    assert con.execute("SELECT count(*) FROM crimes_versions WHERE crime_ref = 'CR2'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM record_persons_versions WHERE record_ref = 'CR2'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM crimes_versions").fetchall() == [(1,)]
    con.close()
    factory = open_app_db(records)
    (row,) = [r for r in record_reviews.latest(factory).values() if r.record_ref == "CR2"]
    assert row.carried_out_at is not None and row.erasure_id and row.erasure_id.startswith("E")
    assert record_reviews.pending_disposals(factory) == []
    factory.kw["bind"].dispose()
    assert [e[3] for e in audit_rows(portal, "retention.disposed")] == [row.erasure_id]
    assert len(audit_rows(portal, "erase")) == 1


@pytest.mark.usefixtures("records")
def test_subject_access_preview_and_download_mark_third_parties_and_are_audited(
    portal: Portal, add_user: Callable[..., str]
) -> None:
    _as(portal, add_user, "rita", "records_manager")
    token = _csrf(portal, "/records/subject-access")
    form = {"person_id": "P-1", "request_ref": "SAR-2027-0001", "recipient": "the data subject", "csrf_token": token}
    missing = portal.client.post("/records/subject-access", data={**form, "request_ref": ""})
    assert missing.status_code == 400 and "request_ref" in missing.text
    unknown = portal.client.post("/records/subject-access", data={**form, "person_id": "P-999"})
    assert unknown.status_code == 404 and "no person" in unknown.text

    preview = portal.client.post("/records/subject-access", data={**form, "action": "preview"})
    assert preview.status_code == 200
    text = preview.text
    assert "Records: missing episodes" in text and "Records: incidents" in text and "Nominal records" in text
    # Kerry Marsh (the reporting person) is a third party on Jayden's records: marked, not removed.
    assert '<mark class="redact" title="third party: redact before disclosure">Kerry</mark>' in text
    assert "Amelia Stone (subject)" in text
    (viewed,) = audit_rows(portal, "subject_access.view")
    assert viewed[3] == "P-1" and viewed[4]["request"] == "SAR-2027-0001"

    download = portal.client.post("/records/subject-access", data={**form, "action": "download"})
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = set(archive.namelist())
    assert {"index.html", "manifest.json", "nominal_records.csv", "records_missing_episodes.csv",
            "records_incidents.csv"} <= names  # fmt: skip
    episodes = archive.read("records_missing_episodes.csv").decode()
    assert "ME1" in episodes and "ME2" not in episodes  # Amelia's episode is not Jayden's data
    (disclosed,) = audit_rows(portal, "disclosure.subject_access")
    assert disclosed[0] == "rita" and disclosed[3] == "P-1"
    assert disclosed[4]["recipient"] == "the data subject" and disclosed[4]["files"] == len(names)
