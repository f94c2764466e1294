"""courriels : un courriel revenu après son envoi (avis de non-remise)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 12:00:00.000000

Issue 24: a mail the server accepted may come back later (a delivery status notification, RFC 3464). The mail
provider's bounces are reported to the campaign by Message-ID: the outbox row is kept, marked ``rebondi`` (a new
value of ``mail.etat``, which needs no column), with when it was reported and why (``rebondi_le``,
``motif_rebond``). ``mail.message_id`` gets an index: a campaign's outbox holds hundreds of thousands of rows.
"""
import sqlalchemy as sa
from alembic import op

import persistence.types

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rebondi_le', persistence.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('motif_rebond', sa.String(length=300), nullable=True))
    op.create_index('ix_mail_message_id', 'mail', ['message_id'])


def downgrade() -> None:
    op.drop_index('ix_mail_message_id', table_name='mail')
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.drop_column('motif_rebond')
        batch_op.drop_column('rebondi_le')
