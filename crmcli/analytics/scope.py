"""What a report looks at: the customers and purchases a filter keeps, up to an as-of time.

Every report takes the filter language. A term on a purchase field that customers do not
have (`product:`, `category:`, `channel:`, `currency:`, `amount>`, `at>`, `refund:`, ...)
restricts the purchases; every other term, and bare words, restrict the customers.
Deleted customers are left out; purchases after `as_of` do not exist yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crmcli.entities import customer_value, registry
from crmcli.query import compiler
from crmcli.query.parser import Filter, parse_filter
from crmcli.store.models import Customer, Interaction, Purchase, utcnow


def purchase_only_fields() -> frozenset[str]:
    """Filter fields that go to purchases: those purchases have and customers do not."""
    purchases = set(registry.listing_of("purchase").filters)
    # A customer's computed figures (`currency`, ...) do not take a purchase field's name.
    customers = set(registry.listing_of("customer").filters) - set(customer_value.FIELDS)
    return frozenset(purchases - customers - {"customer"})


@dataclass(frozen=True)
class Scope:
    as_of: datetime
    customer_filter: Filter = field(default_factory=Filter)
    purchase_filter: Filter = field(default_factory=Filter)

    @property
    def is_everything(self) -> bool:
        return self.customer_filter.is_empty() and self.purchase_filter.is_empty()


def scope(terms: Sequence[str] | str = (), as_of: datetime | None = None) -> Scope:
    """Split a report's filter into its customer part and its purchase part."""
    parsed = terms if isinstance(terms, Filter) else parse_filter(terms)
    to_purchases = purchase_only_fields()
    purchase_terms = tuple(t for t in parsed.terms if t.field in to_purchases)
    customer_terms = tuple(t for t in parsed.terms if t.field not in to_purchases)
    return Scope(
        as_of=as_of or utcnow(),
        customer_filter=Filter(terms=customer_terms, words=parsed.words),
        purchase_filter=Filter(terms=purchase_terms),
    )


def customer_ids(session: Session, scope: Scope) -> sa.Select:
    """The ids of the active customers the scope keeps (a subquery)."""
    clauses = compiler.where_clauses(session, "customer", scope.customer_filter, scope.as_of)
    return select(col(Customer.id)).where(col(Customer.deleted_at).is_(None), *clauses)


def purchase_clauses(session: Session, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses on `purchase` for the scope: its customers, its purchase terms, as-of."""
    clauses = compiler.where_clauses(session, "purchase", scope.purchase_filter, scope.as_of)
    return [
        col(Purchase.at) <= scope.as_of,
        col(Purchase.customer_id).in_(customer_ids(session, scope)),
        *clauses,
    ]


def interaction_clauses(session: Session, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses on `interaction` for the scope's customers up to its as-of time."""
    return [
        col(Interaction.occurred_at) <= scope.as_of,
        col(Interaction.customer_id).in_(customer_ids(session, scope)),
    ]
