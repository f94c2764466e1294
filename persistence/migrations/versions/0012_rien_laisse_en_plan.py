"""rien laissé en plan : démarrage confirmé des processus, essais de la boîte d'envoi

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 22:00:00.000000

Issue 28: each request row records when the start of its process was confirmed (``processus_demarre_le``), so
the worker's reconciler finds the requests committed by an API process that died before starting them; the
rows already there were started (their date of creation). Each outbox row counts the sweeper's sends
(``tentatives``) and the earliest next one (``prochain_essai_le``).
"""
import sqlalchemy as sa
from alembic import op

import persistence.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLES = ('demande_eir', 'rectification', 'dossier_validation')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('processus_demarre_le', persistence.types.UtcDateTime(timezone=True), nullable=True)
            )
            batch_op.create_index(batch_op.f(f'ix_{table}_processus_demarre_le'), ['processus_demarre_le'])
        op.execute(f'UPDATE {table} SET processus_demarre_le = creee_le')
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tentatives', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column('prochain_essai_le', persistence.types.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.drop_column('prochain_essai_le')
        batch_op.drop_column('tentatives')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_processus_demarre_le'))
            batch_op.drop_column('processus_demarre_le')
