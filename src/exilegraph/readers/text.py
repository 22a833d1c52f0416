"""Record files as text: UTF-8 only, and a finding at the first byte that is not, instead of a traceback."""

from __future__ import annotations

import codecs

from ..errors import RecordError
from ..findings import ERROR, Finding

SAVE_AS_UTF8 = "save the file as UTF-8 (in most editors: Save as… > Encoding > UTF-8)"

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _where(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (both 1-based, the column counted in bytes) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def decode_utf8(path: str, data: bytes, fix: str = SAVE_AS_UTF8) -> str:
    """The file's text, without a UTF-8 byte-order mark.

    Raises RecordError with one `encoding` finding at the first byte that makes the file unreadable as
    UTF-8 text: a UTF-16 or UTF-32 byte-order mark, a byte sequence that is not UTF-8 (Latin-1, Windows
    code pages) or a NUL byte (a binary file)."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise _encoding(
                path,
                1,
                1,
                f"this file is {name} text, not UTF-8 (it starts with a {name} byte-order mark)",
                fix,
            )
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = skip + exc.start  # offsets count from the end of the mark
        line, col = _where(data, at)
        raise _encoding(path, line, col, f"this is not UTF-8 text (byte 0x{data[at]:02x})", fix) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _where(data, nul)
        raise _encoding(path, line, col, "this file holds a NUL byte (0x00): it is binary, not text", fix)
    return text


def _encoding(path: str, line: int, col: int, message: str, fix: str) -> RecordError:
    return RecordError([Finding(path, line, col, ERROR, "encoding", "", message, fix)])
