"""products, purchases and purchase lines

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:20:44

The catalogue (`product`, SKU unique case-insensitively through `sku_key`), orders
(`purchase`, one currency each, refunds as negative purchases linked to what they refund)
and their lines (`purchase_item`, each line's total and cost exact in minor units).
Tags and custom fields of products use the existing `tag` and `field_value` tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sku_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('cost_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('sku_key', name=op.f('uq_product_sku_key'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index('ix_product_active_name', ['deleted_at', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_name'), ['name'], unique=False)

    op.create_table('purchase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('cost_minor', sa.BigInteger(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refund_of_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_purchase_customer_id_customer')),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], name=op.f('fk_purchase_deal_id_deal')),
    sa.ForeignKeyConstraint(['refund_of_id'], ['purchase.id'], name=op.f('fk_purchase_refund_of_id_purchase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase'))
    )
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_channel'), ['channel'], unique=False)
        batch_op.create_index('ix_purchase_customer_at', ['customer_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_refund_of_id'), ['refund_of_id'], unique=False)

    op.create_table('purchase_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('cost_minor', sa.BigInteger(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_purchase_item_product_id_product')),
    sa.ForeignKeyConstraint(['purchase_id'], ['purchase.id'], name=op.f('fk_purchase_item_purchase_id_purchase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_item'))
    )
    with op.batch_alter_table('purchase_item', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_item_product_purchase', ['product_id', 'purchase_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_item_purchase_id'), ['purchase_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('purchase_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_item_purchase_id'))
        batch_op.drop_index('ix_purchase_item_product_purchase')

    op.drop_table('purchase_item')
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_refund_of_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_deal_id'))
        batch_op.drop_index('ix_purchase_customer_at')
        batch_op.drop_index(batch_op.f('ix_purchase_channel'))
        batch_op.drop_index(batch_op.f('ix_purchase_at'))

    op.drop_table('purchase')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_name'))
        batch_op.drop_index(batch_op.f('ix_product_created_at'))
        batch_op.drop_index(batch_op.f('ix_product_category'))
        batch_op.drop_index('ix_product_active_name')

    op.drop_table('product')
