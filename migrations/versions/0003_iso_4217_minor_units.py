"""deal amounts in ISO 4217 minor units

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:00:00

Until now a hand-kept table gave the minor unit, and every currency it missed had two
decimals. The minor units now come from CLDR (babel) corrected to ISO 4217, which changes
the scale of a few codes: CLF and UYW have four decimals, and some retired currencies
(ADP, BYR, ESP, ITL, LUF, MGF, TRL) none. Their stored `value_minor` is rescaled so every
amount keeps its value in major units. The table below is frozen here on purpose: later
changes to `crmcli.kernel.money` must not change what this revision did.

Going down to fewer decimals rounds half up (an ITL amount with cents, which the old
table let through, loses them); going up past the 64-bit range saturates at its maximum.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: currency -> (decimals before this revision, decimals after it)
RESCALED = {
    'CLF': (2, 4),
    'UYW': (2, 4),
    'ADP': (2, 0),
    'BYR': (2, 0),
    'ESP': (2, 0),
    'ITL': (2, 0),
    'LUF': (2, 0),
    'MGF': (2, 0),
    'TRL': (2, 0),
}
_MAX_MINOR = 2**63 - 1


def _rescale(steps: dict[str, int]) -> None:
    """Multiply (positive step) or divide (negative) each currency's amounts by 10**step."""
    for currency, step in steps.items():
        factor = 10 ** abs(step)
        if step > 0:
            amount = (
                f'CASE WHEN value_minor > {_MAX_MINOR // factor} THEN {_MAX_MINOR} '
                f'ELSE value_minor * {factor} END'
            )
        else:
            amount = f'(value_minor + {factor // 2}) / {factor}'
        op.execute(
            sa.text(f'UPDATE deal SET value_minor = {amount} WHERE currency = :currency')
            .bindparams(currency=currency)
        )


def upgrade() -> None:
    _rescale({code: after - before for code, (before, after) in RESCALED.items()})


def downgrade() -> None:
    _rescale({code: before - after for code, (before, after) in RESCALED.items()})
