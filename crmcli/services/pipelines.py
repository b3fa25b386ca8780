"""Pipelines and their ordered stages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from crmcli.kernel import validate
from crmcli.kernel.errors import Conflict, InvalidInput
from crmcli.store.models import Pipeline, Stage, id_of


def parse_stage_spec(text: str) -> tuple[str, int, str, int | None]:
    """`NAME:PROB[:KIND[:ROT_DAYS]]`, e.g. `Demo:40`, `Signed:100:won`, `Trial:30:open:10`."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) < 2 or not parts[0]:
        raise InvalidInput(f"invalid stage '{text}': expected NAME:PROBABILITY, e.g. Demo:40")
    name = validate.name(parts[0], "stage name")
    try:
        probability = validate.digits(parts[1], "probability", maximum=100)
    except InvalidInput:
        raise InvalidInput(
            f"invalid stage '{_start(text)}': probability must be a whole number 0-100"
        ) from None
    kind = parts[2].lower() if len(parts) > 2 and parts[2] else None
    if kind is None:
        kind = {100: "won", 0: "lost"}.get(probability, "open")
    if kind not in ("open", "won", "lost"):
        raise InvalidInput(f"invalid stage '{text}': kind must be open, won or lost")
    rotting = None
    if len(parts) > 3 and parts[3]:
        try:
            rotting = validate.digits(parts[3], "rotting days", maximum=validate.MAX_ROTTING_DAYS)
        except InvalidInput:
            raise InvalidInput(
                f"invalid stage '{_start(text)}': rotting days must be a whole number "
                f"0-{validate.MAX_ROTTING_DAYS}"
            ) from None
    return name, probability, kind, rotting


def _start(text: str) -> str:
    """A stage spec as an error quotes it: its start, when it is long."""
    return text if len(text) <= 60 else text[:60] + "..."


def add(
    session: Session, name: str, stage_specs: Sequence[str], *, make_default: bool = False
) -> Pipeline:
    clean = validate.name(name, "pipeline name")
    if not stage_specs:
        raise InvalidInput("a pipeline needs stages: --stage NAME:PROBABILITY (repeat it)")
    stages = [parse_stage_spec(s) for s in stage_specs]
    names = [s[0].lower() for s in stages]
    if len(set(names)) != len(names):
        raise InvalidInput("stage names must be different")
    if not any(kind == "open" for _, _, kind, _ in stages):
        raise InvalidInput("a pipeline needs at least one open stage")
    exists = session.exec(
        select(Pipeline).where(func.lower(Pipeline.name) == clean.lower())
    ).first()
    if exists:
        raise Conflict(f"a pipeline named {exists.name} already exists (id {exists.id})")
    if make_default:
        for other in session.exec(select(Pipeline).where(Pipeline.is_default)):
            other.is_default = False
            session.add(other)
    pipeline = Pipeline(name=clean, is_default=make_default)
    session.add(pipeline)
    session.flush()
    for position, (stage_name, probability, kind, rotting) in enumerate(stages, 1):
        session.add(
            Stage(
                pipeline_id=id_of(pipeline),
                name=stage_name,
                position=position,
                probability=probability,
                kind=kind,
                rotting_days=rotting,
            )
        )
    session.flush()
    return pipeline


def all_pipelines(session: Session) -> list[Pipeline]:
    """Every pipeline in the order they were added (by id): `crm pipeline list`."""
    return list(session.exec(select(Pipeline).order_by(col(Pipeline.id))))


def stages(session: Session, pipeline_id: int) -> list[Stage]:
    return list(
        session.exec(
            select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(col(Stage.position))
        )
    )
