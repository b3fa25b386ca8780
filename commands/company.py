"""`crm company ...`: organisations."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt
from crmcli.commands.customer import parse_sets

app = opt.noun_app()
Filter = opt.filter_argument("company")
Sort = opt.sort_option("company")
Tags = opt.tags_option("company")
Untags = opt.untags_option("company")
Owner = opt.owner_option("company")

REF_HELP = "An id, a domain, or part of the name."
Ref = Annotated[
    str, typer.Argument(help=REF_HELP, metavar="REF", autocompletion=completers.names("company"))
]
MANY_HELP = REF_HELP + " Several, or - to read them from stdin (one a line)."
Refs = Annotated[
    list[str],
    typer.Argument(help=MANY_HELP, metavar="REF...", autocompletion=completers.names("company")),
]
DeletedRefs = Annotated[
    list[str],
    typer.Argument(
        help=MANY_HELP,
        metavar="REF...",
        autocompletion=completers.names("company", deleted=True),
    ),
]


def _find(session, ref: str):
    from crmcli.entities import refs

    return refs.company(session, ref, deleted=None)


def _find_deleted(session, ref: str):
    from crmcli.entities import refs

    return refs.company(session, ref, deleted=True)


def _record(session, company) -> dict:
    from crmcli.entities.company import company_records

    return company_records(session, [company])[0]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Company name.")],
    domain: Annotated[
        str | None, typer.Option("--domain", help="Web domain, e.g. acme.com.")
    ] = None,
    industry: Annotated[str | None, typer.Option("--industry", help="Industry.")] = None,
    tag: Tags = None,
    owner: Owner = None,
    set_: opt.Sets = None,
    note: Annotated[str | None, typer.Option("--note", help="Free-text notes.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Add a company. Prints the new id when piped."""
    from crmcli.services import companies

    fields = parse_sets(set_)
    with context.writing() as session:
        company = companies.add(
            session,
            name,
            domain=domain,
            industry=industry,
            tags=tag or [],
            owner=owner,
            fields=fields,
            notes=note,
        )
        record = _record(session, company)
    context.created("company", record, record["name"], columns.COMPANY_DETAIL, fmt, as_json)


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    deleted: opt.Deleted = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List companies matching a filter: crm company list industry:software tag:partner"""
    context.list_command(
        "company",
        columns.COMPANY,
        terms,
        limit=limit,
        sort=sort,
        fmt=fmt,
        as_json=as_json,
        deleted=deleted,
        empty_message="No companies.",
    )


@app.command("show")
def show(ref: Ref, fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """Show one company."""
    from crmcli.entities import refs

    with context.reading() as session:
        record = _record(session, refs.company(session, ref, deleted=None))
    context.show_record(record, columns.COMPANY_DETAIL, fmt, as_json)


@app.command("edit")
def edit(
    ref: Refs,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="Web domain.")] = None,
    industry: Annotated[str | None, typer.Option("--industry", help="Industry.")] = None,
    tag: Tags = None,
    untag: Untags = None,
    owner: Owner = None,
    set_: opt.Sets = None,
    note: Annotated[str | None, typer.Option("--note", help="Replace the notes.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Change companies: only the options given change (several REFs, or - for stdin: all or none)."""
    from crmcli.services import companies

    context.refuse_for_several(ref, name=name, domain=domain)
    texts = context.ref_texts(ref)

    changes = companies.CompanyChanges(
        name=name,
        domain=domain,
        industry=industry,
        owner=owner,
        notes=note,
        add_tags=tag or [],
        remove_tags=untag or [],
        fields=parse_sets(set_),
    )
    with context.writing() as session:
        targets = context.resolve_all(session, _find, texts)
        records = [_record(session, companies.edit(session, c, changes)) for c in targets]
    context.changed_records(
        "company", records, "name", ref, columns.COMPANY_DETAIL, columns.COMPANY, fmt, as_json
    )


@app.command("rm")
def rm(ref: Refs) -> None:
    """Delete companies (soft: `crm company restore` brings them back)."""
    from crmcli.services import companies

    context.soft_delete_command("company", _find, companies.remove, ref, "Deleted")


@app.command("restore")
def restore(ref: DeletedRefs) -> None:
    """Bring back deleted companies."""
    from crmcli.services import companies

    context.soft_delete_command("company", _find_deleted, companies.restore, ref, "Restored")
