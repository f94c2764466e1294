"""tache attribution

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000

Issue 6: a task of an employer's inbox is taken by one of its users or assigned by its administrator (or a
supervisor): who holds it (an account of that employer) and since when. Both empty: nobody holds it.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import persistence.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attribuee_a', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attribuee_le', persistence.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_tache_attribuee_a'), ['attribuee_a'], unique=False)
        batch_op.create_foreign_key('fk_tache_attribuee_a_compte', 'compte', ['attribuee_a'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tache', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tache_attribuee_a_compte', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tache_attribuee_a'))
        batch_op.drop_column('attribuee_le')
        batch_op.drop_column('attribuee_a')
