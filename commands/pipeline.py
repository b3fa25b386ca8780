"""`crm pipeline ...`: pipelines and their stages."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt

app = opt.noun_app()


def _summary(record: dict) -> dict:
    """A pipeline with its stages folded into one readable column for tables."""
    stages = " > ".join(f"{s['name']} {s['probability']}%" for s in record["stages"])
    return {**record, "stages": stages}


@app.command("list")
def list_(fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """List pipelines."""
    from crmcli.commands import output
    from crmcli.entities.pipeline import pipeline_records
    from crmcli.services import pipelines

    with context.reading() as session:
        records = pipeline_records(session, pipelines.all_pipelines(session))
    chosen = output.resolve_format(fmt, as_json, context.stdout())
    shown = records if chosen in ("json", "ndjson") else [_summary(r) for r in records]
    context.show_records(shown, columns.PIPELINE, chosen, False)


@app.command("show")
def show(
    pipeline: Annotated[
        str | None,
        typer.Argument(
            help="Pipeline id or name (default: the default one).",
            metavar="PIPELINE",
            autocompletion=completers.pipelines,
        ),
    ] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Show a pipeline's stages in order."""
    from crmcli.commands import output
    from crmcli.entities import refs
    from crmcli.entities.pipeline import pipeline_records

    with context.reading() as session:
        record = pipeline_records(session, [refs.pipeline(session, pipeline)])[0]
    chosen = output.resolve_format(fmt, as_json, context.stdout())
    if chosen == "json":
        context.show_record(record, columns.PIPELINE, chosen, False)
    else:
        context.show_records(record["stages"], columns.STAGE, chosen, False, title=record["name"])


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Pipeline name.")],
    stage: Annotated[
        list[str],
        typer.Option(
            "--stage",
            help="NAME:PROBABILITY[:KIND[:ROT_DAYS]] in order (repeat; 100% = won, 0% = lost).",
            metavar="SPEC",
        ),
    ],
    default: Annotated[
        bool, typer.Option("--default", help="Make it the default pipeline.")
    ] = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Add a pipeline: crm pipeline add Renewals --stage Due:30 --stage Quoted:60 --stage Renewed:100 --stage Churned:0"""
    from crmcli.entities.pipeline import pipeline_records
    from crmcli.services import pipelines

    with context.writing() as session:
        record = pipeline_records(
            session, [pipelines.add(session, name, stage, make_default=default)]
        )[0]
    context.created("pipeline", record, record["name"], columns.PIPELINE, fmt, as_json)
