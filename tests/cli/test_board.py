"""`crm deal board`: the TUI board's column figures, as data."""

from __future__ import annotations


def test_board_figures_per_stage(cli) -> None:
    cli("customer", "add", "Ada")
    cli("deal", "add", "A", "--customer", "Ada", "--value", "1000", "--currency", "EUR")
    cli(
        "deal",
        "add",
        "B",
        "--customer",
        "Ada",
        "--value",
        "3000.50",
        "--currency",
        "EUR",
        "--stage",
        "proposal",
    )
    cli(
        "deal",
        "add",
        "C",
        "--customer",
        "Ada",
        "--value",
        "500",
        "--currency",
        "USD",
        "--stage",
        "proposal",
    )
    columns = {c["stage"]: c for c in cli.json("deal", "board")}
    assert list(columns) == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert columns["Lead"]["count"] == 1
    assert columns["Lead"]["totals"] == [
        {"currency": "EUR", "count": 1, "value": 1000, "weighted_value": 100}
    ]
    proposal = {t["currency"]: t for t in columns["Proposal"]["totals"]}
    assert proposal["EUR"]["value"] == 3000.5 and proposal["EUR"]["weighted_value"] == 1500.25
    assert proposal["USD"]["weighted_value"] == 250
    filtered = {c["stage"]: c["count"] for c in cli.json("deal", "board", "currency:usd")}
    assert filtered["Proposal"] == 1 and filtered["Lead"] == 0


def test_board_bad_filter_exits_2(cli) -> None:
    result = cli("deal", "board", "value>>5", expect=2)
    assert result.stderr.startswith("crm: error:")
