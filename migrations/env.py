"""Alembic environment for crmcli.

The program passes its own open connection in `config.attributes["connection"]` (see
`crmcli.store.migrate`); developers running the `alembic` command get the database from `CRM_DB`
or `-x db=PATH|URL`, exactly as `crm` would choose it.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import crmcli.store.models

config = context.config
target_metadata = SQLModel.metadata

#: Objects the migrations manage by hand (SQLite FTS5 and its shadow tables).
_UNMANAGED_PREFIX = "search_index"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name and name.startswith(_UNMANAGED_PREFIX))


def render_item(type_, obj, autogen_context):
    """Write the store's UTC datetime type as the plain SQL type it is."""
    if type_ == "type" and isinstance(obj, crmcli.store.models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    from crmcli.kernel import config as crm_config
    from crmcli.store.db import create_engine

    location = context.get_x_argument(as_dictionary=True).get("db")
    engine = create_engine(crm_config.db_location(location))
    with engine.begin() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("crmcli migrations run online only: crm db upgrade")
run_migrations_online()
