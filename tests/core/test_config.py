"""Settings: config.toml read and checked, the environment beating it, and the store and the
dates honouring what they say. The CLI's side runs the installed `crm`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from crmcli.kernel import config, dates
from crmcli.kernel.errors import InvalidInput
from crmcli.present import dates as shown
from crmcli.store import db
from tests.conftest import REPO


@pytest.fixture
def config_file(tmp_path: Path):
    """Write the default config file (XDG_CONFIG_HOME/crmcli/config.toml) and forget any
    earlier read of it."""
    path = tmp_path / "xdg-config" / "crmcli" / "config.toml"

    def write(text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        config.reload()
        return path

    yield write
    config.reload()


GOOD = """
currency = "eur"
owner = "alice"
user = "bob"
timezone = "Europe/Paris"
busy_timeout_ms = 2500
synchronous = "FULL"

[channel_costs]
call = 2.5
email = 0

[idle_days]
deal = 7
"""


def test_a_good_file_sets_every_setting(config_file) -> None:
    path = config_file(GOOD)
    assert config.config_path() == path
    assert config.default_currency() == "EUR"
    assert config.default_owner() == "alice"
    assert config.busy_timeout_ms() == 2500
    assert config.synchronous() == "full"
    assert config.channel_costs() == {
        **config.DEFAULT_CHANNEL_COSTS,
        "call": Decimal("2.5"),
        "email": Decimal("0"),
    }
    assert config.idle_days() == {**config.DEFAULT_IDLE_DAYS, "deal": 7}
    assert config.timezone() is not None


def test_no_file_means_the_defaults(config_file) -> None:
    config.reload()
    assert not config.file_settings().exists
    assert config.default_currency() == "USD"
    assert config.default_owner() is None
    assert config.busy_timeout_ms() == config.DEFAULT_BUSY_TIMEOUT_MS
    assert config.synchronous() == "normal"
    assert config.channel_costs() == config.DEFAULT_CHANNEL_COSTS
    assert config.timezone() is None
    assert config.current_user() == "tester"  # CRM_USER, set for every test


def test_the_environment_beats_the_file(config_file, monkeypatch) -> None:
    config_file(GOOD)
    monkeypatch.setenv("CRM_CURRENCY", "gbp")
    monkeypatch.setenv("CRM_OWNER", "carol")
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", "300")
    monkeypatch.setenv("CRM_SYNCHRONOUS", "normal")
    monkeypatch.setenv("CRM_USER", "dave")
    assert config.default_currency() == "GBP"
    assert config.default_owner() == "carol"
    assert config.busy_timeout_ms() == 300
    assert config.synchronous() == "normal"
    assert config.current_user() == "dave"
    sources = {s.key: s.source for s in config.effective()}
    assert sources["currency"] == "env CRM_CURRENCY"
    assert sources["idle_days"] == "file"
    assert sources["db"] == "env CRM_DB"


def test_crm_config_names_another_file(tmp_path: Path, monkeypatch) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('owner = "erin"\n')
    monkeypatch.setenv("CRM_CONFIG", str(other))
    config.reload()
    assert config.config_path() == other
    assert config.default_owner() == "erin"
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(InvalidInput, match=r"missing\.toml: not found"):
        config.default_owner()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("currency = ", r"not valid TOML: .*line 1"),
        ("colour = 1", r"unknown key 'colour'"),
        ('synchronus = "full"', r"unknown key 'synchronus' \(did you mean 'synchronous'\?\)"),
        ('synchronous = "sometimes"', r"key synchronous: expected \"normal\" or \"full\""),
        ('busy_timeout_ms = "5s"', r"key busy_timeout_ms: expected a whole number"),
        ("busy_timeout_ms = true", r"key busy_timeout_ms: expected a whole number"),
        ("busy_timeout_ms = 2147483648", r"key busy_timeout_ms: at most 2147483647"),
        ('currency = "euro"', r"key currency: invalid currency 'euro'"),
        ("owner = 7", r"key owner: expected a non-empty string"),
        ('timezone = "Mars/Olympus"', r"key timezone: unknown time zone 'Mars/Olympus'"),
        ("[channel_costs]\nfax = 1", r"key channel_costs: unknown key 'fax'"),
        ('[channel_costs]\ncall = "2"', r"key channel_costs\.call: expected an amount"),
        ("[idle_days]\ndeal = 0", r"key idle_days\.deal: expected a whole number of days"),
    ],
)
def test_a_bad_file_is_one_error_naming_file_and_key(config_file, text: str, complaint) -> None:
    path = config_file(text + "\n")
    with pytest.raises(InvalidInput, match=complaint) as raised:
        config.file_settings()
    message = str(raised.value)
    assert message.startswith(f"config file {path}")
    assert "\n" not in message


def test_bad_environment_values_are_errors_too(monkeypatch) -> None:
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", "soon")
    with pytest.raises(InvalidInput, match="CRM_BUSY_TIMEOUT_MS"):
        config.busy_timeout_ms()
    monkeypatch.setenv("CRM_SYNCHRONOUS", "off")
    with pytest.raises(InvalidInput, match="CRM_SYNCHRONOUS"):
        config.synchronous()
    monkeypatch.setenv("CRM_TZ", "Nowhere/Land")
    with pytest.raises(InvalidInput, match="CRM_TZ: unknown time zone"):
        config.timezone()


def test_the_file_is_read_once(config_file) -> None:
    path = config_file('owner = "alice"\n')
    assert config.default_owner() == "alice"
    path.write_text('owner = "zed"\n')
    assert config.default_owner() == "alice"  # cached for the process
    config.reload()
    assert config.default_owner() == "zed"


SUMMER_NOON = "2026-07-01 12:00"


def test_dates_use_the_configured_zone_over_tz(config_file, monkeypatch) -> None:
    assert dates.parse_when(SUMMER_NOON) == datetime(2026, 7, 1, 12, tzinfo=UTC)  # TZ=UTC
    config_file('timezone = "Europe/Paris"\n')
    assert dates.parse_when(SUMMER_NOON) == datetime(2026, 7, 1, 10, tzinfo=UTC)
    noon_utc = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert shown.format_local(noon_utc) == "2026-07-01 14:00"
    monkeypatch.setenv("CRM_TZ", "America/New_York")
    assert dates.parse_when(SUMMER_NOON) == datetime(2026, 7, 1, 16, tzinfo=UTC)


def _pragma(location: Path, name: str) -> object:
    store = db.open_store(str(location), migrate=False)
    try:
        with store.read() as session:
            return session.execute(sa.text(f"PRAGMA {name}")).scalar()
    finally:
        store.dispose()


def test_synchronous_full_is_applied(tmp_path: Path, config_file, monkeypatch) -> None:
    location = tmp_path / "sync.db"
    assert _pragma(location, "synchronous") == 1  # NORMAL
    config_file('synchronous = "full"\n')
    assert _pragma(location, "synchronous") == 2  # FULL
    monkeypatch.setenv("CRM_SYNCHRONOUS", "normal")
    assert _pragma(location, "synchronous") == 1


@pytest.mark.parametrize(
    "value", ["2147483648", "9" * 20, "9" * 5000, "²"], ids=["2**31", "20", "5000", "sup"]
)
def test_busy_timeout_past_what_sqlite_takes_is_refused(monkeypatch, value: str) -> None:
    """SQLite reads a busy_timeout past 2**31 - 1 ms as 0 (never wait): refused, as is one
    int() cannot read (5,000 digits: ValueError, exit 1)."""
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", value)
    with pytest.raises(InvalidInput, match="CRM_BUSY_TIMEOUT_MS") as raised:
        config.busy_timeout_ms()
    assert len(str(raised.value)) < 200


def test_busy_timeout_is_applied(tmp_path: Path, config_file, monkeypatch) -> None:
    location = tmp_path / "busy.db"
    assert _pragma(location, "busy_timeout") == config.DEFAULT_BUSY_TIMEOUT_MS
    config_file("busy_timeout_ms = 1234\n")
    assert _pragma(location, "busy_timeout") == 1234
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", "4321")
    assert _pragma(location, "busy_timeout") == 4321
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", "2147483647")
    assert _pragma(location, "busy_timeout") == 2147483647


# -- the installed crm ------------------------------------------------------------------------


def test_crm_adds_with_the_configured_owner_and_currency(config_file, run_crm) -> None:
    config_file('currency = "EUR"\nowner = "alice"\n')
    assert run_crm("customer", "add", "Ada").returncode == 0
    assert run_crm("company", "add", "Acme").returncode == 0
    added = run_crm("deal", "add", "Engines", "--customer", "ada", "--value", "10")
    assert added.returncode == 0, added.stderr
    deal = json.loads(run_crm("deal", "show", added.stdout.strip(), "--json").stdout)
    assert (deal["currency"], deal["owner"]) == ("EUR", "alice")
    customer = json.loads(run_crm("customer", "show", "ada", "--json").stdout)
    company = json.loads(run_crm("company", "show", "acme", "--json").stdout)
    assert customer["owner"] == company["owner"] == "alice"
    explicit = run_crm("customer", "add", "Bob", "--owner", "bob", env={"CRM_OWNER": "carol"})
    assert (
        json.loads(run_crm("customer", "show", explicit.stdout.strip(), "--json").stdout)["owner"]
        == "bob"
    )


def test_crm_reports_a_bad_config_file_in_one_line_with_exit_2(config_file, run_crm) -> None:
    path = config_file('synchronous = "sometimes"\n')
    result = run_crm("customer", "list")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"crm: error: config file {path}, key synchronous: "
        'expected "normal" or "full", got \'sometimes\''
    ]


def test_crm_config_path_and_show(config_file, run_crm) -> None:
    path = config_file('timezone = "Europe/Paris"\n')
    assert run_crm("config", "path").stdout == f"{path}\n"
    shown = json.loads(run_crm("config", "show", "--json", env={"CRM_OWNER": "zoe"}).stdout)
    assert shown["timezone"] == {"value": "Europe/Paris", "source": "file"}
    assert shown["owner"] == {"value": "zoe", "source": "env CRM_OWNER"}
    assert shown["currency"] == {"value": "USD", "source": "default"}
    table = run_crm("config", "show").stdout
    assert 'timezone = "Europe/Paris"' in table


# -- the README ------------------------------------------------------------------------------


def test_the_readme_example_config_is_valid(config_file) -> None:
    section = (REPO / "README.md").read_text().split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    config_file(example)
    settings = config.file_settings()
    assert settings.exists and settings.currency == "EUR" and settings.synchronous == "normal"


def test_the_readme_documents_every_crm_variable() -> None:
    readme = (REPO / "README.md").read_text()
    read = set()
    for folder in ("crmcli", "commands", "tui"):
        for source in (REPO / folder).rglob("*.py"):
            read |= set(re.findall(r"\"(CRM_[A-Z_]+)\"", source.read_text()))
    assert read, "no CRM_ variable found in the sources"
    assert {name for name in read if f"| `{name}` |" not in readme} == set()
