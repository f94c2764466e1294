"""The annual DAI campaign (DESIGN §4.2): supervisors start, follow, pause and resume it, or dry-run it;
employers answer their campaign tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowFailureError

from api.deps import Employeur_ou_Superviseur, EtatDep, Identifiant, IdentifiantFacultatif, SessionDep, Superviseur
from api.routers._temporal import mettre_a_jour
from domain.campagne import TYPE_TACHE_CAMPAGNE, ActionSuperviseur, Cohorte, id_workflow_campagne
from domain.etats import Role
from persistence import depots_campagne
from persistence.models import Tache
from persistence.models_campagne import CampagneTable
from workflows.campagne import CampagneDaiWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne

router = APIRouter(prefix="/campagnes", tags=["campagne DAI"])

Annee = Path(ge=2007, le=2100, description="Année de campagne N (lancement en juillet N, envoi en N+1)")


class CampagnePublique(BaseModel):
    annee: int
    annee_envoi: int
    workflow_id: str
    simulation: bool
    etape: str
    en_pause: bool
    prochaine_echeance: datetime | None
    calendrier: dict[str, Any]
    compteurs: dict[str, Any]
    progression: dict[str, Any]
    retardataires: list[dict[str, Any]]
    previsionnel: dict[str, Any] | None = None


class Pilotage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    motif: str = Field(default="", max_length=500, description="Pourquoi (consigné dans l'historique)")


class CompletionCampagne(BaseModel):
    model_config = ConfigDict(extra="forbid")
    donnees_verifiees: bool = Field(description="Les données de carrière, familiales et indiciaires sont à jour")
    commentaire: str = Field(default="", max_length=2000)


async def _campagne(session, annee: int, simulation: bool) -> CampagneTable:
    campagne = await depots_campagne.campagne_par_annee(session, annee, simulation)
    if campagne is None:
        quoi = "Aucune simulation de la campagne" if simulation else "Aucune campagne"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{quoi} {annee} : lancez-la d'abord (POST /campagnes/{annee}).")
    return campagne


async def _publique(session, campagne: CampagneTable) -> CampagnePublique:
    assert campagne.id is not None
    return CampagnePublique(
        annee=campagne.annee,
        annee_envoi=campagne.annee_envoi,
        workflow_id=campagne.workflow_id,
        simulation=campagne.simulation,
        etape=campagne.etape,
        en_pause=campagne.en_pause,
        prochaine_echeance=campagne.prochaine_echeance,
        calendrier=campagne.calendrier,
        compteurs=campagne.compteurs,
        progression=await depots_campagne.progression(session, campagne),
        retardataires=await depots_campagne.retardataires(session, campagne.id, campagne.workflow_id, limite=20),
        previsionnel=campagne.previsionnel,
    )


@router.post("/{annee}", response_model=CampagnePublique, status_code=status.HTTP_202_ACCEPTED)
async def lancer(
    _: Superviseur,
    session: SessionDep,
    etat: EtatDep,
    annee: int = Annee,
    simulation: bool = Query(default=False, description="Simulation : compter sans rien envoyer"),
) -> CampagnePublique:
    """Start campaign N (again: returns the running one). With ``simulation=true``, run the dry run and
    return its report: who would receive what, mails and tasks per week; nothing is sent."""
    client = await etat.client()
    handle = await demarrer_campagne(
        client, etat.settings.task_queue, demande_campagne(etat.settings, annee, simulation)
    )
    if simulation:
        try:
            await handle.result()
        except WorkflowFailureError as exc:
            raise HTTPException(503, "La simulation n'a pas abouti : réessayez dans quelques minutes.") from exc
    session.expunge_all()
    return await _publique(session, await _attendre_campagne(session, annee, simulation))


async def _attendre_campagne(session, annee: int, simulation: bool) -> CampagneTable:
    import asyncio

    for _ in range(100):
        campagne = await depots_campagne.campagne_par_annee(session, annee, simulation)
        if campagne is not None:
            return campagne
        await asyncio.sleep(0.1)
    raise HTTPException(503, "La campagne démarre : consultez-la dans quelques instants (GET /campagnes/{annee}).")


@router.get("/{annee}", response_model=CampagnePublique)
async def consulter(
    _: Superviseur,
    session: SessionDep,
    annee: int = Annee,
    simulation: bool = Query(default=False, description="La dernière simulation de cette année"),
) -> CampagnePublique:
    """Progress by cohort and state, by employer (late ones first), exports, documents."""
    return await _publique(session, await _campagne(session, annee, simulation))


@router.get("/{annee}/employeurs")
async def employeurs(
    _: Superviseur,
    session: SessionDep,
    annee: int = Annee,
    en_retard: bool | None = Query(default=None, description="true : les retardataires seuls"),
    simulation: bool = False,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    campagne = await _campagne(session, annee, simulation)
    return await depots_campagne.employeurs_de_la_campagne(session, campagne, en_retard, limite, decalage)


@router.get("/{annee}/agents")
async def agents(
    _: Superviseur,
    session: SessionDep,
    annee: int = Annee,
    simulation: bool = False,
    employeur_id: IdentifiantFacultatif = None,
    cohorte: Cohorte | None = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    """Who receives (or, for a dry run, would receive) which document."""
    campagne = await _campagne(session, annee, simulation)
    assert campagne.id is not None
    return await depots_campagne.cibles_de_la_campagne(
        session, campagne.id, employeur_id, cohorte.value if cohorte else None, limite, decalage
    )


@router.post("/{annee}/pause")
async def pause(
    compte: Superviseur, etat: EtatDep, session: SessionDep, annee: int = Annee, corps: Pilotage | None = None
) -> dict[str, Any]:
    await _campagne(session, annee, False)
    vue = await mettre_a_jour(
        await etat.client(),
        id_workflow_campagne(annee),
        CampagneDaiWorkflow.suspendre,
        ActionSuperviseur(compte.id or 0, corps.motif if corps else ""),
    )
    return {"annee": annee, "en_pause": vue.en_pause, "etape": vue.etape}


@router.post("/{annee}/reprise")
async def reprise(
    compte: Superviseur, etat: EtatDep, session: SessionDep, annee: int = Annee, corps: Pilotage | None = None
) -> dict[str, Any]:
    await _campagne(session, annee, False)
    vue = await mettre_a_jour(
        await etat.client(),
        id_workflow_campagne(annee),
        CampagneDaiWorkflow.reprendre,
        ActionSuperviseur(compte.id or 0, corps.motif if corps else ""),
    )
    return {"annee": annee, "en_pause": vue.en_pause, "etape": vue.etape}


@router.post("/{annee}/taches/{tache_id}/completion")
async def completer(
    corps: CompletionCampagne,
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    tache_id: Identifiant,
    annee: int = Annee,
) -> dict[str, Any]:
    """The employer has updated the agent's CIR (``PUT /affilies/{nir}/cir/{annee}``) and says so."""
    tache = await session.get(Tache, tache_id)
    if (
        tache is None
        or tache.type != TYPE_TACHE_CAMPAGNE
        or tache.workflow_id != id_workflow_campagne(annee)
        or (compte.role == Role.employeur.value and tache.employeur_id != compte.employeur_id)
    ):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"Aucune tâche n° {tache_id} de la campagne {annee} dans votre corbeille."
        )
    if not corps.donnees_verifiees:
        raise HTTPException(
            422,
            "donnees_verifiees : mettez à jour le compte individuel retraite de l'agent "
            "(carrière, famille, indice) avant de terminer la tâche.",
        )
    if not await depots_campagne.terminer_tache_campagne(
        session, tache_id, compte.id, corps.model_dump(), datetime.now(UTC)
    ):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"La tâche n° {tache_id} n'attend plus de réponse : elle est déjà terminée ou annulée.",
        )
    await session.commit()
    return {"id": tache_id, "etat": "terminee"}
