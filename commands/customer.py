"""`crm customer ...`: people."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt

app = opt.noun_app()
Filter = opt.filter_argument("customer")
Sort = opt.sort_option("customer")
Tags = opt.tags_option("customer")
Untags = opt.untags_option("customer")
Owner = opt.owner_option("customer")

REF_HELP = "An id, an email, or part of the name."
Ref = Annotated[
    str, typer.Argument(help=REF_HELP, metavar="REF", autocompletion=completers.names("customer"))
]
MANY_HELP = REF_HELP + " Several, or - to read them from stdin (one a line)."
Refs = Annotated[
    list[str],
    typer.Argument(help=MANY_HELP, metavar="REF...", autocompletion=completers.names("customer")),
]
DeletedRefs = Annotated[
    list[str],
    typer.Argument(
        help=MANY_HELP,
        metavar="REF...",
        autocompletion=completers.names("customer", deleted=True),
    ),
]


def _find(session, ref: str):
    from crmcli.entities import refs

    return refs.customer(session, ref, deleted=None)


def _find_deleted(session, ref: str):
    from crmcli.entities import refs

    return refs.customer(session, ref, deleted=True)


def parse_sets(values: list[str] | None) -> dict[str, object]:
    from crmcli.kernel.validate import parse_assignment

    return dict(parse_assignment(v) for v in values or [])


def _record(session, customer) -> dict:
    from crmcli.entities.customer import customer_records

    return customer_records(session, [customer])[0]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Full name.")],
    email: Annotated[
        list[str] | None,
        typer.Option("--email", "-e", help="An email (repeatable; the first is primary)."),
    ] = None,
    phone: Annotated[
        list[str] | None, typer.Option("--phone", "-p", help="A phone number (repeatable).")
    ] = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company",
            "-c",
            help="Company REF (id, domain or name).",
            metavar="REF",
            autocompletion=completers.names("company"),
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    tag: Tags = None,
    owner: Owner = None,
    set_: opt.Sets = None,
    note: Annotated[str | None, typer.Option("--note", help="Free-text notes.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Add a customer. Prints the new id when piped."""
    from crmcli.services import customers

    fields = parse_sets(set_)
    with context.writing() as session:
        customer = customers.add(
            session,
            name,
            emails=email or [],
            phones=phone or [],
            company=company,
            title=title,
            tags=tag or [],
            owner=owner,
            fields=fields,
            notes=note,
        )
        record = _record(session, customer)
    context.created("customer", record, record["name"], columns.CUSTOMER_DETAIL, fmt, as_json)


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    deleted: opt.Deleted = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List customers matching a filter: crm customer list tag:vip company:acme income>50000"""
    context.list_command(
        "customer",
        columns.CUSTOMER,
        terms,
        limit=limit,
        sort=sort,
        fmt=fmt,
        as_json=as_json,
        deleted=deleted,
        empty_message="No customers.",
    )


@app.command("show")
def show(ref: Ref, fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """Show one customer."""
    from crmcli.entities import refs

    with context.reading() as session:
        record = _record(session, refs.customer(session, ref, deleted=None))
    context.show_record(record, columns.CUSTOMER_DETAIL, fmt, as_json)


@app.command("edit")
def edit(
    ref: Refs,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", "-e", help="Add an email (repeatable).")
    ] = None,
    rm_email: Annotated[
        list[str] | None, typer.Option("--rm-email", help="Remove an email (repeatable).")
    ] = None,
    primary_email: Annotated[
        str | None,
        typer.Option("--primary-email", help="Make this email the primary one (adding it if new)."),
    ] = None,
    phone: Annotated[
        list[str] | None, typer.Option("--phone", "-p", help="Add a phone (repeatable).")
    ] = None,
    rm_phone: Annotated[
        list[str] | None, typer.Option("--rm-phone", help="Remove a phone (repeatable).")
    ] = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company",
            "-c",
            help='Company REF ("" to unlink).',
            metavar="REF",
            autocompletion=completers.names("company"),
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    tag: Tags = None,
    untag: Untags = None,
    owner: Owner = None,
    set_: opt.Sets = None,
    note: Annotated[str | None, typer.Option("--note", help="Replace the notes.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Change customers: only the options given change (several REFs, or - for stdin: all or none)."""
    from crmcli.services import customers

    context.refuse_for_several(ref, name=name, email=email, primary_email=primary_email)
    texts = context.ref_texts(ref)

    changes = customers.CustomerChanges(
        name=name,
        add_emails=email or [],
        remove_emails=rm_email or [],
        primary_email=primary_email,
        add_phones=phone or [],
        remove_phones=rm_phone or [],
        company=company,
        title=title,
        owner=owner,
        notes=note,
        add_tags=tag or [],
        remove_tags=untag or [],
        fields=parse_sets(set_),
    )
    with context.writing() as session:
        targets = context.resolve_all(session, _find, texts)
        records = [_record(session, customers.edit(session, c, changes)) for c in targets]
    context.changed_records(
        "customer", records, "name", ref, columns.CUSTOMER_DETAIL, columns.CUSTOMER, fmt, as_json
    )


@app.command("rm")
def rm(ref: Refs) -> None:
    """Delete customers (soft: `crm customer restore` brings them back)."""
    from crmcli.services import customers

    context.soft_delete_command("customer", _find, customers.remove, ref, "Deleted")


@app.command("restore")
def restore(ref: DeletedRefs) -> None:
    """Bring back deleted customers."""
    from crmcli.services import customers

    context.soft_delete_command("customer", _find_deleted, customers.restore, ref, "Restored")
