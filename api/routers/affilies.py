"""CIR lines (compte individuel retraite), one calendar year per line (seed 000)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import Employeur_ou_Superviseur, SessionDep
from api.erreurs import reponse_erreur
from domain.cir import LigneCir, ecarts_cotisations
from domain.etats import Acteur, Role
from domain.identifiants import erreur_nir, normaliser
from persistence import depots
from persistence.models import Affilie, Compte

router = APIRouter(prefix="/affilies", tags=["CIR"])


class LigneCirPublique(BaseModel):
    annee: int
    date_debut: date
    date_fin: date
    quotite: int
    nature: str
    categorie: str
    indice_majore: int | None
    employeur_id: int | None
    traitement_brut: Decimal | None = Field(description="Traitement indiciaire brut soumis à retenue, en euros")
    nbi: Decimal | None = Field(description="NBI soumise à retenue, en euros")
    retenue_salariale: Decimal | None = Field(description="Retenue pour pension (part de l'agent), en euros")
    contribution_employeur: Decimal | None = Field(description="Contribution employeur CNRACL, en euros")


async def _affilie_visible(session, compte: Compte, nir: str) -> Affilie:
    if (erreur := erreur_nir(nir)) is not None:
        raise HTTPException(422, f"nir : {erreur}")
    affilie = await depots.affilie_par_nir(session, normaliser(nir))
    if affilie is None or (compte.role == Role.employeur.value and affilie.employeur_id != compte.employeur_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Aucun agent de ce NIR parmi vos agents.")
    return affilie


def _publique(ligne) -> LigneCirPublique:
    return LigneCirPublique(
        annee=ligne.annee,
        date_debut=ligne.date_debut,
        date_fin=ligne.date_fin,
        quotite=ligne.quotite,
        nature=ligne.nature,
        categorie=ligne.categorie,
        indice_majore=ligne.indice_majore,
        employeur_id=ligne.employeur_id,
        traitement_brut=depots.euros(ligne.traitement_brut_centimes),
        nbi=depots.euros(ligne.nbi_centimes),
        retenue_salariale=depots.euros(ligne.retenue_salariale_centimes),
        contribution_employeur=depots.euros(ligne.contribution_employeur_centimes),
    )


@router.get("/{nir}/cir", response_model=list[LigneCirPublique])
async def cir(nir: str, compte: Employeur_ou_Superviseur, session: SessionDep) -> list[LigneCirPublique]:
    affilie = await _affilie_visible(session, compte, nir)
    return [_publique(ligne) for ligne in await depots.lignes_cir(session, affilie.id)]  # type: ignore[arg-type]


@router.put("/{nir}/cir/{annee}", response_model=LigneCirPublique)
async def ecrire(
    nir: str, annee: int, ligne: LigneCir, compte: Employeur_ou_Superviseur, session: SessionDep
) -> LigneCirPublique | JSONResponse:
    """Create or replace the year's period starting on ``date_debut``: its administrative and contribution data
    together, in one transaction, or nothing. The declared contributions must match the assiette × the rates in
    force for the period (``domain/regles/cotisations.yaml``, within its tolerance); a period of a nature without
    contributions (disponibilité, congé parental, services validés) has none."""
    affilie = await _affilie_visible(session, compte, nir)
    if ligne.annee != annee:
        raise HTTPException(
            422,
            f"date_debut : la ligne porte sur {ligne.annee} mais l'adresse vise l'année {annee} ; "
            "une ligne du CIR se saisit dans son année civile.",
        )
    if ecarts := ecarts_cotisations(ligne):
        return reponse_erreur(
            422,
            " ; ".join(e.message for e in ecarts),
            [
                {
                    "champ": e.champ,
                    "regle": e.regle,
                    "message": e.message.partition(" : ")[2],
                    **({"attendu": f"{e.attendu:.2f}"} if e.attendu is not None else {}),
                }
                for e in ecarts
            ],
        )
    if chevauche := await depots.chevauchements_cir(session, affilie.id, ligne):  # type: ignore[arg-type]
        autre = chevauche[0]
        raise HTTPException(
            422,
            f"date_debut : la période chevauche celle du {autre.date_debut:%d/%m/%Y} au "
            f"{autre.date_fin:%d/%m/%Y} ; modifiez cette période plutôt que d'en créer une autre.",
        )
    employeur_id = compte.employeur_id if compte.role == Role.employeur.value else affilie.employeur_id
    maintenant = datetime.now(UTC)
    ecrite = await depots.ecrire_ligne_cir(
        session,
        affilie.id,
        ligne,
        employeur_id,
        maintenant,  # type: ignore[arg-type]
        garder_cotisations=False,
    )
    await depots.ajouter_evenement(
        session,
        f"cir-{affilie.cle}",
        "ligne_cir_ecrite",
        Acteur.employeur.value if compte.role == Role.employeur.value else Acteur.superviseur.value,
        maintenant,
        compte.id,
        {"annee": annee, "date_debut": ligne.date_debut.isoformat()},
    )
    await session.commit()
    return _publique(ecrite)
