"""comptes codes perdus

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:30:00.000000

Seed 002 (lost identifier / confidential code): the account holder's name, the secret question and its
hashed answer, the certification code of a regeneration (hashed, with its expiry and wrong tries), and
the employer's BCR and contract numbers.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import persistence.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('compte', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nom', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('prenom', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('question_secrete', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('reponse_secrete_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('certification_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('certification_expire_le', persistence.types.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('certification_essais', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('regenerations', sa.Integer(), server_default='0', nullable=False))

    op.create_table('references_employeur',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employeur_id', sa.Integer(), nullable=False),
    sa.Column('numero_bcr', sa.String(length=20), nullable=True),
    sa.Column('numero_contrat', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['employeur_id'], ['employeur.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('employeur_id')
    )
    with op.batch_alter_table('references_employeur', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_references_employeur_numero_bcr'), ['numero_bcr'], unique=False)
        batch_op.create_index(batch_op.f('ix_references_employeur_numero_contrat'), ['numero_contrat'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('references_employeur', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_references_employeur_numero_contrat'))
        batch_op.drop_index(batch_op.f('ix_references_employeur_numero_bcr'))
    op.drop_table('references_employeur')

    with op.batch_alter_table('compte', schema=None) as batch_op:
        batch_op.drop_column('regenerations')
        batch_op.drop_column('certification_essais')
        batch_op.drop_column('certification_expire_le')
        batch_op.drop_column('certification_hash')
        batch_op.drop_column('reponse_secrete_hash')
        batch_op.drop_column('question_secrete')
        batch_op.drop_column('prenom')
        batch_op.drop_column('nom')
