"""Purchases: record an order (lines or a bare amount), refund one, delete a mistaken one.

Prices and costs default from the product at the time of sale and are copied onto the
line, so a later price change never rewrites history. Every amount is exact in minor
units; a purchase is in one currency, and its total is the sum of its lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlmodel import Session, col, delete, select

from crmcli.entities import purchase as purchase_type
from crmcli.entities import readers, refs
from crmcli.kernel import config, money
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Product, Purchase, PurchaseItem, id_of, utcnow

#: `--item SKU[xQTY][@PRICE]`: the quantity after the last `x`, the unit price after `@`.
_ITEM = re.compile(r"^(?P<sku>.+?)(?:x(?P<quantity>\d+))?(?:@(?P<price>[^@]+))?$")
DEFAULT_CHANNEL = "web"


#: An amount as a source gives it: typed text, a JSON number (Decimal when it has a fraction).
Number = Decimal | str | int | float
_NUMBER = (Decimal, str, int, float)


class Line(NamedTuple):
    """One line as given: the product by SKU or id, and what the source said of it.

    `amount` and `cost` are the line's totals (exact), `unit_price` and `unit_cost` per unit;
    either may be given, or both when they agree. `cost_stated` says the source gave the
    cost, maybe as null (unknown): then the product's cost is not taken instead."""

    product: str | int
    quantity: int = 1
    unit_price: Number | None = None
    amount: Number | None = None
    unit_cost: Number | None = None
    cost: Number | None = None
    cost_stated: bool = False


class Catalogued(NamedTuple):
    """What pricing a line needs of its product (from the database or an import's cache)."""

    id: int
    sku: str
    currency: str
    price_minor: int
    cost_minor: int | None

    @classmethod
    def of(cls, product: Product) -> Catalogued:
        return cls(
            id_of(product), product.sku, product.currency, product.price_minor, product.cost_minor
        )


class Priced(NamedTuple):
    """One line priced and costed in minor units (negative on a refund); nothing written."""

    product_id: int
    quantity: int
    amount_minor: int
    cost_minor: int | None


def parse_item(session: Session, text: str) -> Line:
    """`CD`, `CDx2`, `CDx2@14.50` or `CD@14.50` as a line; a SKU that itself ends in `x2`
    is taken whole when a product has it."""
    given, _, price = text.strip().partition("@")
    if not given:
        raise InvalidInput(f"invalid item '{text}': use SKU, SKUxQTY or SKUxQTY@PRICE")
    exact = session.exec(select(Product.id).where(Product.sku_key == given.lower())).first()
    match = _ITEM.match(given)
    if exact is not None or match is None or match["quantity"] is None:
        sku, quantity = given, 1
    else:
        sku, quantity = match["sku"], int(match["quantity"])
    if quantity == 0:
        raise InvalidInput(f"invalid item '{text}': the quantity must be at least 1")
    if "@" in text and not price.strip():
        raise InvalidInput(f"invalid item '{text}': give a price after @")
    return Line(product=sku, quantity=quantity, unit_price=price.strip() or None)


def _unit(value: object, what: str) -> Decimal:
    """A unit price or cost as given: a number, never negative (a refund's are positive)."""
    if isinstance(value, bool) or not isinstance(value, _NUMBER):
        raise InvalidInput(f"{what} must be a number, not {readers.show_value(value)}")
    return money.to_decimal(value)


def _times(unit: Number, quantity: int, currency: str, what: str) -> int:
    """`unit` x `quantity` in minor units, refusing a total finer than the minor unit."""
    total = (_unit(unit, what) * abs(quantity)).scaleb(money.exponent(currency))
    if total != total.to_integral_value():
        raise InvalidInput(
            f"invalid {what} '{unit}' x {abs(quantity)}: the total is finer than "
            f"{currency}'s minor unit ({money.exponent(currency)} decimal places)"
        )
    if total > money.MAX_MINOR:
        raise InvalidInput(f"invalid {what} '{unit}': too large")
    return int(total) * (1 if quantity > 0 else -1)


def _agrees(unit: Number, total_minor: int, quantity: int, currency: str, what: str) -> bool:
    """Whether a unit figure fits its line's total: exactly (unit x quantity), or as the
    rounded figure an export shows for a total that does not divide (29.33 / 3)."""
    given = _unit(unit, what)
    if (given * abs(quantity)).scaleb(money.exponent(currency)) == abs(total_minor):
        return True
    shown = purchase_type.unit_amount(abs(total_minor), abs(quantity), currency)
    return given == money.to_decimal(shown)


def _line_total(
    total: Number | None,
    unit: Number | None,
    quantity: int,
    currency: str,
    refund: bool,
    sku: str,
    what: str,
) -> int | None:
    """A line's total price (`what` "price") or cost from the total and/or the unit figure
    given; None when neither is."""
    key = "amount" if what == "price" else "cost"
    if total is not None:
        minor = signed_amount(total, key, currency, refund)
        if unit is not None and not _agrees(unit, minor, quantity, currency, what):
            raise InvalidInput(f"'{sku}': {key} {total} is not {abs(quantity)} x {unit}")
        return minor
    if unit is not None:
        return _times(unit, quantity, currency, what)
    return None


def find_product(session: Session, ref: str | int) -> Product:
    """A line's product: by id, or by SKU (deleted ones too: an old line may name one)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = session.get(Product, ref) if 0 < ref < 2**63 else None
        if found is None:
            raise refs.unknown_product(ref)
        return found
    return refs.product_by_sku(session, readers.text(ref, "product"))


def price_lines(
    lines: Sequence[Line],
    currency: str | None,
    *,
    find: Callable[[str | int], Catalogued],
    refund: bool = False,
) -> tuple[str, list[Priced]]:
    """The purchase's currency and its lines, priced and costed; the checks every path
    shares (`crm purchase add`, import line by line and in bulk). `find` gives a line's
    product or raises `refs.unknown_product`.

    A line without a price takes its product's list price, which must then be in the
    purchase's currency: a purchase never mixes currencies. A line without a cost takes the
    product's unit cost (when in that currency) unless the source says it is unknown."""
    if len(lines) > purchase_type.MAX_ITEMS:
        raise InvalidInput(f"a purchase takes at most {purchase_type.MAX_ITEMS} lines")
    priced: list[Priced] = []
    for line in lines:
        product = find(line.product)
        quantity = purchase_type.quantity(line.quantity, "quantity")
        if refund:
            quantity = -abs(quantity)
        elif quantity < 0:
            raise InvalidInput(
                f"invalid quantity {quantity} of '{product.sku}': negative (record a refund instead)"
            )
        priced_here = line.unit_price is not None or line.amount is not None
        if currency is None:
            currency = product.currency if not priced_here else config.default_currency()
        if not priced_here and product.currency != currency:
            raise InvalidInput(
                f"'{product.sku}' is priced in {product.currency} and the purchase is in "
                f"{currency}: a purchase is in one currency (give the line's price)"
            )
        amount = _line_total(
            line.amount, line.unit_price, quantity, currency, refund, product.sku, "price"
        )
        if amount is None:
            amount = product.price_minor * quantity
        cost = _line_total(
            line.cost, line.unit_cost, quantity, currency, refund, product.sku, "cost"
        )
        if (
            cost is None
            and not line.cost_stated
            and product.cost_minor is not None
            and product.currency == currency
        ):
            cost = product.cost_minor * quantity
        priced.append(Priced(product.id, quantity, amount, cost))
    return currency or config.default_currency(), priced


def build_lines(
    session: Session, lines: Sequence[Line], currency: str | None, *, refund: bool = False
) -> tuple[str, list[PurchaseItem]]:
    """`price_lines` with products from the database, as unsaved `PurchaseItem`s."""
    code, priced = price_lines(
        lines,
        currency,
        find=lambda ref: Catalogued.of(find_product(session, ref)),
        refund=refund,
    )
    return code, [
        PurchaseItem(
            purchase_id=0,  # set once the purchase has its id
            product_id=line.product_id,
            quantity=line.quantity,
            amount_minor=line.amount_minor,
            cost_minor=line.cost_minor,
            position=position,
        )
        for position, line in enumerate(priced)
    ]


def totals(
    items: Sequence[Priced] | Sequence[PurchaseItem],
    currency: str,
    *,
    amount: object = None,
    quantity: object = None,
    refund: bool = False,
) -> tuple[int, int, int | None]:
    """A purchase's total, units and cost (None unless every line's is known) from its
    lines; an amount or quantity stated beside them must agree."""
    total = units = 0
    cost_total: int | None = 0
    for item in items:
        total += item.amount_minor
        units += item.quantity
        if cost_total is not None:
            cost_total = None if item.cost_minor is None else cost_total + item.cost_minor
    if amount is not None and signed_amount(amount, "amount", currency, refund) != total:
        raise InvalidInput(
            f"amount {amount} disagrees with its lines' total "
            f"{money.to_major(total, currency)} {currency}"
        )
    if quantity is not None and signed_quantity(quantity, refund) != units:
        raise InvalidInput(f"quantity {quantity} disagrees with its lines' {abs(units)} units")
    return total, units, cost_total


def record(
    session: Session,
    customer: str | int,
    *,
    lines: Sequence[Line] = (),
    amount: Number | None = None,
    quantity: int | None = None,
    cost: Number | None = None,
    currency: str | None = None,
    at: datetime | None = None,
    channel: str | None = None,
    deal: str | None = None,
    note: str | None = None,
    refund_of: Purchase | None = None,
) -> Purchase:
    """Record one purchase (or, with `refund_of`, a refund: amounts and quantities negative)."""
    person = (
        refs.customer(session, str(customer))
        if not isinstance(customer, int)
        else refs.customer(session, str(customer), deleted=None)
    )
    refund = refund_of is not None
    given = readers.asked(
        {"currency": currency, "channel": channel or DEFAULT_CHANNEL, "note": note}
    )
    values = purchase_type.read(given, new=True)
    code = values.pop("currency", None)
    chosen_deal = refs.deal(session, deal) if deal else None
    if chosen_deal is not None and chosen_deal.customer_id != person.id:
        raise InvalidInput(
            f"deal {chosen_deal.id} belongs to another customer (id {chosen_deal.customer_id})"
        )
    if lines:
        if cost is not None:
            raise InvalidInput("a purchase with lines takes its cost from them: drop --cost")
        code, items = build_lines(session, lines, code, refund=refund)
        total, units, cost_total = totals(
            items, code, amount=amount, quantity=quantity, refund=refund
        )
    else:
        if amount is None:
            raise InvalidInput("a purchase needs --item SKU... or --amount AMOUNT")
        code = code or config.default_currency()
        items = []
        total = signed_amount(amount, "amount", code, refund)
        units = signed_quantity(quantity if quantity is not None else 1, refund)
        cost_total = None if cost is None else signed_amount(cost, "cost", code, refund)
    purchase = Purchase(
        **values,
        customer_id=id_of(person),
        deal_id=chosen_deal.id if chosen_deal else None,
        at=at or utcnow(),
        currency=code,
        amount_minor=total,
        cost_minor=cost_total,
        quantity=units,
        refund_of_id=refund_of.id if refund_of else None,
        by=config.current_user(),
    )
    session.add(purchase)
    session.flush()
    for item in items:
        item.purchase_id = id_of(purchase)
        session.add(item)
    session.flush()
    return purchase


def signed_amount(value: object, what: str, currency: str, refund: bool) -> int:
    """An amount or cost in minor units: negative on a refund (either sign given), refused
    negative elsewhere."""
    minor = purchase_type.signed_minor(value, what, currency)
    if minor < 0 and not refund:
        raise InvalidInput(f"invalid {what} '{value}': negative (record a refund instead)")
    return -abs(minor) if refund else minor


def signed_quantity(value: object, refund: bool) -> int:
    """A whole number of units, not 0: negative on a refund, refused negative elsewhere."""
    number = purchase_type.quantity(value)
    if number < 0 and not refund:
        raise InvalidInput(f"invalid quantity {value}: it must be at least 1")
    return -abs(number) if refund else number


def refund(
    session: Session,
    ref: str,
    *,
    lines: Sequence[Line] = (),
    amount: Decimal | str | int | float | None = None,
    at: datetime | None = None,
    note: str | None = None,
) -> Purchase:
    """Refund a purchase, in whole (no lines, no amount) or in part. What was refunded
    before counts: a purchase is never refunded for more than it was, nor a product for
    more units than were bought. A line given back without a price returns its share of
    what was paid for it (not today's list price), with its share of the cost."""
    original = refs.purchase(session, ref)
    if original.refund_of_id is not None or original.amount_minor < 0:
        raise InvalidInput(f"purchase {original.id} is itself a refund")
    refunded = session.exec(select(Purchase).where(Purchase.refund_of_id == original.id)).all()
    left = original.amount_minor + sum(r.amount_minor for r in refunded)
    if left <= 0:
        raise InvalidInput(f"purchase {original.id} is already refunded in full")
    if amount is not None and purchase_type.signed_minor(amount, "amount", original.currency) == 0:
        raise InvalidInput("a refund of 0 gives nothing back: give the amount to refund")
    products = _left_by_product(session, original, refunded)
    quantity = None
    if lines:
        lines = [_refund_line(session, line, products, original) for line in lines]
    elif amount is None:
        # In whole: what is left of each product when earlier refunds gave back lines
        # only, else what is left of the amount.
        lines = _rest_of(products, original.currency, left)
        if not lines:
            amount = money.to_major(left, original.currency)
            quantity = abs(original.quantity) if not refunded else 1
    created = record(
        session,
        original.customer_id,
        lines=lines,
        amount=amount,
        quantity=quantity,
        currency=original.currency,
        at=at,
        channel=original.channel,
        note=note or purchase_type.REFUND_NOTE.format(original.id),
        refund_of=original,
    )
    created.deal_id = original.deal_id
    if -created.amount_minor > left:
        raise InvalidInput(
            f"refund of {money.to_major(-created.amount_minor, original.currency)} "
            f"{original.currency} exceeds the {money.to_major(left, original.currency)} left "
            f"on purchase {original.id}"
        )
    session.add(created)
    return created


@dataclass
class _Left:
    """What is left to refund of one product of a purchase (minor units)."""

    units: int = 0
    amount: int = 0
    cost: int | None = 0


def _left_by_product(
    session: Session, original: Purchase, refunded: Sequence[Purchase]
) -> dict[int, _Left]:
    """Per product of `original`: units, amount and cost not yet given back by a refund's
    lines (a refund of a bare amount names no product)."""
    ids = [id_of(original), *(id_of(r) for r in refunded)]
    items = session.exec(
        select(PurchaseItem)
        .where(col(PurchaseItem.purchase_id).in_(ids))
        .order_by(col(PurchaseItem.purchase_id), col(PurchaseItem.position))
    ).all()
    left: dict[int, _Left] = {}
    for item in sorted(items, key=lambda i: i.purchase_id != original.id):  # stable: bought first
        if item.purchase_id == original.id:
            entry = left.setdefault(item.product_id, _Left())
        elif item.product_id in left:
            entry = left[item.product_id]
        else:
            continue
        entry.units += item.quantity
        entry.amount += item.amount_minor
        unknown = entry.cost is None or item.cost_minor is None
        entry.cost = None if unknown else (entry.cost or 0) + (item.cost_minor or 0)
    return left


def _share(total: int, part: int, whole: int) -> Decimal:
    """`total` x `part` / `whole`, exact (a Decimal that may have decimals)."""
    return Decimal(total) * part / whole


def _refund_line(session: Session, line: Line, left: dict[int, _Left], original: Purchase) -> Line:
    """A line given back, checked against what is left of its product on `original`, and
    priced at what was paid when no price is given."""
    product = find_product(session, line.product)
    entry = left.get(id_of(product))
    if entry is None:
        raise InvalidInput(f"purchase {original.id} has no '{product.sku}' to refund")
    wanted = abs(purchase_type.quantity(line.quantity, "quantity"))
    if wanted > entry.units:
        raise InvalidInput(
            f"cannot refund {wanted} x '{product.sku}': {max(entry.units, 0)} left on "
            f"purchase {original.id}"
        )
    currency = original.currency
    if line.amount is not None:
        amount = purchase_type.signed_minor(line.amount, "amount", currency)
    elif line.unit_price is not None:
        amount = _times(line.unit_price, wanted, currency, "price")
    else:
        share = _share(entry.amount, wanted, entry.units)
        if share != share.to_integral_value():
            paid = money.to_major(entry.amount, currency) / entry.units
            raise InvalidInput(
                f"'{product.sku}' was paid {paid.normalize()} {currency} a unit, finer than "
                f"{currency}'s minor unit: give the price ({product.sku}x{wanted}@PRICE)"
            )
        amount = int(share)
    cost = None
    if entry.cost is not None:
        # A cost that does not divide into units is rounded to the minor unit.
        cost = int(_share(entry.cost, wanted, entry.units).to_integral_value())
    priced = Line(
        product=id_of(product),
        quantity=wanted,
        amount=money.to_major(abs(amount), currency),
        cost=None if cost is None else money.to_major(abs(cost), currency),
        cost_stated=True,
    )
    entry.units -= wanted
    entry.amount -= abs(amount)
    if entry.cost is not None and cost is not None:
        entry.cost -= abs(cost)
    return priced


def _rest_of(by_product: dict[int, _Left], currency: str, left: int) -> list[Line]:
    """The lines that give back everything left of each product, when together they are
    exactly the `left` of the purchase (none otherwise: a bare amount was refunded)."""
    rest = {pid: e for pid, e in by_product.items() if e.units > 0 and e.amount >= 0}
    if not rest or sum(e.amount for e in rest.values()) != left:
        return []
    return [
        Line(
            product=product_id,
            quantity=entry.units,
            amount=money.to_major(entry.amount, currency),
            cost=None if entry.cost is None else money.to_major(entry.cost, currency),
            cost_stated=True,
        )
        for product_id, entry in rest.items()
    ]


def left_to_refund(session: Session, original: Purchase, *, besides: int | None = None) -> int:
    """What is left to refund of a purchase, in minor units: its amount less what its
    refunds (other than `besides`, one being rewritten) took back. A refund has nothing."""
    if original.refund_of_id is not None or original.amount_minor < 0:
        raise InvalidInput(f"purchase {original.id} is itself a refund")
    taken = select(Purchase.amount_minor).where(Purchase.refund_of_id == original.id)
    if besides is not None:
        taken = taken.where(Purchase.id != besides)
    return original.amount_minor + sum(session.exec(taken).all())


def check_refund_fits(original: Purchase, amount_minor: int, left: int) -> None:
    """A refund (a negative amount) never takes back more than is left of its purchase."""
    if -amount_minor > left:
        raise InvalidInput(
            f"refund of {money.to_major(-amount_minor, original.currency)} "
            f"{original.currency} exceeds the {money.to_major(left, original.currency)} left "
            f"on purchase {original.id}"
        )


def remove(session: Session, ref: str) -> Purchase:
    """Delete a purchase entered by mistake, with its lines (a real return is a refund).
    A purchase that has refunds is kept: delete the refunds first."""
    purchase = refs.purchase(session, ref)
    if session.exec(select(Purchase.id).where(Purchase.refund_of_id == purchase.id)).first():
        raise InvalidInput(f"purchase {purchase.id} has refunds: delete them first")
    session.exec(delete(PurchaseItem).where(col(PurchaseItem.purchase_id) == purchase.id))
    session.delete(purchase)
    session.flush()
    return purchase


def for_deal(session: Session, deal_ref: str, *, at: datetime | None = None) -> Purchase:
    """The purchase a won deal records (`crm deal won REF --purchase`): its value, in its
    currency, on the `field` channel, linked to the deal."""
    deal = refs.deal(session, deal_ref)
    if session.exec(select(Purchase.id).where(Purchase.deal_id == deal.id)).first():
        raise InvalidInput(f"deal {deal.id} has a purchase already")
    if deal.value_minor <= 0:
        raise InvalidInput(f"deal {deal.id} has no value to record as a purchase")
    return record(
        session,
        deal.customer_id,
        amount=money.to_major(deal.value_minor, deal.currency),
        currency=deal.currency,
        at=at or deal.closed_at or utcnow(),
        channel="field",
        deal=str(deal.id),
        note=deal.title,
    )
