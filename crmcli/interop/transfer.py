"""Export and import of the whole database as NDJSON (`crm export`, `crm import`).

Export streams every record, type by type in dependency order (`registry.names()`), each as the same
object `--json` prints (`crmcli.entities.records`) with a leading `type` field. Tables are read with
keyset pagination (`WHERE id > last ORDER BY id LIMIT n`), so memory stays flat however big
the database is.

Why this file is long (about 700 lines): the row-by-row importer keeps one upsert handler
per record type (links by id or REF, partial updates, a pipeline's stages, a deal's moves),
and they share helpers; the column checks themselves are each type's `read`. A handler
per type in its own module is the next step when the analytics types arrive.

Import reads those lines back as an upsert:

- a line whose `id` exists updates that record: only the keys present on the line change,
  and the many-valued keys (`tags`, `fields`, `emails`, `phones`, a pipeline's `stages`) given
  on a line replace what the record had (a pipeline's unlisted stages are kept);
- a line whose `id` does not exist creates the record with that id; a line without `id`
  creates one with a new id;
- links are `customer_id` / `company_id` / `deal_id`, or a REF (id, email or name) in
  `customer` / `company` / `deal` when the `*_id` key is absent. Names shown beside an id
  (`customer`, `stage`, `status`, `weighted_value`, ...) are read-only and ignored;
- every value is validated as the CLI would validate it, and the first bad line raises the
  usual error class with its message prefixed by `line N: `.

The caller owns the transaction (`store.write()`), which makes an import all-or-nothing; a
dry run is the same import in a transaction that is rolled back, so it reports exactly what a
real run would do. Created deals get no automatic stage change (their history comes from
`stage_change` lines); an *updated* deal whose stage changes is moved like `crm deal move`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NoReturn

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from crmcli.entities import company as company_type
from crmcli.entities import customer as customer_type
from crmcli.entities import deal as deal_type
from crmcli.entities import interaction as interaction_type
from crmcli.entities import pipeline as pipeline_type
from crmcli.entities import readers, refs, registry
from crmcli.entities import reminder as reminder_type
from crmcli.entities import stage_change as stage_change_type
from crmcli.interop.bulk_import import BulkCreates
from crmcli.interop.ndjson import parse_line
from crmcli.interop.sales import SalesImporter
from crmcli.interop.upsert import Upserter
from crmcli.kernel import config, money, validate
from crmcli.kernel.errors import Ambiguous, Conflict, CrmError, InvalidInput
from crmcli.query import fulltext
from crmcli.services import companies, customers, deals
from crmcli.store import attributes
from crmcli.store.backends import backend_of
from crmcli.store.models import (
    STAGE_KINDS,
    Company,
    Customer,
    Deal,
    Interaction,
    Pipeline,
    Reminder,
    Stage,
    StageChange,
    id_of,
    utcnow,
)

# --------------------------------------------------------------------------------------------
# Export


def check_types(types: Sequence[str] | None) -> tuple[str, ...]:
    """The chosen types in dependency order; an unknown name is an error listing them all."""
    if not types:
        return registry.names()
    for name in types:
        registry.get(name)
    chosen = set(types)
    return tuple(name for name in registry.names() if name in chosen)


def export_records(
    session: Session, types: Sequence[str] | None = None, *, batch: int = 2000
) -> Iterator[dict]:
    """Every record of each type (dependency order, then by id), soft-deleted ones included.

    Each is `{"type": T, **record}` with the record `--json` shows. Rows are fetched `batch`
    at a time by keyset pagination, so no table is ever loaded whole.
    """
    if batch < 1:
        raise InvalidInput(f"invalid batch size {batch}: expected a whole number >= 1")
    for name in check_types(types):
        record_type = registry.get(name)
        model, serialize = record_type.model, record_type.serialize
        id_column = col(model.id)
        last: int | None = None
        while True:
            statement = select(model).order_by(id_column).limit(batch)
            if last is not None:
                statement = statement.where(id_column > last)
            rows = session.exec(statement).all()
            if not rows:
                break
            for record in serialize(session, rows):
                yield {"type": name, **record}
            last = rows[-1].id
            if len(rows) < batch:
                break


# --------------------------------------------------------------------------------------------
# Import

#: A deal's times that a move stamps itself.
_MOVE_STAMPS = ("stage_changed_at", "closed_at", "updated_at")

#: The keys of one stage inside a pipeline line.
_STAGE_KEYS = frozenset(pipeline_type.PROPERTIES["stages"]["items"]["properties"])


@dataclass
class ImportReport:
    """How many records of each type an import created and updated."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(registry.names(), 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(registry.names(), 0))
    source: str = "-"
    lines: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    def summary(self) -> str:
        return f"{self.total_created} created, {self.total_updated} updated"


def import_lines(session: Session, lines: Iterable[str], *, source: str = "-") -> ImportReport:
    """Upsert every NDJSON line into the database; the first bad line raises, naming it.

    Runs inside the caller's transaction: roll it back (an error does, in `store.write()`)
    and nothing is written.
    """
    with collector_paused():
        return _import(session, lines, source)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while lines are loaded.

    A load makes millions of short-lived dicts and lists and no reference cycles, so the
    collector finds nothing and costs about 14 % of an import's time. Reference counting
    still frees everything as usual; the collector's previous state comes back after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(session: Session, lines: Iterable[str], source: str) -> ImportReport:
    importer = _Importer(session)
    bulk = BulkCreates(session)
    report = ImportReport(source=source)
    for number, line in enumerate(lines, 1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte order mark some editors write
        if not line.strip():
            continue
        try:
            data = parse_line(line)
            kind = data["type"]
            if bulk.accepts(kind, data):
                bulk.add(number, kind, data)
                created = True
            else:
                bulk.restore_indexes()  # lookups ahead: they need the indexes
                created = importer.handle(data)
                bulk.note_written(kind)
        except Exception as exc:
            _reraise_naming_line(exc, number)
        (report.created if created else report.updated)[kind] += 1
        report.lines += 1
    try:
        bulk.restore_indexes()
    except Exception as exc:
        _reraise_naming_line(exc, None)
    session.flush()
    # Lines carry their ids: the next record added must get one after them.
    written = [t.model.__table__ for t in registry.all_types() if report.created[t.name]]
    if report.created["pipeline"]:
        written.append(sa.inspect(Stage).local_table)
    backend_of(session).reset_sequences(session, written)
    return report


def _reraise_naming_line(error: Exception, number: int | None) -> NoReturn:
    named = _naming_line(error, number)
    if named is error:
        raise error
    raise named from error


def _naming_line(error: Exception, number: int | None) -> Exception:
    """The error to raise for a failed line: `line N: ` in front of the message (a batch
    error already names its own line). Errors that are not the user's pass unchanged."""
    prefix = f"line {number}: " if number is not None else ""
    if isinstance(error, Ambiguous):
        return Ambiguous(f"{prefix}{error}", error.candidates)
    if isinstance(error, CrmError):
        return error if str(error).startswith("line ") else type(error)(f"{prefix}{error}")
    if isinstance(error, sa.exc.IntegrityError):
        return Conflict(f"{prefix}the database refused it: {error.orig}")
    if isinstance(error, OverflowError):
        return InvalidInput(f"{prefix}a number is too large to store")
    return error


class _Importer(Upserter):
    """Upserts one parsed line at a time; keeps no per-record state, so memory stays flat.
    Products and purchases have their handlers in `interop/sales.py`."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        sales = SalesImporter(session)
        self._handlers: dict[str, Callable[[dict], bool]] = {
            "pipeline": self.pipeline,
            "company": self.company,
            "customer": self.customer,
            "deal": self.deal,
            "stage_change": self.stage_change,
            "interaction": self.interaction,
            "reminder": self.reminder,
            "product": sales.product,
            "purchase": sales.purchase,
        }

    def handle(self, data: dict) -> bool:
        """Import one parsed line; True if it created a record."""
        created = self._handlers[data["type"]](data)
        self.session.flush()
        return created

    # -- pipelines -------------------------------------------------------------------------

    def pipeline(self, data: dict) -> bool:
        record_id, pipeline = self._existing(Pipeline, data)
        created = pipeline is None
        if pipeline is None:
            if "name" not in data:
                raise InvalidInput("a new pipeline needs a 'name'")
            if not data.get("stages"):
                raise InvalidInput("a new pipeline needs 'stages'")
            pipeline = self._new(Pipeline, record_id, name="", is_default=False)
        if "name" in data:
            name = validate.name(readers.text(data["name"], "name"), "pipeline name")
            clash = self.session.exec(
                select(Pipeline).where(
                    func.lower(Pipeline.name) == name.lower(), Pipeline.id != pipeline.id
                )
            ).first()
            if clash is not None:
                raise Conflict(
                    f"a pipeline named {clash.name} already exists (id {clash.id}); "
                    "give its id to update it"
                )
            pipeline.name = name
        if "is_default" in data:
            pipeline.is_default = readers.boolean(data["is_default"], "is_default")
        if "created_at" in data:
            pipeline.created_at = readers.when(data["created_at"], "created_at")
        self.session.add(pipeline)
        self.session.flush()
        if pipeline.is_default:
            self.session.exec(
                sa.update(Pipeline)
                .where(col(Pipeline.id) != pipeline.id, col(Pipeline.is_default))
                .values(is_default=False)
            )
        if "stages" in data:
            self._stages(pipeline, data["stages"])
        return created

    def _stages(self, pipeline: Pipeline, value: object) -> None:
        """Upsert a pipeline's stages by id (else by name); stages not listed are kept."""
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            raise InvalidInput("field 'stages' must be a list of objects")
        current = {
            s.id: s
            for s in self.session.exec(select(Stage).where(Stage.pipeline_id == pipeline.id))
        }
        by_name = {s.name.lower(): s for s in current.values()}
        planned: list[tuple[Stage, dict, bool]] = []
        for spec in value:
            unknown = [key for key in spec if key not in _STAGE_KEYS]
            if unknown:
                raise InvalidInput(f"unknown field '{unknown[0]}' for a stage")
            stage, stage_id = None, None
            if spec.get("id") is not None:
                stage_id = readers.record_id(spec["id"], "stage id")
                stage = self.session.get(Stage, stage_id)
                if stage is not None and stage.pipeline_id != pipeline.id:
                    raise InvalidInput(
                        f"stage id {stage_id} belongs to another pipeline ({stage.pipeline_id})"
                    )
            elif isinstance(spec.get("name"), str):
                stage = by_name.get(validate.name(spec["name"], "stage name").lower())
            if stage is None:
                stage = Stage(pipeline_id=id_of(pipeline), name="", position=0, probability=0)
                if stage_id is not None:
                    stage.id = stage_id
                planned.append((stage, spec, True))
            else:
                planned.append((stage, spec, False))
        # Validate everything first, then write names in two steps so a swap of two names
        # never trips the (pipeline, name) uniqueness rule half-way.
        next_position = max((s.position for s in current.values()), default=0)
        final: list[tuple[Stage, str]] = []
        for stage, spec, is_new in planned:
            name = stage.name
            if "name" in spec:
                name = validate.name(readers.text(spec["name"], "stage name"), "stage name")
            elif is_new:
                raise InvalidInput("a new stage needs a 'name'")
            if "probability" in spec:
                probability = readers.whole(spec["probability"], "stage probability")
                if not 0 <= probability <= 100:
                    raise InvalidInput(f"stage probability {probability} is not within 0-100")
                stage.probability = probability
            elif is_new:
                raise InvalidInput(f"stage {name} needs a 'probability' (0-100)")
            if "kind" in spec:
                kind = readers.text(spec["kind"], "stage kind").strip().lower()
                if kind not in STAGE_KINDS:
                    raise InvalidInput(f"invalid stage kind '{kind}': use open, won or lost")
                stage.kind = kind
            elif is_new:
                stage.kind = {100: "won", 0: "lost"}.get(stage.probability, "open")
            if "rotting_days" in spec:
                rotting = spec["rotting_days"]
                stage.rotting_days = None if rotting is None else validate.rotting_days(rotting)
            if "position" in spec:
                stage.position = readers.whole(spec["position"], "stage position")
            elif is_new:
                next_position += 1
                stage.position = next_position
            final.append((stage, name))
        names = [name.lower() for _, name in final]
        if len(set(names)) != len(names):
            raise InvalidInput("stage names of a pipeline must be different")
        listed = {id(stage) for stage, _ in final}
        for other in current.values():
            if id(other) not in listed and other.name.lower() in names:
                raise InvalidInput(f"pipeline {pipeline.name} already has a stage {other.name}")
        renamed = [(stage, name) for stage, name in final if stage.name != name]
        for stage, _ in renamed:
            stage.name = f"\x00renaming {id(stage)}"
        self.session.add_all(stage for stage, _ in final)
        self.session.flush()
        for stage, name in renamed:
            stage.name = name
        self.session.flush()
        has_open = self.session.exec(
            select(Stage.id).where(Stage.pipeline_id == pipeline.id, Stage.kind == "open")
        ).first()
        if has_open is None:
            raise InvalidInput(f"pipeline {pipeline.name} needs at least one open stage")

    # -- companies -------------------------------------------------------------------------

    def company(self, data: dict) -> bool:
        record_id, company = self._existing(Company, data)
        created = company is None
        values = company_type.read(data, new=created)
        tags, fields = readers.optional_tags(data), readers.optional_fields(data)
        if company is None:
            company = self._new(Company, record_id, name="")
        self._apply(company, values, created)
        self.session.add(company)
        self.session.flush()
        self._attributes("company", id_of(company), tags, fields, created)
        companies.reindex(self.session, company)
        return created

    # -- customers -------------------------------------------------------------------------

    def customer(self, data: dict) -> bool:
        record_id, customer = self._existing(Customer, data)
        created = customer is None
        values = customer_type.read(data, new=created)
        if customer is None:
            customer = self._new(Customer, record_id, name="")
        given, company = self._link(data, "company", Company, refs.company)
        if given:
            customer.company_id = company.id if company else None

        def current(loader):
            if created:
                return []
            return loader(self.session, [customer.id]).get(customer.id, [])

        emails = readers.primary_first(
            data, "email", "emails", validate.email, lambda: current(attributes.load_emails)
        )
        phones = readers.primary_first(
            data, "phone", "phones", validate.phone, lambda: current(attributes.load_phones)
        )
        tags, fields = readers.optional_tags(data), readers.optional_fields(data)
        self._apply(customer, values, created)
        self.session.add(customer)
        self.session.flush()
        if emails is not None and (emails or not created):
            attributes.set_emails(self.session, id_of(customer), emails)
        if phones is not None and (phones or not created):
            attributes.set_phones(self.session, id_of(customer), phones)
        self._attributes("customer", id_of(customer), tags, fields, created)
        self.session.flush()
        customers.reindex(self.session, customer)
        return created

    # -- deals -----------------------------------------------------------------------------

    def deal(self, data: dict) -> bool:
        record_id, deal = self._existing(Deal, data)
        created = deal is None
        session = self.session
        values = deal_type.read(data, new=created)

        given, person = self._link(data, "customer", Customer, refs.customer)
        if given and person is None:
            raise InvalidInput("a deal needs a customer")
        if created and not given:
            raise InvalidInput("a new deal needs a 'customer_id' or a 'customer' REF")
        company_given, company = self._link(data, "company", Company, refs.company)

        pipeline = self._deal_pipeline(data)
        stage = self._deal_stage(data, pipeline, deal)
        if pipeline is None and stage is not None:
            pipeline = self._get(Pipeline, stage.pipeline_id, "pipeline")
        if pipeline is None:
            pipeline = (
                refs.pipeline(session, None)
                if deal is None
                else self._get(Pipeline, deal.pipeline_id, "pipeline")
            )
        if stage is None and (deal is None or pipeline.id != deal.pipeline_id):
            stage = deals.first_stage(session, id_of(pipeline))
        if stage is not None and stage.pipeline_id != pipeline.id:
            raise InvalidInput(f"stage {stage.name} is not in pipeline {pipeline.name}")

        old_currency = config.default_currency() if deal is None else deal.currency
        currency = values.get("currency", old_currency)
        value_minor = None
        if "value" in data:
            value_minor = deal_type.value_minor(data["value"], currency)
        elif deal is not None and currency != old_currency:
            # A new currency keeps the amount in major units, not the count of minor units.
            value_minor = money.to_minor(money.to_major(deal.value_minor, old_currency), currency)
        title = values.get("title")
        lost_reason = values.get("lost_reason")
        tags, fields = readers.optional_tags(data), readers.optional_fields(data)

        if deal is None:
            assert person is not None, "a new deal's customer is given (checked above)"
            deal = self._new(
                Deal,
                record_id,
                title=title,
                customer_id=person.id,
                company_id=person.company_id,
                pipeline_id=pipeline.id,
                stage_id=stage.id,
                value_minor=value_minor or 0,
                currency=currency,
                lost_reason=lost_reason,
            )
            deal.created_at = values.get("created_at") or utcnow()
            deal.updated_at = deal.stage_changed_at = deal.created_at
            deal.closed_at = deal.created_at if stage.kind != "open" else None
            moved = False
        else:
            before = {key: getattr(deal, key) for key in _MOVE_STAMPS}
            if title is not None:
                deal.title = title
            if person is not None:  # given: a deal's customer cannot be null (checked above)
                deal.customer_id = id_of(person)
                if not company_given:
                    deal.company_id = person.company_id
            if value_minor is not None:
                deal.value_minor = value_minor
            deal.currency = currency
            moved = stage is not None and stage.id != deal.stage_id
            if "lost_reason" in data and not moved:
                deal.lost_reason = lost_reason
            if "created_at" in values:
                deal.created_at = values["created_at"]
        if company_given:
            deal.company_id = company.id if company else None
        for key in ("close_date", "owner", "deleted_at"):
            if key in values:
                setattr(deal, key, values[key])

        if moved:
            if stage.kind == "lost" and not (lost_reason or deal.lost_reason):
                raise InvalidInput(f"moving deal {deal.id} to {stage.name} needs a 'lost_reason'")
            deal.pipeline_id = id_of(pipeline)
            deals.move_to(session, deal, stage, reason=lost_reason)
            # The move stamps its own times; the line's win only where it changes them
            # (a stale copy from an earlier export must not undo the move).
            for key, old in before.items():
                if key in values and values[key] != old:
                    setattr(deal, key, values[key])
        else:
            stamps = {k: v for k, v in values.items() if k in _MOVE_STAMPS}
            self._apply(deal, stamps, created)
        session.add(deal)
        session.flush()
        self._attributes("deal", id_of(deal), tags, fields, created)
        deals.reindex(session, deal)
        return created

    def _deal_pipeline(self, data: dict) -> Pipeline | None:
        if data.get("pipeline_id") is not None:
            return self._get(
                Pipeline, readers.record_id(data["pipeline_id"], "pipeline_id"), "pipeline"
            )
        if data.get("pipeline") is not None:
            ref = data["pipeline"]
            ref = str(ref) if isinstance(ref, int) and not isinstance(ref, bool) else ref
            return refs.pipeline(self.session, readers.text(ref, "pipeline"))
        return None

    def _deal_stage(self, data: dict, pipeline: Pipeline | None, deal: Deal | None):
        if data.get("stage_id") is not None:
            return self._get(Stage, readers.record_id(data["stage_id"], "stage_id"), "stage")
        if data.get("stage") is not None:
            pipeline_id = (
                id_of(pipeline)
                if pipeline is not None
                else deal.pipeline_id
                if deal is not None
                else id_of(refs.pipeline(self.session, None))
            )
            return refs.stage(self.session, pipeline_id, readers.text(data["stage"], "stage"))
        return None

    # -- stage changes ---------------------------------------------------------------------

    def stage_change(self, data: dict) -> bool:
        record_id, change = self._existing(StageChange, data)
        created = change is None
        given, deal = self._link(data, "deal", Deal, refs.deal)
        if given and deal is None:
            raise InvalidInput("a stage change needs a deal")
        if change is None:
            if deal is None:  # not given: a given null was refused above
                raise InvalidInput("a new stage change needs a 'deal_id' or a 'deal' REF")
            change = self._new(StageChange, record_id, deal_id=deal.id, to_stage_id=0)
            change.by = self.user
        elif deal is not None:
            change.deal_id = id_of(deal)
        owner = deal if deal is not None else self._get(Deal, change.deal_id, "deal")
        for end in ("from", "to"):
            id_key, name_key = f"{end}_stage_id", f"{end}_stage"
            if id_key in data:
                value = data[id_key]
                stage = (
                    None
                    if value is None
                    else self._get(Stage, readers.record_id(value, id_key), "stage")
                )
            elif data.get(name_key) is not None:
                stage = refs.stage(
                    self.session, owner.pipeline_id, readers.text(data[name_key], name_key)
                )
            elif name_key in data and end == "from":
                stage = None
            else:
                if created and end == "to":
                    raise InvalidInput("a new stage change needs a 'to_stage_id' or 'to_stage'")
                continue
            if stage is None and end == "to":
                raise InvalidInput("field 'to_stage_id' cannot be null")
            setattr(change, id_key, stage.id if stage else None)
        for key, value in stage_change_type.read(data).items():
            setattr(change, key, value)
        self.session.add(change)
        return created

    # -- interactions ----------------------------------------------------------------------

    def interaction(self, data: dict) -> bool:
        record_id, interaction = self._existing(Interaction, data)
        created = interaction is None
        given, person = self._link(data, "customer", Customer, refs.customer)
        if given and person is None:
            raise InvalidInput("an interaction needs a customer")
        deal_given, deal = self._link(data, "deal", Deal, refs.deal)
        values = interaction_type.read(data, new=created)
        if interaction is None:
            if person is None:
                if deal is None:
                    raise InvalidInput("a new interaction needs a 'customer_id' or 'customer' REF")
                person = self._get(Customer, deal.customer_id, "customer")
            interaction = self._new(Interaction, record_id, customer_id=person.id, channel="")
            interaction.by = self.user
        elif person is not None:
            interaction.customer_id = id_of(person)
        if deal_given:
            interaction.deal_id = deal.id if deal else None
        for key, value in values.items():
            setattr(interaction, key, value)
        self.session.add(interaction)
        self.session.flush()
        fulltext.index(
            self.session, "interaction", id_of(interaction), interaction.summary, [interaction.body]
        )
        return created

    # -- reminders -------------------------------------------------------------------------

    def reminder(self, data: dict) -> bool:
        record_id, reminder = self._existing(Reminder, data)
        created = reminder is None
        customer_given, person = self._link(data, "customer", Customer, refs.customer)
        deal_given, deal = self._link(data, "deal", Deal, refs.deal)
        values = reminder_type.read(data, new=created)
        if reminder is None:
            if person is None and deal is None:
                raise InvalidInput("a new reminder needs a customer or a deal")
            reminder = self._new(
                Reminder, record_id, customer_id=person.id if person else None, due_at=None
            )
            if not customer_given and deal is not None:
                reminder.customer_id = deal.customer_id
            reminder.by = self.user
        elif customer_given:
            reminder.customer_id = person.id if person else None
        if deal_given:
            reminder.deal_id = deal.id if deal else None
        if reminder.customer_id is None and reminder.deal_id is None:
            raise InvalidInput("a reminder needs a customer or a deal")
        for key, value in values.items():
            setattr(reminder, key, value)
        self.session.add(reminder)
        self.session.flush()
        fulltext.index(self.session, "reminder", id_of(reminder), reminder.text, [])
        return created
