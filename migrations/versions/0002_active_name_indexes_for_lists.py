"""Active-name indexes: lists walk (deleted_at, name) in order and stop at --limit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:08:35.392215
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_deleted_at'))
        batch_op.create_index('ix_company_active_name', ['deleted_at', 'name'], unique=False)

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_deleted_at'))
        batch_op.create_index('ix_customer_active_name', ['deleted_at', 'name'], unique=False)



def downgrade() -> None:

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_active_name')
        batch_op.create_index(batch_op.f('ix_customer_deleted_at'), ['deleted_at'], unique=False)

    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_index('ix_company_active_name')
        batch_op.create_index(batch_op.f('ix_company_deleted_at'), ['deleted_at'], unique=False)

