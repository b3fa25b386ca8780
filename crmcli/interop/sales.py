"""Import of products and purchases: the row-by-row handlers, and the reading of a purchase
line's amounts that the bulk path (`interop/bulk_import.py`) shares with them.

A purchase line is an export record (`entities/purchase.py`): its `items` name their product
by `product_id`, else by SKU in `product`; each may state its `amount` (the line's total,
exact) and/or `unit_price`, its `cost` and/or `unit_cost`; `name` is read-only. The pricing
rules are `services.purchases.price_lines`, the same as `crm purchase add`; `amount`,
`quantity` and `cost` beside the items must agree with their totals. Without items, the
purchase is a bare amount.

A refund is a line with `refund_of` (the purchase it refunds): its amounts, costs and
quantities are stored negative whichever sign the line gives (export writes them negative),
in its purchase's currency, for its purchase's customer, and never for more than is left
of that purchase. A line without `refund_of` refuses negative amounts and quantities. The
link is made when the refund is created; an update may repeat it, not change it.

An update replaces what it gives, like the other types (ARCHITECTURE.md, "The record-type
registry"): `items` replace the purchase's lines; without `items` the stored lines stay and
a new `currency` keeps their amounts in major units, as a deal's value does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from sqlmodel import col, delete, select

from crmcli.entities import product as product_type
from crmcli.entities import purchase as purchase_type
from crmcli.entities import readers, refs
from crmcli.interop.upsert import Upserter
from crmcli.kernel import config, money
from crmcli.kernel.errors import CrmError, InvalidInput
from crmcli.services import products, purchases
from crmcli.services.purchases import Catalogued, Line, Priced
from crmcli.store.models import Customer, Deal, Product, Purchase, PurchaseItem, id_of

#: The keys of one item inside a purchase line.
ITEM_KEYS = frozenset(purchase_type.ITEM["properties"])

Finder = Callable[[str | int], Catalogued]


def read_items(value: object) -> list[Line]:
    """A purchase line's `items` as lines to price; errors name the item (from 1)."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidInput("field 'items' must be a list of objects")
    return [_item(position, item) for position, item in enumerate(value, 1)]


def _item(position: int, item: dict) -> Line:
    try:
        if not ITEM_KEYS.issuperset(item):
            unknown = next(key for key in item if key not in ITEM_KEYS)
            raise InvalidInput(f"unknown field '{unknown}' for a purchase item")
        product: str | int
        if item.get("product_id") is not None:
            product = readers.record_id(item["product_id"], "product_id")
        elif item.get("product") is not None:
            product = readers.text(item["product"], "product")
        else:
            raise InvalidInput("a purchase item needs a 'product' (SKU) or a 'product_id'")
        quantity = item.get("quantity")
        return Line(
            product=product,
            quantity=1 if quantity is None else purchase_type.quantity(quantity),
            unit_price=item.get("unit_price"),
            amount=item.get("amount"),
            unit_cost=item.get("unit_cost"),
            cost=item.get("cost"),
            cost_stated="cost" in item or "unit_cost" in item,
        )
    except CrmError as error:
        raise type(error)(f"item {position}: {error}") from None


class Stored(NamedTuple):
    """The purchase an update rewrites: its currency, figures and lines."""

    currency: str
    amount_minor: int
    quantity: int
    cost_minor: int | None
    lines: list[Priced]


class Amounts(NamedTuple):
    """A purchase line's figures, checked. `lines` None: the stored lines stay as they are."""

    currency: str
    amount_minor: int
    quantity: int
    cost_minor: int | None
    lines: list[Priced] | None


def purchase_amounts(
    data: Mapping[str, object],
    currency: str | None,
    *,
    find: Finder,
    refund: bool = False,
    stored: Stored | None = None,
) -> Amounts:
    """The currency, total, units, cost and lines a purchase line gives (`currency`: the
    line's, checked, or None), for a new purchase or over the `stored` one."""
    given = read_items(data["items"]) if "items" in data else None
    code = currency or (stored.currency if stored else None)
    rewritten = given is not None
    if given:
        code, lines = purchases.price_lines(given, code, find=find, refund=refund)
    elif given is None and stored is not None and stored.lines:
        lines = [_converted(line, stored.currency, code) for line in stored.lines]
        rewritten = code != stored.currency
    else:
        lines = []
    code = code or config.default_currency()
    if lines:
        total, units, cost = purchases.totals(
            lines, code, amount=data.get("amount"), quantity=data.get("quantity"), refund=refund
        )
        if "cost" in data:
            stated = data["cost"]
            minor = (
                None if stated is None else purchases.signed_amount(stated, "cost", code, refund)
            )
            if minor != cost:
                shown = "unknown" if cost is None else f"{money.to_major(cost, code)} {code}"
                raise InvalidInput(f"cost {stated} disagrees with its lines' cost {shown}")
        return Amounts(code, total, units, cost, lines if rewritten else None)
    amount, quantity, cost_given = data.get("amount"), data.get("quantity"), data.get("cost")
    if stored is None and amount is None:
        raise InvalidInput("a new purchase needs 'items' or an 'amount'")
    if amount is not None:
        total = purchases.signed_amount(amount, "amount", code, refund)
    else:
        assert stored is not None, "a new purchase's amount is given (checked above)"
        total = _minor_in(stored.amount_minor, stored.currency, code)
    if quantity is not None:
        units = purchases.signed_quantity(quantity, refund)
    else:
        units = stored.quantity if stored else purchases.signed_quantity(1, refund)
    if "cost" in data:
        cost = (
            None
            if cost_given is None
            else purchases.signed_amount(cost_given, "cost", code, refund)
        )
    elif stored is None or stored.cost_minor is None:
        cost = None
    else:
        cost = _minor_in(stored.cost_minor, stored.currency, code)
    return Amounts(code, total, units, cost, [] if rewritten else None)


def _converted(line: Priced, old: str, new: str | None) -> Priced:
    if new is None or new == old:
        return line
    return line._replace(
        amount_minor=_minor_in(line.amount_minor, old, new),
        cost_minor=None if line.cost_minor is None else _minor_in(line.cost_minor, old, new),
    )


def _minor_in(minor: int, old: str, new: str) -> int:
    """The same amount in major units, in another currency's minor unit; refused when it
    has more decimal places than that currency allows (12.345 KWD into USD)."""
    if old == new:
        return minor
    return money.to_signed_minor(money.to_major(minor, old), new)


class SalesImporter(Upserter):
    """The row-by-row handlers of product and purchase lines."""

    # -- products ----------------------------------------------------------------------

    def product(self, data: dict) -> bool:
        record_id, product = self._existing(Product, data)
        created = product is None
        old_currency = config.default_currency() if product is None else product.currency
        values = product_type.read(data, new=created, currency=old_currency)
        if product is not None and values.get("currency", old_currency) != old_currency:
            # A new currency keeps the price and cost in major units, as a deal's value does.
            for key in ("price_minor", "cost_minor"):
                current = getattr(product, key)
                if key not in values and current is not None:
                    values[key] = _minor_in(current, old_currency, values["currency"])
        if "sku_key" in values:
            products.check_sku_free(self.session, values["sku_key"], record_id)
        tags, fields = readers.optional_tags(data), readers.optional_fields(data)
        if product is None:
            product = self._new(Product, record_id, sku="", sku_key="", name="")
        self._apply(product, values, created)
        if created and "updated_at" not in values:
            product.updated_at = product.created_at  # as `crm product add` stamps it
        self.session.add(product)
        self.session.flush()
        self._attributes("product", id_of(product), tags, fields, created)
        products.reindex(self.session, product)
        return created

    # -- purchases ---------------------------------------------------------------------

    def purchase(self, data: dict) -> bool:
        session = self.session
        record_id, purchase = self._existing(Purchase, data)
        created = purchase is None
        values = purchase_type.read(data, new=created)
        currency = values.pop("currency", None)
        values.pop("quantity", None)  # checked here; the stored one comes from the amounts
        given, person = self._link(data, "customer", Customer, refs.customer)
        if given and person is None:
            raise InvalidInput("a purchase needs a customer")
        if created and not given:
            raise InvalidInput("a new purchase needs a 'customer_id' or a 'customer' REF")
        deal_given, deal = self._link(data, "deal", Deal, refs.deal)
        original = self._refunded(data, purchase)
        figures = purchase_amounts(
            data,
            currency,
            find=self._find,
            refund=original is not None,
            stored=None if purchase is None else self._stored(purchase),
        )
        if purchase is None:
            assert person is not None, "a new purchase's customer is given (checked above)"
            purchase = self._new(
                Purchase,
                record_id,
                customer_id=id_of(person),
                channel=purchases.DEFAULT_CHANNEL,
                by=self.user,
                refund_of_id=None if original is None else id_of(original),
            )
        elif person is not None:
            purchase.customer_id = id_of(person)
        if original is not None:
            self._check_refund(purchase, original, figures, record_id)
        if deal_given:
            purchase.deal_id = deal.id if deal else None
        for key, value in values.items():
            setattr(purchase, key, value)
        purchase.currency = figures.currency
        purchase.amount_minor = figures.amount_minor
        purchase.quantity = figures.quantity
        purchase.cost_minor = figures.cost_minor
        session.add(purchase)
        session.flush()
        if figures.lines is not None:
            if not created:
                session.exec(
                    delete(PurchaseItem).where(col(PurchaseItem.purchase_id) == purchase.id)
                )
            session.add_all(
                PurchaseItem(
                    purchase_id=id_of(purchase),
                    product_id=line.product_id,
                    quantity=line.quantity,
                    amount_minor=line.amount_minor,
                    cost_minor=line.cost_minor,
                    position=position,
                )
                for position, line in enumerate(figures.lines)
            )
        return created

    def _find(self, ref: str | int) -> Catalogued:
        return Catalogued.of(purchases.find_product(self.session, ref))

    def _stored(self, purchase: Purchase) -> Stored:
        items = self.session.exec(
            select(PurchaseItem)
            .where(PurchaseItem.purchase_id == purchase.id)
            .order_by(col(PurchaseItem.position))
        ).all()
        lines = [Priced(i.product_id, i.quantity, i.amount_minor, i.cost_minor) for i in items]
        return Stored(
            purchase.currency, purchase.amount_minor, purchase.quantity, purchase.cost_minor, lines
        )

    def _refunded(self, data: dict, purchase: Purchase | None) -> Purchase | None:
        """The purchase this line refunds (None: it is no refund); set on creation only."""
        stored = None if purchase is None else purchase.refund_of_id
        value = data.get("refund_of", stored)
        wanted = None if value is None else readers.record_id(value, "refund_of")
        if purchase is not None and wanted != stored:
            was = f"refunds purchase {stored}" if stored else "is no refund"
            raise InvalidInput(f"purchase {purchase.id} {was}: 'refund_of' cannot change")
        return None if wanted is None else self._get(Purchase, wanted, "purchase")

    def _check_refund(
        self, refund: Purchase, original: Purchase, figures: Amounts, record_id: int | None
    ) -> None:
        if refund.customer_id != original.customer_id:
            raise InvalidInput(
                f"a refund is for its purchase's customer (purchase {original.id}: "
                f"customer {original.customer_id})"
            )
        if figures.currency != original.currency:
            raise InvalidInput(
                f"a refund is in its purchase's currency (purchase {original.id}: "
                f"{original.currency})"
            )
        left = purchases.left_to_refund(self.session, original, besides=record_id)
        purchases.check_refund_fits(original, figures.amount_minor, left)


def priced_rows(purchase_id: int, lines: Sequence[Priced]) -> list[dict]:
    """A purchase's lines as `purchase_item` rows for a bulk insert."""
    return [
        {
            "purchase_id": purchase_id,
            "product_id": line.product_id,
            "quantity": line.quantity,
            "amount_minor": line.amount_minor,
            "cost_minor": line.cost_minor,
            "position": position,
        }
        for position, line in enumerate(lines)
    ]
