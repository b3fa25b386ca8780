"""The interactions a report counts, and which customers count without a purchase.

`scope.interaction_clauses` keeps the scope's customers up to `--as-of`. A report's period
terms (`at>-90d`, `at<2026-01-01`) name purchase times; they apply to the interactions'
times as well, so a period's cost to serve or answers match its purchases.

Reports about contact (channels) and cost (profit) also show customers who bought nothing
in scope: they cost without paying. Not when the filter names what was bought (`product:`,
`channel:`, `amount>` ...: any purchase term but `at`): then only buyers of that count.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.analytics.scope import Scope, interaction_clauses
from crmcli.query import compiler
from crmcli.query.parser import Filter

#: The purchase field that is a period: it applies to interactions too.
PERIOD_FIELD = "at"


def interaction_where(session: Session, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses on `interaction`: the scope's customers, up to as-of, in its period."""
    period = Filter(terms=tuple(t for t in scope.purchase_filter.terms if t.field == PERIOD_FIELD))
    return [
        *interaction_clauses(session, scope),
        *compiler.where_clauses(session, "interaction", period, scope.as_of),
    ]


def buyers_only(scope: Scope) -> bool:
    """Whether the filter names what was bought, so only customers who bought it count."""
    return any(t.field != PERIOD_FIELD for t in scope.purchase_filter.terms)
