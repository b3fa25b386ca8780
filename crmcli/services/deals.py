"""Deals in a pipeline: add, edit, move between stages, win, lose. Every move is recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from crmcli.entities import deal as deal_type
from crmcli.entities import readers, refs
from crmcli.entities.stages import step_target
from crmcli.kernel import config, money, validate
from crmcli.kernel.errors import Conflict, InvalidInput, NotFound
from crmcli.query import fulltext
from crmcli.store import attributes
from crmcli.store.models import Deal, Stage, StageChange, id_of, utcnow


@dataclass
class DealChanges:
    title: str | None = None
    customer: str | None = None
    value: str | None = None
    currency: str | None = None
    close: date | None = None
    clear_close: bool = False
    owner: str | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    fields: Mapping[str, object] = field(default_factory=dict)


def reindex(session: Session, deal: Deal) -> None:
    tags = attributes.load_tags(session, "deal", [id_of(deal)]).get(id_of(deal), [])
    fulltext.index(session, "deal", id_of(deal), deal.title, [deal.lost_reason, *tags])


def add(
    session: Session,
    title: str,
    *,
    customer: str,
    value: str | None = None,
    currency: str | None = None,
    stage: str | None = None,
    pipeline: str | None = None,
    close: date | None = None,
    owner: str | None = None,
    tags: Sequence[str] = (),
    fields: Mapping[str, object] | None = None,
) -> Deal:
    """Create a deal in the first open stage (or `stage`) of the pipeline (default one)."""
    given: dict[str, object] = {"title": title, "currency": currency}
    given["owner"] = owner if owner is not None else config.default_owner()
    given["close_date"] = close.isoformat() if close is not None else None
    values = deal_type.read(readers.asked(given), new=True)
    code = values.pop("currency", None) or config.default_currency()
    person = refs.customer(session, customer)
    chosen_pipeline = refs.pipeline(session, pipeline)
    start = (
        refs.stage(session, id_of(chosen_pipeline), stage)
        if stage
        else first_stage(session, id_of(chosen_pipeline))
    )
    now = utcnow()
    deal = Deal(
        **values,
        customer_id=id_of(person),
        company_id=person.company_id,
        pipeline_id=id_of(chosen_pipeline),
        stage_id=id_of(start),
        value_minor=deal_type.value_minor(value, code) if value is not None else 0,
        currency=code,
        created_at=now,
        updated_at=now,
        stage_changed_at=now,
        closed_at=now if start.kind != "open" else None,
    )
    clean_tags = validate.tags(tags)
    session.add(deal)
    session.flush()
    session.add(
        StageChange(deal_id=id_of(deal), to_stage_id=id_of(start), at=now, by=config.current_user())
    )
    attributes.set_tags(session, "deal", id_of(deal), clean_tags)
    attributes.set_fields(session, "deal", id_of(deal), fields or {}, replace=False)
    reindex(session, deal)
    return deal


def first_stage(session: Session, pipeline_id: int) -> Stage:
    found = session.exec(
        select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(col(Stage.position))
    ).first()
    if found is None:
        raise InvalidInput(f"pipeline {pipeline_id} has no stages")
    return found


def edit(session: Session, ref: str | Deal, changes: DealChanges) -> Deal:
    """Apply `changes` to one deal: a REF, or one the caller resolved already."""
    deal = ref if isinstance(ref, Deal) else refs.deal(session, ref, deleted=None)
    given = {
        "title": changes.title,
        "currency": changes.currency,
        "owner": changes.owner,
        "close_date": changes.close.isoformat() if changes.close is not None else None,
    }
    values = deal_type.read(readers.asked(given))
    currency = values.pop("currency", None)
    for key, value in values.items():
        setattr(deal, key, value)
    if changes.customer is not None:
        person = refs.customer(session, changes.customer)
        deal.customer_id = id_of(person)
        deal.company_id = person.company_id
    if currency is not None:
        if changes.value is None and currency != deal.currency:
            # Same amount in major units: 300 USD becomes 300 JPY, not 30000 JPY.
            major = money.to_major(deal.value_minor, deal.currency)
            deal.value_minor = money.to_minor(major, currency)
        deal.currency = currency
    if changes.value is not None:
        deal.value_minor = deal_type.value_minor(changes.value, deal.currency)
    if changes.clear_close:
        deal.close_date = None
    attributes.update_tags(
        session,
        "deal",
        id_of(deal),
        validate.tags(changes.add_tags),
        validate.tags(changes.remove_tags),
    )
    attributes.set_fields(session, "deal", id_of(deal), changes.fields, replace=False)
    deal.updated_at = utcnow()
    session.add(deal)
    session.flush()
    reindex(session, deal)
    return deal


def move(
    session: Session, ref: str | Deal, stage_name: str, *, reason: str | None = None
) -> StageChange | None:
    """Move a deal to a stage of its pipeline; None when it is already there."""
    deal = ref if isinstance(ref, Deal) else refs.deal(session, ref)
    target = refs.stage(session, deal.pipeline_id, stage_name)
    return move_to(session, deal, target, reason=reason)


def move_to(
    session: Session, deal: Deal, target: Stage, *, reason: str | None = None
) -> StageChange | None:
    if target.pipeline_id != deal.pipeline_id:
        raise InvalidInput(f"stage {target.name} is not in this deal's pipeline")
    if target.kind == "lost" and not (reason or deal.lost_reason):
        raise InvalidInput("a lost deal needs a reason: crm deal lost REF --reason TEXT")
    if deal.stage_id == id_of(target):
        # Already there: a new lost reason is an edit, not a stage change.
        new_reason = validate.optional_text(reason)
        if target.kind == "lost" and new_reason and new_reason != deal.lost_reason:
            deal.lost_reason = new_reason
            deal.updated_at = utcnow()
            session.add(deal)
            session.flush()
            reindex(session, deal)
        return None
    now = utcnow()
    change = StageChange(
        deal_id=id_of(deal),
        from_stage_id=deal.stage_id,
        to_stage_id=id_of(target),
        at=now,
        by=config.current_user(),
    )
    deal.stage_id = id_of(target)
    deal.stage_changed_at = deal.updated_at = now
    deal.closed_at = now if target.kind != "open" else None
    if target.kind == "lost":
        deal.lost_reason = validate.optional_text(reason) or deal.lost_reason
    else:
        deal.lost_reason = None
    session.add(deal)
    session.add(change)
    session.flush()
    reindex(session, deal)
    return change


def move_by_id(
    session: Session,
    deal_id: int,
    stage_id: int,
    *,
    reason: str | None = None,
    expected_stage_id: int | None = None,
) -> StageChange | None:
    """Move a deal to a stage given by id (a move on the TUI's board), recorded like
    `crm deal move`.

    Raises NotFound when the deal was deleted or the stage no longer exists, InvalidInput
    when the stage is in another pipeline or a lost stage gets no reason. With
    `expected_stage_id`, a deal that somebody else moved meanwhile is refused (Conflict)
    instead of being moved from a place the user did not see.
    """
    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_at is not None:
        raise NotFound(f"deal {deal_id} no longer exists")
    target = session.get(Stage, stage_id)
    if target is None:
        raise NotFound(f"stage {stage_id} no longer exists; reload the board")
    if target.pipeline_id != deal.pipeline_id:
        raise InvalidInput(f"stage {target.name} is not in this deal's pipeline")
    if expected_stage_id is not None and deal.stage_id not in (expected_stage_id, stage_id):
        current = session.get(Stage, deal.stage_id)
        raise Conflict(
            f"deal {deal_id} was moved to {current.name if current else 'another stage'} "
            "meanwhile; nothing changed"
        )
    return move_to(session, deal, target, reason=reason)


def step(session: Session, deal: Deal, direction: int) -> StageChange | None:
    """Move to the previous (-1) or next (+1) open stage (`entities.stages.step_target`)."""
    stages = session.exec(select(Stage).where(Stage.pipeline_id == deal.pipeline_id)).all()
    target = step_target(stages, deal.stage_id, direction)
    if target is None:
        raise InvalidInput("no stage further that way")
    return move_to(session, deal, target)


def won(session: Session, ref: str | Deal) -> StageChange | None:
    deal = ref if isinstance(ref, Deal) else refs.deal(session, ref)
    return move_to(session, deal, _stage_of_kind(session, deal, "won"))


def lost(session: Session, ref: str | Deal, reason: str) -> StageChange | None:
    deal = ref if isinstance(ref, Deal) else refs.deal(session, ref)
    if not validate.optional_text(reason):
        raise InvalidInput("a lost deal needs a reason: --reason TEXT")
    return move_to(session, deal, _stage_of_kind(session, deal, "lost"), reason=reason)


def _stage_of_kind(session: Session, deal: Deal, kind: str) -> Stage:
    found = session.exec(
        select(Stage)
        .where(Stage.pipeline_id == deal.pipeline_id, Stage.kind == kind)
        .order_by(col(Stage.position))
    ).first()
    if found is None:
        raise InvalidInput(f"this deal's pipeline has no {kind} stage")
    return found


def remove(session: Session, ref: str | Deal) -> Deal:
    deal = ref if isinstance(ref, Deal) else refs.deal(session, ref, deleted=None)
    if deal.deleted_at is not None:
        raise InvalidInput(f"deal {id_of(deal)} is already deleted")
    deal.deleted_at = deal.updated_at = utcnow()
    session.add(deal)
    return deal


def restore(session: Session, ref: str | Deal) -> Deal:
    deal = ref if isinstance(ref, Deal) else refs.deal(session, ref, deleted=True)
    if deal.deleted_at is None:
        raise InvalidInput(f"deal {id_of(deal)} is not deleted")
    deal.deleted_at = None
    deal.updated_at = utcnow()
    session.add(deal)
    return deal
