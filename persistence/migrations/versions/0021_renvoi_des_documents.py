"""campagne : un document renvoyé (nouvelle version, l'ancienne remplacée)

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-06 04:00:00.000000

Issue 24 (deliverable 8): a supervisor re-produces and re-sends a campaign document. The new version names the one
it replaces (``document.remplace_id``, unique: a document is replaced once, whatever the concurrent requests); the
old one is kept. ``campagne_renvoi`` records each re-send: who, why, by which channel, and how it reached the agent
(the mail, or the print batch of a tranche).
"""
import sqlalchemy as sa
from alembic import op

import persistence.types

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remplace_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_document_remplace', ['remplace_id'])
        batch_op.create_foreign_key('fk_document_remplace', 'document', ['remplace_id'], ['id'])
    op.create_table(
        'campagne_renvoi',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campagne_id', sa.Integer(), nullable=False),
        sa.Column('cible_id', sa.Integer(), nullable=False),
        sa.Column('affilie_id', sa.Integer(), nullable=False),
        sa.Column('document_remplace_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('canal', sa.String(length=10), nullable=False),
        sa.Column('motif', sa.String(length=500), nullable=False),
        sa.Column('compte_id', sa.Integer(), nullable=True),
        sa.Column('demande_le', persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column('livraison', sa.String(length=20), nullable=True),
        sa.Column('tranche', sa.Integer(), nullable=True),
        sa.Column('livre_le', persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['campagne_id'], ['campagne.id']),
        sa.ForeignKeyConstraint(['cible_id'], ['campagne_cible.id']),
        sa.ForeignKeyConstraint(['affilie_id'], ['affilie.id']),
        sa.ForeignKeyConstraint(['document_remplace_id'], ['document.id']),
        sa.ForeignKeyConstraint(['document_id'], ['document.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_remplace_id', name='uq_campagne_renvoi_document'),
    )
    op.create_index('ix_campagne_renvoi_campagne', 'campagne_renvoi', ['campagne_id', 'cible_id'])


def downgrade() -> None:
    op.drop_index('ix_campagne_renvoi_campagne', table_name='campagne_renvoi')
    op.drop_table('campagne_renvoi')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_document_remplace', type_='foreignkey')
        batch_op.drop_constraint('uq_document_remplace', type_='unique')
        batch_op.drop_column('remplace_id')
