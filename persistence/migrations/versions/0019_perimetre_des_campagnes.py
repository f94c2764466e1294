"""périmètre des campagnes : exclusions et ajouts décidés par le gestionnaire

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 04:10:00.000000

Issue 24 (deliverable 8): a campaign's manager excludes an agent or an employer from a campaign (and lifts the
exclusion), or adds one the selection missed. ``campagne_perimetre`` holds each decision with who made it and why;
``campagne_cible.ajout_id`` names the addition that brought an agent in (none: the selection did).
"""

import sqlalchemy as sa
from alembic import op

import persistence.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campagne_perimetre",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cle", sa.String(length=120), nullable=False),
        sa.Column("campagne_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("affilie_id", sa.Integer(), nullable=True),
        sa.Column("employeur_id", sa.Integer(), nullable=True),
        sa.Column("motif", sa.String(length=500), nullable=False),
        sa.Column("compte_id", sa.Integer(), nullable=True),
        sa.Column("decidee_le", persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("levee_le", persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("levee_par", sa.Integer(), nullable=True),
        sa.Column("motif_levee", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["campagne_id"], ["campagne.id"]),
        sa.ForeignKeyConstraint(["affilie_id"], ["affilie.id"]),
        sa.ForeignKeyConstraint(["employeur_id"], ["employeur.id"]),
        sa.ForeignKeyConstraint(["compte_id"], ["compte.id"]),
        sa.ForeignKeyConstraint(["levee_par"], ["compte.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cle", name="uq_campagne_perimetre_cle"),
    )
    op.create_index("ix_campagne_perimetre_en_vigueur", "campagne_perimetre", ["campagne_id", "decision", "levee_le"])
    with op.batch_alter_table("campagne_cible", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ajout_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campagne_cible", schema=None) as batch_op:
        batch_op.drop_column("ajout_id")
    op.drop_index("ix_campagne_perimetre_en_vigueur", table_name="campagne_perimetre")
    op.drop_table("campagne_perimetre")
