"""The demo's sales: a product catalogue and nearly three years of purchases.

A module apart from demo.py, which is long already with the demo's own data: this one is the
catalogue, the baskets and the buying behaviours, and the code that plays them out.

Every customer follows one behaviour: loyal (buys often, bought lately), big spender (large
orders, field and phone), new (first purchase in the last three months), lapsing (bought
regularly, nothing for months), lost (nothing for over a year), one-off, or never bought.
Baskets hold what goes together (a laptop with a dock, a printer with toner); software and
support renew yearly; older purchases paid the old list prices; a few are refunded; each
won deal records its purchase. Everything goes through services.products and
services.purchases, so every rule of a real purchase holds.

Deterministic, like the rest of the demo, on a random stream of its own (seeded from the
demo's seed): the sales never move the customers, deals and interactions drawn before them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from crmcli.services import products, purchases
from crmcli.store.models import Deal, Product, Purchase, id_of

__all__ = ["BEHAVIOURS", "Buyer", "Sales", "add_sales"]

#: How far back the shop's sales go, in days (about two years and nine months).
HISTORY_DAYS = 1000
#: The list prices went up this many days ago; purchases before it paid 5% less.
PRICE_RISE_DAYS = 400
#: Share of purchases (with lines) returned within a month.
REFUND_RATE = 0.03
#: A line of this many units or more gets 10% off.
VOLUME = 10


@dataclass(frozen=True)
class Buyer:
    """What the sales need to know of a demo customer."""

    customer_id: int
    owner: str
    currency: str  # their company's: EUR customers also buy the catalogue's EUR products
    vip: bool
    churned: bool
    won_deals: tuple[Deal, ...] = ()


@dataclass
class Sales:
    """What `add_sales` made: each customer's behaviour and first purchase, and counts."""

    behaviours: dict[int, str]
    first_purchase: dict[int, datetime]
    products: int
    purchases: int
    refunds: int


@dataclass(frozen=True)
class _Item:
    """A catalogue row; `launched` and `withdrawn` are days before now."""

    sku: str
    name: str
    category: str
    price: str
    cost: str | None
    currency: str = "USD"
    launched: int = HISTORY_DAYS + 45
    withdrawn: int | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None

    def on_sale(self, day: int) -> bool:
        """Whether it was sold `day` days ago."""
        return self.launched > day and (self.withdrawn is None or self.withdrawn < day)


_YEARLY = ("yearly",)
_CATALOGUE = (
    _Item("LT-PRO13", "ProBook 13 laptop", "Computers", "1299", "940", withdrawn=PRICE_RISE_DAYS,
          notes="Discontinued: replaced by the ProBook 14 (LT-PRO14)."),
    _Item("LT-PRO14", "ProBook 14 laptop", "Computers", "1499", "1065",
          launched=PRICE_RISE_DAYS + 30, tags=("bestseller",)),
    _Item("LT-AIR13", "AirBook 13 laptop", "Computers", "999", "735"),
    _Item("DT-WS1", "Workstation desktop", "Computers", "1899", "1390"),
    _Item("TB-11", "Tablet 11", "Computers", "649", "455"),
    _Item("AC-DOCK", "USB-C docking station", "Accessories", "229", "118", tags=("bestseller",)),
    _Item("AC-MON27", "27-inch monitor", "Accessories", "349", "236"),
    _Item("AC-KBM", "Wireless keyboard and mouse", "Accessories", "89", "41"),
    _Item("AC-HEAD", "Noise-cancelling headset", "Accessories", "179", "92"),
    _Item("AC-CAM", "HD webcam", "Accessories", "99", "47"),
    _Item("AC-SLEEVE", "Laptop sleeve", "Accessories", "39", None,
          notes="Bought in from a wholesaler's mixed lots: no unit cost on file."),
    _Item("AC-CABLE", "USB-C cable, 2 m", "Accessories", "19", None),
    _Item("PR-LASER", "Office laser printer", "Printing", "399", "262"),
    _Item("PR-TONER-K", "Toner cartridge, black", "Printing", "79", "31", tags=("bestseller",)),
    _Item("PR-TONER-C", "Toner set, colour", "Printing", "219", "104"),
    _Item("PR-PAPER", "A4 paper, box of 5 reams", "Printing", "45", "29"),
    _Item("SW-CRM", "CRM licence, 1 seat, 1 year", "Software", "480", "48", tags=_YEARLY),
    _Item("SW-OFFICE", "Office suite, 1 user, 1 year", "Software", "120", "84", tags=_YEARLY),
    _Item("SW-SEC", "Endpoint security, 1 device, 1 year", "Software", "60", "21",
          tags=_YEARLY),
    _Item("SW-ANALYTICS", "Analytics add-on, 1 year", "Software", "1200", None, tags=_YEARLY,
          launched=720),
    _Item("SV-SETUP", "Device setup and installation", "Services", "120", "70"),
    _Item("SV-WARRANTY", "Extended warranty, 3 years", "Services", "149", "38"),
    _Item("SV-TRAIN", "Training day (remote)", "Services", "900", "520"),
    _Item("SV-SUPPORT", "Premium support, 1 year", "Services", "2400", "760", tags=_YEARLY),
    _Item("SV-ONSITE-EU", "On-site service day (EU)", "Services", "1100", "640",
          currency="EUR"),
    _Item("SW-HOST-EU", "EU data-residency hosting, 1 year", "Software", "1800", "990",
          currency="EUR", tags=_YEARLY, launched=800),
)  # fmt: skip
_ITEMS = {item.sku: item for item in _CATALOGUE}
_RENEWS = {item.sku for item in _CATALOGUE if "yearly" in item.tags}

# A basket's lines: (SKUs to choose from, chance, quantity). The first line is why the
# customer came. Quantity "n" is the basket's number of devices, "seats" its users, a pair
# a range of units.
_Spec = tuple[tuple[str, ...], float, str | tuple[int, int]]
_BASKETS: dict[str, tuple[_Spec, ...]] = {
    "laptop": (
        (("LT-PRO14", "LT-PRO13", "LT-AIR13"), 1, "n"),
        (("AC-DOCK",), 0.6, "n"),
        (("AC-SLEEVE",), 0.4, "n"),
        (("SV-WARRANTY",), 0.35, "n"),
        (("SV-SETUP",), 0.15, "n"),
    ),
    "workstation": (
        (("DT-WS1",), 1, "n"),
        (("AC-MON27",), 0.85, "n"),
        (("AC-KBM",), 0.6, "n"),
        (("SV-WARRANTY",), 0.3, "n"),
    ),
    "desk": (
        (("AC-MON27",), 1, "n"),
        (("AC-KBM",), 0.7, "n"),
        (("AC-DOCK",), 0.3, "n"),
        (("AC-CAM",), 0.25, "n"),
    ),
    "printer": (
        (("PR-LASER",), 1, (1, 1)),
        (("PR-TONER-K",), 0.8, (1, 2)),
        (("PR-PAPER",), 0.6, (1, 3)),
        (("PR-TONER-C",), 0.3, (1, 1)),
        (("SV-SETUP",), 0.2, (1, 1)),
    ),
    "supplies": (
        (("PR-TONER-K",), 1, (1, 4)),
        (("PR-PAPER",), 0.7, (1, 5)),
        (("PR-TONER-C",), 0.35, (1, 2)),
        (("AC-CABLE",), 0.1, (1, 3)),
    ),
    "calls": ((("AC-HEAD",), 1, "n"), (("AC-CAM",), 0.6, "n")),
    "tablet": ((("TB-11",), 1, "n"), (("AC-SLEEVE",), 0.5, "n"), (("SV-WARRANTY",), 0.3, "n")),
    "small": ((("AC-CABLE", "AC-SLEEVE", "AC-KBM", "AC-HEAD", "AC-CAM"), 1, (1, 2)),),
    "licences": (
        (("SW-CRM",), 1, "seats"),
        (("SW-ANALYTICS",), 0.3, (1, 1)),
        (("SV-TRAIN",), 0.45, (1, 3)),
    ),
    "office": ((("SW-OFFICE",), 1, "seats"), (("SW-SEC",), 0.5, "seats")),
    "security": ((("SW-SEC",), 1, "seats"),),
    "support": ((("SV-SUPPORT",), 1, (1, 1)), (("SV-TRAIN",), 0.3, (1, 2))),
    "eu-service": ((("SV-ONSITE-EU",), 1, (1, 3)),),
    "eu-hosting": ((("SW-HOST-EU",), 1, (1, 1)), (("SV-ONSITE-EU",), 0.35, (1, 2))),
}
_EUR_BASKETS = ("eu-service", "eu-hosting")


@dataclass(frozen=True)
class _Behaviour:
    """How a customer buys: how many customers do, their first and last purchase (days
    ago; no `last`: they bought once), the usual days between two, the devices in an order,
    the seats in a licence order, and what and how they buy (weights)."""

    customers: int
    first: tuple[int, int]
    last: tuple[int, int] | None
    gap: tuple[int, int]
    devices: tuple[int, ...]
    seats: tuple[int, int]
    baskets: dict[str, int]
    channels: dict[str, int]


_EVERYDAY = {
    "supplies": 30, "small": 14, "calls": 8, "desk": 10, "laptop": 10, "office": 5,
    "security": 4, "printer": 4, "tablet": 5, "licences": 3, "eu-service": 4, "eu-hosting": 2,
}  # fmt: skip
_CORPORATE = {
    "laptop": 20, "licences": 16, "desk": 12, "workstation": 10, "support": 8, "printer": 6,
    "security": 8, "office": 8, "calls": 6, "eu-service": 6, "eu-hosting": 4,
}  # fmt: skip
_FIRST_TIME = {"laptop": 25, "desk": 15, "printer": 15, "calls": 15, "small": 15, "tablet": 15}
_SHOP = {"web": 45, "store": 30, "phone": 10, "email": 10, "partner": 5}

BEHAVIOURS: dict[str, _Behaviour] = {
    "loyal": _Behaviour(
        12, first=(450, 990), last=(1, 25), gap=(35, 70), devices=(1, 1, 1, 2, 3, 5),
        seats=(2, 15), baskets=_EVERYDAY, channels=_SHOP,
    ),
    "big spender": _Behaviour(
        6, first=(600, 990), last=(3, 40), gap=(70, 120), devices=tuple(range(5, 31)),
        seats=(20, 80), baskets=_CORPORATE,
        channels={"field": 35, "phone": 20, "email": 25, "partner": 20},
    ),
    "new": _Behaviour(
        5, first=(15, 85), last=(1, 20), gap=(15, 35), devices=(1, 1, 2), seats=(1, 5),
        baskets=_FIRST_TIME, channels={"web": 70, "store": 20, "phone": 10},
    ),
    "lapsing": _Behaviour(
        8, first=(500, 990), last=(120, 300), gap=(45, 80), devices=(1, 1, 2, 3),
        seats=(2, 10), baskets=_EVERYDAY,
        channels={"web": 40, "store": 30, "email": 15, "phone": 15},
    ),
    "lost": _Behaviour(
        8, first=(750, 990), last=(400, 700), gap=(60, 100), devices=(1, 1, 2), seats=(1, 8),
        baskets=_EVERYDAY, channels={"store": 40, "web": 30, "phone": 20, "email": 10},
    ),
    "one-off": _Behaviour(
        6, first=(30, 950), last=None, gap=(0, 0), devices=(1, 1, 2), seats=(1, 3),
        baskets={**_FIRST_TIME, "workstation": 5},
        channels={"web": 50, "store": 35, "marketplace": 15},
    ),
    "never bought": _Behaviour(
        5, first=(0, 0), last=None, gap=(0, 0), devices=(1,), seats=(1, 1), baskets={},
        channels={},
    ),
}  # fmt: skip

_NOTES = {
    "store": "Store sale",
    "phone": "Phone order",
    "email": "Order by email",
    "field": "Signed on site",
    "marketplace": "Marketplace order",
}
_PARTNERS = ("Northwind Analytics", "Pixelforge Studios")
_RETURNS = (
    "damaged in transit",
    "wrong model ordered",
    "not needed after all",
    "faulty on arrival",
)


@dataclass
class _Order:
    """A purchase to record: lines as (product, quantity, unit price or None for the list)."""

    buyer: Buyer
    days: int
    at: datetime
    channel: str
    currency: str
    lines: list[tuple[Product, int, Decimal | None]]
    note: str
    purchase_id: int | None = None  # once recorded
    renewal: bool = False


@dataclass(frozen=True)
class _Refund:
    """The return of an order: `whole`, or one unit of its dearest line."""

    order: _Order
    at: datetime
    whole: bool


@dataclass
class _Plan:
    orders: list[_Order] = field(default_factory=list)
    refunds: list[_Refund] = field(default_factory=list)


def add_sales(session: Session, seed: int, now: datetime, buyers: list[Buyer]) -> Sales:
    """The catalogue, then every customer's purchases, refunds and won deals, oldest first."""
    rng = random.Random(f"crm demo sales {seed}")
    catalogue = _add_catalogue(session, rng, now)
    behaviours = _assign(rng, buyers)
    plan = _Plan()
    for buyer in buyers:
        _plan_customer(rng, now, buyer, behaviours[buyer.customer_id], catalogue, plan)
    _plan_refunds(rng, now, plan)
    first, recorded, refunded = _record(session, rng, plan, buyers)
    return Sales(
        behaviours=behaviours,
        first_purchase=first,
        products=len(catalogue),
        purchases=recorded,
        refunds=refunded,
    )


def _office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The same day at a working time, as the rest of the demo stamps its records."""
    return moment.replace(
        hour=rng.randint(7, 17), minute=rng.randrange(0, 60, 5), second=0, microsecond=0
    )


def _add_catalogue(
    session: Session, rng: random.Random, now: datetime
) -> dict[str, tuple[_Item, Product]]:
    catalogue: dict[str, tuple[_Item, Product]] = {}
    for item in _CATALOGUE:
        product = products.add(
            session,
            item.name,
            sku=item.sku,
            price=item.price,
            cost=item.cost,
            currency=item.currency,
            category=item.category,
            active=item.withdrawn is None,
            tags=item.tags,
            notes=item.notes,
        )
        product.created_at = product.updated_at = _office_hours(
            rng, now - timedelta(days=item.launched)
        )
        if item.withdrawn is not None:
            product.updated_at = _office_hours(rng, now - timedelta(days=item.withdrawn))
        session.add(product)
        catalogue[item.sku] = (item, product)
    return catalogue


def _assign(rng: random.Random, buyers: list[Buyer]) -> dict[int, str]:
    """A behaviour per customer: churned ones are lost, VIPs and won deals keep buying; the
    rest are dealt the remaining places at random."""
    places = [name for name, b in BEHAVIOURS.items() for _ in range(b.customers)]
    chosen: dict[int, str] = {}
    for buyer in buyers:
        if buyer.churned:
            chosen[buyer.customer_id] = "lost"
        elif buyer.vip:
            chosen[buyer.customer_id] = "big spender"
        elif buyer.won_deals:
            chosen[buyer.customer_id] = rng.choice(["loyal", "loyal", "big spender"])
        else:
            continue
        if chosen[buyer.customer_id] in places:
            places.remove(chosen[buyer.customer_id])
    rng.shuffle(places)
    for buyer in buyers:
        if buyer.customer_id not in chosen:
            chosen[buyer.customer_id] = places.pop() if places else "loyal"
    return chosen


def _purchase_days(rng: random.Random, how: _Behaviour) -> list[int]:
    """Days ago of a customer's own purchases, oldest first: the first, the last and the
    ones between, at their usual gap give or take (a one-off buyer: the first only)."""
    first = rng.randint(*how.first)
    if how.last is None:
        return [first]
    last = min(rng.randint(*how.last), first)
    gap = rng.uniform(*how.gap)
    days = [first]
    while (day := days[-1] - round(gap * rng.uniform(0.4, 1.6))) > last:
        days.append(day)
    return [*days, last] if last != first else days


def _moment(rng: random.Random, now: datetime, days: int, channel: str) -> datetime:
    """A time on that day that fits the channel: the web shop never closes, the store keeps
    shop hours, the rest office hours. Always before today, so never in the future."""
    start, end = {"web": (6, 23), "marketplace": (6, 23), "store": (9, 18)}.get(channel, (8, 17))
    day = now - timedelta(days=max(days, 1))
    return day.replace(
        hour=rng.randint(start, end), minute=rng.randrange(60), second=0, microsecond=0
    )


def _plan_customer(
    rng: random.Random,
    now: datetime,
    buyer: Buyer,
    behaviour: str,
    catalogue: dict[str, tuple[_Item, Product]],
    plan: _Plan,
) -> None:
    how = BEHAVIOURS[behaviour]
    if not how.baskets:
        return
    days = _purchase_days(rng, how)
    last = days[-1]
    baskets = [b for b in how.baskets if buyer.currency == "EUR" or b not in _EUR_BASKETS]
    weights = [how.baskets[b] for b in baskets]
    channels = list(how.channels)
    channel_weights = [how.channels[c] for c in channels]
    subscribed: set[str] = set()
    for day in days:
        channel = rng.choices(channels, channel_weights)[0]
        lines: list[tuple[Product, int, Decimal | None]] = []
        while not lines:  # a basket whose main product was not on sale yet: another one
            lines = _fill(rng, day, _BASKETS[rng.choices(baskets, weights)[0]], how, catalogue)
        order = _order(rng, now, buyer, day, channel, lines)
        plan.orders.append(order)
        _plan_renewals(rng, now, order, last, subscribed, plan)


def _fill(
    rng: random.Random,
    day: int,
    basket: tuple[_Spec, ...],
    how: _Behaviour,
    catalogue: dict[str, tuple[_Item, Product]],
) -> list[tuple[Product, int, Decimal | None]]:
    """The lines of one basket bought `day` days ago, from the products on sale that day."""
    devices = rng.choice(how.devices)
    seats = rng.randint(*how.seats)
    lines: list[tuple[Product, int, Decimal | None]] = []
    for number, (skus, chance, quantity) in enumerate(basket):
        if number and rng.random() >= chance:
            continue
        on_sale = [sku for sku in skus if _ITEMS[sku].on_sale(day)]
        if not on_sale:
            if number == 0:
                return []
            continue
        item, product = catalogue[rng.choice(on_sale)]
        if isinstance(quantity, tuple):
            units = rng.randint(*quantity)
        else:
            units = devices if quantity == "n" else seats
        lines.append((product, units, _unit_price(item, day, units)))
    return lines


def _unit_price(item: _Item, day: int, units: int) -> Decimal | None:
    """What one unit cost that day: the old list before the price rise, 10% off volume
    lines; None when it is today's list price (the purchase takes it from the product)."""
    price = Decimal(item.price)
    if day > PRICE_RISE_DAYS:
        price = (price * Decimal("0.95")).quantize(Decimal(1), ROUND_HALF_UP)
    if units >= VOLUME:
        price = (price * Decimal("0.9")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return None if price == Decimal(item.price) else price


def _order(
    rng: random.Random,
    now: datetime,
    buyer: Buyer,
    day: int,
    channel: str,
    lines: list[tuple[Product, int, Decimal | None]],
    *,
    renewal: bool = False,
) -> _Order:
    note = _NOTES.get(channel, "")
    if channel == "partner":
        note = f"Via {rng.choice(_PARTNERS)}"
    if renewal:
        note = "Yearly renewal"
    return _Order(
        buyer=buyer,
        days=day,
        at=_moment(rng, now, day, channel),
        channel=channel,
        currency=lines[0][0].currency,
        lines=lines,
        note=note,
        renewal=renewal,
    )


def _plan_renewals(
    rng: random.Random, now: datetime, order: _Order, last: int, subscribed: set[str], plan: _Plan
) -> None:
    """A customer's first purchase of a yearly product renews a year on, for as long as they
    still buy (a later one adds seats to the same subscription)."""
    yearly = [line for line in order.lines if line[0].sku in _RENEWS - subscribed]
    subscribed.update(line[0].sku for line in yearly)
    day = order.days
    while yearly and (day := day - 365 + rng.randint(-6, 6)) >= max(last, 1):
        renewed = [
            (product, units, _unit_price(_ITEMS[product.sku], day, units))
            for product, units, _price in yearly
        ]
        plan.orders.append(_order(rng, now, order.buyer, day, "email", renewed, renewal=True))


def _plan_refunds(rng: random.Random, now: datetime, plan: _Plan) -> None:
    """A few purchases come back within a month: whole, or one unit of one line."""
    for order in plan.orders:
        if order.renewal or rng.random() >= REFUND_RATE:
            continue
        back = order.days - rng.randint(2, 30)
        if back < 1:
            continue
        whole = rng.random() < 0.6 or (len(order.lines) == 1 and order.lines[0][1] == 1)
        plan.refunds.append(_Refund(order, _moment(rng, now, back, "store"), whole))


def _record(
    session: Session, rng: random.Random, plan: _Plan, buyers: list[Buyer]
) -> tuple[dict[int, datetime], int, int]:
    """Record the orders, refunds and won deals' purchases in time order (ids follow time)."""
    events: list[tuple[datetime, int, _Order | _Refund | Deal]] = []
    for order in plan.orders:
        events.append((order.at, 0, order))
    for refund in plan.refunds:
        events.append((refund.at, 1, refund))
    for buyer in buyers:
        for deal in buyer.won_deals:
            events.append((deal.closed_at or deal.updated_at, 2, deal))
    events.sort(key=lambda event: (event[0], event[1]))

    first: dict[int, datetime] = {}
    web_order = 10_000
    refunds = 0
    for at, _, what in events:
        if isinstance(what, _Order):
            note = what.note
            if what.channel == "web" and not what.renewal:
                web_order += 1
                note = f"Web order W{web_order}"
            purchase = purchases.record(
                session,
                what.buyer.customer_id,
                lines=[
                    purchases.Line(product=id_of(product), quantity=units, unit_price=price)
                    for product, units, price in what.lines
                ],
                currency=what.currency,
                at=at,
                channel=what.channel,
                note=note,
            )
            what.purchase_id = purchase.id
        elif isinstance(what, Deal):
            purchase = purchases.for_deal(session, str(what.id), at=at)
        else:
            original = what.order.purchase_id
            lines = []
            if not what.whole:
                product, _units, price = max(what.order.lines, key=lambda line: line[0].price_minor)
                lines = [purchases.Line(product=id_of(product), quantity=1, unit_price=price)]
            purchase = purchases.refund(
                session,
                str(original),
                lines=lines,
                at=at,
                note=f"Refund of purchase {original}: {rng.choice(_RETURNS)}",
            )
            refunds += 1
        first.setdefault(purchase.customer_id, at)
    _stamp(session, buyers)
    return first, len(events), refunds


def _stamp(session: Session, buyers: list[Buyer]) -> None:
    """Each purchase was entered when it happened, by the customer's owner: a few
    statements for them all, not an update per purchase."""
    session.flush()
    session.execute(sa.update(Purchase).values(created_at=Purchase.at))
    owners: dict[str, list[int]] = {}
    for buyer in buyers:
        owners.setdefault(buyer.owner, []).append(buyer.customer_id)
    for owner, customer_ids in owners.items():
        session.execute(
            sa.update(Purchase).where(col(Purchase.customer_id).in_(customer_ids)).values(by=owner)
        )
