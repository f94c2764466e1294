"""The human-task inbox: an employer sees and answers its own tasks; a supervisor sees all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, TypeAdapter, model_validator

from api.deps import NUMERO_MAX, Employeur_ou_Superviseur, EtatDep, Identifiant, SessionDep
from api.pages.libelles import ETATS, libelle
from api.reponses import json_ecrit
from api.routers._temporal import mettre_a_jour
from domain.cir import LigneCir
from domain.etats import EtatTache, ProfilEmployeur, Role, TypeTache
from domain.taches import ReponseTache
from persistence import depots, depots_campagne
from persistence.models import Affilie, Compte, Tache
from workflows.eir import EirWorkflow
from workflows.rectification import RectificationWorkflow
from workflows.validation import EcheanceValidationWorkflow

router = APIRouter(prefix="/taches", tags=["tâches"])

# Which workflow update answers which kind of task (typed references, never strings).
_UPDATE_DE_COMPLETION = {
    TypeTache.verification_carriere_eir: EirWorkflow.completer_tache,
    TypeTache.consolidation_eir: EirWorkflow.completer_tache,
    TypeTache.correction_cir_rectification: RectificationWorkflow.completer_tache,
    TypeTache.obtention_donnees_rectification: RectificationWorkflow.completer_tache,
    TypeTache.transmission_donnees_rectification: RectificationWorkflow.completer_tache,
    TypeTache.certificats_services_validation: EcheanceValidationWorkflow.completer_tache,
}


class TachePublique(BaseModel):
    id: int
    type: str
    etat: str
    workflow_id: str
    demande_id: int | None
    employeur_id: int | None
    echeance: datetime | None
    en_retard: bool
    creee_le: datetime | None
    terminee_le: datetime | None
    relancee_le: datetime | None
    escaladee_le: datetime | None
    attribuee_a: int | None = Field(default=None, description="Compte qui a pris la tâche en charge (null : personne)")
    attribuee_le: datetime | None = None
    agent: dict[str, Any] | None = None
    details: dict[str, Any]
    reponse: dict[str, Any] | None


_LISTE_PUBLIQUE = TypeAdapter(list[TachePublique])


class Completion(BaseModel):
    carriere_verifiee: bool = Field(description="Vous avez vérifié la carrière CNRACL de l'agent")
    indice_fin_de_carriere: int | None = Field(
        default=None, ge=100, le=1500, description="Indice majoré de fin de carrière retenu"
    )
    corrections: list[LigneCir] = Field(default_factory=list, description="Lignes du CIR, une année civile par ligne")
    commentaire: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _une_ligne_par_periode(self) -> Completion:
        debuts = [ligne.date_debut for ligne in self.corrections]
        if len(debuts) != len(set(debuts)):
            raise ValueError(
                "corrections : deux lignes commencent le même jour ; une période ne se saisit qu'une fois."
            )
        return self


async def _tache_visible(session, compte: Compte, tache_id: int) -> Tache:
    tache = await session.get(Tache, tache_id)
    if tache is None or (compte.role == Role.employeur.value and tache.employeur_id != compte.employeur_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Aucune tâche n° {tache_id} dans votre corbeille.")
    return tache


async def _publique(session, tache: Tache, avec_agent: bool = False) -> TachePublique:
    agent = None
    if avec_agent and tache.affilie_id:
        affilie = await session.get(Affilie, tache.affilie_id)
        if affilie is not None:
            lignes = await depots.lignes_cir(session, affilie.id)
            agent = {
                "nom": affilie.nom,
                "prenom": affilie.prenom,
                "nir": affilie.nir,
                "date_de_naissance": affilie.date_de_naissance.isoformat(),
                "cir": [
                    {
                        "annee": lg.annee,
                        "date_debut": lg.date_debut.isoformat(),
                        "date_fin": lg.date_fin.isoformat(),
                        "quotite": lg.quotite,
                        "nature": lg.nature,
                        "indice_majore": lg.indice_majore,
                    }
                    for lg in lignes
                ],
            }
    assert tache.id is not None
    return TachePublique(
        id=tache.id,
        type=tache.type,
        etat=tache.etat,
        workflow_id=tache.workflow_id,
        demande_id=tache.demande_id,
        employeur_id=tache.employeur_id,
        echeance=tache.echeance,
        en_retard=bool(tache.etat == EtatTache.ouverte.value and tache.echeance and tache.echeance < datetime.now(UTC)),
        creee_le=tache.creee_le,
        terminee_le=tache.terminee_le,
        relancee_le=tache.relancee_le,
        escaladee_le=tache.escaladee_le,
        attribuee_a=tache.attribuee_a,
        attribuee_le=tache.attribuee_le,
        agent=agent,
        details=tache.details,
        reponse=tache.reponse,
    )


@router.get("", response_model=list[TachePublique])
async def corbeille(
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    etat: EtatTache | None = Query(default=EtatTache.ouverte, description="ouverte, terminee ou annulee"),
    type: TypeTache | None = None,
    employeur_id: Annotated[
        int | None, Query(ge=1, le=NUMERO_MAX, description="Superviseur : les tâches d'un employeur")
    ] = None,
    limite: int = Query(default=100, ge=1, le=500),
    decalage: int = Query(default=0, ge=0),
    attribution: Literal["toutes", "mes", "non_attribuees"] = Query(
        default="toutes",
        description="mes : celles que vous avez prises en charge ; non_attribuees : celles de personne",
    ),
) -> Response:
    """Due dates first, so overdue tasks come first."""
    return json_ecrit(
        _LISTE_PUBLIQUE,
        await taches_de_la_corbeille(compte, session, etat, type, employeur_id, limite, decalage, attribution),
    )


async def taches_de_la_corbeille(
    compte: Compte,
    session,
    etat: EtatTache | None,
    type: TypeTache | None,
    employeur_id: int | None,
    limite: int,
    decalage: int,
    attribution: str,
) -> list[TachePublique]:
    """The inbox of the route, for the pages too."""
    portee = compte.employeur_id if compte.role == Role.employeur.value else employeur_id
    lignes = await depots.lister_taches(
        session,
        portee,
        etat.value if etat else None,
        type.value if type else None,
        limite,
        decalage,
        attribuee_a=compte.id if attribution == "mes" else None,
        non_attribuees=attribution == "non_attribuees",
        en_lignes=True,
    )
    maintenant, ouverte = datetime.now(UTC), EtatTache.ouverte.value
    for ligne in lignes:
        ligne["en_retard"] = bool(ligne["etat"] == ouverte and ligne["echeance"] and ligne["echeance"] < maintenant)
    # Rows validated in one pass by pydantic-core, not one model built in Python per task.
    return _LISTE_PUBLIQUE.validate_python(lignes)


@router.get("/{tache_id}", response_model=TachePublique)
async def consulter(tache_id: Identifiant, compte: Employeur_ou_Superviseur, session: SessionDep) -> TachePublique:
    return await _publique(session, await _tache_visible(session, compte, tache_id), avec_agent=True)


@router.post("/{tache_id}/completion", response_model=TachePublique)
async def completer(
    tache_id: Identifiant, corps: Completion, compte: Employeur_ou_Superviseur, session: SessionDep, etat: EtatDep
) -> TachePublique:
    tache = await _tache_visible(session, compte, tache_id)
    if tache.etat != EtatTache.ouverte.value:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"La tâche n° {tache_id} est déjà {libelle(ETATS, tache.etat).lower()} : plus de réponse attendue.",
        )
    if tache.type == TypeTache.verification_carriere_eir.value:
        if not corps.carriere_verifiee:
            raise HTTPException(
                422,
                "carriere_verifiee : vérifiez la carrière de l'agent (et corrigez-la si besoin) "
                "avant de valider la tâche.",
            )
        if corps.indice_fin_de_carriere is None:
            raise HTTPException(
                422, "indice_fin_de_carriere : indiquez l'indice majoré de fin de carrière choisi avec l'agent."
            )
    if tache.type == TypeTache.maj_cir_campagne.value:
        # A campaign task records the employer's answer; the campaign counts what is done.
        if not corps.carriere_verifiee:
            raise HTTPException(
                422,
                "carriere_verifiee : mettez à jour le compte individuel retraite de l'agent "
                "(carrière, famille, indice) avant de terminer la tâche.",
            )
        await depots_campagne.terminer_tache_campagne(
            session,
            tache_id,
            compte.id,
            {"donnees_verifiees": True, "commentaire": corps.commentaire},
            datetime.now(UTC),
        )
        await session.commit()
        session.expunge_all()
        return await _publique(session, await _tache_visible(session, compte, tache_id))
    update = _UPDATE_DE_COMPLETION.get(tache.type)  # type: ignore[call-overload]
    if update is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Une tâche « {tache.type} » ne se complète pas par ce formulaire."
        )
    reponse = ReponseTache(
        tache_id=tache_id,
        compte_id=compte.id or 0,
        carriere_verifiee=corps.carriere_verifiee,
        indice_fin_de_carriere=corps.indice_fin_de_carriere,
        corrections=corps.corrections,
        commentaire=corps.commentaire,
    )
    await mettre_a_jour(await etat.client(), tache.workflow_id, update, reponse, session)
    session.expunge_all()
    return await _publique(session, await _tache_visible(session, compte, tache_id))


# --- attribution: who holds a task in its employer's inbox ---


class Attribution(BaseModel):
    compte_id: int | None = Field(
        ge=1,
        le=NUMERO_MAX,
        description="Le compte de l'établissement qui prend la tâche en charge ; null : plus personne ne la tient",
    )


class AttributionPublique(BaseModel):
    tache_id: int
    attribuee_a: int | None
    attribuee_a_nom: str | None
    attribuee_le: datetime | None


def _nom_du_compte(compte: Compte | None) -> str | None:
    if compte is None:
        return None
    nom = " ".join(p for p in (compte.prenom, compte.nom) if p)
    return nom or compte.identifiant


async def _attribution(session, tache: Tache) -> AttributionPublique:
    assert tache.id is not None
    titulaire = await session.get(Compte, tache.attribuee_a) if tache.attribuee_a else None
    return AttributionPublique(
        tache_id=tache.id,
        attribuee_a=tache.attribuee_a,
        attribuee_a_nom=_nom_du_compte(titulaire),
        attribuee_le=tache.attribuee_le,
    )


@router.get("/{tache_id}/attribution", response_model=AttributionPublique)
async def attribution(
    tache_id: Identifiant, compte: Employeur_ou_Superviseur, session: SessionDep
) -> AttributionPublique:
    """Who holds the task (``attribuee_a`` null: nobody, any user of the employer may take it)."""
    return await _attribution(session, await _tache_visible(session, compte, tache_id))


@router.post("/{tache_id}/attribution", response_model=AttributionPublique)
async def attribuer(
    tache_id: Identifiant, corps: Attribution, compte: Employeur_ou_Superviseur, session: SessionDep
) -> AttributionPublique:
    """Take the task (a user, for oneself, when nobody holds it), or assign it to an account of the same
    employer or take it back (the employer's administrator, a supervisor). Recorded in the history."""
    tache = await _tache_visible(session, compte, tache_id)
    if tache.etat != EtatTache.ouverte.value:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"La tâche n° {tache_id} est déjà {libelle(ETATS, tache.etat).lower()} : elle ne s'attribue plus.",
        )
    if tache.employeur_id is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"La tâche n° {tache_id} est dans la file des superviseurs : elle ne s'attribue pas à un employeur.",
        )
    if (
        corps.compte_id is not None
        and await depots.compte_de_l_employeur(session, tache.employeur_id, corps.compte_id) is None
    ):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"compte_id : aucun utilisateur actif n° {corps.compte_id} dans l'établissement de cette tâche.",
        )
    administre = compte.role == Role.superviseur.value or compte.profil == ProfilEmployeur.admin.value
    if not administre:
        if corps.compte_id is not None and corps.compte_id != compte.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "compte_id : vous pouvez prendre une tâche en charge pour "
                "vous-même ; seul l'administrateur de votre établissement "
                "l'attribue à un autre utilisateur.",
            )
        if tache.attribuee_a is not None and tache.attribuee_a != compte.id:
            titulaire = _nom_du_compte(await session.get(Compte, tache.attribuee_a))
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"La tâche n° {tache_id} est déjà prise en charge par "
                f"{titulaire} : demandez à l'administrateur de votre "
                "établissement de vous l'attribuer.",
            )
    acteur = "superviseur" if compte.role == Role.superviseur.value else "employeur"
    try:
        await depots.attribuer_tache(session, tache, corps.compte_id, datetime.now(UTC), acteur, compte.id)
    except depots.AttributionConcurrente as exc:
        await session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"La tâche n° {tache_id} vient de changer (prise en charge ou "
            "terminée par quelqu'un d'autre) : rechargez-la.",
        ) from exc
    await session.commit()
    return await _attribution(session, tache)
