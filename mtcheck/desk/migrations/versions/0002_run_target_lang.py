"""The target language of each run (from its summary.json), so that `mtcheck calibrate` fits the head of
the right target family (English or other). Runs loaded before this revision are taken as English, the
default of `mtcheck check`.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_lang', sa.String(length=35), nullable=False, server_default='en'))


def downgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('target_lang')
