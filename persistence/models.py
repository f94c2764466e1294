"""The tables. One family per entity (base fields, table); enums stored as their stable string values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from persistence.types import UtcDateTime


def maintenant() -> datetime:
    return datetime.now(UTC)


def _horodatage(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


def _texte(longueur: int, index: bool = False, nullable: bool = False) -> Any:
    return Field(sa_type=String(longueur), index=index, nullable=nullable)


class Employeur(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    siret: str = Field(sa_type=String(14), unique=True, index=True)
    raison_sociale: str = _texte(200)
    email: str = _texte(200)
    type: str = Field(default="collectivite", sa_type=String(40))


def cle_aleatoire() -> str:
    import secrets

    return secrets.token_hex(6)


class Affilie(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # An opaque, non-guessable key naming the affiliate in workflow ids (never the NIR).
    cle: str = Field(default_factory=cle_aleatoire, sa_type=String(20), unique=True, index=True)
    nir: str = Field(sa_type=String(15), unique=True, index=True)
    nom: str = _texte(100)
    prenom: str = _texte(100)
    date_de_naissance: date
    email: str = _texte(200)
    employeur_id: int | None = Field(default=None, foreign_key="employeur.id", index=True)
    date_affiliation: date
    # Status dates checked again before each campaign document (domain.campagne.motif_exclusion): leaving the
    # scheme, death, and the start of the CNRACL pension (its liquidation).
    date_radiation: date | None = None
    date_de_deces: date | None = None
    date_liquidation: date | None = None
    # The day 2 trimestres were first validated in any scheme (from the inter-scheme career data, GIP Info
    # Retraite: services.donnees.importer_autres_regimes); unknown (None): the CNRACL affiliation date stands in.
    # Selects the « information générale ».
    date_premiere_validation: date | None = None
    # The personal address the campaign's paper documents go to (lines separated by new lines), and the channel the
    # agent receives them by (``domain.campagne.Canal``): ``papier`` by choice, or set when a mail was refused.
    adresse_postale: str | None = Field(default=None, sa_type=String(500))
    canal: str = Field(default="email", sa_type=String(10), sa_column_kwargs={"server_default": "email"})
    categorie: str = Field(default="sedentaire", sa_type=String(20))
    indice_majore: int | None = None
    quotite: int = 100
    date_titularisation: date | None = None
    # The day the titularisation was notified to the agent: the validation window runs from it (décret 2003-1306
    # art. 50-I); unknown (None), the titularisation's effect date stands in.
    date_notification_titularisation: date | None = None
    temps_non_complet: bool = False


class Enfant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    affilie_id: int = Field(foreign_key="affilie.id", index=True)
    prenom: str = _texte(100)
    date_de_naissance: date


class LigneCirTable(SQLModel, table=True):
    __tablename__ = "ligne_cir"
    __table_args__ = (UniqueConstraint("affilie_id", "annee", "date_debut", name="uq_ligne_cir_periode"),)

    id: int | None = Field(default=None, primary_key=True)
    affilie_id: int = Field(foreign_key="affilie.id", index=True)
    employeur_id: int | None = Field(default=None, foreign_key="employeur.id", index=True)
    annee: int
    date_debut: date
    date_fin: date
    quotite: int = 100
    nature: str = Field(default="titulaire", sa_type=String(40))
    categorie: str = Field(default="sedentaire", sa_type=String(20))
    indice_majore: int | None = None
    # Contribution data (page « Cotisations CNR »), in cents of euro so that SQLite and PostgreSQL store them
    # exactly; all empty for a period without contributions or a line written before migration 0007.
    traitement_brut_centimes: int | None = None
    nbi_centimes: int | None = None
    retenue_salariale_centimes: int | None = None
    contribution_employeur_centimes: int | None = None
    modifiee_le: datetime | None = _horodatage(nullable=True)


class DureeAutreRegime(SQLModel, table=True):
    """The agent's insurance duration in another mandatory scheme (EIR phase 2, REGLES §14): trimestres per scheme,
    a key of ``domain/regles/regimes.yaml``. ``source``: ``affilie`` (entered by the agent in phase 2) or
    ``inter_regimes`` (received from the inter-scheme career data); one row per scheme and source."""

    __tablename__ = "duree_autre_regime"
    __table_args__ = (UniqueConstraint("affilie_id", "regime", "source", name="uq_duree_autre_regime"),)

    id: int | None = Field(default=None, primary_key=True)
    affilie_id: int = Field(foreign_key="affilie.id", index=True)
    regime: str = Field(sa_type=String(40))
    trimestres: int
    source: str = Field(default="affilie", sa_type=String(20))
    recue_le: datetime | None = _horodatage()


class Compte(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    identifiant: str = Field(sa_type=String(100), unique=True, index=True)
    code_hash: str = _texte(200)
    role: str = Field(sa_type=String(20))
    profil: str | None = Field(default=None, sa_type=String(20))
    affilie_id: int | None = Field(default=None, foreign_key="affilie.id", index=True)
    employeur_id: int | None = Field(default=None, foreign_key="employeur.id", index=True)
    email: str | None = Field(default=None, sa_type=String(200))
    actif: bool = True
    # The version of the account's sessions, written in each token and page cookie: logout, a code regeneration,
    # a deactivation and a lockout bump it, and the sessions of an older version stop working.
    version_jeton: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Who holds the account (employer and supervisor accounts; an agent's name is on their ``Affilie``):
    # the "coordonnées professionnelles" of seed 002, checked when the identifier or the code is lost.
    nom: str | None = Field(default=None, sa_type=String(100))
    prenom: str | None = Field(default=None, sa_type=String(100))
    # The secret question (a key of ``persistence.comptes.QUESTIONS_SECRETES``) and its answer, hashed.
    question_secrete: str | None = Field(default=None, sa_type=String(40))
    reponse_secrete_hash: str | None = Field(default=None, sa_type=String(200))
    # After a regeneration: the certification code shown once (hashed), until when the provisional code
    # and it are valid, the wrong tries so far; ``regenerations`` numbers the mails (idempotency key).
    certification_hash: str | None = Field(default=None, sa_type=String(200))
    certification_expire_le: datetime | None = _horodatage(nullable=True)
    certification_essais: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    regenerations: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class TentativeConnexion(SQLModel, table=True):
    """The wrong codes typed for one identifier, and its lockout: kept by a digest of the identifier typed, whether
    an account has it or not, so that an unknown identifier is answered exactly as an existing one."""

    __tablename__ = "tentative_connexion"

    cle: str = Field(sa_type=String(64), primary_key=True)
    echecs: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    verrouille_jusqua: datetime | None = _horodatage(nullable=True)
    modifiee_le: datetime | None = _horodatage()


class ReferencesEmployeur(SQLModel, table=True):
    """The numbers the CNRACL gives an employer, by which its staff recover their identifier (seed 002):
    the BCR number (``01ABC111``) and the contract number."""

    __tablename__ = "references_employeur"

    id: int | None = Field(default=None, primary_key=True)
    employeur_id: int = Field(foreign_key="employeur.id", unique=True)
    numero_bcr: str | None = Field(default=None, sa_type=String(20), index=True)
    numero_contrat: str | None = Field(default=None, sa_type=String(30), index=True)


class ProjectionProcessus(SQLModel):
    """The columns every process's projection shares (EIR request, rectification, validation dossier): its
    workflow, its state, who must act next, the workflow's sequence number of that state, its dates."""

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(sa_type=String(100), unique=True, index=True)
    affilie_id: int = Field(foreign_key="affilie.id", index=True)
    etat: str = Field(sa_type=String(40), index=True)
    en_attente_de: str | None = Field(default=None, sa_type=String(20))
    # The workflow's sequence number of the state this row shows (see domain.processus.Transition).
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    creee_le: datetime | None = Field(default=None, sa_type=UtcDateTime(), nullable=False)
    modifiee_le: datetime | None = Field(default=None, sa_type=UtcDateTime(), nullable=False)
    terminee_le: datetime | None = Field(default=None, sa_type=UtcDateTime(), nullable=True)
    # While the process is in incident (``etat`` = incident): its type, reason, since when, attempts, step
    # (``domain.processus.Incident.en_dict``); empty otherwise.
    incident: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    # When the start of its process was confirmed (by the API, or by the worker's reconciler); empty: committed,
    # not yet known started (the API may have died in between).
    processus_demarre_le: datetime | None = Field(default=None, sa_type=UtcDateTime(), nullable=True, index=True)


class DemandeEirTable(ProjectionProcessus, table=True):
    """The EIR request and its business-state projection, written in the same step as each change."""

    __tablename__ = "demande_eir"
    __table_args__ = (UniqueConstraint("affilie_id", "numero", name="uq_demande_eir_rang"),)

    employeur_id: int | None = Field(default=None, foreign_key="employeur.id", index=True)
    numero: int
    date_demande: date
    canal: str = Field(default="en_ligne", sa_type=String(20))
    etape: str = Field(sa_type=String(30))
    phase: int | None = None
    echeance: datetime | None = _horodatage(nullable=True)
    tache_id: int | None = None
    indice_fin_de_carriere: int | None = None


class Tache(SQLModel, table=True):
    """A human task in an employer's inbox (or a supervisor's)."""

    __table_args__ = (UniqueConstraint("cle", name="uq_tache_cle"),)

    id: int | None = Field(default=None, primary_key=True)
    cle: str = _texte(200)
    type: str = Field(sa_type=String(40), index=True)
    workflow_id: str = Field(sa_type=String(100), index=True)
    demande_id: int | None = Field(default=None, index=True)
    employeur_id: int | None = Field(default=None, foreign_key="employeur.id", index=True)
    affilie_id: int | None = Field(default=None, foreign_key="affilie.id", index=True)
    etat: str = Field(default="ouverte", sa_type=String(20), index=True)
    echeance: datetime | None = _horodatage(index=True)
    creee_le: datetime | None = _horodatage()
    terminee_le: datetime | None = _horodatage(nullable=True)
    relancee_le: datetime | None = _horodatage(nullable=True)
    escaladee_le: datetime | None = _horodatage(nullable=True)
    assignee_compte_id: int | None = Field(default=None, foreign_key="compte.id")
    # Who holds the task in its employer's inbox (taken or assigned), and since when; none: not assigned.
    attribuee_a: int | None = Field(default=None, foreign_key="compte.id", index=True)
    attribuee_le: datetime | None = _horodatage(nullable=True)
    # Whose inbox: an employer's (employeur_id) or the supervisors' queue.
    destinataire: str = Field(default="employeur", sa_type=String(20), index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reponse: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The workflow's sequence number of the state this row shows (see domain.processus.Transition).
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Document(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("cle", name="uq_document_cle"),
        UniqueConstraint("remplace_id", name="uq_document_remplace"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cle: str = _texte(200)
    type: str = Field(sa_type=String(20))
    affilie_id: int = Field(foreign_key="affilie.id", index=True)
    demande_id: int | None = Field(default=None, index=True)
    cree_le: datetime | None = _horodatage()
    contenu: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The document this one is a new version of (a campaign document re-sent): the old one is kept, replaced once.
    remplace_id: int | None = Field(default=None, foreign_key="document.id")


class Mail(SQLModel, table=True):
    """The outbox: one row per mail, its idempotency key unique; sent once."""

    __table_args__ = (UniqueConstraint("cle", name="uq_mail_cle"),)

    id: int | None = Field(default=None, primary_key=True)
    cle: str = _texte(250)
    evenement: str = Field(sa_type=String(60), index=True)
    processus_id: str | None = Field(default=None, sa_type=String(100), index=True)
    destinataire: str = _texte(200)
    sujet: str = _texte(300)
    corps_texte: str
    corps_html: str
    # Derived from the key (a relay can tell a repeat); a bounce names the mail by it, hence the index.
    message_id: str = _texte(250, index=True)
    etat: str = Field(default="a_envoyer", sa_type=String(20), index=True)
    cree_le: datetime | None = _horodatage()
    envoye_le: datetime | None = _horodatage(nullable=True)
    # When a sender claimed the row (``depots.prendre_mail``): one sender at a time; a claim older than
    # ``DELAI_REPRISE_MAIL`` (its sender died) may be taken again.
    pris_le: datetime | None = _horodatage(nullable=True)
    # The outbox sweeper's sends of a row no process sends, and the earliest next one (its backoff).
    tentatives: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    prochain_essai_le: datetime | None = _horodatage(nullable=True)
    # A mail the server accepted that came back later (``etat`` ``rebondi``, a delivery status notification): when
    # it was reported, and why (in French).
    rebondi_le: datetime | None = _horodatage(nullable=True)
    motif_rebond: str | None = _texte(300, nullable=True)


class Evenement(SQLModel, table=True):
    """The append-only history: who did what, when, in which process."""

    id: int | None = Field(default=None, primary_key=True)
    processus_id: str = Field(sa_type=String(100), index=True)
    type: str = Field(sa_type=String(60))
    acteur: str = Field(sa_type=String(20))
    compte_id: int | None = None
    horodatage: datetime | None = _horodatage()
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Hash chain (tamper evidence): sha256 of this event's content and of the previous event's hash.
    empreinte: str | None = Field(default=None, sa_type=String(64))
    empreinte_precedente: str | None = Field(default=None, sa_type=String(64))


class AncreAudit(SQLModel, table=True):
    """The head of the event chain (one row): its last hash and length. Writing it first serialises appends;
    removing the last events leaves the head pointing at a hash that no longer exists."""

    __tablename__ = "ancre_audit"

    id: int = Field(default=1, primary_key=True)
    empreinte: str | None = Field(default=None, sa_type=String(64))
    nombre: int = 0


class ReponseEnqueteTable(SQLModel, table=True):
    __tablename__ = "reponse_enquete"

    id: int | None = Field(default=None, primary_key=True)
    demande_id: int = Field(foreign_key="demande_eir.id", unique=True)
    reponses: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    commentaire: str = ""
    recue_le: datetime | None = _horodatage()


class RectificationTable(ProjectionProcessus, table=True):
    """A rectificative RIS/EIG request and its business-state projection (DESIGN §4.3)."""

    __tablename__ = "rectification"
    # One open request per agent and disputed period: a double click, or the same request sent twice in parallel,
    # stores one row and the others meet this index (a conflict, 409), whatever the database.
    __table_args__ = (
        Index(
            "uq_rectification_ouverte_periode",
            "affilie_id",
            "periode_debut",
            "periode_fin",
            unique=True,
            postgresql_where=text("terminee_le IS NULL"),
            sqlite_where=text("terminee_le IS NULL"),
        ),
    )

    type_document: str = Field(sa_type=String(10))
    annee_document: int
    periode_debut: date
    periode_fin: date
    motif: str
    employeur_periode_siret: str | None = Field(default=None, sa_type=String(14))
    employeur_periode_id: int | None = Field(default=None, foreign_key="employeur.id")
    employeur_actuel_id: int | None = Field(default=None, foreign_key="employeur.id")
    # every former employer of the period in the CIR, the main one first (one task each); None: only the main one
    employeurs_periode: list[int] | None = Field(default=None, sa_type=JSON, nullable=True)
    regime: str | None = Field(default=None, sa_type=String(40))
    routage: str = Field(sa_type=String(30))
    reclamation_eig: bool = False
    echeance: datetime | None = _horodatage(nullable=True)
    document_rectifie_id: int | None = None


class DossierValidationTable(ProjectionProcessus, table=True):
    """The validation-of-services deadline of one eligible agent (DESIGN §4.4)."""

    __tablename__ = "dossier_validation"
    # One deadline per titularisation: a new titularisation (after a new stage) reopens a window.
    __table_args__ = (
        UniqueConstraint("affilie_id", "date_titularisation", name="uq_dossier_validation_titularisation"),
    )

    motif: str = Field(sa_type=String(30))
    date_limite: date
    regle: str
    date_titularisation: date | None = None
    # Unknown (None): the window ran from the titularisation's effect date (the dossier's ``regle`` says so).
    date_notification_titularisation: date | None = None
    demande_le: date | None = None
    # A request made outside the service (to the employer, a paper dossier) recorded by a supervisor: its proof.
    preuve_demande: str | None = Field(default=None, sa_type=String(200))
    decision: str | None = Field(default=None, sa_type=String(20))
    # The periods the employers certified, held apart until the decision (not in the CIR, not counted by the
    # calculation): CIR lines as JSON; written into the CIR as validated services only on acceptance.
    periodes_certifiees: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON, nullable=True)
    # The retroactive contributions owed (décret 2003-1306 art. 50-II), computed from the certified periods.
    cotisations_dues: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
