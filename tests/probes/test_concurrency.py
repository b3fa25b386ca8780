"""Probe: several `crm` processes writing to one SQLite file at the same moment.

Each write takes SQLite's lock up front (BEGIN IMMEDIATE) and waits on busy_timeout, so no
command may fail with "database is locked", and afterwards the database must hold exactly
what the commands said they wrote: every interaction once, every snooze counted, every
customer added, and each deal's stage history one unbroken chain ending at its stage.
"""

from __future__ import annotations

import collections
import itertools
import random
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.probes.conftest import (
    crm_argv,
    crm_env,
    export_bytes,
    ok,
    records,
    run_crm,
    slow_probes_enabled,
    write_ndjson,
)

#: How many `crm` processes run at once.
LANES = 5
CUSTOMERS = 6
DEALS = 3
REMINDERS = 4
OPEN_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation")


def email(n: int) -> str:
    return f"c{n}@probe.test"


@dataclass
class Command:
    kind: str  # log | move | snooze | add | read
    args: list[str]
    target: int | None = None  # the customer, deal or reminder it writes to
    result: subprocess.CompletedProcess[bytes] | None = None


@dataclass
class Plan:
    commands: list[Command] = field(default_factory=list)

    def of(self, kind: str) -> list[Command]:
        return [c for c in self.commands if c.kind == kind]


def seed_rows(now: datetime) -> list[dict]:
    """Customers, deals (each with the stage change that opened it) and open reminders."""
    rows: list[dict] = []
    for n in range(1, CUSTOMERS + 1):
        rows.append({"type": "customer", "id": n, "name": f"Probe Customer {n}", "email": email(n)})
    for n in range(1, DEALS + 1):
        rows.append(
            {
                "type": "deal",
                "id": n,
                "title": f"Probe Deal {n}",
                "customer_id": n,
                "pipeline_id": 1,
                "stage_id": 1,
                "value": 1000 * n,
                "currency": "EUR",
            }
        )
        rows.append(
            {
                "type": "stage_change",
                "id": n,
                "deal_id": n,
                "from_stage_id": None,
                "to_stage_id": 1,
                "at": (now - timedelta(days=1)).isoformat(),
                "by": "seed",
            }
        )
    for n in range(1, REMINDERS + 1):
        rows.append(
            {
                "type": "reminder",
                "id": n,
                "customer_id": n,
                "due_at": (now + timedelta(days=1)).isoformat(),
                "text": f"Probe reminder {n}",
            }
        )
    return rows


#: Commands of each kind in the normal run (about 40: each `crm` costs ~0.5 s of CPU to
#: start, on 2 shared cores); the big run multiplies them by BIG_SCALE (300 commands).
COUNTS = {"log": 14, "move": 8, "snooze": 8, "add": 6, "read": 4}
BIG_SCALE = 7.5


def make_plan(rng: random.Random, scale: float) -> Plan:
    """The commands of one run, shuffled so every kind overlaps every other."""
    count = {kind: round(n * scale) for kind, n in COUNTS.items()}
    plan = Plan()
    for n in range(count["log"]):
        customer = rng.randint(1, CUSTOMERS)
        args = ["log", email(customer), "call", f"probe call {n}"]
        if n % 4 == 0:
            args += ["--remind", "in 3 days"]
        plan.commands.append(Command("log", args, customer))
    for _ in range(count["move"]):
        deal = rng.randint(1, DEALS)
        stage = rng.choice(OPEN_STAGES).lower()
        plan.commands.append(Command("move", ["deal", "move", str(deal), stage], deal))
    for n in range(count["snooze"]):
        reminder = n % REMINDERS + 1
        days = rng.randint(2, 60)
        plan.commands.append(
            Command("snooze", ["remind", "snooze", str(reminder), f"in {days} days"], reminder)
        )
    for n in range(count["add"]):
        plan.commands.append(
            Command("add", ["customer", "add", f"Added Person {n}", "-e", f"added{n}@probe.test"])
        )
    readers = (
        ["customer", "list", "--json", "--limit", "0"],
        ["timeline", email(1), "--json"],
        ["export"],
        ["deal", "board", "--json"],
    )
    for n in range(count["read"]):
        plan.commands.append(Command("read", list(readers[n % len(readers)])))
    rng.shuffle(plan.commands)
    return plan


def run_concurrently(commands: list[Command], db: Path) -> float:
    """Run every command with LANES processes in flight at all times; returns the wall time."""
    env = crm_env(db)

    def run(command: Command) -> None:
        command.result = subprocess.run(
            crm_argv(*command.args), capture_output=True, env=env, timeout=180, check=False
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        list(pool.map(run, commands))
    return time.monotonic() - started


def check_database(db: Path, plan: Plan, seeded: list[dict]) -> dict[str, int]:
    """Every expectation about the rows; returns the figures for the report line."""
    exported = records(export_bytes(db))
    by_type: dict[str, list[dict]] = collections.defaultdict(list)
    for row in exported:
        by_type[row["type"]].append(row)

    # Interactions: each logged summary exactly once, on the right customer.
    logs = plan.of("log")
    listed = records(
        ok(run_crm("interaction", "list", "--limit", "0", "--format", "ndjson", db=db)).stdout
    )
    assert len(listed) == len(logs), (
        f"interaction list shows {len(listed)}, {len(logs)} were logged"
    )
    interactions = by_type["interaction"]
    assert len(interactions) == len(logs)
    expected = collections.Counter((c.args[3], c.target) for c in logs)
    stored = collections.Counter((i["summary"], i["customer_id"]) for i in interactions)
    assert stored == expected, f"lost: {expected - stored}, extra: {stored - expected}"
    assert len({i["id"] for i in interactions}) == len(interactions)

    # Customers: the seeded ones and each added one, once, with its email.
    customers = by_type["customer"]
    adds = plan.of("add")
    assert len(customers) == CUSTOMERS + len(adds)
    emails = collections.Counter(e for c in customers for e in c["emails"])
    for command in adds:
        assert emails[command.args[4]] == 1, f"{command.args[4]} stored {emails[command.args[4]]}x"

    # Reminders: the seeded ones plus one per --remind; snooze_count = snoozes of each.
    reminders = {r["id"]: r for r in by_type["reminder"]}
    with_remind = [c for c in logs if "--remind" in c.args]
    assert len(reminders) == REMINDERS + len(with_remind)
    snoozes = collections.Counter(c.target for c in plan.of("snooze"))
    original_due = {r["id"]: r["due_at"] for r in seeded if r["type"] == "reminder"}
    for reminder_id in range(1, REMINDERS + 1):
        got = reminders[reminder_id]["snooze_count"]
        assert got == snoozes[reminder_id], (
            f"reminder {reminder_id}: snooze_count {got}, snoozed {snoozes[reminder_id]} times"
        )
        if snoozes[reminder_id]:
            due = datetime.fromisoformat(reminders[reminder_id]["due_at"])
            assert due > datetime.fromisoformat(original_due[reminder_id])

    # Deals: the stage history of each is one chain from the seeded change to its stage,
    # with one link per move that reported a change ("Moved deal N to S").
    deals = {d["id"]: d for d in by_type["deal"]}
    changes = collections.defaultdict(list)
    for change in sorted(by_type["stage_change"], key=lambda c: c["id"]):
        changes[change["deal_id"]].append(change)
    moved = collections.Counter(
        c.target for c in plan.of("move") if c.result.stdout.startswith(b"Moved deal")
    )
    for deal_id, deal in deals.items():
        chain = changes[deal_id]
        assert chain[0]["from_stage_id"] is None and chain[0]["by"] == "seed"
        for before, after in itertools.pairwise(chain):
            assert after["from_stage_id"] == before["to_stage_id"], (
                f"deal {deal_id}: change {after['id']} starts at stage {after['from_stage_id']}, "
                f"the change before it ({before['id']}) ended at {before['to_stage_id']}"
            )
            assert after["from_stage_id"] != after["to_stage_id"]
            assert after["at"] >= before["at"]
        assert chain[-1]["to_stage_id"] == deal["stage_id"]
        assert chain[-1]["at"] == deal["stage_changed_at"]
        assert len(chain) == 1 + moved[deal_id], (
            f"deal {deal_id}: {len(chain)} stage changes, {moved[deal_id]} moves reported"
        )
    return {
        "interactions": len(interactions),
        "customers": len(customers),
        "reminders": len(reminders),
        "stage_changes": sum(len(c) for c in changes.values()),
    }


def concurrency_probe(tmp_path: Path, scale: float, seed: int) -> None:
    db = tmp_path / "concurrent.db"
    seed_file = tmp_path / "seed.ndjson"
    seeded = seed_rows(datetime.now(UTC))
    write_ndjson(seed_file, seeded)
    ok(run_crm("import", str(seed_file), db=db))
    plan = make_plan(random.Random(seed), scale)

    wall = run_concurrently(plan.commands, db)

    failed = [c for c in plan.commands if c.result.returncode != 0]
    assert not failed, "\n".join(
        f"crm {' '.join(c.args)} -> exit {c.result.returncode}: {c.result.stderr.decode(errors='replace').strip()}"
        for c in failed[:20]
    ) + (f"\n... {len(failed)} failed of {len(plan.commands)}" if failed else "")
    figures = check_database(db, plan, seeded)
    ok(run_crm("db", "check", db=db))
    print(
        f"\nconcurrency probe: {len(plan.commands)} commands, {LANES} at once, {wall:.1f} s, "
        f"0 failed; stored {figures}"
    )


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    concurrency_probe(tmp_path, scale=1, seed=20261)


@pytest.mark.slow
@pytest.mark.skipif(not slow_probes_enabled(), reason="set CRM_SLOW_PROBES=1 for the big run")
def test_concurrent_writers_lose_nothing_big(tmp_path: Path) -> None:
    concurrency_probe(tmp_path, scale=BIG_SCALE, seed=20262)
