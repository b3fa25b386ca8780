"""The store: Alembic owns the schema, files are private, newer schemas are refused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from crmcli.kernel.errors import DatabaseUnavailable
from crmcli.store import db, migrate


def test_new_database_is_private_and_at_head(tmp_path: Path) -> None:
    location = tmp_path / "sub" / "crm.db"
    store = db.open_store(str(location))
    store.dispose()
    assert stat.S_IMODE(location.stat().st_mode) == 0o600
    assert stat.S_IMODE(location.parent.stat().st_mode) == 0o700
    assert db.current_revision(store.engine) == db.SCHEMA_REVISION


def test_schema_revision_constant_matches_migrations() -> None:
    assert migrate.head_revision() == db.SCHEMA_REVISION


def test_no_drift_between_models_and_migrations(store) -> None:
    def ignore_fts(obj, name, type_, reflected, compare_to):
        return not (type_ == "table" and name and name.startswith("search_index"))

    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": ignore_fts}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_alembic_check_command_finds_no_drift(store) -> None:
    cfg = migrate.alembic_config()
    with store.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.check(cfg)


def test_default_pipeline_is_seeded(store) -> None:
    with store.read() as session:
        names = session.execute(sa.text("SELECT name FROM stage ORDER BY position")).scalars().all()
    assert names == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]


def test_pragmas_are_set(store) -> None:
    with store.read() as session:
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 1000


def test_newer_schema_is_refused(store, db_path: Path) -> None:
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    store.dispose()
    with pytest.raises(DatabaseUnavailable, match="newer"):
        db.open_store(str(db_path))


def test_downgrade_and_upgrade_round_trip(store, db_path: Path) -> None:
    cfg = migrate.alembic_config()
    with store._write_engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")
    assert db.current_revision(store.engine) is None
    store.dispose()
    reopened = db.open_store(str(db_path))
    assert db.current_revision(reopened.engine) == db.SCHEMA_REVISION
    reopened.dispose()


def test_write_rolls_back_on_error(store) -> None:
    from crmcli.store.models import Company

    with pytest.raises(RuntimeError), store.write() as session:
        session.add(Company(name="Ghost"))
        session.flush()
        raise RuntimeError("boom")
    with store.read() as session:
        assert session.execute(sa.text("SELECT count(*) FROM company")).scalar() == 0


def test_upgrade_rescales_amounts_whose_minor_unit_changed(store, db_path: Path) -> None:
    """Stored at 0002: 1.23 CLF as 123 hundredths, 1,000 ITL as 100000. At 0003 CLF counts
    ten-thousandths and ITL whole lire; other currencies are left alone."""
    from crmcli.services import customers, deals

    with store.write() as session:
        customers.add(session, "Ada")
        for title in ("clf", "itl", "eur"):
            deals.add(session, title, customer="Ada")
    cfg = migrate.alembic_config()
    with store._write_engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002")
        for title, currency, minor in (
            ("clf", "CLF", 123),
            ("itl", "ITL", 100000),
            ("eur", "EUR", 123),
        ):
            connection.exec_driver_sql(
                "UPDATE deal SET currency = ?, value_minor = ? WHERE title = ?",
                (currency, minor, title),
            )
    store.dispose()

    def amounts(engine) -> dict[str, int]:
        with engine.connect() as connection:
            return dict(connection.exec_driver_sql("SELECT title, value_minor FROM deal").all())

    reopened = db.open_store(str(db_path))  # upgrades to head
    assert amounts(reopened.engine) == {"clf": 12300, "itl": 1000, "eur": 123}
    with reopened._write_engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002")
    assert amounts(reopened.engine) == {"clf": 123, "itl": 100000, "eur": 123}
    reopened.dispose()
