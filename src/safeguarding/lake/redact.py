"""Finding an erased person's names and identifiers in free text, without keeping them in clear.

An erasure must keep working on later loads (the next export re-sends the erased rows), so it has to
remember what to look for. Keeping the erased person's name in clear would defeat the erasure, so
each term is kept only as a keyed hash (BLAKE2b with a secret key kept beside the erasure register):
text is split into words, and each run of words is hashed with the same key and compared. A term is
a sequence of words, so "Jane Doe", "07700 900123" and "jane.doe@example.org" all match however the
text spaces or capitalises them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REDACTED = "[erased]"
_WORD = re.compile(r"\w+")
_MAX_WORDS = 8  # the longest term looked for (a full name with several forenames, an email address)


def words(text: str) -> list[str]:
    """The words of ``text``, case-folded and Unicode-normalised (how terms are compared)."""
    return [w.casefold() for w in _WORD.findall(unicodedata.normalize("NFKC", text))]


def secret_key(folder: Path) -> bytes:
    """The register's hashing key, made on first use; without it the register's hashes mean nothing."""
    path = folder / ".key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".key.{secrets.token_hex(3)}.tmp"
        tmp.write_text(secrets.token_hex(32), encoding="ascii")
        tmp.replace(path)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def term_hash(key: bytes, term_words: Iterable[str]) -> str:
    """The keyed hash of one term given as its words (words never contain the separator)."""
    return hashlib.blake2b("\x00".join(term_words).encode("utf-8"), key=key, digest_size=16).hexdigest()


@dataclass
class Terms:
    """Hashed terms to look for; single words match only where the text capitalises them (a name).

    ``first`` holds the hashes of each term's first word and ``lengths`` those words' lengths, so most
    words of a text are passed over without hashing, and the rest with one hash (not one per length).
    """

    hashes: set[str] = field(default_factory=set)
    max_words: int = 0
    first: set[str] = field(default_factory=set)
    lengths: set[int] = field(default_factory=set)

    def add(self, key: bytes, text: str | None) -> None:
        ws = words(text or "")
        if not ws or len(ws) > _MAX_WORDS or (len(ws) == 1 and len(ws[0]) < 2):
            return
        self.hashes.add(term_hash(key, ws))
        self.first.add(term_hash(key, ws[:1]))
        self.lengths.add(len(ws[0]))
        self.max_words = max(self.max_words, len(ws))

    def union(self, other: Terms) -> Terms:
        return Terms(self.hashes | other.hashes, max(self.max_words, other.max_words), self.first | other.first,
                     self.lengths | other.lengths)  # fmt: skip

    def to_json(self) -> dict[str, object]:
        return {"hashes": sorted(self.hashes), "max_words": self.max_words, "first": sorted(self.first),
                "lengths": sorted(self.lengths)}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Terms:
        return cls({str(h) for h in data.get("hashes", [])}, int(data.get("max_words", 0)),
                   {str(h) for h in data.get("first", [])}, {int(n) for n in data.get("lengths", [])})  # fmt: skip


def redact(text: str, key: bytes, terms: Terms) -> str:
    """``text`` with every run of words matching a term replaced by ``[erased]`` (longest match first)."""
    if not terms.hashes or not text:
        return text
    normal = unicodedata.normalize("NFKC", text)
    found = list(_WORD.finditer(normal))
    folded = [m.group().casefold() for m in found]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        if len(folded[i]) not in terms.lengths or term_hash(key, folded[i : i + 1]) not in terms.first:
            i += 1
            continue
        for n in range(min(terms.max_words, len(found) - i), 0, -1):
            if n == 1 and found[i].group().islower():
                continue  # "will", "may": a lower-case word is not taken for a one-word name
            if term_hash(key, folded[i : i + n]) in terms.hashes:
                spans.append((found[i].start(), found[i + n - 1].end()))
                i += n
                break
        else:
            i += 1
    if not spans:
        return text
    out, at = [], 0
    for start, end in spans:
        out.append(normal[at:start] + REDACTED)
        at = end
    out.append(normal[at:])
    return "".join(out)
