"""canaux de la campagne : adresse postale, canal, livraison des documents, incidents de campagne

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 00:30:00.000000

Issue 24: the campaign's documents go to the agent's personal address (REGLES §15), by mail where the agent accepts
it. ``affilie.adresse_postale`` and ``affilie.canal`` (``email`` | ``papier``; the rows already there: ``email``);
``campagne_cible.livraison`` says how each document reached its agent; ``campagne_incident`` holds a campaign's
incidents (a recipient refused, a batch the collector did not take), one per subject, with its attempts.
"""
import sqlalchemy as sa
from alembic import op

import persistence.types

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('affilie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adresse_postale', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('canal', sa.String(length=10), nullable=False, server_default='email'))
    with op.batch_alter_table('campagne_cible', schema=None) as batch_op:
        batch_op.add_column(sa.Column('livraison', sa.String(length=20), nullable=True))
    op.create_table(
        'campagne_incident',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campagne_id', sa.Integer(), nullable=False),
        sa.Column('cle', sa.String(length=100), nullable=False),
        sa.Column('type', sa.String(length=20), nullable=False),
        sa.Column('etape', sa.String(length=40), nullable=False),
        sa.Column('motif', sa.String(length=500), nullable=False),
        sa.Column('affilie_id', sa.Integer(), nullable=True),
        sa.Column('lot', sa.Integer(), nullable=True),
        sa.Column('tentatives', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('depuis', persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column('resolu_le', persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['campagne_id'], ['campagne.id']),
        sa.ForeignKeyConstraint(['affilie_id'], ['affilie.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campagne_id', 'cle', name='uq_campagne_incident'),
    )
    op.create_index('ix_campagne_incident_ouverts', 'campagne_incident', ['resolu_le', 'type'])


def downgrade() -> None:
    op.drop_index('ix_campagne_incident_ouverts', table_name='campagne_incident')
    op.drop_table('campagne_incident')
    with op.batch_alter_table('campagne_cible', schema=None) as batch_op:
        batch_op.drop_column('livraison')
    with op.batch_alter_table('affilie', schema=None) as batch_op:
        batch_op.drop_column('canal')
        batch_op.drop_column('adresse_postale')
