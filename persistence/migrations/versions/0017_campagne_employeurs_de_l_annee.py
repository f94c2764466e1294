"""campagne : chaque employeur de l'agent pendant l'année de référence

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:45:00.000000

Issue 24: an agent may have had several employers during the campaign's reference year; each one (from the CIR
lines of that year, or the current employer when the year has no line) is asked to update its own periods, and
the « up to date » test asks each one. One row per campaign, agent and employer; the campaigns already running
keep their tasks (their agents have no row here: the employer of their target stands in).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'campagne_agent_employeur',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campagne_id', sa.Integer(), nullable=False),
        sa.Column('affilie_id', sa.Integer(), nullable=False),
        sa.Column('employeur_id', sa.Integer(), nullable=False),
        sa.Column('a_mettre_a_jour', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['affilie_id'], ['affilie.id']),
        sa.ForeignKeyConstraint(['campagne_id'], ['campagne.id']),
        sa.ForeignKeyConstraint(['employeur_id'], ['employeur.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campagne_id', 'affilie_id', 'employeur_id', name='uq_campagne_agent_employeur'),
    )
    op.create_index(
        'ix_campagne_agent_employeur_employeur', 'campagne_agent_employeur', ['campagne_id', 'employeur_id']
    )


def downgrade() -> None:
    op.drop_index('ix_campagne_agent_employeur_employeur', table_name='campagne_agent_employeur')
    op.drop_table('campagne_agent_employeur')
