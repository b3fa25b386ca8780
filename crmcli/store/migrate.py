"""Alembic, driven from inside the program so a pip-installed `crm` upgrades its own database.

Loaded only when the revision check in `crmcli.store.db` finds work to do: Alembic's script
directory costs more than a command should pay on every run.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

from crmcli.kernel.errors import DatabaseUnavailable


def alembic_config() -> Config:
    import crmcli.migrations

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(crmcli.migrations.__file__).parent))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def check_known(revision: str | None) -> None:
    """Refuse a database whose revision this program does not know: it is newer."""
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise DatabaseUnavailable(
            f"database schema {revision} is newer than this crm understands "
            f"(it knows up to {script.get_current_head()}); upgrade crm"
        )


def upgrade_to_head(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
