"""Settings: where the data lives, who is acting, and the few defaults a user may change.

Each setting comes from the first of these that gives it:

1. a command-line option (only `--db`),
2. an environment variable (`CRM_DB`, `CRM_USER`, `CRM_CURRENCY`, `CRM_OWNER`, `CRM_TZ`,
   `CRM_BUSY_TIMEOUT_MS`, `CRM_SYNCHRONOUS`), so one run can differ from the usual,
3. the config file: `config.toml` in the user config folder (`~/.config/crmcli/` on Linux),
   or the file named by `CRM_CONFIG`,
4. the built-in default.

The time zone is the one exception worth knowing: `CRM_TZ`, then the file's `timezone`, then
`TZ` and the system's zone. `TZ` is set machine-wide in many places (containers, CI, login
scripts), so a zone written in crm's own file is the more specific wish.

The file is read lazily (only when a setting the environment does not give is needed) and once
per process. A file that cannot be used -- bad TOML, an unknown key, a value of the wrong type --
is an `InvalidInput` naming the file and the key (exit 2): a setting is never silently ignored.

Pure Python: imported by the store and the dates module, never by anything of the UI.
"""

from __future__ import annotations

import difflib
import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from crmcli.kernel import money
from crmcli.kernel.errors import InvalidInput

APP_NAME = "crmcli"
DB_FILENAME = "crm.db"
CONFIG_FILENAME = "config.toml"

#: Environment variable naming the config file (instead of the one in the config folder).
CONFIG_ENV = "CRM_CONFIG"

DEFAULT_BUSY_TIMEOUT_MS = 10_000
DEFAULT_SYNCHRONOUS = "normal"
SYNCHRONOUS_LEVELS = ("normal", "full")
#: Days without an interaction after which a record counts as idle (for reports).
DEFAULT_IDLE_DAYS = {"customer": 30, "company": 60, "deal": 14}
#: What one interaction costs on each channel, in the default currency (`crm report profit`'s
#: cost to serve); `[channel_costs]` in the file overrides them one by one. A note is
#: internal work, not a contact.
DEFAULT_CHANNEL_COSTS = {
    "email": Decimal("0.5"),
    "call": Decimal("5"),
    "meeting": Decimal("50"),
    "sms": Decimal("0.1"),
    "chat": Decimal("1"),
    "social": Decimal("0.5"),
    "web": Decimal("0.2"),
    "letter": Decimal("2"),
    "questionnaire": Decimal("1"),
    "note": Decimal("0"),
}


# -- the config file -------------------------------------------------------------------------


def config_path() -> Path:
    """The config file in use: `CRM_CONFIG`, else config.toml in the user config folder."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILENAME


@dataclass(frozen=True)
class FileSettings:
    """What a config file says, checked; None (or empty) for what it leaves out."""

    path: Path
    exists: bool = False
    db: str | None = None
    user: str | None = None
    currency: str | None = None
    owner: str | None = None
    timezone: str | None = None
    busy_timeout_ms: int | None = None
    synchronous: str | None = None
    channel_costs: Mapping[str, Decimal] | None = None
    idle_days: Mapping[str, int] | None = None


def file_settings() -> FileSettings:
    """The config file's settings, read on first use and kept for the process."""
    return _read_file(config_path())


def reload() -> None:
    """Forget the file read so far (tests; a long-lived process after an edit)."""
    _read_file.cache_clear()
    _zone.cache_clear()


@cache
def _read_file(path: Path) -> FileSettings:
    if not path.exists():
        if os.environ.get(CONFIG_ENV):
            raise InvalidInput(f"config file {path}: not found (named by {CONFIG_ENV})")
        return FileSettings(path=path)
    import tomllib

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"config file {path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InvalidInput(f"config file {path}: cannot read it: {exc.strerror or exc}") from None
    return _check(path, data)


def _check(path: Path, data: dict[str, Any]) -> FileSettings:
    """Every key known and every value of its type, or one error naming the key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        checker = _KEYS.get(key)
        if checker is None:
            raise InvalidInput(f"config file {path}: {_unknown(key, _KEYS)}")
        values[key] = checker(f"config file {path}, key {key}", value, path)
    return FileSettings(path=path, exists=True, **values)


def _unknown(key: str, known: Mapping[str, object] | tuple[str, ...]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}'{hint}; known keys: {', '.join(names)}"


def _text(where: str, value: Any, _path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _db(where: str, value: Any, path: Path) -> str:
    """A path is read relative to the config file's folder; a URL is kept as it is."""
    text = _text(where, value, path)
    if is_url(text):
        return text
    location = Path(text).expanduser()
    return str(location if location.is_absolute() else path.parent / location)


def _currency(where: str, value: Any, path: Path) -> str:
    return _checked_currency(where, _text(where, value, path))


def _timezone(where: str, value: Any, path: Path) -> str:
    name = _text(where, value, path)
    _load_zone(where, name)
    return name


#: SQLite takes a busy timeout up to 2**31 - 1 ms (24 days); past it, it reads 0: never wait.
MAX_BUSY_TIMEOUT_MS = 2**31 - 1


def _busy_timeout(where: str, value: Any, _path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{where}: expected a whole number of milliseconds, got {value!r}")
    if value > MAX_BUSY_TIMEOUT_MS:
        raise InvalidInput(f"{where}: at most {MAX_BUSY_TIMEOUT_MS} milliseconds, got {value}")
    return value


def _synchronous(where: str, value: Any, _path: Path) -> str:
    if not isinstance(value, str) or value.strip().lower() not in SYNCHRONOUS_LEVELS:
        raise InvalidInput(f'{where}: expected "normal" or "full", got {value!r}')
    return value.strip().lower()


def _channel_costs(where: str, value: Any, _path: Path) -> dict[str, Decimal]:
    from crmcli.kernel.vocabulary import CHANNELS

    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a table of channel = amount")
    costs: dict[str, Decimal] = {}
    for channel, amount in value.items():
        if channel not in CHANNELS:
            raise InvalidInput(f"{where}: {_unknown(channel, CHANNELS)}")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise InvalidInput(f"{where}.{channel}: expected an amount >= 0, got {amount!r}")
        costs[channel] = Decimal(str(amount))
    return costs


def _idle_days(where: str, value: Any, _path: Path) -> dict[str, int]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a table of record type = days")
    days: dict[str, int] = {}
    for kind, count in value.items():
        if kind not in DEFAULT_IDLE_DAYS:
            raise InvalidInput(f"{where}: {_unknown(kind, tuple(DEFAULT_IDLE_DAYS))}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInput(
                f"{where}.{kind}: expected a whole number of days >= 1, got {count!r}"
            )
        days[kind] = count
    return days


_KEYS: dict[str, Callable[[str, Any, Path], Any]] = {
    "db": _db,
    "user": _text,
    "currency": _currency,
    "owner": _text,
    "timezone": _timezone,
    "busy_timeout_ms": _busy_timeout,
    "synchronous": _synchronous,
    "channel_costs": _channel_costs,
    "idle_days": _idle_days,
}


def _env(name: str) -> str | None:
    """An environment variable as set, a blank one counting as unset."""
    value = os.environ.get(name, "")
    return value if value.strip() else None


# -- the settings ----------------------------------------------------------------------------


def default_db_path() -> Path:
    """The per-user database file (platformdirs), e.g. ~/.local/share/crmcli/crm.db."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME


def db_location(explicit: str | None = None) -> str:
    """The database the user asked for: `--db`, `CRM_DB`, the file's `db`, else the default."""
    chosen = explicit or _env("CRM_DB") or file_settings().db
    return chosen if chosen else str(default_db_path())


def is_url(location: str) -> bool:
    return "://" in location


def current_user() -> str:
    """Who is acting, for the `by` columns: `CRM_USER`, the file's `user`, else the login."""
    name = _env("CRM_USER") or file_settings().user
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def default_currency() -> str:
    """The currency of a deal added without one: `CRM_CURRENCY`, the file's, else USD."""
    raw = _env("CRM_CURRENCY")
    if raw:
        return _checked_currency("CRM_CURRENCY", raw)
    return file_settings().currency or money.DEFAULT_CURRENCY


def _checked_currency(where: str, text: str) -> str:
    try:
        return money.parse_currency(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None


def default_owner() -> str | None:
    """The owner of a customer, company or deal added without one: `CRM_OWNER`, the file's."""
    raw = _env("CRM_OWNER")
    return raw.strip() if raw else file_settings().owner


def timezone() -> tzinfo | None:
    """crm's own time zone setting (`CRM_TZ`, else the file's `timezone`), or None to use
    the system's (which honours `TZ`)."""
    raw = _env("CRM_TZ")
    if raw:
        return _zone("CRM_TZ", raw.strip())
    name = file_settings().timezone
    return _zone(f"config file {file_settings().path}, key timezone", name) if name else None


@cache
def _zone(where: str, name: str) -> tzinfo:
    return _load_zone(where, name)


def _load_zone(where: str, name: str) -> tzinfo:
    from dateutil import tz as dateutil_tz

    zone = dateutil_tz.gettz(name)
    if zone is None:
        raise InvalidInput(f"{where}: unknown time zone {name!r} (use a name like Europe/Paris)")
    return zone


def busy_timeout_ms() -> int:
    """How long SQLite waits for a lock before giving up (exit 5): `CRM_BUSY_TIMEOUT_MS`, the
    file's `busy_timeout_ms`, else 10 s."""
    raw = _env("CRM_BUSY_TIMEOUT_MS")
    if raw is not None:
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()):
            raise InvalidInput(
                f"CRM_BUSY_TIMEOUT_MS: expected a whole number of milliseconds, got {raw!r}"
            )
        # The length first: int() reads at most 4,300 digits.
        if len(raw.lstrip("0")) > len(str(MAX_BUSY_TIMEOUT_MS)) or int(raw) > MAX_BUSY_TIMEOUT_MS:
            shown = raw if len(raw) <= 20 else raw[:20] + "..."
            raise InvalidInput(
                f"CRM_BUSY_TIMEOUT_MS: at most {MAX_BUSY_TIMEOUT_MS} milliseconds, got {shown}"
            )
        return int(raw)
    chosen = file_settings().busy_timeout_ms
    return DEFAULT_BUSY_TIMEOUT_MS if chosen is None else chosen


def synchronous() -> str:
    """SQLite's `synchronous` level, "normal" or "full": `CRM_SYNCHRONOUS`, the file's, else
    normal (see the README's Durability section for what each one survives)."""
    raw = _env("CRM_SYNCHRONOUS")
    if raw is not None:
        return _synchronous("CRM_SYNCHRONOUS", raw, Path())
    return file_settings().synchronous or DEFAULT_SYNCHRONOUS


def channel_costs() -> dict[str, Decimal]:
    """Cost of one interaction per channel, in the default currency (the cost to serve of
    `crm report profit`): the file's `[channel_costs]` over `DEFAULT_CHANNEL_COSTS`."""
    return {**DEFAULT_CHANNEL_COSTS, **(file_settings().channel_costs or {})}


def idle_days() -> dict[str, int]:
    """Days without activity after which a customer, company or deal is idle (for reports)."""
    return {**DEFAULT_IDLE_DAYS, **(file_settings().idle_days or {})}


# -- what `crm config show` prints -----------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One effective setting and where it came from ("env CRM_TZ", "file", "default")."""

    key: str
    value: object
    source: str


def effective() -> list[Setting]:
    """Every setting as this process sees it, with its source."""
    file = file_settings()

    def source(env: str | None, key: str) -> str:
        if env and _env(env):
            return f"env {env}"
        if getattr(file, key) is not None:
            return "file"
        return "default"

    timezone()  # checks CRM_TZ before it is shown
    zone_source = source("CRM_TZ", "timezone")
    if zone_source == "default":
        zone_source = "env TZ" if _env("TZ") else "system"
    return [
        Setting("db", db_location(), source("CRM_DB", "db")),
        Setting("user", current_user(), source("CRM_USER", "user")),
        Setting("currency", default_currency(), source("CRM_CURRENCY", "currency")),
        Setting("owner", default_owner(), source("CRM_OWNER", "owner")),
        Setting("timezone", _zone_name(), zone_source),
        Setting(
            "busy_timeout_ms", busy_timeout_ms(), source("CRM_BUSY_TIMEOUT_MS", "busy_timeout_ms")
        ),
        Setting("synchronous", synchronous(), source("CRM_SYNCHRONOUS", "synchronous")),
        Setting("channel_costs", channel_costs(), source(None, "channel_costs")),
        Setting("idle_days", idle_days(), source(None, "idle_days")),
    ]


def _zone_name() -> str | None:
    """The name of the zone in use as the user wrote it; None for the system's own."""
    return _env("CRM_TZ") or file_settings().timezone or _env("TZ")
