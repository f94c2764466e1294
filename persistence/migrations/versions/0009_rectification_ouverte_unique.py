"""rectification ouverte unique par période

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 01:30:00.000000

Issue 22: one open rectification per agent and disputed period, held by a partial unique index (open: not yet
closed, ``terminee_le`` empty) on both databases, so that parallel duplicates of one request (a double click) store
one row and the others answer 409 instead of a second process or a 500.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_OUVERTE = sa.text('terminee_le IS NULL')


def upgrade() -> None:
    doublons = op.get_bind().execute(
        sa.text(
            'SELECT affilie_id, periode_debut, periode_fin, COUNT(*) FROM rectification WHERE terminee_le IS NULL '
            'GROUP BY affilie_id, periode_debut, periode_fin HAVING COUNT(*) > 1'
        )
    ).all()
    if doublons:
        raise RuntimeError(
            'Des demandes de rectification ouvertes portent deux fois sur la même période du même agent '
            f'(affilié, début, fin, nombre) : {doublons}. Clôturez les doublons avant cette migration.'
        )
    op.create_index(
        'uq_rectification_ouverte_periode',
        'rectification',
        ['affilie_id', 'periode_debut', 'periode_fin'],
        unique=True,
        postgresql_where=_OUVERTE,
        sqlite_where=_OUVERTE,
    )


def downgrade() -> None:
    op.drop_index('uq_rectification_ouverte_periode', table_name='rectification')
