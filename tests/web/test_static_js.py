"""The portal's own scripts put record text into the page as text, never as HTML (#26 item 4)."""

from __future__ import annotations

import re
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "src" / "safeguarding" / "web" / "static" / "js"


def test_leaflet_tooltips_and_popups_are_built_from_text() -> None:
    # Leaflet parses a string tooltip or popup as HTML, so a place named "<img src=x onerror=...>" would be
    # markup (stopped only by the CSP). Each one must be given an element made by textTip().
    for script in JS.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        calls = re.findall(r"\.bind(?:Tooltip|Popup)\(\s*([^\s(]+)\(", source)
        plain = re.findall(r"\.bind(?:Tooltip|Popup)\(\s*(?!textTip\()", source)
        assert not plain, f"{script.name}: a tooltip or popup built from a string"
        assert all(c == "textTip" for c in calls), script.name
        assert "span.textContent = text" in source or not calls
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in source, f"{script.name} uses {sink}"
