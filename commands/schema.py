"""`crm schema [TYPE]`: the JSON Schema of what `--json` prints."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from crmcli.commands import completers


def schema(
    record_type: Annotated[
        str | None,
        typer.Argument(
            help="One record type (crm schema lists them all).",
            metavar="TYPE",
            autocompletion=completers.export_types,
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of a record type (or of all, keyed by type)."""
    from crmcli.entities.schema import all_schemas, schema_for

    document = schema_for(record_type.lower()) if record_type else all_schemas()
    typer.echo(json.dumps(document, indent=2))
