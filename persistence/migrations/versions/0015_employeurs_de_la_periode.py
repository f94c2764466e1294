"""rectification : les employeurs de la période contestée

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 00:40:00.000000

Issue 25: a disputed period over several former employers gives one task to each. The request keeps them as they
were resolved from the CIR when it was registered (its process is started again from the row after a crash, with
the same employers); ``employeur_periode_id`` stays the main one. The rows already there have none: their process
reads ``employeur_periode_id`` alone, as before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employeurs_periode', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_column('employeurs_periode')
