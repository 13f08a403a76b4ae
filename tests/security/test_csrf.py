from __future__ import annotations

from safeguarding.security import csrf


def test_tokens_match_only_exactly() -> None:
    token = csrf.new_token()
    assert csrf.tokens_match(token, token)
    assert not csrf.tokens_match(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not csrf.tokens_match(token, csrf.new_token())


def test_missing_tokens_never_match() -> None:
    assert not csrf.tokens_match(None, None)
    assert not csrf.tokens_match("", "")
    assert not csrf.tokens_match(csrf.new_token(), None)
