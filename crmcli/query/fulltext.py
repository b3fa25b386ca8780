"""The full-text index, kept in step with every write in the same transaction.

One index covers every record type. An entry's key packs the type's code (from the
registry) and the record id (`id * 8 + code`), so updating one record's entry is a key
lookup, not a scan. The backend keeps the index (SQLite: FTS5); where it has none, text
search falls back to LIKE on each record's title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.entities import registry
from crmcli.store.backends import backend_of

_WORD = re.compile(r"\w+", re.UNICODE)


@cache
def codes() -> dict[str, int]:
    """Each searchable record type's code in the rowid, from the registry."""
    return {t.name: t.search.code for t in registry.searchable() if t.search}


def rowid(entity: str, entity_id: int) -> int:
    return entity_id * 8 + codes()[entity]


def available(session: Session) -> bool:
    return backend_of(session).full_text


def _text(parts: Iterable[str | None]) -> str:
    return " ".join(part for part in parts if part)


def index(
    session: Session, entity: str, entity_id: int, title: str | None, body: Iterable[str | None]
) -> None:
    """Replace one record's entry."""
    if not available(session):
        return
    backend_of(session).index_replace(session, rowid(entity, entity_id), title or "", _text(body))


def unindex(session: Session, entity: str, entity_id: int) -> None:
    """Drop one record's entry (a record deleted for good)."""
    if available(session):
        backend_of(session).index_delete(session, rowid(entity, entity_id))


def index_many(session: Session, rows: Sequence[tuple[str, int, str | None, str]]) -> None:
    """Bulk entries for new records: (entity, id, title, body)."""
    if not rows or not available(session):
        return
    code = codes()
    backend_of(session).index_insert_many(
        session, [(i * 8 + code[e], t or "", b) for e, i, t, b in rows]
    )


def match_expression(words: Sequence[str]) -> str | None:
    """An FTS5 query: every word must appear, each as a prefix; phrases stay phrases."""
    parts: list[str] = []
    for word in words:
        tokens = _WORD.findall(word)
        if not tokens:
            continue
        phrase = " ".join(tokens)
        parts.append(f'"{phrase}"*' if len(tokens) == 1 else f'"{phrase}"')
    return " AND ".join(parts) or None


def hit_counts(session: Session, words: Sequence[str]) -> dict[str, int]:
    """How many records of each entity the words match, in one pass over the index."""
    expression = match_expression(words)
    if expression is None:
        return {}
    kinds = {code: entity for entity, code in codes().items()}
    found = backend_of(session).index_hit_counts(session, expression)
    return {kinds[code]: count for code, count in found.items() if code in kinds}


#: Up to this many hits, a list with words is driven from the index (its hits looked up by id
#: and sorted); beyond it, walking the list's sort index and keeping the hits is cheaper.
FEW_HITS = 5_000


def has_few_hits(session: Session, entity: str, words: Sequence[str]) -> bool:
    """Whether the words match at most FEW_HITS records of `entity` (counted up to that)."""
    expression = match_expression(words)
    if expression is None:
        return False
    backend = backend_of(session)
    found = backend.index_count_capped(session, expression, codes()[entity], FEW_HITS + 1)
    return found <= FEW_HITS


def matching_ids(session: Session, entity: str, words: Sequence[str]) -> sa.TextClause | None:
    """A subquery of ids of `entity` whose text matches every word (None: nothing to match)."""
    expression = match_expression(words)
    if expression is None:
        return None
    return backend_of(session).index_matching_ids(expression, codes()[entity])
