"""validation de services : un dossier par titularisation, notification, périodes en attente, cotisations dues

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 00:45:00.000000

Issue 25: the 2-year window runs from the titularisation's notification (décret 2003-1306 art. 50-I), so the
agent and the dossier carry ``date_notification_titularisation``; a new titularisation reopens a window, so a
dossier is unique per (agent, titularisation), no longer per agent. The employers' certified periods are held
on the dossier until the decision (``periodes_certifiees``), with the retroactive contributions owed
(``cotisations_dues``, art. 50-II); a request recorded by a supervisor keeps its proof (``preuve_demande``).
Existing dossiers take their agent's titularisation date.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# The unnamed unique constraint of 0002 on dossier_validation.affilie_id: PostgreSQL's default name; SQLite's
# batch mode finds it through this naming convention.
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _ancienne_contrainte() -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return 'dossier_validation_affilie_id_key'
    return 'uq_dossier_validation_affilie_id'


def upgrade() -> None:
    with op.batch_alter_table('affilie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_notification_titularisation', sa.Date(), nullable=True))
    with op.batch_alter_table('dossier_validation', schema=None, naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(_ancienne_contrainte(), type_='unique')
        batch_op.add_column(sa.Column('date_titularisation', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('date_notification_titularisation', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('preuve_demande', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('periodes_certifiees', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('cotisations_dues', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossier_validation_affilie_id'), ['affilie_id'], unique=False)
        batch_op.create_unique_constraint(
            'uq_dossier_validation_titularisation', ['affilie_id', 'date_titularisation']
        )
    op.execute(
        "UPDATE dossier_validation SET date_titularisation = "
        "(SELECT affilie.date_titularisation FROM affilie WHERE affilie.id = dossier_validation.affilie_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('dossier_validation', schema=None, naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint('uq_dossier_validation_titularisation', type_='unique')
        batch_op.drop_index(batch_op.f('ix_dossier_validation_affilie_id'))
        batch_op.drop_column('cotisations_dues')
        batch_op.drop_column('periodes_certifiees')
        batch_op.drop_column('preuve_demande')
        batch_op.drop_column('date_notification_titularisation')
        batch_op.drop_column('date_titularisation')
        batch_op.create_unique_constraint(_ancienne_contrainte(), ['affilie_id'])
    with op.batch_alter_table('affilie', schema=None) as batch_op:
        batch_op.drop_column('date_notification_titularisation')
