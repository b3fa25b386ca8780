"""TUI test fixtures: a demo database built once (time frozen) and copied per test, the
app factory, and `async def` tests run on asyncio (no plugin needed)."""

from __future__ import annotations

import asyncio
import inspect
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

#: The frozen "now" of the TUI tests: a Tuesday, 10:00 UTC. In the future on purpose, so
#: that snoozing "+1h" from it is also in the future for the services' real clock.
FIXED_NOW = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """Run `async def` tests in a fresh event loop."""
    function = pyfuncitem.obj
    if not inspect.iscoroutinefunction(function):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(asyncio.wait_for(function(**kwargs), timeout=60))
    return True


@pytest.fixture(autouse=True)
def _no_user_keymap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the user's keymap (or their colour choice)."""
    monkeypatch.setenv("CRM_KEYMAP", str(tmp_path / "no-keymap.toml"))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database at FIXED_NOW, built once per test session."""
    import os

    from crmcli.services.demo import build_demo
    from crmcli.store.db import open_store

    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    try:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        store = open_store(str(path))
        with store.write() as session:
            build_demo(session, now=FIXED_NOW)
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.dispose()
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database."""
    target = tmp_path / "crm.db"
    shutil.copyfile(demo_template, target)
    return target


@pytest.fixture
def demo_store(demo_db: Path):
    from crmcli.store.db import open_store

    store = open_store(str(demo_db))
    yield store
    store.dispose()
