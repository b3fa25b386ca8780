"""A product of the catalogue: SKU, name, category, list price and unit cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col

from crmcli.entities import filters, readers, schema
from crmcli.entities.filters import exact, moment, number, tag, text
from crmcli.entities.registry import Listing, RecordType, Searchable
from crmcli.kernel import money, validate
from crmcli.kernel.dates import iso
from crmcli.kernel.errors import InvalidInput
from crmcli.store import attributes
from crmcli.store.models import Product, id_of

if TYPE_CHECKING:
    from crmcli.query.parser import Term

#: The longest SKU taken: codes, not prose.
MAX_SKU = 64


def sku(value: object) -> str:
    """A SKU as given, trimmed: no spaces and no `@`, so `--item SKUx2@9.50` stays readable."""
    code = validate.clean(readers.text(value, "sku"), "SKU").strip()
    if not code:
        raise InvalidInput("a SKU cannot be empty")
    if len(code) > MAX_SKU or "@" in code or any(ch.isspace() for ch in code):
        raise InvalidInput(
            f"invalid SKU '{code[:MAX_SKU]}': at most {MAX_SKU} characters, no spaces and no '@'"
        )
    return code


def amount_minor(value: object, key: str, currency: str) -> int:
    """A non-negative price or cost as given (JSON number or typed text), in minor units."""
    given = readers.amount(value, key)
    try:
        return money.to_minor(given, currency)
    except InvalidInput as exc:
        raise InvalidInput(f"field '{key}': {exc}") from None


def product_records(session: Session, rows: Sequence[Product]) -> list[dict]:
    ids = [id_of(r) for r in rows]
    tags = attributes.load_tags(session, "product", ids)
    fields = attributes.load_fields(session, "product", ids)
    return [
        {
            "id": r.id,
            "sku": r.sku,
            "name": r.name,
            "category": r.category,
            "price": money.json_number(r.price_minor, r.currency),
            "cost": None if r.cost_minor is None else money.json_number(r.cost_minor, r.currency),
            "currency": r.currency,
            "active": r.active,
            "tags": tags.get(id_of(r), []),
            "fields": fields.get(id_of(r), {}),
            "notes": r.notes,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "deleted_at": iso(r.deleted_at),
        }
        for r in rows
    ]


def read(
    data: Mapping[str, object], *, new: bool = False, currency: str | None = None
) -> dict[str, Any]:
    """The checked columns of the keys `data` gives: an import line or `crm product add`.

    Price and cost are read in the currency given, else `currency` (the product's own when
    an edit leaves it), else the default currency."""
    if new:
        readers.require(data, "sku", "product")
        readers.require(data, "name", "product")
        readers.require(data, "price", "product")
    values: dict[str, Any] = {}
    if "sku" in data:
        values["sku"] = sku(data["sku"])
        values["sku_key"] = values["sku"].lower()
    if "name" in data:
        values["name"] = validate.name(readers.text(data["name"], "name"))
    if data.get("currency") is not None:
        values["currency"] = money.parse_currency(readers.text(data["currency"], "currency"))
    elif new:
        values["currency"] = currency or money.DEFAULT_CURRENCY
    in_currency = values.get("currency") or currency or money.DEFAULT_CURRENCY
    if "price" in data:
        values["price_minor"] = amount_minor(data["price"], "price", in_currency)
    if "cost" in data:
        cost = data["cost"]
        values["cost_minor"] = None if cost is None else amount_minor(cost, "cost", in_currency)
    if "active" in data:
        values["active"] = readers.boolean(data["active"], "active")
    if "category" in data:
        category = readers.optional_text(data["category"], "category")
        values["category"] = category.lower() if category else None
    values.update(readers.given_text(data, ("notes",)))
    values.update(readers.given_times(data, ("created_at", "updated_at"), ("deleted_at",)))
    return values


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "sku": {**schema.STR, "description": "Unique, compared case-insensitively."},
    "name": schema.STR,
    "category": schema.NSTR,
    "price": {**schema.NUM, "description": "List price per unit, major units, exact."},
    "cost": {"type": ["number", "null"], "description": "Unit cost, major units (null: unknown)."},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "active": schema.BOOL,
    "tags": schema.STRS,
    "fields": schema.FIELDS,
    "notes": schema.NSTR,
    "created_at": schema.TIME,
    "updated_at": schema.TIME,
    "deleted_at": schema.NTIME,
}


def active_flag(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use active:yes or active:no")
    wanted = term.value.lower()
    if wanted not in ("yes", "no", "true", "false"):
        raise InvalidInput(f"unknown value '{term.value}' for active: use yes or no")
    clause = col(Product.active).is_(wanted in ("yes", "true"))
    return ~clause if term.op == "!=" else clause


RECORD_TYPE = RecordType(
    name="product",
    model=Product,
    serialize=product_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Product.id)),
            "sku": text(col(Product.sku)),
            "name": text(col(Product.name)),
            "category": exact(col(Product.category)),
            "price": filters.amount(col(Product.price_minor), col(Product.currency)),
            "cost": filters.amount(col(Product.cost_minor), col(Product.currency)),
            "currency": exact(col(Product.currency)),
            "active": active_flag,
            "tag": tag,
            "notes": text(col(Product.notes)),
            "created": moment(col(Product.created_at)),
            "updated": moment(col(Product.updated_at)),
        },
        sorts={
            "id": col(Product.id),
            "sku": col(Product.sku_key),
            "name": col(Product.name),
            "category": col(Product.category),
            "price": col(Product.price_minor),
            "created": col(Product.created_at),
            "updated": col(Product.updated_at),
        },
        default_sort=("name", "id"),
        has_fields=True,
        title=col(Product.name),
    ),
    search=Searchable(code=6, label="name", detail="sku"),
)
