"""statut des affiliés : dates de décès, de liquidation et de première validation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:30:00.000000

Issue 24: the DAI campaign checks eligibility again right before producing each document (REGLES §15): an
agent who died or retired (pension liquidated) after selection gets no document. ``date_radiation`` (left the
scheme) already exists. The « information générale » goes to those who validated 2 trimestres for the first
time in any scheme: ``date_premiere_validation`` (from the inter-scheme career data); unknown, the CNRACL
affiliation date stands in, as before. The rows already there have none of these dates.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('affilie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_de_deces', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('date_liquidation', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('date_premiere_validation', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('affilie', schema=None) as batch_op:
        batch_op.drop_column('date_premiere_validation')
        batch_op.drop_column('date_liquidation')
        batch_op.drop_column('date_de_deces')
