"""EIR routes (DESIGN §6): the agent starts and answers; supervisors start phone requests and read all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.deps import Affilie_ou_Superviseur, CompteCourant, EtatDep, Identifiant, SessionDep, affaire_de_l_agent
from api.erreurs import reponse_erreur
from api.routers._temporal import mettre_a_jour
from domain.eir import ActionAffilie, DemandeConsolidation, PeriodeASignaler, ReponsesEnquete
from domain.etats import Role, TypeDocument
from domain.identifiants import erreur_nir, normaliser
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.eligibilite import verifier_eligibilite_eir
from persistence.models import Affilie, Compte, DemandeEirTable
from workflows.client import delais_eir, demarrer_eir
from workflows.eir import EirWorkflow

router = APIRouter(prefix="/eir", tags=["EIR"])
PARIS = ZoneInfo("Europe/Paris")


class NouvelleDemande(BaseModel):
    nir: str | None = Field(default=None, description="NIR de l'agent (demande par téléphone, superviseur seulement)")

    @field_validator("nir")
    @classmethod
    def _nir(cls, valeur: str | None) -> str | None:
        if valeur is None:
            return None
        if (erreur := erreur_nir(valeur)) is not None:
            raise ValueError(erreur)
        return normaliser(valeur)


class DemandeCreee(BaseModel):
    id: int
    reference: str
    workflow_id: str
    etat: str


class EvenementPublic(BaseModel):
    type: str
    acteur: str
    horodatage: datetime
    details: dict[str, Any]


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
    historique: list[EvenementPublic]


class Consolidation(BaseModel):
    periodes: list[PeriodeASignaler] = Field(min_length=1, description="Périodes à compléter ou corriger")


class Enquete(BaseModel):
    reponses: list[int] = Field(min_length=5, max_length=5, description="Cinq notes de 1 à 5")
    commentaire: str = Field(default="", max_length=2000)

    @field_validator("reponses")
    @classmethod
    def _notes(cls, notes: list[int]) -> list[int]:
        if any(not 1 <= n <= 5 for n in notes):
            raise ValueError("chaque note va de 1 (pas du tout satisfait) à 5 (très satisfait)")
        return notes


async def _demande_visible(session, compte: Compte, demande_id: int) -> DemandeEirTable:
    """The request if this account may see it: its owner, or a supervisor. Otherwise 404."""
    return await affaire_de_l_agent(
        session, compte, DemandeEirTable, demande_id, f"Aucune demande d'EIR n° {demande_id} dans votre espace."
    )


def _proprietaire(compte: Compte, demande: DemandeEirTable) -> None:
    if compte.role != Role.affilie.value or compte.affilie_id != demande.affilie_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Seul l'agent qui a fait la demande peut y répondre.")


async def _etat_demande(session, demande: DemandeEirTable) -> EtatDemande:
    evenements = await depots.historique(session, demande.workflow_id)
    assert demande.id is not None
    return EtatDemande(
        id=demande.id,
        reference=f"EIR-{demande.id}",
        workflow_id=demande.workflow_id,
        date_demande=demande.date_demande,
        canal=demande.canal,
        etape=demande.etape,
        phase=demande.phase,
        etat=demande.etat,
        en_attente_de=demande.en_attente_de,
        echeance=demande.echeance,
        tache_id=demande.tache_id,
        indice_fin_de_carriere=demande.indice_fin_de_carriere,
        historique=[
            EvenementPublic(type=e.type, acteur=e.acteur, horodatage=e.horodatage, details=e.details)
            for e in evenements
        ],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandeCreee,
    responses={409: {"description": "Une demande est déjà en cours"}, 422: {"description": "Inéligible"}},
)
async def demander(corps: NouvelleDemande, compte: Affilie_ou_Superviseur, etat: EtatDep, session: SessionDep):
    """Start an EIR: the agent for themself, or a supervisor for a phone request (``nir``)."""
    if compte.role == Role.superviseur.value:
        if corps.nir is None:
            return reponse_erreur(
                422,
                "nir : indiquez le NIR de l'agent pour une demande par téléphone.",
                [{"champ": "nir", "regle": "obligatoire", "message": "NIR de l'agent requis"}],
            )
        affilie = await depots.affilie_par_nir(session, corps.nir)
        canal = "telephone"
    else:
        affilie = await session.get(Affilie, compte.affilie_id) if compte.affilie_id else None
        canal = "en_ligne"
    aujourd_hui = datetime.now(PARIS).date()
    refus = await verifier_eligibilite_eir(session, affilie, aujourd_hui)
    if refus is not None:
        return reponse_erreur(
            409 if refus.conflit else 422,
            refus.message,
            [{"champ": "nir" if canal == "telephone" else "demande", "regle": refus.regle, "message": refus.message}],
        )
    assert affilie is not None
    client = await etat.client()
    try:
        demande = await depots.creer_demande_eir(
            session, affilie, aujourd_hui, canal, datetime.now(UTC), id_workflow_eir
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return reponse_erreur(409, "Une demande d'entretien vient d'être enregistrée pour cet agent.")
    try:
        await demarrer_eir(
            client,
            etat.settings.task_queue,
            demande.id,
            demande.workflow_id,
            demande.date_demande,
            delais_eir(etat.settings),
        )
    except Exception:
        # Not started: remove the request so that the agent can simply try again.
        await session.delete(demande)
        await session.commit()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "Le moteur de processus est momentanément indisponible : réessayez dans quelques minutes.",
        )
    assert demande.id is not None
    return DemandeCreee(
        id=demande.id, reference=f"EIR-{demande.id}", workflow_id=demande.workflow_id, etat=demande.etat
    )


@router.get("", response_model=list[EtatDemande])
async def mes_demandes(compte: Affilie_ou_Superviseur, session: SessionDep) -> list[EtatDemande]:
    """The agent's own requests (a supervisor lists every process at ``/processus``)."""
    requete = select(DemandeEirTable).order_by(col(DemandeEirTable.id).desc())
    if compte.role == Role.affilie.value:
        requete = requete.where(DemandeEirTable.affilie_id == compte.affilie_id)
    demandes = (await session.exec(requete.limit(100))).all()
    return [await _etat_demande(session, d) for d in demandes]


@router.get("/{demande_id}", response_model=EtatDemande)
async def consulter(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> EtatDemande:
    """The business state, read from the projection written with each change (no worker needed)."""
    return await _etat_demande(session, await _demande_visible(session, compte, demande_id))


async def _repondre(demande_id, compte, session, etat, update, argument) -> EtatDemande:
    demande = await _demande_visible(session, compte, demande_id)
    _proprietaire(compte, demande)
    await mettre_a_jour(await etat.client(), demande.workflow_id, update, argument, session)
    session.expunge_all()
    return await consulter(demande_id, compte, session)


@router.post("/{demande_id}/ris/validation", response_model=EtatDemande)
async def valider_ris(demande_id: Identifiant, compte: CompteCourant, session: SessionDep, etat: EtatDep):
    return await _repondre(
        demande_id, compte, session, etat, EirWorkflow.valider_ris, ActionAffilie(compte_id=compte.id or 0)
    )


@router.post("/{demande_id}/ris/consolidation", response_model=EtatDemande)
async def demander_consolidation(
    demande_id: Identifiant, corps: Consolidation, compte: CompteCourant, session: SessionDep, etat: EtatDep
):
    return await _repondre(
        demande_id,
        compte,
        session,
        etat,
        EirWorkflow.demander_consolidation,
        DemandeConsolidation(compte_id=compte.id or 0, periodes=corps.periodes),
    )


async def _dernier_document(session, compte, demande_id: int, type: TypeDocument, absent: str) -> dict[str, Any]:
    demande = await _demande_visible(session, compte, demande_id)
    documents = await depots.documents_de_la_demande(session, demande.id, type.value)  # type: ignore[arg-type]
    if not documents:
        raise HTTPException(404, absent)
    return {"document_id": documents[-1].id, "cree_le": documents[-1].cree_le, **documents[-1].contenu}


@router.get("/{demande_id}/ris")
async def ris(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """The latest RIS of the request."""
    return await _dernier_document(
        session,
        compte,
        demande_id,
        TypeDocument.ris,
        "Le relevé de situation n'est pas encore disponible : votre employeur vérifie votre carrière.",
    )


@router.get("/{demande_id}/bilan")
async def bilan(demande_id: Identifiant, compte: CompteCourant, session: SessionDep) -> dict[str, Any]:
    """The bilan personnalisé: rights and simulations at several departure ages."""
    return await _dernier_document(
        session,
        compte,
        demande_id,
        TypeDocument.bilan,
        "Le bilan n'est pas encore disponible : il est produit après la validation de votre relevé.",
    )


@router.post("/{demande_id}/enquete", response_model=EtatDemande)
async def enquete(demande_id: Identifiant, corps: Enquete, compte: CompteCourant, session: SessionDep, etat: EtatDep):
    return await _repondre(
        demande_id,
        compte,
        session,
        etat,
        EirWorkflow.repondre_enquete,
        ReponsesEnquete(compte_id=compte.id or 0, reponses=corps.reponses, commentaire=corps.commentaire),
    )


@router.delete("/{demande_id}", response_model=EtatDemande)
async def retirer(demande_id: Identifiant, compte: CompteCourant, session: SessionDep, etat: EtatDep):
    """Withdraw the request (at any step before the closure)."""
    return await _repondre(
        demande_id, compte, session, etat, EirWorkflow.retirer, ActionAffilie(compte_id=compte.id or 0)
    )
