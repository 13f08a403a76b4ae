from __future__ import annotations

from pathlib import Path

from safeguarding.contract.docs import render_markdown
from safeguarding.contract.records import RECORD_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"


def test_data_contract_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/data-contract.md is out of date: run `safeguarding contract docs > docs/data-contract.md`"
    )


def test_every_record_type_has_a_key_of_required_fields() -> None:
    for rt in RECORD_TYPES.values():
        for key in rt.key:
            assert rt.field(key).required, f"{rt.name}.{key} is part of the key but not required"
