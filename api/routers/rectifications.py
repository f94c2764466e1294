"""Rectificative RIS/EIG requests (DESIGN §4.3): the agent (or a supervisor for them) files; both follow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel import col, func, select

from api.deps import Affilie_ou_Superviseur, CompteCourant, EtatDep, Identifiant, SessionDep, affaire_de_l_agent
from domain.etats import Acteur, Role
from domain.identifiants import erreur_nir, erreur_siret, normaliser
from domain.rectification import DelaisTache, DemandeRectification, EtatRectification, Routage
from domain.regles import parametre
from persistence import depots
from persistence.models import Affilie, Compte, LigneCirTable, RectificationTable
from workflows.rectification import RectificationWorkflow

router = APIRouter(prefix="/rectifications", tags=["rectifications"])


class NouvelleRectification(BaseModel):
    type_document: Literal["ris", "eig"] = Field(description="Le document erroné : ris ou eig")
    annee_document: int = Field(ge=2007, le=2100, description="Année du document")
    periode_debut: date
    periode_fin: date
    motif: str = Field(min_length=3, max_length=2000, description="Ce qui est faux sur cette période")
    siret_employeur: str | None = Field(default=None, description="SIRET de l'employeur public de la période")
    regime: str | None = Field(default=None, description="Autre régime : regime_general, msa, ircantec…")
    nir: str | None = Field(default=None, description="Superviseur : NIR de l'agent")

    @field_validator("siret_employeur")
    @classmethod
    def _siret(cls, valeur: str | None) -> str | None:
        if valeur is not None and (erreur := erreur_siret(valeur)):
            raise ValueError(erreur)
        return normaliser(valeur) if valeur else None

    @field_validator("nir")
    @classmethod
    def _nir(cls, valeur: str | None) -> str | None:
        if valeur is not None and (erreur := erreur_nir(valeur)):
            raise ValueError(erreur)
        return normaliser(valeur) if valeur else None

    @model_validator(mode="after")
    def _periode(self) -> NouvelleRectification:
        if self.periode_fin < self.periode_debut:
            raise ValueError("periode_fin : la fin de la période précède son début.")
        if self.siret_employeur and self.regime:
            raise ValueError(
                "regime : indiquez soit le SIRET de l'employeur public, soit l'autre régime, pas les deux."
            )
        return self


class EtatRectificationPublic(BaseModel):
    id: int
    reference: str
    workflow_id: str
    type_document: str
    annee_document: int
    periode_debut: date
    periode_fin: date
    routage: str
    reclamation_eig: bool
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    document_rectifie_id: int | None
    historique: list[dict[str, Any]]


async def _router(session, affilie: Affilie, corps: NouvelleRectification):
    """(routage, employeur de la période, employeur actuel) — or a 422 saying what is missing."""
    if corps.regime:
        regimes = parametre("regimes", "regimes", date.today()).valeur
        if corps.regime not in regimes:
            raise HTTPException(422, f"regime : « {corps.regime} » inconnu ; valeurs possibles : {', '.join(regimes)}.")
        return Routage.autre_regime, None
    employeur_periode_id = None
    if corps.siret_employeur:
        employeur = await depots.employeur_par_siret(session, corps.siret_employeur)
        if employeur is None:
            return Routage.employeur_precedent_hors_systeme, None
        employeur_periode_id = employeur.id
    else:
        lignes = (
            await session.exec(
                select(LigneCirTable).where(
                    LigneCirTable.affilie_id == affilie.id,
                    LigneCirTable.date_debut <= corps.periode_fin,
                    LigneCirTable.date_fin >= corps.periode_debut,
                )
            )
        ).all()
        employeurs = {ligne.employeur_id for ligne in lignes if ligne.employeur_id}
        if not employeurs:
            raise HTTPException(
                422,
                "siret_employeur : aucune période CNRACL connue à ces dates ; indiquez le SIRET "
                "de l'employeur public de la période, ou le régime (regime) s'il s'agit d'un "
                "emploi privé ou d'un autre régime.",
            )
        employeur_periode_id = affilie.employeur_id if affilie.employeur_id in employeurs else min(employeurs)
    if employeur_periode_id == affilie.employeur_id:
        return Routage.employeur_actuel, employeur_periode_id
    return Routage.employeur_precedent, employeur_periode_id


async def _visible(session, compte: Compte, rectification_id: int) -> RectificationTable:
    return await affaire_de_l_agent(
        session,
        compte,
        RectificationTable,
        rectification_id,
        f"Aucune demande de rectification n° {rectification_id} dans votre espace.",
    )


async def _public(session, r: RectificationTable) -> EtatRectificationPublic:
    assert r.id is not None
    evenements = await depots.historique(session, r.workflow_id)
    return EtatRectificationPublic(
        id=r.id,
        reference=f"RECT-{r.id}",
        workflow_id=r.workflow_id,
        type_document=r.type_document,
        annee_document=r.annee_document,
        periode_debut=r.periode_debut,
        periode_fin=r.periode_fin,
        routage=r.routage,
        reclamation_eig=r.reclamation_eig,
        etat=r.etat,
        en_attente_de=r.en_attente_de,
        echeance=r.echeance,
        document_rectifie_id=r.document_rectifie_id,
        historique=[
            {"type": e.type, "acteur": e.acteur, "horodatage": e.horodatage, "details": e.details} for e in evenements
        ],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EtatRectificationPublic)
async def demander(corps: NouvelleRectification, compte: Affilie_ou_Superviseur, session: SessionDep, etat: EtatDep):
    if compte.role == Role.superviseur.value:
        if not corps.nir:
            raise HTTPException(422, "nir : indiquez le NIR de l'agent pour qui vous faites la demande.")
        affilie = await depots.affilie_par_nir(session, corps.nir)
        if affilie is None:
            raise HTTPException(422, "nir : aucun affilié de ce NIR à la CNRACL.")
    else:
        if corps.nir:
            raise HTTPException(403, "nir : un agent ne demande la rectification que de ses propres documents.")
        affilie = await session.get(Affilie, compte.affilie_id)
    assert affilie is not None and affilie.id is not None
    routage, employeur_periode_id = await _router(session, affilie, corps)
    if routage is not Routage.autre_regime and affilie.employeur_id is None and employeur_periode_id is None:
        raise HTTPException(
            422, "siret_employeur : aucun employeur CNRACL ne peut corriger cette période ; contactez la CNRACL."
        )
    client = await etat.client()
    rang = (
        await session.exec(
            select(func.count()).select_from(RectificationTable).where(RectificationTable.affilie_id == affilie.id)
        )
    ).one() + 1
    maintenant = datetime.now(UTC)
    rectification = RectificationTable(
        workflow_id=f"rectification-{affilie.cle}-{rang}",
        affilie_id=affilie.id,
        type_document=corps.type_document,
        annee_document=corps.annee_document,
        periode_debut=corps.periode_debut,
        periode_fin=corps.periode_fin,
        motif=corps.motif,
        employeur_periode_siret=corps.siret_employeur,
        employeur_periode_id=employeur_periode_id,
        employeur_actuel_id=affilie.employeur_id,
        regime=corps.regime,
        routage=routage.value,
        reclamation_eig=corps.type_document == "eig",
        etat=EtatRectification.enregistree.value,
        en_attente_de=Acteur.cnracl.value,
        creee_le=maintenant,
        modifiee_le=maintenant,
    )
    session.add(rectification)
    await session.flush()
    await depots.ajouter_evenement(
        session,
        rectification.workflow_id,
        "rectification_demandee",
        compte.role,
        maintenant,
        compte.id,
        {"routage": routage.value, "document": corps.type_document},
    )
    await session.commit()
    assert rectification.id is not None
    reglages = etat.settings
    try:
        await client.start_workflow(
            RectificationWorkflow.run,
            DemandeRectification(
                rectification.id,
                routage,
                rectification.reclamation_eig,
                affilie.employeur_id,
                employeur_periode_id if routage is Routage.employeur_precedent else None,
                DelaisTache(reglages.relance_employeur, reglages.escalade_superviseur),
            ),
            id=rectification.workflow_id,
            task_queue=reglages.task_queue,
        )
    except Exception:
        await session.delete(rectification)
        await session.commit()
        raise HTTPException(
            503, "Le moteur de processus est momentanément indisponible : réessayez dans quelques minutes."
        )
    return await _public(session, rectification)


@router.get("", response_model=list[EtatRectificationPublic])
async def lister(compte: Affilie_ou_Superviseur, session: SessionDep) -> list[EtatRectificationPublic]:
    requete = select(RectificationTable).order_by(col(RectificationTable.id).desc()).limit(100)
    if compte.role == Role.affilie.value:
        requete = requete.where(RectificationTable.affilie_id == compte.affilie_id)
    return [await _public(session, r) for r in (await session.exec(requete)).all()]


@router.get("/{rectification_id}", response_model=EtatRectificationPublic)
async def consulter(
    rectification_id: Identifiant, compte: CompteCourant, session: SessionDep
) -> EtatRectificationPublic:
    return await _public(session, await _visible(session, compte, rectification_id))
