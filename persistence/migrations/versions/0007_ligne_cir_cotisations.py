"""ligne cir cotisations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00.000000

Issue 6: a CIR line also holds the contribution data of its period, as the employer declares it on the
« Cotisations CNR » page (seed 000), saved with its administrative data: the traitement indiciaire brut
soumis à retenue, the NBI, the retenue salariale and the contribution employeur, in cents of euro.
All nullable: the lines written before stay valid (no contribution declared).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLONNES = ('traitement_brut_centimes', 'nbi_centimes', 'retenue_salariale_centimes',
            'contribution_employeur_centimes')


def upgrade() -> None:
    with op.batch_alter_table('ligne_cir', schema=None) as batch_op:
        for nom in COLONNES:
            batch_op.add_column(sa.Column(nom, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ligne_cir', schema=None) as batch_op:
        for nom in reversed(COLONNES):
            batch_op.drop_column(nom)
