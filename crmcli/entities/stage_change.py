"""A stage change: one move of a deal, with who and when (the funnel's history)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from crmcli.entities import readers, records, schema
from crmcli.entities.registry import RecordType
from crmcli.kernel.dates import iso
from crmcli.store.models import (
    StageChange,
)


def stage_change_records(session: Session, rows: Sequence[StageChange]) -> list[dict]:
    stage_ids: set[int | None] = {r.to_stage_id for r in rows}
    stage_ids |= {r.from_stage_id for r in rows}
    stages = records.stages_by_id(session, stage_ids)
    titles = records.deal_titles(session, {r.deal_id for r in rows})
    return [
        {
            "id": r.id,
            "deal_id": r.deal_id,
            "deal": titles.get(r.deal_id),
            "from_stage_id": r.from_stage_id,
            "from_stage": stages[r.from_stage_id].name if r.from_stage_id else None,
            "to_stage_id": r.to_stage_id,
            "to_stage": stages[r.to_stage_id].name,
            "at": iso(r.at),
            "by": r.by,
        }
        for r in rows
    ]


def read(data: Mapping[str, object]) -> dict[str, Any]:
    """The checked columns of the keys `data` gives, besides the deal and the two stages
    (links the importing path resolves)."""
    values: dict[str, Any] = dict(readers.given_text(data, ("by",)))
    values.update(readers.given_times(data, ("at",)))
    return values


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "deal_id": schema.INT,
    "deal": schema.NSTR,
    "from_stage_id": schema.NINT,
    "from_stage": schema.NSTR,
    "to_stage_id": schema.INT,
    "to_stage": schema.STR,
    "at": schema.TIME,
    "by": schema.NSTR,
}


RECORD_TYPE = RecordType(
    name="stage_change",
    model=StageChange,
    serialize=stage_change_records,
    properties=PROPERTIES,
    links={"deal": "deal"},
)
