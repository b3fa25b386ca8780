from __future__ import annotations


def test_customer_add_and_show(cli):
    new_id = cli("customer", "add", "Ada Lovelace", "--email", "ada@example.com").stdout.strip()
    assert new_id == "1"
    record = cli.json("customer", "show", "ada@example.com")
    assert record["name"] == "Ada Lovelace"
