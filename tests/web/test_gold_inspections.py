"""The Gold Group page tracks each inspection's action plan and post-inspection review, and refuses to
complete an action with no evidence."""

from __future__ import annotations

import re
from collections.abc import Callable

from portal_client import Portal
from test_governance_pages import _as, _csrf, _recommendation
from test_pages import audit_rows


def test_gold_page_tracks_the_action_plan_and_review(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "gina", "gold_group")
    token = _csrf(portal, "/gold")
    rec_id = _recommendation(portal, token)
    page = portal.client.get("/gold").text
    table = page.split('id="inspections"')[1].split("</table>")[0]
    assert "Action plan due" in table and "overdue" in table  # the report is long past six weeks
    early = portal.client.post(
        "/gold/inspections",
        data={"inspection": "HMICFRS child protection 2026", "plan_submitted_on": "2000-01-01", "csrf_token": token},
    )
    assert early.status_code == 400 and "cannot precede the report" in early.text
    done = portal.client.post(
        "/gold/inspections",
        data={"inspection": "HMICFRS child protection 2026", "plan_submitted_on": "2026-01-20", "csrf_token": token},
    )
    assert done.status_code == 200 and "20 Jan 2026" in done.text.split('id="inspections"')[1].split("</table>")[0]
    assert audit_rows(portal, "gold.inspection")[-1][4]["plan_submitted_on"] == "2026-01-20"
    added = portal.client.post(
        f"/gold/recommendations/{rec_id}/actions",
        data={"text": "Train hub staff", "owner": "DCI Hale", "due_on": "2026-03-01", "rag": "amber",
              "csrf_token": token},
    )  # fmt: skip
    action_id = re.search(r'action="/gold/actions/(\d+)"', added.text).group(1)  # type: ignore[union-attr]
    complete = portal.client.post(
        f"/gold/actions/{action_id}",
        data={"owner": "DCI Hale", "due_on": "2026-03-01", "rag": "complete", "csrf_token": token},
    )
    assert complete.status_code == 400 and "complete only with evidence attached" in complete.text
