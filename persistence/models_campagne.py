"""The DAI campaign's tables: the campaign and its projection, its agents, its employers, its exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from persistence.models import _horodatage


class CampagneTable(SQLModel, table=True):
    """One campaign (or its dry run) and its business-state projection, written at each change."""

    __tablename__ = "campagne"

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(sa_type=String(100), unique=True, index=True)
    annee: int = Field(index=True)
    annee_envoi: int
    simulation: bool = False
    etape: str = Field(sa_type=String(40))
    en_pause: bool = False
    prochaine_echeance: datetime | None = _horodatage(nullable=True)
    calendrier: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    compteurs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    previsionnel: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    creee_le: datetime | None = _horodatage()
    modifiee_le: datetime | None = _horodatage()


class CibleCampagne(SQLModel, table=True):
    """One agent of one cohort in one campaign; written in bulk (INSERT … SELECT)."""

    __tablename__ = "campagne_cible"
    __table_args__ = (
        UniqueConstraint("campagne_id", "affilie_id", "cohorte", name="uq_campagne_cible"),
        Index("ix_campagne_cible_lot", "campagne_id", "lot", "tranche", "etat"),
        Index("ix_campagne_cible_employeur", "campagne_id", "employeur_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campagne_id: int = Field(foreign_key="campagne.id")
    affilie_id: int = Field(foreign_key="affilie.id")
    employeur_id: int | None = Field(default=None, foreign_key="employeur.id")
    cohorte: str = Field(sa_type=String(30))
    age: int
    lot: int
    tranche: int
    a_mettre_a_jour: bool = False
    etat: str = Field(default="selectionne", sa_type=String(20))
    document_id: int | None = None
    livraison: str | None = Field(default=None, sa_type=String(20))  # domain.campagne.Livraison
    # The manager's addition that brought the agent in (``campagne_perimetre.id``); none: the selection did.
    ajout_id: int | None = None


class EmployeurCampagne(SQLModel, table=True):
    """One employer of one campaign: its agents to update, its mail, its reminders, its lateness."""

    __tablename__ = "campagne_employeur"
    __table_args__ = (
        UniqueConstraint("campagne_id", "employeur_id", name="uq_campagne_employeur"),
        Index("ix_campagne_employeur_lot", "campagne_id", "lot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campagne_id: int = Field(foreign_key="campagne.id")
    employeur_id: int = Field(foreign_key="employeur.id")
    lot: int
    nb_agents: int = 0
    nb_a_mettre_a_jour: int = 0
    notifie_le: datetime | None = _horodatage(nullable=True)
    rappels: int = 0
    en_retard: bool = False
    # Its own cut-off when a manager extended its deadline (else the campaign's), and its reminder after the cut-off.
    date_limite: datetime | None = _horodatage(nullable=True)
    relance_apres_limite_le: datetime | None = _horodatage(nullable=True)


class ExportCampagne(SQLModel, table=True):
    """One batch transmitted to the collector: once per batch (unique), with its manifest's data."""

    __tablename__ = "campagne_export"
    __table_args__ = (UniqueConstraint("campagne_id", "lot", name="uq_campagne_export"),)

    id: int | None = Field(default=None, primary_key=True)
    campagne_id: int = Field(foreign_key="campagne.id", index=True)
    lot: int
    collecteur: str = Field(sa_type=String(40))
    reference: str = Field(sa_type=String(300))
    lignes: int
    par_cohorte: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sha256: str = Field(sa_type=String(64))
    transmis_le: datetime | None = _horodatage()


class AgentEmployeurCampagne(SQLModel, table=True):
    """One employer of one agent in the campaign's reference year (from the CIR; the current employer when the
    year has no line): it gets its own task when its periods of that year are not up to date."""

    __tablename__ = "campagne_agent_employeur"
    __table_args__ = (
        UniqueConstraint("campagne_id", "affilie_id", "employeur_id", name="uq_campagne_agent_employeur"),
        Index("ix_campagne_agent_employeur_employeur", "campagne_id", "employeur_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campagne_id: int = Field(foreign_key="campagne.id")
    affilie_id: int = Field(foreign_key="affilie.id")
    employeur_id: int = Field(foreign_key="employeur.id")
    a_mettre_a_jour: bool = False


class IncidentCampagne(SQLModel, table=True):
    """An incident of a campaign, one per subject (``cle``: a recipient, a batch's transmission): the campaign went on
    with the rest; the supervisors see it with the other incidents until it is resolved."""

    __tablename__ = "campagne_incident"
    __table_args__ = (
        UniqueConstraint("campagne_id", "cle", name="uq_campagne_incident"),
        Index("ix_campagne_incident_ouverts", "resolu_le", "type"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campagne_id: int = Field(foreign_key="campagne.id")
    cle: str = Field(sa_type=String(100))
    type: str = Field(sa_type=String(20))  # domain.etats.TypeIncident
    etape: str = Field(sa_type=String(40))
    motif: str = Field(sa_type=String(500))
    affilie_id: int | None = Field(default=None, foreign_key="affilie.id")
    lot: int | None = None
    tentatives: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    depuis: datetime | None = _horodatage()
    resolu_le: datetime | None = _horodatage(nullable=True)


class RenvoiCampagne(SQLModel, table=True):
    """One campaign document re-produced and re-sent by a supervisor: who, why, by which channel, and how the new
    version reached the agent (``livraison``; on paper, the ``tranche`` whose print batch holds it)."""

    __tablename__ = "campagne_renvoi"
    __table_args__ = (
        UniqueConstraint("document_remplace_id", name="uq_campagne_renvoi_document"),
        Index("ix_campagne_renvoi_campagne", "campagne_id", "cible_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campagne_id: int = Field(foreign_key="campagne.id")
    cible_id: int = Field(foreign_key="campagne_cible.id")
    affilie_id: int = Field(foreign_key="affilie.id")
    document_remplace_id: int = Field(foreign_key="document.id")
    document_id: int = Field(foreign_key="document.id")
    canal: str = Field(sa_type=String(10))  # domain.campagne.Canal
    motif: str = Field(sa_type=String(500))
    compte_id: int | None = None
    demande_le: datetime | None = _horodatage()
    livraison: str | None = Field(default=None, sa_type=String(20))  # domain.campagne.Livraison
    tranche: int | None = None
    livre_le: datetime | None = _horodatage(nullable=True)


class PerimetreCampagne(SQLModel, table=True):
    """A campaign manager's decision on who is in the campaign (``domain.campagne.DecisionPerimetre``): an agent or an
    employer excluded (until the exclusion is lifted), or added when the selection missed it. ``cle`` names the
    decision in force (« campagne-3:exclusion:agent-12 »), so that two identical requests make one; a lifted exclusion
    keeps its row, its key suffixed with its number, and a new exclusion of the same agent may follow."""

    __tablename__ = "campagne_perimetre"
    __table_args__ = (
        UniqueConstraint("cle", name="uq_campagne_perimetre_cle"),
        Index("ix_campagne_perimetre_en_vigueur", "campagne_id", "decision", "levee_le"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cle: str = Field(sa_type=String(120))
    campagne_id: int = Field(foreign_key="campagne.id")
    decision: str = Field(sa_type=String(20))  # domain.campagne.DecisionPerimetre
    type: str = Field(sa_type=String(20))  # domain.campagne.TypePerimetre
    affilie_id: int | None = Field(default=None, foreign_key="affilie.id")
    employeur_id: int | None = Field(default=None, foreign_key="employeur.id")
    motif: str = Field(sa_type=String(500))
    compte_id: int | None = Field(default=None, foreign_key="compte.id")
    decidee_le: datetime | None = _horodatage()
    levee_le: datetime | None = _horodatage(nullable=True)
    levee_par: int | None = Field(default=None, foreign_key="compte.id")
    motif_levee: str | None = Field(default=None, sa_type=String(500))
