"""incidents des processus

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 01:30:00.000000

Issue 22: a process whose step fails (data breaking a rule, or a component failing again and again) enters an
explicit incident state; its projection row keeps the incident (type, reason, since when, attempts, step) in a
JSON column, shown to the agent and in the supervisors' console.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('demande_eir', 'rectification', 'dossier_validation')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('incident', sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('incident')
