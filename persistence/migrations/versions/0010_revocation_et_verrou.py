"""revocation des jetons, verrou uniforme, reservation des mails

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 01:30:00.000000

Issue 22: each account carries the version of its sessions (``version_jeton``), written into its tokens and page
cookies and bumped by logout, code regeneration, deactivation and lockout, so the older ones stop working. The
wrong-code count and the lockout move from the account to ``tentative_connexion``, keyed by a digest of the
identifier typed, so an unknown identifier is locked exactly as an existing one. An outbox row is claimed
(``pris_le``) before it is sent.
"""
from alembic import op
import sqlalchemy as sa
import persistence.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tentative_connexion',
        sa.Column('cle', sa.String(length=64), nullable=False),
        sa.Column('echecs', sa.Integer(), server_default='0', nullable=False),
        sa.Column('verrouille_jusqua', persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column('modifiee_le', persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('cle'),
    )
    with op.batch_alter_table('compte', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_jeton', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_column('echecs_connexion')
        batch_op.drop_column('verrouille_jusqua')
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pris_le', persistence.types.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.drop_column('pris_le')
    with op.batch_alter_table('compte', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verrouille_jusqua', persistence.types.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('echecs_connexion', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_column('version_jeton')
    op.drop_table('tentative_connexion')
