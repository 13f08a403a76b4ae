"""Text-level work on export files: encoding, line counts, the header, and raw lines read back.

Everything here streams: a file is never read whole into memory.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from safeguarding.ingest.errors import FileError

_BLOCK = 1 << 20
MAX_FIELD = 64 << 20  # the largest single value accepted (narratives can be long; not unbounded)
csv.field_size_limit(MAX_FIELD)


def open_bytes(path: Path, compressed: bool) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if compressed else path.open("rb")


@dataclass
class Text:
    """What reading a file's bytes decided: where its UTF-8 text is, and how it was decoded."""

    path: Path
    compressed: bool
    lines: int  # physical lines
    encoding: str  # "utf-8", "windows-1252" or "utf-8 with undecodable lines"
    undecodable: dict[int, str] = field(default_factory=dict)  # line -> why it could not be decoded


def _scan_utf8(path: Path, compressed: bool) -> tuple[bool, int, bool]:
    """(is the whole file UTF-8, physical lines, are its lines ended by CR alone). Refuses NUL bytes and
    overlong lines."""
    lines, last, run, crs = 0, b"\n", 0, 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    ok = True
    try:
        with open_bytes(path, compressed) as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                if b"\x00" in block:
                    line = lines + block[: block.index(b"\x00")].count(b"\n") + 1
                    raise FileError(path, line, "(file)", "contains NUL bytes: binary data or UTF-16 text")
                if ok:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        ok = False
                newlines = block.count(b"\n")
                if not lines and not newlines:
                    crs += block.count(b"\r")
                # The longest line: lines inside one block are shorter than the block, so only runs that
                # cross block boundaries can be too long.
                first = block.find(b"\n")
                if first < 0 and crs:
                    first = block.find(b"\r")  # lines ended by CR alone (old Mac exports) are lines too
                run = run + (len(block) if first < 0 else first)
                if run > MAX_FIELD:
                    raise FileError(
                        path, lines + 1, "(file)",
                        f"line {lines + 1} is longer than {MAX_FIELD >> 20} MB: no record is that large "
                        "(a quote left open, or not a text export)",
                    )  # fmt: skip
                if first >= 0:
                    run = len(block) - max(block.rfind(b"\n"), block.rfind(b"\r")) - 1
                lines += newlines
                last = block[-1:]
            if ok:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    ok = False
    except (OSError, EOFError) as exc:
        raise FileError(path, lines + 1, "(file)", f"cannot be read: {exc}") from None
    cr_only = lines == 0 and crs > 1
    return ok, lines + (0 if last == b"\n" else 1), cr_only


def _byte_lines(path: Path, compressed: bool) -> Iterator[bytes]:
    with open_bytes(path, compressed) as fh:
        yield from fh


def utf8_text(path: Path, compressed: bool, workdir: Path) -> Text:
    """The file's text as UTF-8 (the file itself when it already is UTF-8), decided once per file.

    - Valid UTF-8 throughout: read as it is.
    - No line is valid UTF-8 with non-ASCII text: a Windows-1252 export, transcoded to a copy in ``workdir``
      (bytes that Windows-1252 leaves undefined refuse the file).
    - Otherwise it is UTF-8 with some lines that are not (typically one pasted from another program): those
      lines are kept in the copy with their bytes escaped (``\\xe9``) and listed in ``undecodable`` so that
      the rows on them are quarantined, never loaded as mojibake. NUL bytes (binary data, UTF-16) refuse
      the file.
    """
    is_utf8, lines, cr_only = _scan_utf8(path, compressed)
    if cr_only:
        # Lines ended by CR alone: a copy with LF endings, so that every reader counts lines alike.
        workdir.mkdir(parents=True, exist_ok=True)
        copy = workdir / (path.name.removesuffix(".gz") + ".lf")
        with open_bytes(path, compressed) as src, copy.open("wb") as out:
            for block in iter(lambda: src.read(_BLOCK), b""):
                out.write(block.replace(b"\r", b"\n"))
        text = utf8_text(copy, False, workdir)
        text.encoding += " (lines ended by CR, read as LF)"
        return text
    if is_utf8:
        return Text(path, compressed, lines, "utf-8")
    utf8_lines = 0
    undecodable: dict[int, str] = {}
    for number, raw in enumerate(_byte_lines(path, compressed), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            undecodable[number] = f"byte 0x{raw[exc.start]:02X} at position {exc.start + 1} is not UTF-8"
        else:
            utf8_lines += not raw.isascii()
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / (path.name.removesuffix(".gz") + ".utf8")
    encoding = "windows-1252" if utf8_lines == 0 else "utf-8 with undecodable lines"
    with target.open("wb") as out:
        for number, raw in enumerate(_byte_lines(path, compressed), start=1):
            if encoding == "utf-8 with undecodable lines":
                out.write(raw.decode("utf-8", errors="backslashreplace").encode("utf-8"))
                continue
            try:
                out.write(raw.decode("cp1252").encode("utf-8"))
            except UnicodeDecodeError as exc:
                reason = f"byte 0x{raw[exc.start]:02X} is neither UTF-8 nor Windows-1252 text"
                raise FileError(path, number, "(file)", reason) from None
    if encoding == "windows-1252":
        undecodable = {}
    return Text(target, False, lines, encoding, undecodable)


def text_lines(path: Path, compressed: bool) -> Iterator[str]:
    """The text's lines, split on LF only (so a lone CR inside a value does not make a line of its own and
    line numbers agree with the physical count), each with its line ending as written."""
    with open_bytes(path, compressed) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\n") as fh:
        yield from fh


def read_header(path: Path, compressed: bool, source: Path, delimiter: str | None) -> tuple[list[str], str]:
    """The header's column names and the delimiter (sniffed from the header unless given)."""
    first = next(iter(text_lines(path, compressed)), "")
    if not first.strip():
        raise FileError(source, 1, "(header)", "file is empty or has no header row")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;|\t").delimiter
        except csv.Error:
            delimiter = ","
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise FileError(source, 1, name, "column appears twice in the header")
        seen.add(name)
    return header, delimiter


def raw_lines(path: Path, compressed: bool, wanted: dict[int, int]) -> dict[int, str]:
    """The raw text of records starting at the given lines (line -> extra lines it spans)."""
    if not wanted:
        return {}
    out: dict[int, str] = {}
    last = max(wanted)
    collecting: tuple[int, int, list[str]] | None = None
    for number, line in enumerate(text_lines(path, compressed), start=1):
        if collecting is None and number in wanted:
            collecting = (number, number + wanted[number], [])
        if collecting is not None:
            collecting[2].append(line)
            if number >= collecting[1]:
                out[collecting[0]] = "".join(collecting[2]).rstrip("\r\n")
                collecting = None
        if number >= last and collecting is None:
            break
    return out
