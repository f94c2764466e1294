"""sequence des projections

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:30:00.000000

Issue 21: each projection row (demande_eir, rectification, dossier_validation) and each task row carry the
sequence number of the workflow state they show. A person's answer sends back the sequence it read, so the
workflow waits until it has reached that state instead of refusing an answer the page offered.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ('demande_eir', 'rectification', 'dossier_validation', 'tache')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('sequence')
