"""The import floor: the same NDJSON loaded with nothing but `json` and `sqlite3` executemany.

What it does is the least any correct loader of these lines must do, so `crm import` is
compared with it (budget: at least 1/5 of its rows per second):

- into a fresh database with the same schema (`crm db upgrade` made it: same tables, same
  indexes, same FTS5 table), with the pragmas crmcli sets (WAL, synchronous=NORMAL,
  foreign_keys=ON), in one transaction;
- parse every line with `json.loads`, turn ISO datetimes into the stored UTC text, resolve
  stage names to ids, and write the same rows crmcli writes: the record, its emails, phones,
  tags and custom fields (JSON text plus numeric copy), a purchase's lines, and its
  search_index entry with the same title and body text;
- rows are batched per table and written with `executemany`, in dependency order.

What it skips, and `crm import` must do: validating values, checking REFs and links one by
one, upsert lookups by id, and the ORM. That gap is what the ratio measures.

Usage: python -m bench.floor_import DB NDJSON (prints the rows it read).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

BATCH = 20_000
CODES = {"customer": 1, "company": 2, "deal": 3, "interaction": 4, "reminder": 5, "product": 6}
MINOR_DIGITS = {"JPY": 0, "KRW": 0}

SQL = {
    "company": "INSERT INTO company (id, name, domain, industry, notes, owner, created_at, "
    "updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?)",
    "customer": "INSERT INTO customer (id, name, company_id, title, notes, owner, created_at, "
    "updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?)",
    "customer_email": "INSERT INTO customer_email (customer_id, email, is_primary, position) "
    "VALUES (?,?,?,?)",
    "customer_phone": "INSERT INTO customer_phone (customer_id, phone, is_primary, position) "
    "VALUES (?,?,?,?)",
    "tag": "INSERT INTO tag (entity, entity_id, name) VALUES (?,?,?)",
    "field_value": "INSERT INTO field_value (entity, entity_id, key, value, num) "
    "VALUES (?,?,?,?,?)",
    "deal": "INSERT INTO deal (id, title, customer_id, company_id, pipeline_id, stage_id, "
    "value_minor, currency, close_date, lost_reason, owner, created_at, updated_at, "
    "stage_changed_at, closed_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "stage_change": "INSERT INTO stage_change (id, deal_id, from_stage_id, to_stage_id, at, by) "
    "VALUES (?,?,?,?,?,?)",
    "interaction": "INSERT INTO interaction (id, customer_id, deal_id, channel, direction, "
    "occurred_at, summary, body, by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "reminder": "INSERT INTO reminder (id, customer_id, deal_id, due_at, text, done_at, "
    "snooze_count, by, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
    "product": "INSERT INTO product (id, sku, sku_key, name, category, price_minor, cost_minor, "
    "currency, active, notes, created_at, updated_at, deleted_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "purchase": "INSERT INTO purchase (id, customer_id, deal_id, at, channel, currency, "
    "amount_minor, cost_minor, quantity, refund_of_id, note, by, created_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "purchase_item": "INSERT INTO purchase_item (purchase_id, product_id, quantity, "
    "amount_minor, cost_minor, position) VALUES (?,?,?,?,?,?)",
    "search_index": "INSERT INTO search_index (rowid, title, body) VALUES (?,?,?)",
}
#: Parents before children, so foreign keys hold when a batch is flushed.
ORDER = tuple(SQL)


def stamp(text: str | None) -> str | None:
    """ISO 8601 with offset -> the naive UTC text SQLAlchemy stores in SQLite."""
    if text is None:
        return None
    if len(text) == 25 and text.endswith("+00:00"):  # the common case, without parsing
        return f"{text[:10]} {text[11:19]}.000000"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="microseconds")


def minor(value: float | int | None, currency: str = "USD") -> int | None:
    return None if value is None else round(value * 10 ** MINOR_DIGITS.get(currency, 2))


def words(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


class Loader:
    """Buffers rows per table and flushes them in dependency order."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.pending = 0
        self.stages = {name.lower(): sid for sid, name in db.execute("SELECT id, name FROM stage")}
        self.pipeline = db.execute("SELECT id FROM pipeline WHERE is_default").fetchone()[0]
        self.companies: dict[int, str] = {}
        self.skus: dict[str, int] = {}
        self.customer_company: dict[int, int | None] = {}

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)
        self.pending += 1

    def flush(self) -> None:
        for table in ORDER:
            if self.rows[table]:
                self.db.executemany(SQL[table], self.rows[table])
                self.rows[table].clear()
        self.pending = 0

    def attributes(self, entity: str, rid: int, record: dict) -> None:
        for name in record.get("tags") or ():
            self.add("tag", (entity, rid, name))
        record["tags"] = sorted(record.get("tags") or ())  # the index lists them sorted
        for key, value in (record.get("fields") or {}).items():
            num = float(value) if isinstance(value, int | float) and value is not True else None
            self.add("field_value", (entity, rid, key, json.dumps(value), num))

    def line(self, r: dict) -> None:
        kind, rid = r["type"], r["id"]
        getattr(self, kind)(r, rid)
        if self.pending >= BATCH:
            self.flush()

    def company(self, r: dict, rid: int) -> None:
        created = stamp(r["created_at"])
        self.add(
            "company",
            (
                rid,
                r["name"],
                r.get("domain"),
                r.get("industry"),
                r.get("notes"),
                r.get("owner"),
                created,
                stamp(r.get("updated_at")) or created,
                None,
            ),
        )
        self.attributes("company", rid, r)
        self.companies[rid] = r["name"]
        body = words(r.get("domain"), r.get("industry"), r.get("notes"), *r.get("tags", ()))
        self.add("search_index", (rid * 8 + CODES["company"], r["name"], body))

    def customer(self, r: dict, rid: int) -> None:
        created = stamp(r["created_at"])
        company_id = r.get("company_id")
        self.customer_company[rid] = company_id
        self.add(
            "customer",
            (
                rid,
                r["name"],
                company_id,
                r.get("title"),
                r.get("notes"),
                r.get("owner"),
                created,
                stamp(r.get("updated_at")) or created,
                None,
            ),
        )
        emails, phones = r.get("emails") or [], r.get("phones") or []
        for position, email in enumerate(emails):
            self.add("customer_email", (rid, email.lower(), position == 0, position))
        for position, phone in enumerate(phones):
            self.add("customer_phone", (rid, phone, position == 0, position))
        self.attributes("customer", rid, r)
        company = self.companies.get(company_id) if company_id else None
        body = words(*emails, *phones, company, r.get("title"), r.get("notes"), *r.get("tags", ()))
        self.add("search_index", (rid * 8 + CODES["customer"], r["name"], body))

    def deal(self, r: dict, rid: int) -> None:
        digits = MINOR_DIGITS.get(r.get("currency", "USD"), 2)
        value = round(float(r.get("value") or 0) * 10**digits)
        created = stamp(r["created_at"])
        company_id = r.get("company_id", self.customer_company.get(r["customer_id"]))
        self.add(
            "deal",
            (
                rid,
                r["title"],
                r["customer_id"],
                company_id,
                self.pipeline,
                self.stages[r["stage"].lower()],
                value,
                r.get("currency", "USD"),
                r.get("close_date"),
                r.get("lost_reason"),
                r.get("owner"),
                created,
                stamp(r.get("updated_at")) or created,
                stamp(r.get("stage_changed_at")) or created,
                stamp(r.get("closed_at")),
                None,
            ),
        )
        self.attributes("deal", rid, r)
        body = words(r.get("lost_reason"), *r.get("tags", ()))
        self.add("search_index", (rid * 8 + CODES["deal"], r["title"], body))

    def stage_change(self, r: dict, rid: int) -> None:
        frm = r.get("from_stage")
        self.add(
            "stage_change",
            (
                rid,
                r["deal_id"],
                self.stages[frm.lower()] if frm else None,
                self.stages[r["to_stage"].lower()],
                stamp(r["at"]),
                r.get("by"),
            ),
        )

    def interaction(self, r: dict, rid: int) -> None:
        self.add(
            "interaction",
            (
                rid,
                r["customer_id"],
                r.get("deal_id"),
                r["channel"],
                r.get("direction", "out"),
                stamp(r["occurred_at"]),
                r.get("summary"),
                r.get("body"),
                r.get("by"),
                stamp(r.get("created_at")) or stamp(r["occurred_at"]),
            ),
        )
        title, body = r.get("summary") or "", r.get("body") or ""
        self.add("search_index", (rid * 8 + CODES["interaction"], title, body))

    def reminder(self, r: dict, rid: int) -> None:
        self.add(
            "reminder",
            (
                rid,
                r.get("customer_id"),
                r.get("deal_id"),
                stamp(r["due_at"]),
                r.get("text"),
                stamp(r.get("done_at")),
                r.get("snooze_count", 0),
                r.get("by"),
                stamp(r.get("created_at")),
            ),
        )
        self.add("search_index", (rid * 8 + CODES["reminder"], r.get("text") or "", ""))

    def product(self, r: dict, rid: int) -> None:
        created = stamp(r["created_at"])
        currency = r.get("currency", "USD")
        self.skus[r["sku"].lower()] = rid
        self.add(
            "product",
            (
                rid,
                r["sku"],
                r["sku"].lower(),
                r["name"],
                r.get("category"),
                minor(r["price"], currency),
                minor(r.get("cost"), currency),
                currency,
                r.get("active", True),
                r.get("notes"),
                created,
                stamp(r.get("updated_at")) or created,
                None,
            ),
        )
        self.attributes("product", rid, r)
        body = words(r["sku"], r.get("category"), *r.get("tags", ()))
        self.add("search_index", (rid * 8 + CODES["product"], r["name"], body))

    def purchase(self, r: dict, rid: int) -> None:
        currency = r.get("currency", "USD")
        items = r.get("items") or []
        for position, item in enumerate(items):
            product_id = item.get("product_id") or self.skus[item["product"].lower()]
            self.add(
                "purchase_item",
                (
                    rid,
                    product_id,
                    item.get("quantity", 1),
                    minor(item["amount"], currency),
                    minor(item.get("cost"), currency),
                    position,
                ),
            )
        at = stamp(r["at"])
        self.add(
            "purchase",
            (
                rid,
                r["customer_id"],
                r.get("deal_id"),
                at,
                r.get("channel", "web"),
                currency,
                minor(r["amount"], currency),
                minor(r.get("cost"), currency),
                r.get("quantity", 1),
                r.get("refund_of"),
                r.get("note"),
                r.get("by"),
                stamp(r.get("created_at")) or at,
            ),
        )


def load(db_path: Path, ndjson: Path) -> int:
    """Load every line in one transaction; returns the number of lines read."""
    db = sqlite3.connect(db_path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("BEGIN IMMEDIATE")
    loader = Loader(db)
    lines = 0
    with ndjson.open(encoding="utf-8") as source:
        for text in source:
            if text.strip():
                loader.line(json.loads(text))
                lines += 1
    loader.flush()
    db.execute("COMMIT")
    db.close()
    return lines


if __name__ == "__main__":
    print(load(Path(sys.argv[1]), Path(sys.argv[2])))
