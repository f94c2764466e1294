"""échéances de la campagne : délai prolongé d'un employeur, relance après la date limite

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 04:00:00.000000

Issue 24 (§8): a manager extends one employer's deadline (``campagne_employeur.date_limite``, null: the campaign's
own cut-off); the late employers get one reminder after the cut-off (``campagne_employeur.relance_apres_limite_le``).
A campaign task left unanswered at its cut-off is closed (``tache.etat`` ``close_date_limite``, no schema change).
"""
import sqlalchemy as sa
from alembic import op

import persistence.types

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campagne_employeur', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_limite', persistence.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('relance_apres_limite_le', persistence.types.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('campagne_employeur', schema=None) as batch_op:
        batch_op.drop_column('relance_apres_limite_le')
        batch_op.drop_column('date_limite')
