"""The core behind the TUI: crmcli.views.board (columns, cards), the stage rule
(crmcli.entities.stages), board moves (crmcli.services.deals.move_by_id), the board's
words (crmcli.present.board) and crmcli.store.watch.

(Core modules without UI imports: the board figures and the database watcher.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from crmcli.entities.deal import deal_records
from crmcli.entities.stages import step_target
from crmcli.kernel.errors import Conflict, InvalidInput, NotFound
from crmcli.present import board as shown
from crmcli.services import customers, deals, pipelines, reminders
from crmcli.store.models import Deal, Stage, StageChange
from crmcli.store.watch import Watcher, data_version
from crmcli.views import board as boards
from tests.tui.conftest import FIXED_NOW


def test_columns_follow_the_pipeline_with_won_and_lost_last(store) -> None:
    with store.write() as session:
        # Won placed before an open stage on purpose: the board still shows it after.
        pipelines.add(session, "Odd", ["Signed:100:won", "Talk:20", "Gone:0:lost", "Offer:60"])
        board = boards.load_board(session, "Odd")
    assert [c.stage.name for c in board.columns] == ["Talk", "Offer", "Signed", "Gone"]
    assert board.pipeline.name == "Odd"
    assert {p.name for p in board.pipelines} == {"Sales", "Odd"}


def test_totals_and_weighted_totals_match_the_deal_records(demo_store) -> None:
    with demo_store.read() as session:
        board = boards.load_board(session, now=FIXED_NOW, per_column_limit=2)
        rows = session.exec(select(Deal).where(Deal.deleted_at.is_(None))).all()
        records = deal_records(session, rows)
    for column in board.columns:
        mine = [r for r in records if r["stage_id"] == column.stage.id]
        assert column.count == len(mine)
        assert len(column.cards) == min(2, len(mine))
        assert column.more == len(mine) - len(column.cards)
        for total in column.totals:
            same = [r for r in mine if r["currency"] == total.currency]
            assert total.count == len(same)
            assert total.total_minor == round(sum(r["value"] for r in same) * 100)
            assert total.weighted_minor == round(sum(r["weighted_value"] for r in same) * 100)
        # The main currency is the one with most deals; "+" says there are others.
        if column.mixed:
            assert shown.total_text(column).endswith(" +")


def test_cards_are_newest_in_stage_first_with_age_and_rotting(store) -> None:
    with store.write() as session:
        customers.add(session, "Ada")
        old = deals.add(session, "Old", customer="Ada", value="100")
        new = deals.add(session, "New", customer="Ada", value="250.50", currency="EUR")
        old.stage_changed_at = FIXED_NOW - timedelta(days=20)  # Lead rots after 14 days
        new.stage_changed_at = FIXED_NOW - timedelta(hours=5)
        session.add_all([old, new])
    with store.read() as session:
        board = boards.load_board(session, now=FIXED_NOW)
    lead = board.columns[0]
    assert [c.title for c in lead.cards] == ["New", "Old"]
    fresh, stale = lead.cards
    assert (shown.card_age(fresh), fresh.days_in_stage, fresh.rotting) == ("5h", 0, False)
    assert (shown.card_age(stale), stale.days_in_stage, stale.rotting) == ("20d", 20, True)
    assert (fresh.customer, shown.card_value(fresh), shown.card_value(stale)) == (
        "Ada",
        "250.50 EUR",
        "100 USD",
    )
    assert lead.rotting == 1


def test_filters_and_paging(store) -> None:
    with store.write() as session:
        customers.add(session, "Vip", tags=["vip"])
        customers.add(session, "Plain")
        for n in range(7):
            deals.add(session, f"V{n}", customer="Vip", value=str(1000 * n), owner="alice")
        deals.add(session, "P", customer="Plain", value="9000", owner="alice")
    with store.read() as session:
        board = boards.load_board(
            session, filter_text="customer:vip value>2500", per_column_limit=2
        )
        lead = board.columns[0]
        assert lead.count == 4
        more = boards.load_cards(
            session, board.pipeline.id, lead.stage.id, "customer:vip value>2500", offset=2, limit=10
        )
        assert len(more) == 2
        assert {c.title for c in lead.cards} | {c.title for c in more} == {"V3", "V4", "V5", "V6"}
        assert len(lead.extended(more + list(lead.cards)).cards) == 4  # no duplicates
        bigger = boards.load_board(
            session,
            filter_text="customer:vip value>2500",
            per_column_limit=2,
            limits={lead.stage.id: 3},
        )
        assert len(bigger.columns[0].cards) == 3
        with pytest.raises(InvalidInput):
            boards.load_board(session, filter_text="nonsense:1")


def test_step_target_is_the_rule_deals_step_uses(demo_store) -> None:
    with demo_store.read() as session:
        stages = [
            boards.StageInfo.of(s)
            for s in session.exec(select(Stage).where(Stage.pipeline_id == 1))
        ]
    by_name = {s.name: s for s in stages}
    assert step_target(stages, by_name["Lead"].id, +1).name == "Qualified"
    assert step_target(stages, by_name["Lead"].id, -1) is None
    assert step_target(stages, by_name["Negotiation"].id, +1) is None
    assert step_target(stages, by_name["Won"].id, -1).name == "Negotiation"
    assert step_target(stages, by_name["Lost"].id, +1) is None
    # Same answers as the service, stage by stage.
    for stage in stages:
        for direction in (-1, +1):
            expected = step_target(stages, stage.id, direction)
            with demo_store.write() as session:
                deal = session.exec(select(Deal).where(Deal.stage_id == stage.id)).first()
                if deal is None:
                    continue
                try:
                    change = deals.step(session, deal, direction)
                except InvalidInput:
                    assert expected is None
                else:
                    assert change is not None and change.to_stage_id == expected.id
                session.rollback()


def test_move_card_records_the_change_and_refuses_what_is_gone(store) -> None:
    with store.write() as session:
        customers.add(session, "Ada")
        deal_id = deals.add(session, "Engine", customer="Ada").id
        qualified = session.exec(select(Stage).where(Stage.name == "Qualified")).one().id
        lead = session.exec(select(Stage).where(Stage.name == "Lead")).one().id
        lost = session.exec(select(Stage).where(Stage.name == "Lost")).one().id
    with store.write() as session:
        change = deals.move_by_id(session, deal_id, qualified, expected_stage_id=lead)
        assert (change.from_stage_id, change.to_stage_id, change.by) == (lead, qualified, "tester")
    with store.write() as session, pytest.raises(Conflict):
        deals.move_by_id(session, deal_id, lead, expected_stage_id=lost)
    with store.write() as session, pytest.raises(NotFound, match="no longer exists"):
        deals.move_by_id(session, deal_id, 999)
    with store.write() as session, pytest.raises(NotFound):
        deals.move_by_id(session, 999, lead)
    with store.write() as session, pytest.raises(InvalidInput, match="reason"):
        deals.move_by_id(session, deal_id, lost)
    with store.write() as session:
        deals.move_by_id(session, deal_id, lost, reason="Budget")
    with store.read() as session:
        saved = session.get(Deal, deal_id)
        assert (saved.stage_id, saved.lost_reason) == (lost, "Budget")
        assert (
            len(session.exec(select(StageChange).where(StageChange.deal_id == deal_id)).all()) == 3
        )


def test_optimistic_moves_keep_the_figures_right(demo_store) -> None:
    with demo_store.read() as session:
        board = boards.load_board(session, now=FIXED_NOW)
    lead, qualified = board.columns[0], board.columns[1]
    card = lead.cards[0]
    moved = board.moved(card.deal_id, qualified.stage.id, now=FIXED_NOW)
    new_lead, new_qualified = moved.columns[0], moved.columns[1]
    assert new_lead.count == lead.count - 1 and new_qualified.count == qualified.count + 1
    assert new_qualified.cards[0].deal_id == card.deal_id
    assert new_qualified.cards[0].stage_id == qualified.stage.id
    assert moved.deal_count == board.deal_count
    before = {t.currency: t for t in qualified.totals}.get(card.currency)
    after = {t.currency: t for t in new_qualified.totals}[card.currency]
    assert after.total_minor == (before.total_minor if before else 0) + card.value_minor
    assert after.weighted_minor == (before.weighted_minor if before else 0) + boards.weighted(
        card.value_minor, qualified.stage.probability
    )
    # Undo: the card back where it was, the figures as before.
    undone = moved.put(card, index=0)
    assert undone.columns[0] == lead
    assert undone.columns[1].count == qualified.count
    assert undone.columns[1].totals == qualified.totals


def test_the_board_s_words(demo_store) -> None:
    """Headers and tooltips: main currency with `+` for others, every currency in detail,
    and the same words in `crm deal board --json`."""
    with demo_store.read() as session:
        board = boards.load_board(session, now=FIXED_NOW)
    records = shown.column_records(board)
    for column, record in zip(board.columns, records, strict=True):
        assert record["total"] == shown.total_text(column)
        assert record["weighted"] == shown.weighted_text(column)
        details = shown.totals_detail(column)
        assert len(details) == len(column.totals)
        for total, detail in zip(column.totals, details, strict=True):
            assert detail.startswith(shown.currency_total(total))
            assert detail.endswith(f"{total.count} deal)" if total.count == 1 else "deals)")
    empty = boards.Column(board.columns[0].stage)
    assert (shown.total_text(empty), shown.totals_detail(empty)) == ("0 USD", [])


def test_find_customers_and_deals_by_part_of_the_name(demo_store) -> None:
    with demo_store.read() as session:
        found = boards.find(session, "hoffm")
        assert {t.kind for t in found} == {"customer"}
        assert all("hoffm" in t.label.lower() for t in found)
        deals_found = boards.find(session, "northwind")
        assert deals_found and {t.kind for t in deals_found} == {"deal"}
        assert all(t.customer_id for t in deals_found)
        assert boards.find(session, "  ") == []
        # Longer than a REF may be: no match, rather than a LIKE pattern SQLite refuses.
        assert boards.find(session, "é" * 30_000) == []


def test_the_watcher_sees_commits_of_other_connections(demo_db, demo_store) -> None:
    from crmcli.store.db import open_store

    watcher = Watcher(demo_store)
    first = watcher.version()
    assert watcher.version() == first
    other = open_store(str(demo_db))
    with other.write() as session:
        deals.move(session, "1", "Lead")
    other.dispose()
    assert watcher.version() != first
    # Our own store's writes count too (they use other pooled connections).
    second = watcher.version()
    with demo_store.write() as session:
        reminders.done(session, ["1"])
    assert watcher.version() != second
    watcher.close()


def test_the_portable_fingerprint_changes_with_each_kind_of_write(demo_store) -> None:
    def version():
        with demo_store.read() as session:
            return data_version(session)

    seen = [version()]
    writes = [
        lambda s: deals.move(s, "2", "Won"),
        lambda s: reminders.done(s, ["2"]),
        lambda s: reminders.snooze(s, "3", FIXED_NOW + timedelta(days=1)),
        lambda s: customers.add(s, "Newcomer"),
    ]
    for write in writes:
        with demo_store.write() as session:
            write(session)
        seen.append(version())
    assert len(set(seen)) == len(seen)
    assert version() == seen[-1]
