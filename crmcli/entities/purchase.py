"""A purchase (an order): a customer's purchase of products, or a bare amount.

The total and the cost are exact in minor units; each line keeps its own total, so a unit
price finer than the minor unit (2 CDs for 29.33: 14.665 each) is shown as it is but never
stored rounded. A refund is a purchase of its own with a negative amount and quantity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crmcli.entities import filters, readers, records, schema
from crmcli.entities.filters import exact, linked, moment, number, text
from crmcli.entities.registry import Listing, RecordType
from crmcli.kernel import money, validate
from crmcli.kernel.dates import iso
from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.vocabulary import PURCHASE_CHANNELS
from crmcli.store.models import Customer, Deal, Product, Purchase, PurchaseItem, id_of

if TYPE_CHECKING:
    from crmcli.query.parser import Term

#: The most lines one purchase takes.
MAX_ITEMS = 1000
#: The note of a refund recorded without one.
REFUND_NOTE = "Refund of purchase {}"


def unit_amount(total_minor: int, quantity: int, currency: str) -> int | float:
    """A line's unit price (or cost) in major units: its exact total over the quantity."""
    if quantity == 0:
        return 0
    unit = Decimal(total_minor) / Decimal(quantity)
    major = unit.scaleb(-money.exponent(currency))
    return int(major) if major == major.to_integral_value() else float(major)


def _line(item: PurchaseItem, currency: str, products: Mapping[int, Product]) -> dict:
    product = products.get(item.product_id)
    return {
        "product_id": item.product_id,
        "product": product.sku if product else None,
        "name": product.name if product else None,
        "quantity": item.quantity,
        "unit_price": unit_amount(item.amount_minor, item.quantity, currency),
        "amount": money.json_number(item.amount_minor, currency),
        "unit_cost": (
            None
            if item.cost_minor is None
            else unit_amount(item.cost_minor, item.quantity, currency)
        ),
        "cost": None if item.cost_minor is None else money.json_number(item.cost_minor, currency),
    }


def purchase_records(session: Session, rows: Sequence[Purchase]) -> list[dict]:
    ids = [r.id for r in rows]
    customers = records.customer_names(session, {r.customer_id for r in rows})
    titles = records.deal_titles(session, {r.deal_id for r in rows})
    lines: dict[int, list[PurchaseItem]] = {}
    if ids:
        found = session.exec(
            select(PurchaseItem)
            .where(col(PurchaseItem.purchase_id).in_(ids))
            .order_by(col(PurchaseItem.purchase_id), col(PurchaseItem.position))
        )
        for item in found:
            lines.setdefault(item.purchase_id, []).append(item)
    product_ids = {item.product_id for group in lines.values() for item in group}
    products = (
        {id_of(p): p for p in session.exec(select(Product).where(col(Product.id).in_(product_ids)))}
        if product_ids
        else {}
    )
    return [
        {
            "id": r.id,
            "customer_id": r.customer_id,
            "customer": customers.get(r.customer_id),
            "deal_id": r.deal_id,
            "deal": titles.get(r.deal_id) if r.deal_id else None,
            "at": iso(r.at),
            "channel": r.channel,
            "currency": r.currency,
            "amount": money.json_number(r.amount_minor, r.currency),
            "cost": None if r.cost_minor is None else money.json_number(r.cost_minor, r.currency),
            "quantity": r.quantity,
            "refund_of": r.refund_of_id,
            "items": [_line(item, r.currency, products) for item in lines.get(r.id or 0, [])],
            "note": r.note,
            "by": r.by,
            "created_at": iso(r.created_at),
        }
        for r in rows
    ]


#: What an amount may be given as (a bool is an int, and refused first).


def signed_minor(value: object, key: str, currency: str) -> int:
    """An amount as given, negative allowed (refunds), in minor units."""
    given = readers.amount(value, key)
    try:
        return money.to_signed_minor(given, currency)
    except InvalidInput as exc:
        raise InvalidInput(f"field '{key}': {exc}") from None


def quantity(value: object, key: str = "quantity") -> int:
    """A whole, non-zero number of units (negative only on a refund)."""
    if type(value) is int and 0 < abs(value) <= validate.MAX_INTEGER:
        return value  # the common case, checked without the general readers
    number = readers.whole(value, key)
    if number == 0:
        raise InvalidInput(f"field '{key}' cannot be 0")
    return validate.within_integer_range(number, key)


def read(data: Mapping[str, object], *, new: bool = False) -> dict[str, Any]:
    """The checked scalar columns of the keys `data` gives (an import line or `crm purchase
    add`). The customer, deal and lines are links, resolved by the service that writes."""
    values: dict[str, Any] = {}
    if "currency" in data and data["currency"] is not None:
        values["currency"] = money.parse_currency(readers.text(data["currency"], "currency"))
    if "channel" in data:
        values["channel"] = channel(readers.text(data["channel"], "channel"))
    if "quantity" in data and data["quantity"] is not None:
        values["quantity"] = quantity(data["quantity"])
    values.update(readers.given_text(data, ("note", "by")))
    values.update(readers.given_times(data, ("at", "created_at")))
    return values


def channel(text: str) -> str:
    word = text.strip().lower()
    if word not in PURCHASE_CHANNELS:
        raise InvalidInput(f"unknown purchase channel '{text}': use {', '.join(PURCHASE_CHANNELS)}")
    return word


ITEM = {
    "type": "object",
    "properties": {
        "product_id": schema.INT,
        "product": {**schema.NSTR, "description": "The product's SKU."},
        "name": schema.NSTR,
        "quantity": schema.INT,
        "unit_price": {
            **schema.NUM,
            "description": "amount / quantity (may be finer than the minor unit).",
        },
        "amount": {**schema.NUM, "description": "The line's total, exact."},
        "unit_cost": {"type": ["number", "null"]},
        "cost": {"type": ["number", "null"]},
    },
}

PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "customer_id": schema.INT,
    "customer": schema.NSTR,
    "deal_id": schema.NINT,
    "deal": schema.NSTR,
    "at": schema.TIME,
    "channel": {"type": "string", "enum": list(PURCHASE_CHANNELS)},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "amount": {**schema.NUM, "description": "The total, major units, exact; negative: a refund."},
    "cost": {"type": ["number", "null"], "description": "Cost of goods (null: not known)."},
    "quantity": {**schema.INT, "description": "Units in all; negative on a refund."},
    "refund_of": {**schema.NINT, "description": "The purchase this refunds."},
    "items": {"type": "array", "items": ITEM},
    "note": schema.NSTR,
    "by": schema.NSTR,
    "created_at": schema.TIME,
}


def bought_product(term: Term, _ctx: filters.Context) -> filters.Clause:
    """`product:CD` (a SKU, exact, or part of a name) or `product:12`: purchases with it."""
    filters.need(term, filters.EQUALITY, "use product:SKU, product:12 or part of a name")
    value = term.value.lower()
    if value.isascii() and value.isdigit():
        wanted = select(Product.id).where(
            col(Product.id) == validate.within_integer_range(int(value), "id")
        )
    else:
        wanted = select(Product.id).where(
            sa.or_(
                col(Product.sku_key) == value,
                sa.func.lower(Product.name).contains(value, autoescape=True),
            )
        )
    clause = col(Purchase.id).in_(
        select(PurchaseItem.purchase_id).where(col(PurchaseItem.product_id).in_(wanted))
    )
    return sa.not_(clause) if term.op == "!=" else clause


def bought_category(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use category:NAME")
    wanted = select(Product.id).where(sa.func.lower(Product.category) == term.value.lower())
    clause = col(Purchase.id).in_(
        select(PurchaseItem.purchase_id).where(col(PurchaseItem.product_id).in_(wanted))
    )
    return sa.not_(clause) if term.op == "!=" else clause


def refund_flag(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use refund:yes or refund:no")
    wanted = term.value.lower()
    if wanted not in ("yes", "no"):
        raise InvalidInput(f"unknown value '{term.value}' for refund: use yes or no")
    clause = col(Purchase.amount_minor) < 0
    clause = clause if wanted == "yes" else sa.not_(clause)
    return sa.not_(clause) if term.op == "!=" else clause


RECORD_TYPE = RecordType(
    name="purchase",
    model=Purchase,
    serialize=purchase_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Purchase.id)),
            "customer": linked(col(Purchase.customer_id), Customer, col(Customer.name)),
            "deal": linked(col(Purchase.deal_id), Deal, col(Deal.title)),
            "product": bought_product,
            "category": bought_category,
            "channel": exact(col(Purchase.channel)),
            "currency": exact(col(Purchase.currency)),
            "at": moment(col(Purchase.at)),
            "amount": filters.amount(col(Purchase.amount_minor), col(Purchase.currency)),
            "quantity": number(col(Purchase.quantity)),
            "refund": refund_flag,
            "by": exact(col(Purchase.by)),
            "note": text(col(Purchase.note)),
            "created": moment(col(Purchase.created_at)),
        },
        sorts={
            "id": col(Purchase.id),
            "at": col(Purchase.at),
            "amount": col(Purchase.amount_minor),
            "channel": col(Purchase.channel),
            "created": col(Purchase.created_at),
        },
        default_sort=("-at", "-id"),
        has_fields=False,
        title=col(Purchase.note),
    ),
    links={"customer": "customer", "deal": "deal"},
)
