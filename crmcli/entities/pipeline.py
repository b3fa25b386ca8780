"""A pipeline: the ordered stages a deal moves through (the sales funnel)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from crmcli.entities import schema
from crmcli.entities.registry import RecordType
from crmcli.kernel.dates import iso
from crmcli.kernel.vocabulary import STAGE_KINDS
from crmcli.store.models import (
    Pipeline,
    Stage,
    id_of,
)


def pipeline_records(session: Session, rows: Sequence[Pipeline]) -> list[dict]:
    ids = [id_of(r) for r in rows]
    stages = session.exec(
        select(Stage).where(col(Stage.pipeline_id).in_(ids)).order_by(col(Stage.position))
    ).all()
    by_pipeline: dict[int, list[dict]] = {i: [] for i in ids}
    for s in stages:
        by_pipeline[s.pipeline_id].append(
            {
                "id": s.id,
                "name": s.name,
                "position": s.position,
                "probability": s.probability,
                "kind": s.kind,
                "rotting_days": s.rotting_days,
            }
        )
    return [
        {
            "id": r.id,
            "name": r.name,
            "is_default": r.is_default,
            "stages": by_pipeline[id_of(r)],
            "created_at": iso(r.created_at),
        }
        for r in rows
    ]


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "name": schema.STR,
    "is_default": schema.BOOL,
    "stages": {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name", "position", "probability", "kind", "rotting_days"],
            "properties": {
                "id": schema.INT,
                "name": schema.STR,
                "position": schema.INT,
                "probability": schema.INT,
                "kind": {"type": "string", "enum": list(STAGE_KINDS)},
                "rotting_days": schema.NINT,
            },
        },
    },
    "created_at": schema.TIME,
}


RECORD_TYPE = RecordType(
    name="pipeline",
    model=Pipeline,
    serialize=pipeline_records,
    properties=PROPERTIES,
    bulk=False,
)
