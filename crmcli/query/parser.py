"""The filter language's parser: argv words (or one string) in, a `Filter` value out.

Shared by `list`, `search` and the TUI's filter box (README, "Filters"), so it is pure: no
database, no knowledge of which fields exist. Deciding whether `income` is a real field, and
what `eom` means, is the compiler's job; this module only checks the shape of each term.

Grammar of one word::

    term   := ["-"] FIELD OP VALUE        FIELD := [A-Za-z_][A-Za-z0-9_.]*
    OP     := "!=" | ">=" | "<=" | ":" | "=" | ">" | "<"      (longest match first)
    word   := anything without an operator, or a quoted phrase

Shells strip quotes, so a phrase usually arrives as one word with a space in it; a word whose
text before its first operator contains whitespace is therefore a phrase, not a term.
Literal quotes around a whole word (`"tag:vip"`) or around a value (`company:"Acme Corp"`)
are removed, and make the text literal: a quoted word is never a term, and a quoted value
may start with an operator character.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.validate import clean, lookup

__all__ = ["OPERATORS", "Filter", "Term", "format_filter", "parse_filter"]

# Longest first, so `>=` wins over `>` when both match.
OPERATORS: tuple[str, ...] = ("!=", ">=", "<=", ":", "=", ">", "<")

_EXPECTED = (
    "expected FIELD:VALUE, FIELD>N, FIELD<N, FIELD>=N, FIELD<=N, FIELD=V, FIELD!=V or a word"
)
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OPERATOR_CHARS = ":=<>!"
_QUOTES = "\"'"


@dataclass(frozen=True)
class Term:
    """One `FIELD OP VALUE` condition; `value` is raw text, the compiler gives it a type."""

    field: str
    op: str
    value: str
    negate: bool = False


@dataclass(frozen=True)
class Filter:
    """A parsed filter: conditions that must all hold, plus words for full-text search."""

    terms: tuple[Term, ...] = ()
    words: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        """True when nothing was asked for, so callers can skip filtering altogether."""
        return not self.terms and not self.words

    def __str__(self) -> str:
        return format_filter(self)


def parse_filter(args: Sequence[str] | str) -> Filter:
    """Parse argv words, or one string split like a shell would (the TUI's filter box).

    Raises InvalidInput naming the first malformed word and the accepted forms.
    """
    # NFC first, as stored text is, so a decomposed `école` finds the composed one. Each
    # word becomes a LIKE pattern or a full-text word, which must not be too long.
    tokens = (
        [lookup(token, "filter word") for token in _split(clean(args, "filter"))]
        if isinstance(args, str)
        else [lookup(a, "filter word") for a in args]
    )
    terms: list[Term] = []
    words: list[str] = []
    for token in tokens:
        parsed = _parse_token(token)
        if isinstance(parsed, Term):
            terms.append(parsed)
        elif parsed:
            words.append(parsed)
    return Filter(terms=tuple(terms), words=tuple(words))


def format_filter(f: Filter) -> str:
    """Render a Filter as one string that `parse_filter` reads back to an equal Filter.

    Terms come first, then words (their relative order is kept, which is all a Filter holds).
    """
    parts = [_format_term(term) for term in f.terms]
    parts += [_shell_quote(_word_token(word)) for word in f.words]
    return " ".join(parts)


def _split(text: str) -> list[str]:
    """Split one string into words with shell rules, so quotes group a phrase."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        reason = "unterminated quote" if "quotation" in str(exc) else "backslash at the end"
        raise _bad(text, reason) from None


def _parse_token(token: str) -> Term | str:
    """Parse one argv word into a Term, or return it as a full-text word ("" to skip)."""
    text = token.strip()
    if not text:
        return ""
    if text[0] in _QUOTES:
        # A quoted word is a literal phrase, even if it looks like a term.
        return _unquote(text, token)

    position = _find_operator(text)
    if position < 0:
        return text
    head = text[:position]
    if any(char.isspace() for char in head):
        # Only a phrase the shell unquoted has a space before its operator ("meet at 10:30").
        return text

    op = next(op for op in OPERATORS if text.startswith(op, position))
    negate = head.startswith("-")
    field = head[1:] if negate else head
    if not field:
        raise _bad(token, f"missing field name before {op!r}")
    if not _FIELD_RE.fullmatch(field):
        raise _bad(
            token,
            f"field {field!r} must be letters, digits, '_' or '.', starting with a letter or '_'",
        )

    raw_value = text[position + len(op) :].strip()
    if not raw_value:
        raise _bad(token, f"missing value after {op!r}")
    if raw_value[0] in _QUOTES:
        value = _unquote(raw_value, token)
        if not value:
            raise _bad(token, f"missing value after {op!r}")
    elif raw_value[0] in _OPERATOR_CHARS:
        raise _bad(token, f"unexpected {raw_value[0]!r} after {op!r}")
    else:
        value = raw_value
    return Term(field=field.lower(), op=op, value=value, negate=negate)


def _find_operator(text: str) -> int:
    """Index of the first operator in `text`, or -1; a lone `!` is not an operator."""
    for index, char in enumerate(text):
        if char in ":=<>" or text.startswith("!=", index):
            return index
    return -1


def _unquote(text: str, token: str) -> str:
    """Strip one pair of matching quotes around `text`; an unmatched one is an error."""
    if len(text) < 2 or text[-1] != text[0]:
        raise _bad(token, "unterminated quote")
    return text[1:-1].strip()


def _bad(token: str, reason: str) -> InvalidInput:
    """The one-line error: the word, what is wrong with it, and what would be accepted."""
    return InvalidInput(f"bad filter {token!r}: {reason}; {_EXPECTED}")


def _format_term(term: Term) -> str:
    """`[-]field OP value`, quoting the value only when it would not read back as itself."""
    value = term.value
    if value != value.strip() or not value or value[0] in _OPERATOR_CHARS + _QUOTES:
        value = f'"{value}"'
    sign = "-" if term.negate else ""
    return f"{sign}{term.field}{term.op}{_shell_quote(value)}"


def _word_token(word: str) -> str:
    """The argv word for a full-text word: itself if it reads back unchanged, else quoted."""
    try:
        plain = _parse_token(word) == word
    except InvalidInput:
        plain = False
    return word if plain else f'"{word}"'


def _shell_quote(text: str) -> str:
    """Double-quote `text` for `shlex.split` when it holds whitespace, quotes or backslashes."""
    if text and not any(char.isspace() or char in "\"'\\" for char in text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
