"""The data model as SQLModel tables (ARCHITECTURE.md, "Storage and backends").

The schema is owned by Alembic (`migrations/`); these classes describe it for the ORM and for
autogenerate, and a test fails if the two drift apart. Tags and custom fields live in two
polymorphic tables (`tag`, `field_value`) keyed by entity name and id, so every kind of
record can carry them and filters on them use one index each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

from crmcli.kernel.vocabulary import CHANNELS, DIRECTIONS, STAGE_KINDS  # noqa: F401 (re-exported)
from crmcli.store.backends import backend_named

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Table models never validate on construction, so pydantic's schema is built only if
#: something asks for it: this keeps ~40 ms off every command's start-up.
_LAZY = SQLModelConfig(defer_build=True)


def utcnow() -> datetime:
    """The current time, aware and in UTC: the only kind of datetime the store holds."""
    return datetime.now(UTC)


class Stored(Protocol):
    id: int | None


def id_of(row: Stored) -> int:
    """The id of a row that is in the database.

    Models declare `id: int | None` because a new row has none until it is flushed; code
    that works on a loaded or flushed row asks here and gets an int (or an error naming
    the bug, never a silent NULL foreign key).
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id


class UTCDateTime(sa.TypeDecorator):
    """A DateTime that always comes back timezone-aware in UTC.

    SQLite keeps no offset, so values are normalised to UTC on the way in and marked UTC on
    the way out; PostgreSQL's timestamptz does the same natively.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if backend_named(dialect.name).naive_datetimes else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _when(*, index: bool = False, nullable: bool = False, default: bool = False):
    """A UTC datetime column; `default` stamps the current time on insert."""
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime,
        nullable=nullable,
        index=index,
    )


class Company(SQLModel, table=True):
    model_config = _LAZY
    __tablename__ = "company"
    __table_args__ = (sa.Index("ix_company_active_name", "deleted_at", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    domain: str | None = Field(default=None, index=True)
    industry: str | None = None
    notes: str | None = None
    owner: str | None = Field(default=None, index=True)
    created_at: datetime = _when(default=True, index=True)
    updated_at: datetime = _when(default=True)
    deleted_at: datetime | None = _when(nullable=True)


class Customer(SQLModel, table=True):
    model_config = _LAZY
    __tablename__ = "customer"
    # Lists walk active customers in name order and stop at --limit, whatever the filter.
    __table_args__ = (sa.Index("ix_customer_active_name", "deleted_at", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    title: str | None = None
    notes: str | None = None
    owner: str | None = Field(default=None, index=True)
    created_at: datetime = _when(default=True, index=True)
    updated_at: datetime = _when(default=True)
    deleted_at: datetime | None = _when(nullable=True)


class CustomerEmail(SQLModel, table=True):
    """One of a customer's addresses; stored lower-case and unique across the database."""

    model_config = _LAZY
    __tablename__ = "customer_email"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    email: str = Field(unique=True)
    is_primary: bool = False
    position: int = 0


class CustomerPhone(SQLModel, table=True):
    model_config = _LAZY
    __tablename__ = "customer_phone"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    phone: str = Field(index=True)
    is_primary: bool = False
    position: int = 0


class Tag(SQLModel, table=True):
    """A lower-case tag on any entity; `(entity, name, entity_id)` serves `tag:` filters."""

    model_config = _LAZY
    __tablename__ = "tag"
    __table_args__ = (
        sa.UniqueConstraint("entity", "entity_id", "name", name="uq_tag_entity_record_name"),
        sa.Index("ix_tag_entity_name_record", "entity", "name", "entity_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str
    entity_id: int
    name: str


class FieldValue(SQLModel, table=True):
    """A custom field: `value` holds the JSON text (exact), `num` a copy for comparisons."""

    model_config = _LAZY
    __tablename__ = "field_value"
    __table_args__ = (
        sa.UniqueConstraint("entity", "entity_id", "key", name="uq_field_value_entity_record_key"),
        sa.Index("ix_field_value_entity_key_num", "entity", "key", "num"),
        sa.Index("ix_field_value_entity_key_value", "entity", "key", "value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str
    entity_id: int
    key: str
    value: str
    num: float | None = None


class Pipeline(SQLModel, table=True):
    model_config = _LAZY
    __tablename__ = "pipeline"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    is_default: bool = False
    created_at: datetime = _when(default=True)


class Stage(SQLModel, table=True):
    """An ordered step of a pipeline; `probability` is a whole percentage (0-100)."""

    model_config = _LAZY
    __tablename__ = "stage"
    __table_args__ = (sa.UniqueConstraint("pipeline_id", "name", name="uq_stage_pipeline_name"),)

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipeline.id", index=True)
    name: str
    position: int
    probability: int
    kind: str = "open"
    rotting_days: int | None = None


class Deal(SQLModel, table=True):
    """A deal; `value_minor` is the amount in the currency's minor unit (exact, never float)."""

    model_config = _LAZY
    __tablename__ = "deal"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    pipeline_id: int = Field(foreign_key="pipeline.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    value_minor: int = Field(default=0, sa_type=sa.BigInteger, index=True)
    currency: str = "USD"
    close_date: date | None = Field(default=None, index=True)
    lost_reason: str | None = None
    owner: str | None = Field(default=None, index=True)
    created_at: datetime = _when(default=True, index=True)
    updated_at: datetime = _when(default=True)
    stage_changed_at: datetime = _when(default=True)
    closed_at: datetime | None = _when(nullable=True)
    deleted_at: datetime | None = _when(nullable=True, index=True)


class StageChange(SQLModel, table=True):
    """One move of a deal between stages; `from_stage_id` is None when the deal was created."""

    model_config = _LAZY
    __tablename__ = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    from_stage_id: int | None = Field(default=None, foreign_key="stage.id")
    to_stage_id: int = Field(foreign_key="stage.id")
    at: datetime = _when(default=True, index=True)
    by: str | None = None


class Interaction(SQLModel, table=True):
    model_config = _LAZY
    __tablename__ = "interaction"
    __table_args__ = (sa.Index("ix_interaction_customer_at", "customer_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    channel: str = Field(index=True)
    direction: str = "out"
    occurred_at: datetime = _when(default=True, index=True)
    summary: str | None = None
    body: str | None = None
    by: str | None = None
    created_at: datetime = _when(default=True)


class Reminder(SQLModel, table=True):
    """A follow-up; open while `done_at` is None. Snoozing moves `due_at` and counts."""

    model_config = _LAZY
    __tablename__ = "reminder"
    __table_args__ = (sa.Index("ix_reminder_open_due", "done_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    due_at: datetime = _when(index=True)
    text: str | None = None
    done_at: datetime | None = _when(nullable=True)
    snooze_count: int = 0
    by: str | None = None
    created_at: datetime = _when(default=True)


class Product(SQLModel, table=True):
    """A product of the catalogue; `sku_key` is the SKU lower-cased, unique (case-insensitive).

    Prices and costs are exact, in the currency's minor unit, like a deal's value.
    """

    model_config = _LAZY
    __tablename__ = "product"
    __table_args__ = (sa.Index("ix_product_active_name", "deleted_at", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    sku: str
    sku_key: str = Field(unique=True)
    name: str = Field(index=True)
    category: str | None = Field(default=None, index=True)
    price_minor: int = Field(default=0, sa_type=sa.BigInteger)
    cost_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str = "USD"
    active: bool = True
    notes: str | None = None
    created_at: datetime = _when(default=True, index=True)
    updated_at: datetime = _when(default=True)
    deleted_at: datetime | None = _when(nullable=True)


class Purchase(SQLModel, table=True):
    """An order: its total (`amount_minor`, negative for a refund) in one currency.

    `cost_minor` is the cost of goods where every line's cost is known, else None. A refund
    is a purchase of its own with negative amount and quantity, linked by `refund_of_id`.
    """

    model_config = _LAZY
    __tablename__ = "purchase"
    # Per-customer figures (recency, frequency, value) walk a customer's purchases in time.
    __table_args__ = (sa.Index("ix_purchase_customer_at", "customer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    at: datetime = _when(default=True, index=True)
    channel: str = Field(default="web", index=True)
    currency: str = "USD"
    amount_minor: int = Field(default=0, sa_type=sa.BigInteger)
    cost_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    quantity: int = 1
    refund_of_id: int | None = Field(default=None, foreign_key="purchase.id", index=True)
    note: str | None = None
    by: str | None = None
    created_at: datetime = _when(default=True)


class PurchaseItem(SQLModel, table=True):
    """One line of a purchase: the line's total and cost, exact (unit price = total / qty)."""

    model_config = _LAZY
    __tablename__ = "purchase_item"
    # Baskets pair the products of one purchase: (product, purchase) serves the self-join.
    __table_args__ = (sa.Index("ix_purchase_item_product_purchase", "product_id", "purchase_id"),)

    id: int | None = Field(default=None, primary_key=True)
    purchase_id: int = Field(foreign_key="purchase.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    quantity: int = 1
    amount_minor: int = Field(default=0, sa_type=sa.BigInteger)
    cost_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    position: int = 0
