"""The demo database behind `crm demo` and `make demo`: a realistic small company.

Ten companies, about fifty customers, thirty deals across every stage (with a stage history
spread over the last year, a few of them rotting), two hundred interactions on every channel
and a dozen open reminders, some overdue; a product catalogue and nearly three years of
purchases by loyal, lapsing and lost customers and the rest (demo_sales.py). Everything goes
through the services, so tags, custom fields, the search index and stage history are the
real thing; afterwards the timestamps the services stamped with the wall clock are moved to
plausible past dates.

The output depends only on `seed` and `now` (a `random.Random` of its own for the records
here, another for the sales; no global state), except that "due today" reminders are kept
inside the user's local day.

Why this file is long (about 780 lines): half of it is the demo's data (companies, names,
notes, interaction texts), kept beside the code that uses it so the two read together. The
sales (catalogue, purchases) have a module of their own, demo_sales.py, so it grows no more.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, func, select

from crmcli.entities import refs, registry
from crmcli.kernel import config
from crmcli.kernel.errors import Conflict, DatabaseUnavailable, InvalidInput
from crmcli.services import companies, customers, deals, interactions, pipelines, reminders
from crmcli.services.demo_sales import Buyer, add_sales
from crmcli.store.backends import backend_of
from crmcli.store.backends.sqlite import SQLITE
from crmcli.store.models import (
    Company,
    Customer,
    Deal,
    Interaction,
    Product,
    Purchase,
    Reminder,
    Stage,
    StageChange,
    id_of,
    utcnow,
)

__all__ = ["DEMO_APPLICATION_ID", "DemoSummary", "build_demo", "prepare_target"]

#: `PRAGMA application_id` of a database `crm demo` made (ASCII "CRMD"). Nothing else in
#: crmcli sets it; it travels with the file (and its backups), never with an export.
DEMO_APPLICATION_ID = 0x43524D44

OWNERS = ("alice", "bob", "carol")
CUSTOMER_COUNT = 50
INTERACTION_COUNT = 200
HISTORY_DAYS = 365


@dataclass
class DemoSummary:
    """What was created; `reminders` counts open ones, `overdue` those already past due."""

    companies: int
    customers: int
    deals: int
    interactions: int
    reminders: int
    overdue: int
    products: int
    purchases: int


# (name, domain, industry, tags, phone prefix, currency, employees, notes)
_COMPANIES = (
    ("Northwind Analytics", "northwind-analytics.io", "Software", ["partner"], "+1 415",
     "USD", 120, "Reseller for the West Coast; co-sells our analytics add-on."),
    ("Helios Maschinenbau", "helios-maschinenbau.de", "Manufacturing", ["enterprise"], "+49 711",
     "EUR", 2400, "Three plants in Baden-Württemberg; procurement runs yearly tenders."),
    ("Bluebird Home & Living", "bluebird-living.co.uk", "Retail", ["smb"], "+44 20",
     "EUR", 85, "Twelve stores and a web shop; busy season Oct-Dec."),
    ("Cargoline Logistics", "cargoline.nl", "Logistics", ["enterprise"], "+31 10",
     "EUR", 1800, "Port of Rotterdam operator; fleet of 400 trucks."),
    ("St. Aurelia Health", "aurelia-health.org", "Healthcare", ["enterprise"], "+1 617",
     "USD", 5200, "Hospital group; every purchase goes through the IT security review."),
    ("Fjord Capital", "fjordcapital.no", "Finance", ["enterprise", "partner"], "+47 22",
     "EUR", 340, "Asset manager; strict data residency requirements (EU only)."),
    ("Pixelforge Studios", "pixelforge.fr", "Software", ["smb", "partner"], "+33 1",
     "EUR", 45, "Agency building customer portals; refers two or three leads a quarter."),
    ("Greenleaf Grocers", "greenleafgrocers.com", "Retail", ["smb"], "+1 512",
     "USD", 210, "Regional organic supermarket chain in Texas."),
    ("Vega Medical Devices", "vega-medical.ch", "Healthcare", ["enterprise"], "+41 44",
     "EUR", 760, "Class II devices; long validation cycles."),
    ("Ironbridge Insurance", "ironbridge-insurance.co.uk", "Finance", ["enterprise"], "+44 161",
     "EUR", 1300, "Mid-size insurer; renewing their broker portal this year."),
)  # fmt: skip

_FIRST_NAMES = (
    "Anna", "Ben", "Chloé", "David", "Elena", "Felix", "Grace", "Hannah", "Ingrid", "James",
    "Katarzyna", "Lars", "Maria", "Noah", "Olivia", "Pedro", "Quentin", "Rosa", "Samir",
    "Sofia", "Tomás", "Ulrike", "Victor", "Wendy", "Xavier", "Yuki", "Zoë", "Amir", "Birgit",
    "Carlos", "Daniela", "Emil", "Fatima", "Georg", "Helen", "Isabel", "Jonas", "Klara",
    "Liam", "Mei", "Nils", "Oskar", "Priya", "Ruth", "Stefan", "Tara", "Uma", "Vera",
    "Aisha", "Bruno", "Camille", "Dmitri", "Esther", "Finn", "Giulia", "Hugo",
)  # fmt: skip
_LAST_NAMES = (
    "Andersen", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann",
    "Ivanova", "Jansen", "Kowalski", "Lindqvist", "Martin", "Novak", "O'Brien", "Petrov",
    "Quinn", "Rossi", "Schmidt", "Tanaka", "Ulrich", "Van Dijk", "Wagner", "Yilmaz", "Zimmer",
    "Baker", "Chen", "Dahl", "Evans", "Fournier", "Gupta", "Haugen", "Keller", "Larsen",
    "Moreau", "Nakamura", "Okafor", "Patel", "Richter", "Svensson", "Walsh", "Weber",
)  # fmt: skip
_TITLES = (
    "CTO", "CFO", "Head of Procurement", "Purchasing Manager", "Operations Director",
    "IT Manager", "Head of IT", "Office Manager", "Sales Director", "Product Owner",
    "Marketing Lead", "Logistics Coordinator", "Finance Controller", "Project Manager",
    "Managing Director", "Customer Service Lead",
)  # fmt: skip
_PURPOSES = (
    "internal use", "resale", "pilot project", "replacement of legacy system",
    "expansion to new sites", "compliance",
)  # fmt: skip
_CUSTOMER_NOTES = (
    "Prefers email; slow to answer calls.",
    "Decision maker for anything above 20k.",
    "Met at the Hamburg trade fair.",
    "Champion inside the account; keep her in the loop.",
    "Asked not to be called before 10am.",
    "Budget owner is the CFO.",
)

_PRODUCTS = (
    "Annual support renewal", "CRM licences (50 seats)", "Field service app",
    "Hardware refresh", "Cloud migration", "Data platform pilot", "Training package",
    "Customer portal", "Security audit", "Reporting add-on", "Integration project",
    "Onboarding workshop", "Premium support upgrade", "Mobile app extension",
    "Analytics dashboards", "Second-site rollout", "API access tier", "Consulting days (10)",
)  # fmt: skip
_LOST_REASONS = (
    "price", "went with competitor", "no budget this year", "project postponed",
    "no decision", "chose an in-house solution",
)  # fmt: skip

# (channel, direction, summary); {deal} is the deal title when the interaction has one.
_INTERACTIONS = (
    ("email", "out", "Sent pricing overview"),
    ("email", "out", "Shared a customer case study"),
    ("email", "out", "Follow-up after our meeting"),
    ("email", "out", "Sent the monthly product update"),
    ("email", "in", "Asked about a volume discount"),
    ("email", "in", "Question about the last invoice"),
    ("email", "in", "Requested a demo for the team"),
    ("email", "in", "Asked for two references"),
    ("call", "out", "Check-in call"),
    ("call", "out", "Left a voicemail"),
    ("call", "out", "Discovery call about next year's plans"),
    ("call", "in", "Called about a delivery delay"),
    ("call", "in", "Support question about onboarding"),
    ("meeting", "out", "On-site visit"),
    ("meeting", "out", "Quarterly business review"),
    ("meeting", "in", "Lunch at the trade fair"),
    ("sms", "out", "Confirmed tomorrow's meeting time"),
    ("sms", "in", "Running ten minutes late"),
    ("chat", "in", "Chat: question about export options"),
    ("chat", "in", "Chat: asked about API rate limits"),
    ("chat", "out", "Sent the documentation link in chat"),
    ("social", "in", "Commented on our LinkedIn post"),
    ("social", "out", "Congratulated on the new role"),
    ("social", "in", "Connected on LinkedIn"),
    ("web", "in", "Downloaded the pricing whitepaper"),
    ("web", "in", "Filled in the contact form"),
    ("web", "in", "Registered for the spring webinar"),
    ("letter", "out", "Mailed the printed catalogue"),
    ("letter", "out", "Sent a holiday card"),
    ("letter", "in", "Received the signed framework agreement"),
    ("questionnaire", "in", "Answered the satisfaction survey (NPS 9)"),
    ("questionnaire", "in", "Completed the onboarding questionnaire"),
    ("questionnaire", "out", "Sent the yearly satisfaction survey"),
    ("note", "out", "Prefers short emails over calls"),
    ("note", "out", "New IT director starts next quarter"),
)
_DEAL_INTERACTIONS = (
    ("email", "out", "Sent proposal for {deal}"),
    ("email", "out", "Sent revised quote for {deal}"),
    ("email", "in", "Feedback on the {deal} proposal"),
    ("email", "in", "Procurement questions about {deal}"),
    ("call", "out", "Pricing discussion: {deal}"),
    ("call", "in", "Called with questions on {deal}"),
    ("meeting", "out", "Product demo for {deal}"),
    ("meeting", "out", "Meeting with their procurement about {deal}"),
    ("meeting", "in", "Requirements workshop for {deal}"),
    ("chat", "in", "Chat about the {deal} timeline"),
    ("note", "out", "Budget for {deal} approved by their CFO"),
    ("sms", "out", "Confirmed tomorrow's call about {deal}"),
)
# Bodies for emails, by summary template: sent ones are signed by the owner, received ones
# by the customer.
_EMAIL_BODIES = {
    "Sent pricing overview": "as promised, our price list for this year is attached. Volume "
    "discounts start at 25 seats.",
    "Shared a customer case study": "here is the case study I mentioned: a company of your "
    "size cut its reporting time in half within three months.",
    "Follow-up after our meeting": "thanks for your time today. I have summarised the open "
    "points below and will come back to you on the integration question by Friday.",
    "Asked about a volume discount": "we are thinking about adding another 30 users. Is there "
    "a better price per seat at that volume?",
    "Question about the last invoice": "the last invoice lists 12 support days, but we only "
    "booked 10. Could you check and send a corrected one?",
    "Requested a demo for the team": "my colleagues from finance would like to see the "
    "reporting module. Would next Tuesday or Wednesday afternoon work?",
    "Sent proposal for {deal}": "please find our proposal for {deal} attached. The prices are "
    "valid until the end of the month.",
    "Sent revised quote for {deal}": "following our call, the revised quote for {deal} is "
    "attached; we moved the training days into the first quarter.",
    "Feedback on the {deal} proposal": "thanks for the proposal for {deal}. Overall it looks "
    "good, but the implementation timeline is too tight for us.",
    "Procurement questions about {deal}": "our procurement team needs your ISO certificate and "
    "the data processing agreement before we can sign off {deal}.",
}
_MEETING_NOTES = (
    "they are happy with support but find the reporting too rigid.",
    "budget is approved for this year; the CFO signs anything above 25k.",
    "IT wants single sign-on before a wider rollout.",
    "they are also talking to two competitors; price will matter.",
    "timeline slipped by a month because of their ERP migration.",
)
_NEXT_STEPS = (
    "send a written summary by Friday.",
    "schedule a follow-up with their IT team.",
    "share revised pricing.",
    "prepare a reference call with a similar customer.",
)
_CHANNEL_WEIGHTS = {
    "email": 24, "call": 16, "meeting": 8, "note": 7, "sms": 6, "chat": 7, "social": 8,
    "web": 9, "letter": 5, "questionnaire": 6,
}  # fmt: skip

_OPEN_REMINDERS = (
    "Call back about renewal",
    "Send revised proposal",
    "Chase the signed contract",
    "Check in after the demo",
    "Confirm the delivery date",
    "Prepare QBR slides",
    "Follow up on the open invoice",
    "Ask for a referral",
    "Book the on-site visit",
    "Send the case study",
    "Renewal due next month: plan the call",
    "Review survey answers with the team",
)
_DONE_REMINDERS = (
    "Send the welcome pack",
    "Share meeting notes",
    "Confirm pricing with finance",
)


@dataclass
class _Person:
    customer: Customer
    first: str
    company_index: int
    owner: str
    churned: bool
    vip: bool
    deals: list[Deal] = field(default_factory=list)
    won: list[Deal] = field(default_factory=list)


def _ascii(text: str) -> str:
    """`Zoë O'Brien` -> `zoeobrien`: the local part of an address."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _to_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The same UTC day at a plausible working time (07:00-17:55)."""
    return moment.replace(
        hour=rng.randint(7, 17), minute=rng.randrange(0, 60, 5), second=0, microsecond=0
    )


def build_demo(
    session: Session, *, seed: int = 7, now: datetime | None = None, mark: bool = False
) -> DemoSummary:
    """Fill an empty database with the demo company; refuses when customers exist.

    `mark` records in the SQLite file that the demo made it (PRAGMA application_id), in the
    same transaction: what lets `crm demo --reset` delete it later, and nothing else.
    """
    existing = session.exec(select(func.count()).select_from(Customer)).one()
    if existing:
        raise Conflict("the database already has customers; demo needs an empty database")
    if mark:
        backend_of(session).mark_file(session, DEMO_APPLICATION_ID)
    rng = random.Random(seed)
    now = _to_utc(now) if now is not None else utcnow()

    company_rows = _add_companies(session, rng)
    people = _add_customers(session, rng, company_rows)
    _add_deals(session, rng, now, people)
    _add_interactions(session, rng, now, people)
    _add_reminders(session, rng, now, people)
    sales = add_sales(session, seed, now, [_buyer(person) for person in people])
    _backdate_records(session, rng, now, people, company_rows, sales.first_purchase)
    session.flush()
    return _summary(session, now)


def prepare_target(location: str, *, reset: bool) -> bool:
    """Ready `location` for the demo; True when it holds nothing, so the demo may mark it
    as its own. `reset` first deletes a database the demo made (or one holding nothing) and
    refuses anything else: the demo never destroys a database it did not create."""
    if config.is_url(location):
        if reset:
            raise InvalidInput(
                "--reset deletes a demo database file; it cannot reset a server database"
            )
        return False
    path = Path(location).expanduser()
    state, why = _target_state(path)
    if not reset:
        return state in ("missing", "blank")
    if state == "other":
        raise Conflict(
            f"{path} was not made by crm demo ({why}); --reset deletes only a demo "
            "database (delete it yourself if you are sure)"
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return True


#: The tables whose rows are somebody's data (a new database has only the default pipeline).
def _record_tables() -> tuple[str, ...]:
    """Every record type's table but the pipelines' (a new database has the default one):
    a file with a row in any of them holds somebody's data."""
    return tuple(t.model.__tablename__ for t in registry.all_types() if t.name != "pipeline")


def _target_state(path: Path) -> tuple[str, str]:
    """("missing" | "blank" | "demo" | "other", why it is "other"), read without changing it."""
    if path.is_symlink():
        return "other", "it is a symbolic link"
    if not path.exists():
        return "missing", ""
    if not path.is_file():
        return "other", "it is not a file"
    if path.stat().st_size == 0:
        return "blank", ""
    try:
        mark, filled, pipelines = SQLITE.file_facts(path, _record_tables())
    except DatabaseUnavailable as exc:
        return "other", str(exc)  # "file is not a database", ...
    if mark == DEMO_APPLICATION_ID:
        return "demo", ""
    if filled or pipelines > 1:
        return "other", "it holds records"
    return "blank", ""


def _add_companies(session: Session, rng: random.Random) -> list:
    rows = []
    for name, domain, industry, tags, _prefix, _cur, employees, notes in _COMPANIES:
        rows.append(
            companies.add(
                session,
                name,
                domain=domain,
                industry=industry,
                tags=tags,
                owner=rng.choice(OWNERS),
                fields={"employees": employees},
                notes=notes,
            )
        )
    return rows


def _company_sizes(rng: random.Random) -> list[int]:
    sizes = [CUSTOMER_COUNT // len(_COMPANIES)] * len(_COMPANIES)
    for _ in range(12):
        giver, taker = rng.randrange(len(sizes)), rng.randrange(len(sizes))
        if giver != taker and sizes[giver] > 2:
            sizes[giver] -= 1
            sizes[taker] += 1
    return sizes


def _add_customers(session: Session, rng: random.Random, company_rows: list) -> list[_Person]:
    names = [(f, last) for f in _FIRST_NAMES for last in _LAST_NAMES]
    chosen: list[tuple[str, str]] = []
    firsts_used: set[str] = set()
    for first, last in rng.sample(names, len(names)):
        # One of each first name keeps search results and REFs unambiguous.
        if first in firsts_used or len(chosen) == CUSTOMER_COUNT:
            continue
        firsts_used.add(first)
        chosen.append((first, last))
    vip = set(rng.sample(range(CUSTOMER_COUNT), CUSTOMER_COUNT // 10))
    churned = set(rng.sample([i for i in range(CUSTOMER_COUNT) if i not in vip], 4))

    people: list[_Person] = []
    taken: set[str] = set()
    index = 0
    for company_index, size in enumerate(_company_sizes(rng)):
        company = company_rows[company_index]
        domain = company.domain
        prefix = _COMPANIES[company_index][4]
        for _ in range(size):
            first, last = chosen[index]
            emails = [f"{_ascii(first)}.{_ascii(last)}@{domain}"]
            if rng.random() < 0.35:
                alternative = rng.choice(
                    [f"{_ascii(first)[0]}{_ascii(last)}@{domain}", f"{_ascii(first)}@{domain}"]
                )
                if alternative not in taken and alternative not in emails:
                    emails.append(alternative)
            taken.update(emails)
            tags = []
            if index in vip:
                tags.append("vip")
            if index in churned:
                tags.append("churned")
            if rng.random() < 0.4:
                tags.append("newsletter")
            fields: dict[str, object] = {
                "income": rng.randrange(32_000, 160_000, 1_000),
                "payment_method": rng.choices(["invoice", "card", "transfer"], [5, 3, 2])[0],
            }
            if rng.random() < 0.8:
                fields["age"] = rng.randint(24, 63)
            if rng.random() < 0.7:
                fields["purchase_purpose"] = rng.choice(_PURPOSES)
            owner = company.owner if rng.random() < 0.75 else rng.choice(OWNERS)
            customer = customers.add(
                session,
                f"{first} {last}",
                emails=emails,
                phones=[f"{prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"],
                company=str(company.id),
                title=rng.choice(_TITLES),
                tags=tags,
                owner=owner,
                fields=fields,
                notes=rng.choice(_CUSTOMER_NOTES) if rng.random() < 0.2 else None,
            )
            people.append(
                _Person(customer, first, company_index, owner, index in churned, index in vip)
            )
            index += 1
    return people


def _deal_value(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.55:
        return rng.randrange(1_000, 15_000, 100)
    if band < 0.88:
        return rng.randrange(15_000, 40_000, 500)
    return rng.randrange(40_000, 80_001, 1_000)


def _add_deals(
    session: Session, rng: random.Random, now: datetime, people: list[_Person]
) -> list[Deal]:
    pipeline_stages = pipelines.stages(session, id_of(refs.pipeline(session, None)))
    open_stages = [s for s in pipeline_stages if s.kind == "open"]
    # Final stage of each deal: most open, some won, some lost (30 in all).
    plan = (
        [open_stages[0]] * 6
        + [open_stages[min(1, len(open_stages) - 1)]] * 5
        + [open_stages[min(2, len(open_stages) - 1)]] * 5
        + [open_stages[-1]] * 4
        + ["won"] * 6
        + ["lost"] * 4
    )
    rng.shuffle(plan)
    can_rot = [i for i, final in enumerate(plan) if isinstance(final, Stage) and final.rotting_days]
    rotting = set(rng.sample(can_rot, min(4, len(can_rot))))

    active = [p for p in people if not p.churned]
    vips = [p for p in active if p.vip]
    buyers = rng.sample(active, 22) + rng.sample(vips, min(3, len(vips)))
    buyers += rng.sample(active, len(plan) - len(buyers))
    titles_used: set[str] = set()
    created: list[Deal] = []
    for number, final in enumerate(plan):
        person = buyers[number]
        company_name, currency = (
            _COMPANIES[person.company_index][0],
            _COMPANIES[person.company_index][5],
        )
        product = rng.choice(_PRODUCTS)
        short = company_name.removeprefix("St. ").split()[0]
        while f"{product} for {short}" in titles_used:
            product = rng.choice(_PRODUCTS)
        title = f"{product} for {short}"
        titles_used.add(title)
        deal = deals.add(
            session,
            title,
            customer=str(person.customer.id),
            value=str(_deal_value(rng)),
            currency=currency,
            owner=person.owner,
            tags=["upsell"] if rng.random() < 0.25 else [],
        )
        if isinstance(final, Stage):
            path = open_stages[1 : open_stages.index(final) + 1]
        elif final == "won":
            path = open_stages[1:]
        else:
            path = open_stages[1 : rng.randint(1, len(open_stages))]
        for stage in path:
            deals.move(session, deal, stage.name)
        if final == "won":
            deals.won(session, deal)
        elif final == "lost":
            deals.lost(session, deal, rng.choice(_LOST_REASONS))

        _backdate_deal(session, rng, now, deal, final, number in rotting)
        person.deals.append(deal)
        if final == "won":
            person.won.append(deal)
        created.append(deal)
    session.flush()
    return created


def _backdate_deal(
    session: Session, rng: random.Random, now: datetime, deal: Deal, final, rots: bool
) -> None:
    """Spread the deal's stage history over the past year, oldest first."""
    changes = list(
        session.exec(
            select(StageChange).where(StageChange.deal_id == deal.id).order_by(col(StageChange.id))
        )
    )
    if isinstance(final, Stage):
        limit = final.rotting_days or 30
        ago = limit + rng.uniform(5, 45) if rots else rng.uniform(0.3, limit * 0.8)
    else:
        ago = rng.uniform(5, 300)
    last = (now - timedelta(days=ago)).replace(second=0, microsecond=0)
    gaps = [rng.uniform(3, 28) for _ in changes[1:]]
    budget = (last - (now - timedelta(days=HISTORY_DAYS - 2))).total_seconds() / 86400
    if sum(gaps) > budget:
        gaps = [g * budget / sum(gaps) for g in gaps]
    times = [last]
    for gap in reversed(gaps):
        times.insert(0, times[0] - timedelta(days=gap))
    # Moves happen in office hours; a move earlier today keeps its time (no future moves).
    times = sorted(
        snapped if (snapped := _office_hours(rng, t)) < now - timedelta(minutes=10) else t
        for t in times
    )
    for change, moment in zip(changes, times, strict=True):
        change.at = moment
        change.by = deal.owner
        session.add(change)
    deal.created_at = times[0]
    deal.stage_changed_at = deal.updated_at = times[-1]
    if isinstance(final, Stage):
        deal.closed_at = None
        deal.close_date = (now + timedelta(days=rng.randint(10, 150))).date()
    else:
        deal.closed_at = times[-1]
        deal.close_date = times[-1].date()
    session.add(deal)


def _deal_label(deal: Deal) -> str:
    """`CRM licences (50 seats) for Fjord` -> `CRM licences (50 seats)`; `Customer portal`
    -> `customer portal`, to read well inside a sentence."""
    product = deal.title.rsplit(" for ", 1)[0]
    return product if product[1:2].isupper() else product[0].lower() + product[1:]


def _deal_window(deal: Deal, now: datetime) -> tuple[datetime, datetime]:
    end = deal.closed_at or now - timedelta(hours=1)
    return deal.created_at, min(end, now - timedelta(hours=1))


def _interaction_time(
    rng: random.Random, now: datetime, oldest: int, newest: int | None
) -> datetime:
    """Office hours on a day `newest` to `oldest` days ago (exactly `oldest` without newest)."""
    days = oldest if newest is None else rng.randint(newest, oldest)
    return _office_hours(rng, now - timedelta(days=days))


def _body(
    rng: random.Random, summary: str, channel: str, direction: str, person: _Person, label: str
) -> str | None:
    """A plausible text for some emails and meetings; the rest carry a summary only."""
    owner = person.owner.capitalize()
    if channel == "email" and summary in _EMAIL_BODIES and rng.random() < 0.6:
        text = _EMAIL_BODIES[summary].format(deal=label)
        if direction == "out":
            return f"Hi {person.first},\n\n{text}\n\nBest regards,\n{owner}"
        return (
            f"Hello {owner},\n\n{text}\n\nKind regards,\n"
            f"{person.customer.name}\n{person.customer.title}"
        )
    if channel == "meeting" and rng.random() < 0.6:
        return (
            f"Attendees: {person.customer.name} ({person.customer.title}), {owner}.\n"
            f"Notes: {rng.choice(_MEETING_NOTES)}\n"
            f"Next steps: {rng.choice(_NEXT_STEPS)}"
        )
    return None


def _add_interactions(
    session: Session, rng: random.Random, now: datetime, people: list[_Person]
) -> None:
    planned: list[tuple[_Person, Deal | None, tuple[str, str, str], datetime]] = []
    for person in people:
        for deal in person.deals:
            start, end = _deal_window(deal, now)
            for _ in range(rng.randint(2, 4)):
                span = max((end - start).total_seconds(), 60.0)
                moment = start + timedelta(seconds=rng.uniform(0, span))
                moment = min(max(_office_hours(rng, moment), start), end)
                planned.append((person, deal, rng.choice(_DEAL_INTERACTIONS), moment))

    weights = [3 if p.vip else 1 for p in people]
    by_channel: dict[str, list[tuple[str, str, str]]] = {}
    for template in _INTERACTIONS:
        by_channel.setdefault(template[0], []).append(template)
    channels = list(_CHANNEL_WEIGHTS)
    while len(planned) < INTERACTION_COUNT:
        person = rng.choices(people, weights)[0]
        channel = rng.choices(channels, [_CHANNEL_WEIGHTS[c] for c in channels])[0]
        template = rng.choice(by_channel[channel])
        # Churned customers went quiet months ago.
        newest = 120 if person.churned else 1
        moment = _interaction_time(rng, now, HISTORY_DAYS - 1, newest)
        planned.append((person, None, template, moment))
    planned = planned[:INTERACTION_COUNT]
    # Both ends of the year are always covered: one a year ago, one yesterday (from a
    # customer who has not churned).
    first = min(i for i, item in enumerate(planned) if item[1] is None)
    planned[first] = (*planned[first][:3], _interaction_time(rng, now, HISTORY_DAYS - 3, None))
    last = max(i for i, item in enumerate(planned) if item[1] is None and not item[0].churned)
    planned[last] = (*planned[last][:3], _interaction_time(rng, now, 1, None))

    for person, about, (channel, direction, summary), moment in sorted(
        planned, key=lambda item: item[3]
    ):
        label = _deal_label(about) if about else ""
        text = summary.format(deal=label)
        logged = interactions.log(
            session,
            str(person.customer.id),
            channel,
            text,
            body=_body(rng, summary, channel, direction, person, label),
            at=moment,
            direction=direction,
            deal=str(about.id) if about else None,
        )
        logged.interaction.by = person.owner
        logged.interaction.created_at = moment
        session.add(logged.interaction)


def _add_reminders(
    session: Session, rng: random.Random, now: datetime, people: list[_Person]
) -> None:
    _, tomorrow = reminders.day_bounds(now)
    left_today = (tomorrow - now).total_seconds()
    open_deals = [(p, d) for p in people for d in p.deals if d.closed_at is None]
    quiet = [p for p in people if not p.churned]
    texts = list(_OPEN_REMINDERS)
    rng.shuffle(texts)

    due: list[datetime] = []
    for _ in range(4):  # overdue
        due.append(now - timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 6)))
    for fraction in (0.2, 0.45, 0.75):  # later today, even close to midnight
        wanted = rng.uniform(0.5, 3.0) * 3600 * (1 + fraction)
        moment = now + timedelta(seconds=min(wanted, left_today * fraction))
        rounded = (moment + timedelta(seconds=59)).replace(second=0, microsecond=0)
        due.append(rounded if rounded < tomorrow else moment)
    for _ in range(5):  # upcoming
        day = (now + timedelta(days=rng.randint(2, 21))).replace(
            hour=rng.choice([8, 9, 10, 13, 14]), minute=0, second=0, microsecond=0
        )
        due.append(day)

    for number, (text, moment) in enumerate(zip(texts, due, strict=True)):
        if number % 2 == 0 and open_deals:
            person, deal = open_deals[rng.randrange(len(open_deals))]
        else:
            person, deal = rng.choice(quiet), None
        reminder = reminders.create(
            session,
            moment,
            text,
            customer_id=person.customer.id,
            deal_id=deal.id if deal else None,
        )
        reminder.by = person.owner
        reminder.created_at = min(moment, now) - timedelta(days=rng.randint(1, 14))
        session.add(reminder)

    for text in _DONE_REMINDERS:
        person = rng.choice(quiet)
        moment = _office_hours(rng, now - timedelta(days=rng.randint(10, 120)))
        reminder = reminders.create(
            session, moment, text, customer_id=person.customer.id, deal_id=None
        )
        reminders.done(session, [str(reminder.id)])
        reminder.by = person.owner
        reminder.created_at = moment - timedelta(days=rng.randint(1, 10))
        reminder.done_at = moment + timedelta(hours=rng.randint(1, 6), minutes=rng.randint(0, 59))
        session.add(reminder)
    session.flush()


def _buyer(person: _Person) -> Buyer:
    return Buyer(
        customer_id=id_of(person.customer),
        owner=person.owner,
        currency=_COMPANIES[person.company_index][5],
        vip=person.vip,
        churned=person.churned,
        won_deals=tuple(person.won),
    )


def _backdate_records(
    session: Session,
    rng: random.Random,
    now: datetime,
    people: list[_Person],
    company_rows,
    first_purchase: dict[int, datetime],
) -> None:
    """Customers and companies existed before their first deal, interaction or purchase."""
    first_seen: dict[int, datetime] = dict(
        session.exec(
            select(Interaction.customer_id, func.min(Interaction.occurred_at)).group_by(
                col(Interaction.customer_id)
            )
        ).all()
    )
    company_start: dict[int | None, datetime] = {}
    for person in people:
        customer = person.customer
        candidates = [now - timedelta(days=rng.uniform(20, 420))]
        if id_of(customer) in first_seen:
            candidates.append(_as_utc(first_seen[id_of(customer)]))
        if id_of(customer) in first_purchase:
            candidates.append(first_purchase[id_of(customer)])
        candidates += [d.created_at for d in person.deals]
        created = _office_hours(rng, min(candidates) - timedelta(days=rng.randint(1, 14)))
        customer.created_at = customer.updated_at = created
        session.add(customer)
        cid = customer.company_id
        company_start[cid] = min(company_start.get(cid, created), created)
    for company in company_rows:
        start = company_start.get(company.id, now - timedelta(days=400))
        company.created_at = company.updated_at = _office_hours(
            rng, start - timedelta(days=rng.randint(1, 10))
        )
        session.add(company)


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite aggregates skip the column type
        value = datetime.fromisoformat(value)
    return _to_utc(value)


def _summary(session: Session, now: datetime) -> DemoSummary:
    def count(model, *where) -> int:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()

    return DemoSummary(
        companies=count(Company),
        customers=count(Customer),
        deals=count(Deal),
        interactions=count(Interaction),
        reminders=count(Reminder, col(Reminder.done_at).is_(None)),
        overdue=count(Reminder, *reminders.window_clauses("overdue", now)),
        products=count(Product),
        purchases=count(Purchase),
    )
