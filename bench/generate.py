"""A deterministic, realistic NDJSON data set that `crm import` reads.

The benchmark fills its databases through the project's own bulk import, so the generator
writes exactly what `crm export` would (the subset of keys `crm import` accepts), streaming
one line at a time so that a million customers need no more memory than a thousand.

Every record carries an explicit `id`, so links (`company_id`, `customer_id`, `deal_id`) are
known without lookups, and the lines come in dependency order: companies, customers, deals,
stage changes, interactions, reminders, products, purchases. The default pipeline ("Sales":
Lead, Qualified, Proposal, Negotiation, Won, Lost) is created by `crm db upgrade`; deals name
their stage. A purchase is written as `crm export` writes it: 1-3 lines, each with its
product's id and SKU, quantity, unit price, exact amount and cost, and the totals beside.

Usage: python -m bench.generate N OUT.ndjson [--board | --purchases]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from crmcli.kernel.vocabulary import CHANNELS, PURCHASE_CHANNELS


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Bump when the data changes shape: cached databases keyed on an older version are rebuilt.
GENERATOR_VERSION = 3

FIRST = _words(
    "Ada Alan Grace Linus Margaret Ken Dennis Barbara Edsger Donald Frances Radia Tim Vint "
    "Bjarne Guido Yukihiro Anders James Larry Sophie Lena Mei Hiro Aiko Omar Fatima Leila "
    "Carlos Lucia Mateo Sofia Ivan Olga Nikolai Anya Pierre Camille Louis Chloe Hans Greta "
    "Felix Klara Lars Ingrid Sven Astrid Erik Freya Noah Emma Liam Olivia Ethan Ava Mason Mia "
    "Lucas Isla Oscar Ruby Arjun Priya Ravi Ananya Kenji Yuki Min Jisoo Wei Xin Tariq Amara "
    "Kofi Ama Sipho Thandi Diego Valentina Marco Giulia Pablo Elena Tomas Marta Jan Eva Piotr "
    "Zofia Mikko Aino Bram Fleur Ines Joao Rui Beatriz Niamh Sean Aoife Cormac"
)
LAST = _words(
    "Lovelace Turing Hopper Torvalds Hamilton Thompson Ritchie Liskov Dijkstra Knuth Allen "
    "Perlman Berners Cerf Stroustrup Rossum Matsumoto Hejlsberg Gosling Wall Wilson Dahl "
    "Ulrich Hoffmann Tanaka Sato Suzuki Nakamura Haddad Khan Rahman Garcia Martinez Lopez "
    "Gonzalez Rodriguez Fernandez Ivanov Petrov Smirnov Dubois Laurent Moreau Lefebvre Muller "
    "Schmidt Schneider Fischer Weber Meyer Wagner Becker Larsen Hansen Nielsen Johansson "
    "Andersson Karlsson Nilsson Virtanen Korhonen Smith Jones Taylor Brown Davies Evans "
    "Walker Wright Robinson Thomson White Hughes Edwards Green Hall Wood Harris Clarke Patel "
    "Sharma Singh Gupta Kumar Iyer Reddy Chen Wang Li Zhang Liu Yang Huang Zhao Wu Kim Park "
    "Lee Choi Jung Kang Okafor Mensah Osei Nkosi Dlamini Silva Santos Costa Oliveira Pereira "
    "Rossi Russo Ferrari Esposito Bianchi Romano Novak Kowalski Nowak Horvat Kovac Jansen "
    "DeVries Bakker Visser Smit Murphy Kelly Byrne Walsh Ryan OBrien Doyle McCarthy"
)
COMPANY_A = _words(
    "North South East West Blue Red Green Iron Silver Golden Bright Rapid Quantum Solar Lunar "
    "Stellar Cedar Oak Pine Maple River Lake Harbor Summit Peak Valley Prairie Coastal Urban "
    "Metro Global Civic Prime Apex Vertex Nova Orbit Pixel Vector Atlas Titan Beacon"
)
COMPANY_B = _words(
    "Analytics Systems Logistics Foods Robotics Dynamics Labs Works Health Energy Media "
    "Capital Consulting Software Networks Motors Textiles Pharma Retail Studios Ventures"
)
COMPANY_C = ("Inc", "Ltd", "GmbH", "SA", "BV", "AB", "Oy", "LLC", "Group", "Co")
TLDS = ("com", "io", "net", "co.uk", "de", "fr", "se", "nl", "es", "it")
INDUSTRIES = _words(
    "software retail manufacturing logistics healthcare finance education media energy "
    "hospitality construction agriculture"
)
OWNERS = ("alice", "bob", "carol", "dave", "erin", "frank")
TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "Head of Sales",
    "Procurement Manager",
    "Operations Lead",
    "Engineer",
    "Marketing Director",
    "Office Manager",
    "Founder",
    None,
)
OTHER_TAGS = ("newsletter", "trial", "enterprise", "partner", "churned", "reseller", "beta")
PAYMENT = ("invoice", "card", "bank transfer", "paypal", "direct debit")
PURPOSE = ("expansion", "replacement", "new project", "compliance", "cost savings", "pilot")
PRODUCTS = (
    "Analytics dashboards",
    "Support plan",
    "Data migration",
    "Onboarding package",
    "Annual licence",
    "Hardware refresh",
    "Consulting days",
    "API add-on",
)
SUMMARIES = (
    "Discussed the renewal",
    "Sent the revised pricing",
    "Quarterly business review",
    "Asked about single sign-on",
    "Follow-up on the demo",
    "Invoice question",
    "Introduced the new account manager",
    "Feedback on onboarding",
    "Requested a reference customer",
    "Contract redlines received",
)
BODIES = (
    "Next steps: share revised pricing and a timeline for the rollout.",
    "They want a pilot with two teams before committing to the annual plan.",
    "Budget is approved for Q3; procurement needs our security questionnaire.",
    "Complained about response times last month; offered a call with support.",
)
REMINDERS = (
    "Send the contract",
    "Call back about the renewal",
    "Follow up on the open invoice",
    "Check in after onboarding",
    "Share the case study",
)
LOST_REASONS = ("price", "went with a competitor", "no budget", "timing", "no decision")
CATEGORIES = ("music", "books", "video", "games", "software", "hardware", "accessories")
GOODS = _words(
    "Album Single Boxset Anthology Novel Atlas Manual Cookbook Film Series Console Cable "
    "Adapter Headphones Speaker Keyboard Licence Plugin Poster Calendar"
)

#: The default pipeline's stages with the share of deals each holds (open ones first).
STAGES = (
    ("Lead", 0.30),
    ("Qualified", 0.20),
    ("Proposal", 0.15),
    ("Negotiation", 0.10),
    ("Won", 0.15),
    ("Lost", 0.10),
)
OPEN_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation")


@dataclass(frozen=True)
class Shape:
    """How many records of each type a data set holds."""

    customers: int
    companies: int
    deals: int
    interactions: int
    reminders: int
    open_deals_only: bool = False
    products: int = 0
    purchases: int = 0

    @classmethod
    def standard(cls, n: int) -> Shape:
        """The issue's database: N customers, N/20 companies, N/10 deals, 2N interactions,
        N/20 open reminders."""
        return cls(n, max(1, n // 20), max(1, n // 10), 2 * n, max(1, n // 20))

    @classmethod
    def sales(cls, n: int) -> Shape:
        """The purchase import's database: N purchases of 1-3 lines by N/10 customers (ten
        each on average) from a catalogue of N/1000 products (at least 20)."""
        customers = max(1, n // 10)
        return cls(
            customers,
            max(1, customers // 20),
            0,
            0,
            0,
            products=max(20, n // 1000),
            purchases=n,
        )

    @classmethod
    def board(cls, deals: int = 10_000) -> Shape:
        """The TUI board's database: `deals` open deals over deals/5 customers."""
        customers = max(1, deals // 5)
        return cls(customers, max(1, customers // 20), deals, customers, customers // 20, True)


@dataclass
class Summary:
    """What was written: line counts per type and records the read benchmarks look up."""

    lines: dict[str, int] = field(default_factory=dict)
    sample_email: str = ""
    sample_name: str = ""
    anchor: str = ""

    @property
    def total(self) -> int:
        return sum(self.lines.values())


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Generator:
    """Yields the records of one data set; all randomness comes from one seeded Random."""

    def __init__(self, shape: Shape, seed: int, anchor: datetime) -> None:
        self.shape = shape
        self.rng = random.Random(f"crmcli-bench-{seed}-{shape}")
        self.anchor = anchor
        self.deal_of: dict[int, int] = {}  # customer id -> one of its deals
        self.company_of = array("l")  # customer id - 1 -> company id (0: none)
        self.company_names: list[str] = []
        self.summary = Summary(anchor=_iso(anchor))

    def _ago(self, max_days: float, min_days: float = 0.0) -> datetime:
        seconds = self.rng.uniform(min_days * 86400, max_days * 86400)
        return self.anchor - timedelta(seconds=int(seconds))

    def records(self) -> Iterator[dict]:
        yield from self.companies()
        yield from self.customers()
        yield from self.deals()
        yield from self.interactions()
        yield from self.reminders()
        yield from self.products()
        yield from self.purchases()

    def companies(self) -> Iterator[dict]:
        rng = self.rng
        for cid in range(1, self.shape.companies + 1):
            base = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}"
            name = f"{base} {rng.choice(COMPANY_C)}"
            self.company_names.append(base)
            slug = base.lower().replace(" ", "-")
            created = self._ago(3 * 365, 365)
            tags = rng.sample(("partner", "supplier", "prospect", "key-account"), rng.randint(0, 2))
            yield {
                "type": "company",
                "id": cid,
                "name": name,
                "domain": f"{slug}-{cid}.{rng.choice(TLDS)}",
                "industry": rng.choice(INDUSTRIES),
                "owner": rng.choice(OWNERS),
                "tags": tags,
                "fields": {"employees": rng.randint(5, 20_000)},
                "notes": None,
                "created_at": _iso(created),
                "updated_at": _iso(created),
            }

    def customers(self) -> Iterator[dict]:
        rng, shape = self.rng, self.shape
        middle = shape.customers // 2 + 1
        for pid in range(1, shape.customers + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company_id = rng.randint(1, shape.companies) if rng.random() < 0.8 else None
            self.company_of.append(company_id or 0)
            if company_id is not None:
                slug = self.company_names[company_id - 1].lower().replace(" ", "-")
                domain = f"{slug}-{company_id}.com"
            else:
                domain = rng.choice(("example.com", "mail.example.org", "inbox.example.net"))
            emails = [f"{first}.{last}.{pid}@{domain}".lower()]
            if rng.random() < 0.4:
                emails.append(f"{first[0]}{last}{pid}@home.example.com".lower())
            tags = ["vip"] if rng.random() < 0.10 else []
            tags += rng.sample(OTHER_TAGS, rng.choice((0, 0, 1, 1, 2)))
            created = self._ago(3 * 365, 30)
            if pid == middle:
                self.summary.sample_email = emails[0]
                self.summary.sample_name = f"{first} {last}"
            yield {
                "type": "customer",
                "id": pid,
                "name": f"{first} {last}",
                "emails": emails,
                "phones": [f"+{rng.randint(1, 49)} {rng.randint(100, 999)} {pid:07d}"],
                "company_id": company_id,
                "title": rng.choice(TITLES),
                "owner": rng.choice(OWNERS),
                "tags": tags,
                "fields": {
                    "age": rng.randint(19, 79),
                    "income": rng.randrange(18_000, 250_000, 500),
                    "payment_method": rng.choice(PAYMENT),
                    "purchase_purpose": rng.choice(PURPOSE),
                },
                "notes": "Prefers email; decision maker." if rng.random() < 0.05 else None,
                "created_at": _iso(created),
                "updated_at": _iso(created),
            }

    def _stage(self) -> str:
        if self.shape.open_deals_only:
            return self.rng.choice(OPEN_STAGES)
        roll, total = self.rng.random(), 0.0
        for name, share in STAGES:
            total += share
            if roll < total:
                return name
        return STAGES[-1][0]

    def deals(self) -> Iterator[dict]:
        rng, shape = self.rng, self.shape
        changes: list[tuple[int, str, datetime, datetime]] = []
        for did in range(1, shape.deals + 1):
            # One customer in ten has a deal (distinct customers while there are enough).
            if shape.deals <= shape.customers // 2:
                customer_id = (did - 1) * (shape.customers // shape.deals) + 1
            else:
                customer_id = rng.randint(1, shape.customers)
            self.deal_of.setdefault(customer_id, did)
            stage = self._stage()
            created = self._ago(300, 20)
            moved = created + timedelta(days=rng.randint(1, 19)) if stage != "Lead" else created
            record = {
                "type": "deal",
                "id": did,
                "title": f"{rng.choice(PRODUCTS)} #{did}",
                "customer_id": customer_id,
                "company_id": self.company_of[customer_id - 1] or None,  # as export writes it
                "stage": stage,
                "value": rng.randrange(500, 120_000, 50),
                "currency": "EUR" if rng.random() < 0.2 else "USD",
                "close_date": (self.anchor + timedelta(days=rng.randint(-60, 120)))
                .date()
                .isoformat(),
                "lost_reason": rng.choice(LOST_REASONS) if stage == "Lost" else None,
                "owner": rng.choice(OWNERS),
                "tags": ["upsell"] if rng.random() < 0.15 else [],
                "created_at": _iso(created),
                "updated_at": _iso(moved),
                "stage_changed_at": _iso(moved),
            }
            if stage in ("Won", "Lost"):
                record["closed_at"] = _iso(moved)
            yield record
            changes.append((did, stage, created, moved))
        # History: every deal opened in Lead; those further on moved once to their stage.
        sid = 0
        for did, stage, created, moved in changes:
            sid += 1
            yield self._change(sid, did, None, "Lead", created)
            if stage != "Lead":
                sid += 1
                yield self._change(sid, did, "Lead", stage, moved)

    def _change(self, sid: int, did: int, frm: str | None, to: str, at: datetime) -> dict:
        return {
            "type": "stage_change",
            "id": sid,
            "deal_id": did,
            "from_stage": frm,
            "to_stage": to,
            "at": _iso(at),
            "by": self.rng.choice(OWNERS),
        }

    def interactions(self) -> Iterator[dict]:
        rng, shape = self.rng, self.shape
        for iid in range(1, shape.interactions + 1):
            customer_id = rng.randint(1, shape.customers)
            deal_id = self.deal_of.get(customer_id)
            at = _iso(self._ago(365))
            yield {
                "type": "interaction",
                "id": iid,
                "customer_id": customer_id,
                "deal_id": deal_id if deal_id and rng.random() < 0.5 else None,
                "channel": rng.choice(CHANNELS),
                "direction": rng.choice(("in", "out")),
                "occurred_at": at,
                "summary": rng.choice(SUMMARIES),
                "body": rng.choice(BODIES) if rng.random() < 0.3 else None,
                "by": rng.choice(OWNERS),
                "created_at": at,
            }

    def reminders(self) -> Iterator[dict]:
        rng, shape = self.rng, self.shape
        for rid in range(1, shape.reminders + 1):
            customer_id = rng.randint(1, shape.customers)
            due = self.anchor + timedelta(hours=rng.randint(-14 * 24, 45 * 24))
            deal_id = self.deal_of.get(customer_id)
            yield {
                "type": "reminder",
                "id": rid,
                "customer_id": customer_id,
                "deal_id": deal_id if deal_id and rng.random() < 0.5 else None,
                "due_at": _iso(due),
                "text": rng.choice(REMINDERS),
                "snooze_count": 0,
                "by": rng.choice(OWNERS),
                "created_at": _iso(self._ago(30)),
            }

    def products(self) -> Iterator[dict]:
        rng = self.rng
        self.catalogue: list[tuple[int, str, str, int, int | None]] = []
        for pid in range(1, self.shape.products + 1):
            sku = f"{rng.choice(GOODS)[:3].upper()}-{pid:06d}"
            name = f"{rng.choice(COMPANY_A)} {rng.choice(GOODS)}"
            price = rng.randrange(199, 20_000, 25)  # cents
            cost = price * rng.randint(40, 80) // 100 if rng.random() < 0.9 else None
            self.catalogue.append((pid, sku, name, price, cost))
            created = _iso(self._ago(4 * 365, 3 * 365))
            yield {
                "type": "product",
                "id": pid,
                "sku": sku,
                "name": name,
                "category": rng.choice(CATEGORIES),
                "price": _major(price),
                "cost": None if cost is None else _major(cost),
                "currency": "USD",
                "active": rng.random() < 0.95,
                "tags": ["bestseller"] if rng.random() < 0.1 else [],
                "notes": None,
                "created_at": created,
                "updated_at": created,
            }

    def purchases(self) -> Iterator[dict]:
        """Purchases as export writes them; one line in seven at a discount that leaves a
        unit price finer than a cent (29.33 for 2: 14.665 each)."""
        rng, shape = self.rng, self.shape
        for pid in range(1, shape.purchases + 1):
            items = []
            for product_id, sku, _name, price, cost in rng.sample(
                self.catalogue, rng.choice((1, 1, 2, 2, 2, 3))
            ):
                quantity = rng.choice((1, 1, 1, 2, 2, 3))
                amount = price * quantity
                if rng.random() < 1 / 7:
                    amount = amount * 9 // 10 + 1
                line_cost = None if cost is None else cost * quantity
                items.append(
                    {
                        "product_id": product_id,
                        "product": sku,
                        "quantity": quantity,
                        "unit_price": _unit(amount, quantity),
                        "amount": _major(amount),
                        "unit_cost": None if cost is None else _major(cost),
                        "cost": None if line_cost is None else _major(line_cost),
                    }
                )
            costs = [item["cost"] for item in items]
            at = _iso(self._ago(3 * 365))
            yield {
                "type": "purchase",
                "id": pid,
                "customer_id": rng.randint(1, shape.customers),
                "deal_id": None,
                "at": at,
                "channel": rng.choice(PURCHASE_CHANNELS),
                "currency": "USD",
                "amount": _sum_major(item["amount"] for item in items),
                "cost": None if None in costs else _sum_major(costs),
                "quantity": sum(item["quantity"] for item in items),
                "refund_of": None,
                "items": items,
                "note": None,
                "by": rng.choice(OWNERS),
                "created_at": at,
            }


def _major(cents: int) -> int | float:
    """Cents as the JSON number export writes: whole dollars as an int."""
    return cents // 100 if cents % 100 == 0 else float(Decimal(cents) / 100)


def _unit(cents: int, quantity: int) -> int | float:
    """A line's unit price as export shows it: its exact total over the quantity."""
    unit = Decimal(cents) / 100 / quantity
    return int(unit) if unit == unit.to_integral_value() else float(unit)


def _sum_major(amounts) -> int | float:
    return _major(sum(round(Decimal(str(a)) * 100) for a in amounts))


def default_anchor() -> datetime:
    """Today, midnight UTC: dates are "over the last year" from the day the data is made."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def write(out: TextIO, shape: Shape, *, seed: int = 1, anchor: datetime | None = None) -> Summary:
    """Stream the data set to `out`, one JSON object per line; returns what was written."""
    generator = _Generator(shape, seed, anchor or default_anchor())
    lines: dict[str, int] = {}
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for record in generator.records():
        out.write(dumps(record))
        out.write("\n")
        lines[record["type"]] = lines.get(record["type"], 0) + 1
    generator.summary.lines = lines
    return generator.summary


def write_file(path: Path, shape: Shape, **kwargs) -> Summary:
    """Write to `path` atomically (a partial file never looks like a finished one)."""
    partial = path.with_suffix(path.suffix + ".part")
    with partial.open("w", encoding="utf-8", buffering=1 << 20) as out:
        summary = write(out, shape, **kwargs)
    partial.replace(path)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("n", type=int, help="customers (or open deals with --board)")
    parser.add_argument("out", help="NDJSON file to write, - for stdout")
    parser.add_argument("--board", action="store_true", help="the TUI board's open-deal set")
    parser.add_argument(
        "--purchases", action="store_true", help="N purchases by N/10 customers (import row)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    shape = (
        Shape.board(args.n)
        if args.board
        else Shape.sales(args.n)
        if args.purchases
        else Shape.standard(args.n)
    )
    if args.out == "-":
        summary = write(sys.stdout, shape, seed=args.seed)
    else:
        summary = write_file(Path(args.out), shape, seed=args.seed)
    print(json.dumps({"lines": summary.lines, "total": summary.total}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
