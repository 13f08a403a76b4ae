"""Text-level work on export files: encoding, line counts, the header, and raw lines read back.

Everything here streams: a file is never read whole into memory.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from safeguarding.ingest.errors import FileError

_BLOCK = 1 << 20
MAX_FIELD = 64 << 20  # the largest single value accepted (narratives can be long; not unbounded)
csv.field_size_limit(MAX_FIELD)


def open_bytes(path: Path, compressed: bool) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if compressed else path.open("rb")


def utf8_text(path: Path, compressed: bool, workdir: Path) -> tuple[Path, bool, int]:
    """A UTF-8 copy of the file's text (the file itself when it already is UTF-8).

    Returns (path, compressed, physical line count). Windows-1252 is transcoded to a file in
    ``workdir``; NUL bytes (binary data, UTF-16) and undecodable bytes refuse the file.
    """
    lines, last = 0, b"\n"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open_bytes(path, compressed) as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                if b"\x00" in block:
                    line = lines + block[: block.index(b"\x00")].count(b"\n") + 1
                    raise FileError(path, line, "(file)", "contains NUL bytes: binary data or UTF-16 text")
                decoder.decode(block)
                lines += block.count(b"\n")
                last = block[-1:]
            decoder.decode(b"", final=True)
        return path, compressed, lines + (0 if last == b"\n" else 1)
    except UnicodeDecodeError:
        pass
    except (OSError, EOFError) as exc:
        raise FileError(path, lines + 1, "(file)", f"cannot be read: {exc}") from None
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / (path.name.removesuffix(".gz") + ".utf8")
    lines, last = 0, b"\n"
    with open_bytes(path, compressed) as src, target.open("wb") as out:
        for block in iter(lambda: src.read(_BLOCK), b""):
            try:
                out.write(block.decode("cp1252").encode("utf-8"))
            except UnicodeDecodeError as exc:
                line = lines + block[: exc.start].count(b"\n") + 1
                raise FileError(path, line, "(file)", "neither UTF-8 nor Windows-1252 text") from None
            lines += block.count(b"\n")
            last = block[-1:]
    return target, False, lines + (0 if last == b"\n" else 1)


def text_lines(path: Path, compressed: bool) -> Iterator[str]:
    with open_bytes(path, compressed) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
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
