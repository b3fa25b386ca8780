"""The board's figures as text: what the TUI's cards and column headers show, and the
`total` / `weighted` fields of `crm deal board --json` (the same words, so scripts see what
people see).

It reads `views.board`'s data by attribute only, so it does not import that module (nor
SQLAlchemy with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crmcli.kernel import config
from crmcli.kernel.money import json_number, to_major
from crmcli.present.counts import count
from crmcli.present.dates import compact_age
from crmcli.present.money import compact_money, format_money

if TYPE_CHECKING:
    from crmcli.views.board import Board, Card, Column, CurrencyTotal

__all__ = [
    "card_age",
    "card_compact_value",
    "card_value",
    "column_records",
    "compact_total",
    "currency_total",
    "total_text",
    "totals_detail",
    "weighted_text",
]


def card_value(card: Card) -> str:
    """`12,000 EUR`, `250.50 EUR`."""
    return format_money(to_major(card.value_minor, card.currency), card.currency)


def card_compact_value(card: Card) -> str:
    """The value rounded for a narrow card: `95.7k EUR`."""
    return compact_money(to_major(card.value_minor, card.currency), card.currency)


def card_age(card: Card) -> str:
    """How long the deal has sat in its stage: `5h`, `12d`, `3mo`."""
    return compact_age(card.in_stage)


def currency_total(total: CurrencyTotal, *, weighted: bool = False) -> str:
    """One currency's total (or weighted total) of a column: `95,700 EUR`."""
    minor = total.weighted_minor if weighted else total.total_minor
    return format_money(to_major(minor, total.currency), total.currency)


def compact_total(total: CurrencyTotal, *, weighted: bool = False) -> str:
    """The same, rounded for a narrow column: `95.7k EUR`."""
    minor = total.weighted_minor if weighted else total.total_minor
    return compact_money(to_major(minor, total.currency), total.currency)


def _summary(totals: Sequence[CurrencyTotal], weighted: bool) -> str:
    if not totals:
        return format_money(0, config.default_currency())
    text = currency_total(totals[0], weighted=weighted)
    return text + " +" if len(totals) > 1 else text


def total_text(column: Column) -> str:
    """The total in the main currency, `+` when other currencies are left out."""
    return _summary(column.totals, weighted=False)


def weighted_text(column: Column) -> str:
    return _summary(column.totals, weighted=True)


def totals_detail(column: Column) -> list[str]:
    """Every currency: `41,500 EUR (weighted 20,750 EUR, 5 deals)`."""
    return [
        f"{currency_total(t)} (weighted {currency_total(t, weighted=True)}, {count(t.count, 'deal')})"
        for t in column.totals
    ]


def column_records(board: Board) -> list[dict]:
    """The board's columns as JSON records (`crm deal board --json`): the figures the TUI's
    column headers show, so scripts get them too. Money in major units, per currency."""
    return [
        {
            "stage_id": column.stage.id,
            "stage": column.stage.name,
            "kind": column.stage.kind,
            "probability": column.stage.probability,
            "count": column.count,
            "rotting": column.rotting,
            "totals": [
                {
                    "currency": total.currency,
                    "count": total.count,
                    "value": json_number(total.total_minor, total.currency),
                    "weighted_value": json_number(total.weighted_minor, total.currency),
                }
                for total in column.totals
            ],
            "total": total_text(column),
            "weighted": weighted_text(column),
        }
        for column in board.columns
    ]
