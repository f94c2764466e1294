"""EIR use cases (DESIGN §4.1): the agent (or a supervisor, by phone) starts a request; the agent answers its
steps; the owner and supervisors read its state, its RIS and its bilan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.eir import ActionAffilie, DemandeConsolidation, PeriodeASignaler, ReponsesEnquete
from domain.eligibilite import DemandeAnterieure, debut_fenetre_eir, refus_eir
from domain.erreurs import Conflit, Introuvable, Refus
from domain.etats import Role, TypeDocument
from domain.processus import Intervention
from domain.task_queues import id_workflow_eir
from domain.texte import TexteLibreMultiligne
from persistence import depots, lectures
from persistence.models import Affilie, Compte, DemandeEirTable, Document, Employeur
from services.acces import (
    PARIS,
    EvenementPublic,
    affaire_de_l_agent,
    agent_vu,
    aujourd_hui,
    exiger_l_agent,
    historique,
    numero,
)
from services.champs import Nir
from services.moteur import Moteur, avec_sequence, demarrer_ou_retirer, mettre_a_jour
from settings import Settings
from workflows.client import delais_eir, demarrer_eir
from workflows.eir import EirWorkflow

# --- what comes in ---


class NouvelleDemande(BaseModel):
    nir: Nir | None = Field(default=None, description="NIR de l'agent (demande par téléphone, superviseur seulement)")


class Consolidation(BaseModel):
    periodes: list[PeriodeASignaler] = Field(min_length=1, description="Périodes à compléter ou corriger")


class Enquete(BaseModel):
    reponses: list[int] = Field(min_length=5, max_length=5, description="Cinq notes de 1 à 5")
    commentaire: TexteLibreMultiligne = Field(default="", max_length=2000)

    @field_validator("reponses")
    @classmethod
    def _notes(cls, notes: list[int]) -> list[int]:
        if any(not 1 <= n <= 5 for n in notes):
            raise ValueError("chaque note va de 1 (pas du tout satisfait) à 5 (très satisfait)")
        return notes


# --- what goes out ---


class DemandeCreee(BaseModel):
    id: int
    reference: str
    workflow_id: str
    etat: str


class EtatDemande(BaseModel):
    id: int
    reference: str
    workflow_id: str
    date_demande: date
    canal: str
    etape: str
    phase: int | None
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    tache_id: int | None
    indice_fin_de_carriere: int | None
    incident: dict[str, Any] | None = Field(
        default=None,
        description="Quand la demande est arrêtée (état « incident ») : type (metier ou technique), motif, depuis, "
        "tentatives, étape",
    )
    historique: list[EvenementPublic]


# --- starting ---


async def _demandeur(session: AsyncSession, compte: Compte, corps: NouvelleDemande) -> tuple[Affilie | None, str]:
    """The agent the request is for, and its channel."""
    if compte.role == Role.superviseur.value:
        if corps.nir is None:
            raise Refus("nir : indiquez le NIR de l'agent pour une demande par téléphone.", "nir", "obligatoire")
        return await depots.affilie_par_nir(session, corps.nir), "telephone"
    affilie = await session.get(Affilie, compte.affilie_id) if compte.affilie_id else None
    return affilie, "en_ligne"


async def demander(session: AsyncSession, moteur: Moteur, compte: Compte, corps: NouvelleDemande) -> DemandeCreee:
    """Check the eligibility, store the request, start its process (or remove the request if it cannot start)."""
    affilie, canal = await _demandeur(session, compte, corps)
    date_demande = aujourd_hui()
    anterieures: Sequence[DemandeEirTable] = []
    if affilie is not None and affilie.id is not None:
        anterieures = await depots.demandes_eir_recentes(session, affilie.id, debut_fenetre_eir(date_demande))
    refus = refus_eir(
        affilie.date_de_naissance if affilie else None,
        date_demande,
        [DemandeAnterieure(numero(d), d.date_demande, d.terminee_le is None) for d in anterieures],
        "nir" if canal == "telephone" else "demande",
    )
    if refus is not None:
        raise refus
    if affilie is None:  # refus_eir refuses an agent that is not affiliated
        raise Introuvable("Aucun agent de ce NIR à la CNRACL.")
    client = await moteur.client()  # before the insert: the engine out of reach leaves nothing behind
    try:
        demande = await depots.creer_demande_eir(
            session, affilie, date_demande, canal, datetime.now(UTC), id_workflow_eir
        )
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflit("Une demande d'entretien vient d'être enregistrée pour cet agent.") from exc
    reglages = moteur.settings
    await demarrer_ou_retirer(
        session,
        demande,
        demarrer_eir(
            client,
            reglages.task_queue,
            numero(demande),
            demande.workflow_id,
            demande.date_demande,
            delais_eir(reglages),
        ),
    )
    return DemandeCreee(
        id=numero(demande), reference=f"EIR-{demande.id}", workflow_id=demande.workflow_id, etat=demande.etat
    )


# --- reading ---


async def demande_visible(session: AsyncSession, compte: Compte, demande_id: int) -> DemandeEirTable:
    """The request if this account may see it: its owner, or a supervisor."""
    return await affaire_de_l_agent(
        session, compte, DemandeEirTable, demande_id, f"Aucune demande d'EIR n° {demande_id} dans votre espace."
    )


def _incident_vu_par_l_agent(incident: dict[str, Any] | None) -> dict[str, Any] | None:
    """The incident as the agent reads it: a technical one in plain words (the last error is for supervisors)."""
    if incident is None:
        return None
    vu = {cle: incident.get(cle) for cle in ("type", "motif", "depuis", "tentatives", "etape")}
    if incident.get("type") != "metier":
        vu["motif"] = (
            f"Un incident technique retarde l'étape « {incident.get('etape')} » : elle est réessayée "
            "automatiquement et les équipes de la CNRACL sont prévenues. Vous n'avez rien à faire."
        )
    return vu


async def _etat(session: AsyncSession, demande: DemandeEirTable) -> EtatDemande:
    return EtatDemande.model_validate(
        {
            **demande.model_dump(),
            "incident": _incident_vu_par_l_agent(demande.incident),
            "reference": f"EIR-{demande.id}",
            "historique": await historique(session, demande.workflow_id),
        }
    )


async def mes_demandes(session: AsyncSession, compte: Compte) -> list[EtatDemande]:
    """The agent's own requests, the newest first (a supervisor: the latest of all)."""
    return [await _etat(session, d) for d in await lectures.demandes_eir(session, agent_vu(compte))]


async def consulter(session: AsyncSession, compte: Compte, demande_id: int) -> EtatDemande:
    """The business state, read from the projection written with each change (no worker needed)."""
    return await _etat(session, await demande_visible(session, compte, demande_id))


async def documents(session: AsyncSession, compte: Compte, demande_id: int) -> Sequence[Document]:
    return await depots.documents_de_la_demande(session, numero(await demande_visible(session, compte, demande_id)))


async def document(session: AsyncSession, compte: Compte, demande_id: int, document_id: int) -> Document:
    """One document of a request the account may see."""
    demande = await demande_visible(session, compte, demande_id)
    doc = await session.get(Document, document_id)
    if doc is None or doc.demande_id != demande.id:
        raise Introuvable(f"Aucun document n° {document_id} dans la demande EIR-{demande.id}.")
    return doc


_ABSENTS = {
    TypeDocument.ris: "Le relevé de situation n'est pas encore disponible : votre employeur vérifie votre carrière.",
    TypeDocument.bilan: "Le bilan n'est pas encore disponible : il est produit après la validation de votre relevé.",
}


async def dernier_document(
    session: AsyncSession, compte: Compte, demande_id: int, type: TypeDocument
) -> dict[str, Any]:
    """The latest RIS or bilan of the request, its content with its number and date."""
    demande = await demande_visible(session, compte, demande_id)
    docs = await depots.documents_de_la_demande(session, numero(demande), type.value)
    if not docs:
        raise Introuvable(_ABSENTS[type])
    return {"document_id": docs[-1].id, "cree_le": docs[-1].cree_le, **docs[-1].contenu}


class Previsions(BaseModel):
    """When the next steps of a request are expected, from its state and the process's delays (the settings the
    process started with): the employer's notification, the RIS at the latest (the employer's task due date),
    the survey after the bilan, the survey's answer at the latest. ``None``: not known yet, or past."""

    notification_employeur: date | None = None
    ris_au_plus_tard: date | None = None
    enquete: date | None = None
    reponse_enquete: date | None = None
    delai_enquete: timedelta
    delai_tache: timedelta


def _jour(moment: datetime | None) -> date | None:
    return moment.astimezone(PARIS).date() if moment is not None else None


def previsions(demande: EtatDemande, settings: Settings) -> Previsions:
    """The expected dates of what comes next for the request, each computed from its state's due date when the
    process gave one, else from the delays."""
    delais = delais_eir(settings)
    echeance = _jour(demande.echeance)
    vues = Previsions(delai_enquete=delais.enquete, delai_tache=delais.relance_employeur)
    etat = demande.etat
    if etat in ("enregistree", "attente_notification_employeur"):
        notification = echeance or demande.date_demande + delais.notification_employeur
        vues.notification_employeur = notification
        vues.ris_au_plus_tard = notification + delais.relance_employeur
    elif etat in ("verification_employeur", "consolidation_employeur"):
        vues.ris_au_plus_tard = echeance
    elif etat == "bilan_disponible":
        vues.enquete = echeance
    elif etat == "enquete_envoyee":
        vues.reponse_enquete = echeance
    return vues


async def _raison_sociale(session: AsyncSession, employeur_id: int | None) -> str | None:
    employeur = await session.get(Employeur, employeur_id) if employeur_id else None
    return employeur.raison_sociale if employeur else None


class Identite(BaseModel):
    """Who a document is about, as its page shows it: the NIR masked but for what the agent recognises."""

    prenom: str
    nom: str
    nir_masque: str
    employeur: str | None


def masquer_nir(nir: str) -> str:
    """``1 85 03 •• ••• ••• 42``: sex, year and month of birth and the key; the place of birth and the order
    number hidden (a page may be printed or read over a shoulder)."""
    return f"{nir[0]} {nir[1:3]} {nir[3:5]} •• ••• ••• {nir[13:15]}"


async def identite(session: AsyncSession, affilie_id: int) -> Identite | None:
    affilie = await session.get(Affilie, affilie_id)
    if affilie is None:
        return None
    return Identite(
        prenom=affilie.prenom,
        nom=affilie.nom,
        nir_masque=masquer_nir(affilie.nir),
        employeur=await _raison_sociale(session, affilie.employeur_id),
    )


async def employeur_de_la_demande(session: AsyncSession, compte: Compte, demande_id: int) -> str | None:
    """The employer the request goes to (the one its mails name), the one to contact for the career check."""
    return await _raison_sociale(session, (await demande_visible(session, compte, demande_id)).employeur_id)


class _Piece(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def type(self) -> str: ...
    @property
    def demande_id(self) -> int | None: ...
    @property
    def cree_le(self) -> datetime | None: ...


P = TypeVar("P", bound=_Piece)


def remplacements(pieces: Sequence[P]) -> dict[int, P]:
    """Each document of a request replaced by a later one of the same kind (a RIS after a consolidation): its id
    and the document that replaces it (the next of its kind)."""
    suivants: dict[int, P] = {}
    par_sorte: dict[tuple[int, str], list[P]] = {}
    for piece in pieces:
        if piece.demande_id is not None and piece.id is not None:
            par_sorte.setdefault((piece.demande_id, piece.type), []).append(piece)
    for serie in par_sorte.values():
        serie.sort(key=lambda p: p.id or 0)  # ids follow the order of production
        for ancien, nouveau in pairwise(serie):
            suivants[ancien.id or 0] = nouveau
    return suivants


class AutourDuDocument(BaseModel):
    """What a document's page shows beside its content: whom it is about, the later version replacing it, and the
    request whose answer it calls for (a RIS awaiting the agent's validation or correction)."""

    identite: Identite | None
    remplace_par: dict[str, Any] | None = None
    demande_a_repondre: int | None = None


async def autour_du_document(session: AsyncSession, compte: Compte, doc: Document) -> AutourDuDocument:
    """The document must be one the account may read (checked by the caller)."""
    autour = AutourDuDocument(identite=await identite(session, doc.affilie_id))
    if doc.demande_id is None:
        return autour
    demande = await session.get(DemandeEirTable, doc.demande_id)
    freres = await depots.documents_de_la_demande(session, doc.demande_id, doc.type)
    suivant = remplacements(freres).get(numero(doc))
    if suivant is not None:
        autour.remplace_par = {"id": suivant.id, "cree_le": suivant.cree_le}
    elif (
        demande is not None
        and doc.type == TypeDocument.ris.value
        and demande.etat == "ris_disponible"
        and compte.role == Role.affilie.value
    ):
        autour.demande_a_repondre = demande.id
    return autour


# --- the agent's answers ---


async def _repondre(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, update: Any, argument: Intervention
) -> EtatDemande:
    demande = await demande_visible(session, compte, demande_id)
    exiger_l_agent(compte, demande, "Seul l'agent qui a fait la demande peut y répondre.")
    # The update may wait for the process's next state: the connection serves other requests meanwhile.
    await session.close()
    await mettre_a_jour(moteur, demande.workflow_id, update, avec_sequence(argument, demande))
    session.expunge_all()
    return await consulter(session, compte, demande_id)


def _compte_id(compte: Compte) -> int:
    return compte.id or 0


async def valider_ris(session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int) -> EtatDemande:
    action = ActionAffilie(compte_id=_compte_id(compte))
    return await _repondre(session, moteur, compte, demande_id, EirWorkflow.valider_ris, action)


async def demander_consolidation(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, corps: Consolidation
) -> EtatDemande:
    demande = DemandeConsolidation(compte_id=_compte_id(compte), periodes=corps.periodes)
    return await _repondre(session, moteur, compte, demande_id, EirWorkflow.demander_consolidation, demande)


async def repondre_enquete(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, corps: Enquete
) -> EtatDemande:
    reponses = ReponsesEnquete(compte_id=_compte_id(compte), reponses=corps.reponses, commentaire=corps.commentaire)
    return await _repondre(session, moteur, compte, demande_id, EirWorkflow.repondre_enquete, reponses)


async def retirer(session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int) -> EtatDemande:
    """Withdraw the request (at any step before the closure)."""
    action = ActionAffilie(compte_id=_compte_id(compte))
    return await _repondre(session, moteur, compte, demande_id, EirWorkflow.retirer, action)
