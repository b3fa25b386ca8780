"""Stored text made safe to show: nothing from outside may drive the user's terminal.

Names, titles and notes come from users, imports and other programs. Written raw to a
terminal, an ESC or C1 control in them sets the window title, clears the screen or moves the
cursor, and a bidi override (U+202E) makes what follows read backwards. So every face shows
those characters as visible escapes, in Python's notation, which is ASCII and names the
character exactly: `\\x1b` (ESC), `\\x07` (BEL), `\\x9b` (CSI), `\\r`, `\\u202e` (RLO).

Three strengths, for three kinds of output:

- `visible`: tables, the TUI, messages. Every C0 and C1 control, DEL, and the bidi
  embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069). The invisible
  marks LRM, RLM and ALM stay: they are part of right-to-left writing and cannot reverse a
  run of text. With `multiline`, tab and line feed stay too (a note may have lines).
- `data_field`: TSV and CSV. Every C0 and C1 control and DEL except tab, line feed and
  carriage return, which the formats handle themselves (TSV flattens them to a space, CSV
  quotes them); bidi controls stay, since scripts want the text as stored.
- `json_text`: JSON and NDJSON. `json.dumps(ensure_ascii=False)` escapes C0 but writes DEL
  and C1 raw; this escapes them as `\\u007f`..`\\u009f`, which JSON reads back unchanged.

A backslash itself is not escaped: these are for showing text, and JSON is the lossless
format.
"""

from __future__ import annotations

import re

__all__ = ["data_field", "json_text", "visible"]

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(char: str) -> str:
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_CONTROLS = "\x00-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_LINE = re.compile(f"[{_CONTROLS}{_BIDI}]")
_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_DATA = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_JSON_RAW = re.compile("[\x7f-\x9f]")


def _sub(match: re.Match[str]) -> str:
    return _escape(match.group())


def visible(text: str, *, multiline: bool = False) -> str:
    """`text` with every character that could drive a terminal shown as an escape."""
    return (_BLOCK if multiline else _LINE).sub(_sub, text)


def data_field(text: str) -> str:
    """A TSV or CSV field: controls other than tab and line breaks shown as escapes."""
    return _DATA.sub(_sub, text)


def json_text(dumped: str) -> str:
    """Output of `json.dumps(..., ensure_ascii=False)` with DEL and C1 escaped as JSON does C0."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
