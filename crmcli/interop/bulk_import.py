"""The fast path of `crm import`: plain creates, buffered and written with executemany.

Most lines of a big import create a record whose links are plain ids (an export read back,
a generated data set). Those lines are checked one by one as they arrive, exactly like the
row-by-row importer would check them, then buffered and written in batches, parent tables
first, with one multi-row statement per table. Links and unique emails are verified per
batch with one query each, and a failure still names its line.

Everything else (updates, REF links, pipelines, ids that may already exist) goes through the
row-by-row importer in `crmcli.interop.transfer`, which flushes this buffer first so that the order
of the file is kept.

Why this file is long (about 580 lines): one row builder per bulk record type, and the
batch checks that name a refused line (links, emails, stage names) without a query per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, partial

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from crmcli.entities import company as company_type
from crmcli.entities import customer as customer_type
from crmcli.entities import deal as deal_type
from crmcli.entities import interaction as interaction_type
from crmcli.entities import product as product_type
from crmcli.entities import purchase as purchase_type
from crmcli.entities import readers, refs, registry
from crmcli.entities import reminder as reminder_type
from crmcli.entities import stage_change as stage_change_type
from crmcli.entities.registry import RecordType
from crmcli.interop.sales import priced_rows, purchase_amounts
from crmcli.kernel import config, validate
from crmcli.kernel.errors import Conflict, InvalidInput, NotFound
from crmcli.query import fulltext
from crmcli.services import products, purchases
from crmcli.services.purchases import Catalogued
from crmcli.store.backends import backend_of
from crmcli.store.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Deal,
    FieldValue,
    Pipeline,
    Product,
    PurchaseItem,
    Stage,
    Tag,
    id_of,
    utcnow,
)


@cache
def bulk_types() -> tuple[RecordType, ...]:
    """The types whose plain creates take this path (dependency order: parents first)."""
    return tuple(t for t in registry.all_types() if t.bulk)


@cache
def _bulk_types_by_name() -> dict[str, RecordType]:
    return {t.name: t for t in bulk_types()}


def _bulk_type(kind: str) -> RecordType | None:
    """The bulk record type called `kind` (None: not one); asked once per import line."""
    return _bulk_types_by_name().get(kind)


#: What a new row holds for each optional column its line leaves out.
_UNSET_COMPANY = dict.fromkeys(("domain", "industry", "owner", "notes", "deleted_at"))
_UNSET_CUSTOMER = dict.fromkeys(("title", "owner", "notes", "deleted_at"))
_UNSET_DEAL = dict.fromkeys(("close_date", "lost_reason", "owner", "deleted_at"))
_UNSET_INTERACTION = {"direction": "out", "summary": None, "body": None}
_UNSET_REMINDER = {"text": None, "done_at": None, "snooze_count": 0}
_UNSET_PRODUCT = {"category": None, "cost_minor": None, "active": True, "notes": None}
_UNSET_PRODUCT |= {"deleted_at": None}
_UNSET_PURCHASE = {"deal_id": None, "channel": purchases.DEFAULT_CHANNEL, "note": None}
_UNSET_PURCHASE |= {"refund_of_id": None}
_QUERY_CHUNK = 900


@dataclass
class _Batch:
    """Rows waiting to be written, per table, with the line each came from."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    lines: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    tags: list[dict] = field(default_factory=list)
    fields: list[dict] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)
    phones: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    search: list[tuple[str, int, str | None, list]] = field(default_factory=list)
    size: int = 0


class BulkCreates:
    """Buffers creates of plain records and writes them in batches."""

    def __init__(self, session: Session, batch_size: int = 5000) -> None:
        self.session = session
        self.batch_size = batch_size
        self.user = config.current_user()
        self.currency = config.default_currency()
        self.now = utcnow()
        self.batch = _Batch()
        self._builders = {
            "company": self._company,
            "customer": self._customer,
            "deal": self._deal,
            "stage_change": self._stage_change,
            "interaction": self._interaction,
            "reminder": self._reminder,
            "product": self._product,
            "purchase": self._purchase,
        }
        #: Every product by id and by SKU (lower-cased), read when a line first needs them
        #: and kept up to date with the products queued here: a purchase line's items are
        #: priced without a query.
        self._catalogue: tuple[dict[int, Catalogued], dict[str, Catalogued]] | None = None
        self.backend = backend_of(session)
        self.backend.prepare_bulk_load(session)
        #: Where the database checks every link as rows go in (SQLite with foreign_keys on)
        #: and every email against its unique index, the batch looks them up only when it
        #: refuses one, to name the line: at a million customers the lookups beforehand cost
        #: over 20 s of a 5-minute import. Elsewhere they come first.
        self.database_enforces = self.backend.enforces_links_on_insert(session)
        self.high: dict[str, int] = {}
        for record_type in bulk_types():
            self.note_written(record_type.name)
        self.load_pipelines()
        self.deferred_indexes = self._defer_indexes()

    # -- what the fast path takes ------------------------------------------------------------

    def accepts(self, kind: str, data: dict) -> bool:
        """True for a create whose links are all ids (or absent where that is allowed)."""
        record_type = _bulk_type(kind)
        if record_type is None:
            return False
        record_id = data.get("id")
        if record_id is not None and not (
            isinstance(record_id, int)
            and not isinstance(record_id, bool)
            and record_id > self.high[kind]
        ):
            return False
        for ref in record_type.links:
            if data.get(ref) is not None and f"{ref}_id" not in data:
                return False
        match kind:
            case "customer":
                return data.get("company") is None or "company_id" in data
            case "deal":
                return data.get("customer_id") is not None and (
                    "company_id" in data or data.get("company") is None
                )
            case "interaction" | "reminder":
                return data.get("customer_id") is not None
            case "stage_change":
                return data.get("deal_id") is not None and (
                    data.get("to_stage_id") is not None or data.get("to_stage") is not None
                )
            case "purchase":
                # A refund is checked against its purchase row by row (rare, and it needs
                # what earlier refunds took).
                return data.get("customer_id") is not None and data.get("refund_of") is None
        return True

    def add(self, number: int, kind: str, data: dict) -> None:
        """Check one line now (errors name its field) and queue its rows."""
        record_id = (
            readers.record_id(data["id"], "id")
            if data.get("id") is not None
            else self.high[kind] + 1
        )
        self.high[kind] = record_id
        row = self._builders[kind](record_id, data)
        self.batch.rows[kind].append(row)
        self.batch.lines[kind].append(number)
        self.batch.size += 1
        if self.batch.size >= self.batch_size:
            self.flush()

    def _defer_indexes(self) -> list[sa.Index]:
        """Into empty tables, load first and index after: building an index from sorted
        data costs a fraction of updating it row by row. Unique indexes stay (they are
        rules), and so does everything on a table that already has rows. Only where DDL is
        transactional (the backend says): a failed import rolls the indexes back with the rows."""
        if not self.backend.defers_indexes:
            return []
        deferred: list[sa.Index] = []
        models = [t.model for t in bulk_types()]
        for model in (*models, CustomerEmail, CustomerPhone, Tag, FieldValue, PurchaseItem):
            table = model.__table__
            if self.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                continue
            for index in sorted(table.indexes, key=lambda i: i.name):
                if not index.unique:
                    self.session.execute(sa.text(f"DROP INDEX {index.name}"))
                    deferred.append(index)
        return deferred

    def restore_indexes(self) -> None:
        """Build the deferred indexes (at the end, or before a line needs lookups)."""
        self.flush()
        connection = self.session.connection()
        for index in self.deferred_indexes:
            index.create(connection)
        self.deferred_indexes = []

    def note_written(self, kind: str) -> None:
        """After the row-by-row importer wrote `kind`: new ids start above what it made."""
        record_type = _bulk_type(kind)
        if kind == "product":
            self._catalogue = None  # read again: a price or SKU may have changed
        if record_type is None:
            if kind == "pipeline":
                self.load_pipelines()
            return
        model = record_type.model
        highest = self.session.exec(select(func.max(model.id))).one()
        self.high[kind] = max(self.high.get(kind, 0), highest or 0)

    def load_pipelines(self) -> None:
        stages = self.session.exec(select(Stage).order_by(col(Stage.position)))
        self.stages = {id_of(s): s for s in stages}
        pipelines = self.session.exec(select(Pipeline).order_by(col(Pipeline.id))).all()
        default = next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
        self.default_pipeline = default.id if default else None
        self.pipeline_ids = {p.id for p in pipelines}

    # -- one builder per type: the same checks and defaults as the row-by-row importer ----

    def _attributes(self, entity: str, record_id: int, data: dict) -> list[str]:
        tags = readers.tags(data["tags"]) if data.get("tags") else []
        self.batch.tags.extend({"entity": entity, "entity_id": record_id, "name": t} for t in tags)
        for key, value in (readers.fields(data["fields"]) if data.get("fields") else {}).items():
            if value is None:
                continue
            text, number = validate.field_json(value)
            self.batch.fields.append(
                {"entity": entity, "entity_id": record_id, "key": key, "value": text, "num": number}
            )
        return tags

    def _stamped(self, row: dict, *later: str) -> dict:
        """A new row's `created_at` (now unless given), and each of `later` (`updated_at`,
        ...) as the creation time unless given."""
        row.setdefault("created_at", self.now)
        for key in later:
            row.setdefault(key, row["created_at"])
        return row

    def _company(self, record_id: int, data: dict) -> dict:
        row = {"id": record_id, **_UNSET_COMPANY, **company_type.read(data, new=True)}
        self._stamped(row, "updated_at")
        tags = self._attributes("company", record_id, data)
        body = [row["domain"], row["industry"], row["notes"], *tags]
        self.batch.search.append(("company", record_id, row["name"], body))
        return row

    def _customer(self, record_id: int, data: dict) -> dict:
        row = {"id": record_id, **_UNSET_CUSTOMER, **customer_type.read(data, new=True)}
        company_id = data.get("company_id")
        row["company_id"] = (
            None if company_id is None else readers.record_id(company_id, "company_id")
        )
        emails = readers.primary_first(data, "email", "emails", validate.email, list) or []
        phones = readers.primary_first(data, "phone", "phones", validate.phone, list) or []
        self._stamped(row, "updated_at")
        for position, address in enumerate(emails):
            self.batch.emails.append(
                {
                    "customer_id": record_id,
                    "email": address,
                    "is_primary": position == 0,
                    "position": position,
                }
            )
        for position, phone in enumerate(phones):
            self.batch.phones.append(
                {
                    "customer_id": record_id,
                    "phone": phone,
                    "is_primary": position == 0,
                    "position": position,
                }
            )
        tags = self._attributes("customer", record_id, data)
        row["_search"] = (
            [*emails, *phones],
            row["company_id"],
            [row["title"], row["notes"], *tags],
        )
        return row

    def _stage_for(self, data: dict) -> tuple[int, Stage]:
        pipeline_id = (
            readers.record_id(data["pipeline_id"], "pipeline_id")
            if data.get("pipeline_id") is not None
            else None
        )
        if pipeline_id is not None and pipeline_id not in self.pipeline_ids:
            raise NotFound(f"no pipeline with id {pipeline_id}")
        if data.get("stage_id") is not None:
            stage_id = readers.record_id(data["stage_id"], "stage_id")
            stage = self.stages.get(stage_id)
            if stage is None:
                raise NotFound(f"no stage with id {stage_id}")
            pipeline_id = pipeline_id or stage.pipeline_id
            if stage.pipeline_id != pipeline_id:
                raise InvalidInput(f"stage {stage.name} is not in pipeline {pipeline_id}")
            return pipeline_id, stage
        pipeline_id = pipeline_id or self.default_pipeline
        if pipeline_id is None:
            raise NotFound("there is no pipeline; create one with crm pipeline add")
        candidates = [s for s in self.stages.values() if s.pipeline_id == pipeline_id]
        if data.get("stage") is None:
            if not candidates:
                raise InvalidInput(f"pipeline {pipeline_id} has no stages")
            return pipeline_id, candidates[0]
        return pipeline_id, self._stage_named(pipeline_id, readers.text(data["stage"], "stage"))

    def _deal(self, record_id: int, data: dict) -> dict:
        values = deal_type.read(data, new=True)
        pipeline_id, stage = self._stage_for(data)
        currency = values.get("currency", self.currency)
        company_id = data.get("company_id")
        row = {
            "id": record_id,
            **_UNSET_DEAL,
            **values,
            "customer_id": readers.record_id(data["customer_id"], "customer_id"),
            "company_id": None
            if company_id is None
            else readers.record_id(company_id, "company_id"),
            "pipeline_id": pipeline_id,
            "stage_id": stage.id,
            "value_minor": deal_type.value_minor(data["value"], currency) if "value" in data else 0,
            "currency": currency,
        }
        self._stamped(row, "updated_at", "stage_changed_at")
        if "closed_at" not in row:
            row["closed_at"] = row["created_at"] if stage.kind != "open" else None
        if "company_id" not in data:
            row["_company_of_customer"] = True  # as `crm deal add` does; filled in at flush
        tags = self._attributes("deal", record_id, data)
        self.batch.search.append(("deal", record_id, row["title"], [row["lost_reason"], *tags]))
        return row

    def _stage_id(self, data: dict, key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        stage_id = readers.record_id(value, key)
        if stage_id not in self.stages:
            raise NotFound(f"no stage with id {stage_id}")
        return stage_id

    def _stage_change(self, record_id: int, data: dict) -> dict:
        """Stages by id, or by name: names are resolved at flush, in the deal's pipeline."""
        row = {
            "id": record_id,
            "deal_id": readers.record_id(data["deal_id"], "deal_id"),
            "from_stage_id": self._stage_id(data, "from_stage_id"),
            "to_stage_id": self._stage_id(data, "to_stage_id"),
            "by": self.user,
            **stage_change_type.read(data),
        }
        for end in ("from", "to"):
            name = data.get(f"{end}_stage")
            if (
                row[f"{end}_stage_id"] is None
                and f"{end}_stage_id" not in data
                and name is not None
            ):
                row[f"_{end}_name"] = readers.text(name, f"{end}_stage")
        row.setdefault("at", self.now)
        return row

    def _resolve_stage_names(self, rows: list[dict], lines: list[int]) -> None:
        """Stage names of stage changes, looked up in each deal's pipeline (one query)."""
        named = [row for row in rows if "_from_name" in row or "_to_name" in row]
        if not named:
            return
        pipelines: dict[int | None, int] = {}
        for chunk in _chunks(sorted({row["deal_id"] for row in named})):
            pipelines.update(
                self.session.exec(
                    select(Deal.id, Deal.pipeline_id).where(col(Deal.id).in_(chunk))
                ).all()
            )
        for row, line in zip(rows, lines, strict=True):
            for end in ("from", "to"):
                name = row.pop(f"_{end}_name", None)
                if name is None:
                    continue
                if row["deal_id"] not in pipelines:
                    raise NotFound(f"line {line}: no deal with id {row['deal_id']}")
                try:
                    row[f"{end}_stage_id"] = self._stage_named(pipelines[row["deal_id"]], name).id
                except InvalidInput as exc:
                    raise InvalidInput(f"line {line}: {exc}") from None

    def _stage_named(self, pipeline_id: int, name: str) -> Stage:
        """A stage by name from the cached stages, with the rule `crm deal move` uses."""
        candidates = [s for s in self.stages.values() if s.pipeline_id == pipeline_id]
        return refs.pick_stage(candidates, name)

    def _interaction(self, record_id: int, data: dict) -> dict:
        values = interaction_type.read(data, new=True)
        row = {
            **_customer_and_deal(record_id, data),
            **_UNSET_INTERACTION,
            "by": self.user,
            "occurred_at": self.now,
            **values,
        }
        self._stamped(row)
        self.batch.search.append(("interaction", record_id, row["summary"], [row["body"]]))
        return row

    def _reminder(self, record_id: int, data: dict) -> dict:
        values = reminder_type.read(data, new=True)
        row = {
            **_customer_and_deal(record_id, data),
            **_UNSET_REMINDER,
            "by": self.user,
            **values,
        }
        self._stamped(row)
        self.batch.search.append(("reminder", record_id, row["text"], []))
        return row

    def _product(self, record_id: int, data: dict) -> dict:
        values = product_type.read(data, new=True, currency=self.currency)
        row = {"id": record_id, **_UNSET_PRODUCT, **values}
        self._stamped(row, "updated_at")
        by_id, by_sku = self._products()
        if row["sku_key"] in by_sku:
            self.flush()  # the holder may be queued: written, the service's check finds it
            products.check_sku_free(self.session, row["sku_key"])
        facts = Catalogued(
            record_id, row["sku"], row["currency"], row["price_minor"], row["cost_minor"]
        )
        by_id[record_id] = by_sku[row["sku_key"]] = facts
        tags = self._attributes("product", record_id, data)
        body = [row["sku"], row["category"], *tags]  # the order products.reindex uses
        self.batch.search.append(("product", record_id, row["name"], body))
        return row

    def _products(self) -> tuple[dict[int, Catalogued], dict[str, Catalogued]]:
        if self._catalogue is None:
            by_id: dict[int, Catalogued] = {}
            by_sku: dict[str, Catalogued] = {}
            stored = self.session.execute(
                sa.select(
                    col(Product.id),
                    col(Product.sku),
                    col(Product.sku_key),
                    col(Product.currency),
                    col(Product.price_minor),
                    col(Product.cost_minor),
                )
            )
            for product_id, sku, key, currency, price, cost in stored:
                assert product_id is not None, "a stored product has its id"
                facts = Catalogued(product_id, sku, currency, price, cost)
                by_id[facts.id] = by_sku[key] = facts
            self._catalogue = by_id, by_sku
        return self._catalogue

    def _find_product(self, ref: str | int) -> Catalogued:
        """A line's product from the catalogue, with the words a lookup in the database uses."""
        by_id, by_sku = self._products()
        if isinstance(ref, int):
            found = by_id.get(ref)
        else:
            found = by_sku.get(readers.text(ref, "product").strip().lower())
        if found is None:
            raise refs.unknown_product(ref)
        return found

    def _purchase(self, record_id: int, data: dict) -> dict:
        values = purchase_type.read(data, new=True)
        figures = purchase_amounts(data, values.pop("currency", None), find=self._find_product)
        customer_and_deal = _customer_and_deal(record_id, data)
        row = {
            **_UNSET_PURCHASE,
            "by": self.user,
            "at": self.now,
            **values,
            **customer_and_deal,
            "currency": figures.currency,
            "amount_minor": figures.amount_minor,
            "quantity": figures.quantity,
            "cost_minor": figures.cost_minor,
        }
        self._stamped(row)
        if figures.lines:
            self.batch.items.extend(priced_rows(record_id, figures.lines))
        return row

    # -- writing --------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every queued row, parents first; errors name the line they came from."""
        batch, self.batch = self.batch, _Batch()
        if not batch.size:
            return
        for record_type in bulk_types():
            kind = record_type.name
            rows = batch.rows.get(kind)
            if not rows:
                continue
            if not self.database_enforces:
                self._check_links(kind, rows, batch.lines[kind])
            if kind == "deal":
                self._fill_companies(rows)
            if kind == "stage_change":
                self._resolve_stage_names(rows, batch.lines[kind])
                self._check_to_stage(rows, batch.lines[kind])
            if kind == "customer":
                self._check_emails(batch)
                self._customer_search(batch, rows)
            self._insert(
                record_type.model,
                rows,
                refused="FOREIGN KEY",
                name_line=partial(self._check_links, kind, rows, batch.lines[kind]),
            )
        self._insert(PurchaseItem, batch.items)
        self._insert(
            CustomerEmail,
            batch.emails,
            refused="customer_email.email",
            name_line=partial(self._check_taken_emails, batch),
        )
        self._insert(CustomerPhone, batch.phones)
        self._insert(Tag, batch.tags)
        self._insert(FieldValue, batch.fields)
        fulltext.index_many(
            self.session,
            [
                (entity, i, title, " ".join(str(part) for part in body if part))
                for entity, i, title, body in batch.search
            ],
        )

    def _insert(
        self,
        model,
        rows: list[dict],
        *,
        refused: str | None = None,
        name_line: Callable[[], None] | None = None,
    ) -> None:
        """Write rows; when SQLite refuses them for `refused` (a constraint it enforces),
        `name_line` looks up which line it was and raises saying so."""
        if not rows:
            return
        try:
            self.backend.insert_rows(self.session, model.__table__, rows)
        except self.backend.integrity_errors() as error:
            if name_line is not None and refused and refused in str(error):
                name_line()
            raise

    def _check_links(self, kind: str, rows: list[dict], lines: list[int]) -> None:
        for link, target in registry.get(kind).links.items():
            target_type = _bulk_type(target)
            if target_type is None:
                continue  # pipelines: checked against the loaded ones as each line is read
            column = f"{link}_id"
            wanted = {row[column] for row in rows if row[column] is not None}
            missing = wanted - _existing_ids(self.session, target_type.model, wanted)
            if missing:
                index = next(i for i, row in enumerate(rows) if row[column] in missing)
                raise NotFound(f"line {lines[index]}: no {target} with id {rows[index][column]}")

    def _fill_companies(self, rows: list[dict]) -> None:
        """A deal given no company gets its customer's (one query per batch)."""
        wanted = [row for row in rows if row.pop("_company_of_customer", False)]
        if not wanted:
            return
        companies: dict[int | None, int | None] = {}
        for chunk in _chunks(sorted({row["customer_id"] for row in wanted})):
            companies.update(
                self.session.exec(
                    select(Customer.id, Customer.company_id).where(col(Customer.id).in_(chunk))
                ).all()
            )
        for row in wanted:
            row["company_id"] = companies.get(row["customer_id"])

    def _check_to_stage(self, rows: list[dict], lines: list[int]) -> None:
        for row, line in zip(rows, lines, strict=True):
            if row["to_stage_id"] is None:
                raise InvalidInput(
                    f"line {line}: a new stage change needs a 'to_stage_id' or 'to_stage'"
                )

    def _check_emails(self, batch: _Batch) -> None:
        """No address twice in the batch; addresses already stored are looked up here unless
        SQLite's unique index will refuse them anyway (then only to name the line)."""
        if not batch.emails:
            return
        owner_line = _owner_lines(batch)
        seen: dict[str, int] = {}
        for row in batch.emails:
            address = row["email"]
            if address in seen and seen[address] != row["customer_id"]:
                line = owner_line[row["customer_id"]]
                raise Conflict(
                    f"line {line}: email {address} already belongs to customer {seen[address]}"
                )
            seen[address] = row["customer_id"]
        if not self.database_enforces:
            self._check_taken_emails(batch)

    def _check_taken_emails(self, batch: _Batch) -> None:
        """Raise naming the line of the first address that belongs to another customer."""
        owner_line = _owner_lines(batch)
        wanted = {row["email"]: row["customer_id"] for row in batch.emails}
        for chunk in _chunks(list(wanted)):
            stored = self.session.exec(
                select(CustomerEmail.email, CustomerEmail.customer_id).where(
                    col(CustomerEmail.email).in_(chunk)
                )
            )
            for address, owner in stored:
                if owner != wanted[address]:  # not this batch's own row, written just now
                    line = owner_line[wanted[address]]
                    raise Conflict(
                        f"line {line}: email {address} already belongs to customer {owner}"
                    )

    def _customer_search(self, batch: _Batch, rows: list[dict]) -> None:
        """Customers are found by their company's name too: look the names up once per batch."""
        company_ids = {row["company_id"] for row in rows if row["company_id"] is not None}
        names: dict[int | None, str] = {}
        for chunk in _chunks(list(company_ids)):
            names.update(
                self.session.exec(
                    select(Company.id, Company.name).where(col(Company.id).in_(chunk))
                ).all()
            )
        for row in rows:
            contacts, company_id, rest = row.pop("_search")
            body = [*contacts, names.get(company_id), *rest]  # the order customers.reindex uses
            batch.search.append(("customer", row["id"], row["name"], body))


def _customer_and_deal(record_id: int, data: dict) -> dict:
    """A new row's id and its links by id: a customer, and maybe a deal."""
    deal_id = data.get("deal_id")
    return {
        "id": record_id,
        "customer_id": readers.record_id(data["customer_id"], "customer_id"),
        "deal_id": None if deal_id is None else readers.record_id(deal_id, "deal_id"),
    }


def _chunks(values: list, size: int = _QUERY_CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _owner_lines(batch: _Batch) -> dict[int, int]:
    """The line each customer of the batch came from, by customer id."""
    customers = batch.rows["customer"]
    return dict(zip((r["id"] for r in customers), batch.lines["customer"], strict=True))


def _existing_ids(session: Session, model, ids: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        found.update(session.exec(select(model.id).where(model.id.in_(chunk))).all())
    return found
