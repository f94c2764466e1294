"""durées d'assurance dans les autres régimes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:40:00.000000

Issue 25: the EIR's phase 2 and bilan cover every mandatory scheme (CSS L161-17). The agent's trimestres in each
other scheme, entered by the agent in phase 2 or received from the inter-scheme career data, are stored per
scheme and source, and passed to the calculation as its durée d'assurance in the other schemes.
"""
import sqlalchemy as sa
from alembic import op

import persistence.types

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'duree_autre_regime',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('affilie_id', sa.Integer(), nullable=False),
        sa.Column('regime', sa.String(length=40), nullable=False),
        sa.Column('trimestres', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('recue_le', persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['affilie_id'], ['affilie.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('affilie_id', 'regime', 'source', name='uq_duree_autre_regime'),
    )
    op.create_index('ix_duree_autre_regime_affilie_id', 'duree_autre_regime', ['affilie_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_duree_autre_regime_affilie_id', table_name='duree_autre_regime')
    op.drop_table('duree_autre_regime')
